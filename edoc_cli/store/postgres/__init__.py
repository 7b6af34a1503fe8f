"""The PostgreSQL store (`EDOC_STORE=postgresql://…`): one desk for a team on many machines.

`schema`: the tables and their migrations; `store`: the store and its snapshots. psycopg 3 is an
optional dependency: `pip install 'edoc-cli[postgres]'`.
"""
