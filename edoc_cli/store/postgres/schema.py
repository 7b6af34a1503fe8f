"""The PostgreSQL store's schema, version by version: `edoc store init` creates it (idempotent),
`edoc store migrate` brings an older one up to date in one transaction.

Tables (in the schema `edoc`):
- tickets: one row a ticket: the ticket's JSON (`doc`, the history left out) and the fields that
  lists sort and filter on and that find a client, indexed; and (version 3) `search`, all that
  `edoc search` compares, folded (search.index_text, made by edoc, not by the server's collation):
  a search picks its candidates there, and the matcher decides on each ticket read.
- events: the history, one row an event, append-only (no edoc role may UPDATE or DELETE it).
- counters: the highest registration number issued, per prefix and year (gapless numbers: the
  registration and the counter commit together).
- summaries: a closed ticket's report summary, by registration month.
- meta: the schema version and the last sweep's time.
- mail, files (version 4): the outbox, the messages seen, the intake queue; attachments.

Every ticket row and every event row says which edoc write checked it (version 2): `checked`,
the id of the transaction that wrote the row after checking the ticket by `ticket_rules` (the
row's `xmin` then equals it); a ticket row also `rules`, the version of those rules, and
`n_events`, its events then. A reader trusts a ticket whose rows are all still what such writes
left (events none missing, none signed after the ticket) and checks every other one, as the JSON
store checks every record, its indexed columns against its JSON too: a hand edit in psql, a
restore or a replica's copy is checked on every read until `edoc check --repair` (or `edoc store
migrate`), run by the tables' owner, checks it and signs it again.

`json` (not `jsonb`) keeps each document's text as written: a ticket's JSON reads back with its
keys in the same order, so `show --json` and `export` are identical on both stores.
"""

from __future__ import annotations

SCHEMA_VERSION = 4

SCHEMA_V1 = """
CREATE SCHEMA IF NOT EXISTS edoc;
CREATE TABLE IF NOT EXISTS edoc.meta (key text PRIMARY KEY, value json NOT NULL);
CREATE TABLE IF NOT EXISTS edoc.counters (key text PRIMARY KEY, highest bigint NOT NULL CHECK (highest >= 0));
CREATE TABLE IF NOT EXISTS edoc.tickets (
    id text PRIMARY KEY,
    prefix text NOT NULL, year integer NOT NULL, n bigint NOT NULL,
    status text NOT NULL, category text NOT NULL, channel text NOT NULL, sla_level text NOT NULL,
    assignee text, priority text,
    created_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
    client_name text, client_iin text, client_bin text, client_email text, client_phone text,
    doc json NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_open ON edoc.tickets (status) WHERE status <> 'closed';
CREATE INDEX IF NOT EXISTS tickets_number ON edoc.tickets (prefix, year, n);
CREATE INDEX IF NOT EXISTS tickets_created ON edoc.tickets (created_at);
CREATE INDEX IF NOT EXISTS tickets_assignee ON edoc.tickets (assignee);
CREATE INDEX IF NOT EXISTS tickets_client ON edoc.tickets (client_iin, client_bin, client_email, client_phone);
CREATE TABLE IF NOT EXISTS edoc.events (
    ticket_id text NOT NULL REFERENCES edoc.tickets (id),
    seq integer NOT NULL,
    at timestamptz NOT NULL, by text NOT NULL, type text NOT NULL,
    data json NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);
CREATE TABLE IF NOT EXISTS edoc.summaries (
    id text PRIMARY KEY REFERENCES edoc.tickets (id),
    month text NOT NULL,
    row json NOT NULL
);
CREATE INDEX IF NOT EXISTS summaries_month ON edoc.summaries (month);
INSERT INTO edoc.meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;
"""

# Version 2: which write checked each ticket and each event (see above). Rows of version 1 are
# checked on read until the migration signs the sound ones (store.PgStore.init). No default for
# `checked`: a row a person inserts by hand is unsigned, whatever else it copies.
SCHEMA_V2 = """
ALTER TABLE edoc.tickets ADD COLUMN IF NOT EXISTS checked xid8;
ALTER TABLE edoc.tickets ADD COLUMN IF NOT EXISTS rules integer NOT NULL DEFAULT 0;
ALTER TABLE edoc.tickets ADD COLUMN IF NOT EXISTS n_events integer NOT NULL DEFAULT 0;
ALTER TABLE edoc.events ADD COLUMN IF NOT EXISTS checked xid8;
UPDATE edoc.tickets SET n_events = (SELECT count(*) FROM edoc.events e WHERE e.ticket_id = edoc.tickets.id);
CREATE INDEX IF NOT EXISTS tickets_category ON edoc.tickets (category, sla_level) WHERE status <> 'closed';
"""

# Version 3: the text a search looks in. Rows of version 2 have none (NULL) until the migration checks
# and signs them again with it (store.PgStore.init); meanwhile a search reads them all.
SCHEMA_V3 = """
ALTER TABLE edoc.tickets ADD COLUMN IF NOT EXISTS search text;
"""

# Version 4: mail (store/mail_rows.py): rows of the outbox, of messages seen and of the intake queue,
# and files kept with them (attachments).
SCHEMA_V4 = """
CREATE TABLE IF NOT EXISTS edoc.mail (kind text NOT NULL, n bigint NOT NULL, doc json NOT NULL, PRIMARY KEY (kind, n));
CREATE TABLE IF NOT EXISTS edoc.files (owner text NOT NULL, name text NOT NULL, content bytea NOT NULL,
    PRIMARY KEY (owner, name));
"""

# version -> the SQL that brings the schema from the one before it to this one
MIGRATIONS = {1: SCHEMA_V1, 2: SCHEMA_V2, 3: SCHEMA_V3, 4: SCHEMA_V4}

# Whether a row is as the write that checked it left it (the reader then need not check it again):
# the row's version (xmin) is that write's transaction, by the rules of this edoc, with the events it
# had, each of them as a write no later than the ticket's left it. Transaction ids are compared in
# full (xid8): a 32-bit age() wraps on a busy cluster and would trust an event edited since.
_SIGNED = "{alias}.xmin::text = mod({alias}.checked::text::numeric, 4294967296)::text"
ROW_SIGNED = "(t.checked IS NOT NULL AND t.rules = {rules} AND " + _SIGNED.format(alias="t") + ")"
TRUSTED = "(" + ROW_SIGNED + " AND ev.n = t.n_events AND ev.signed)"
EVENTS = """LEFT JOIN LATERAL (SELECT json_agg(e.data ORDER BY e.seq) AS history, count(*) AS n,
    coalesce(bool_and(coalesce(e.checked <= t.checked AND """ + _SIGNED.format(alias="e") + """, false)), true)
        AS signed
    FROM edoc.events e WHERE e.ticket_id = t.id) ev ON true"""
# The columns lists filter on, as JSON, for a row that is not trusted: they must agree with its JSON.
COLUMNS = ("json_build_array(t.id, t.prefix, t.year, t.n, t.status, t.category, t.channel, t.sla_level,"
           " t.assignee, t.priority, t.created_at, t.received_at, t.client_name, t.client_iin, t.client_bin,"
           " t.client_email, t.client_phone)::text")

# `edoc store init --roles`: group roles (NOLOGIN) that login roles join: GRANT edoc_operator TO aida.
ROLES = ("edoc_operator", "edoc_sweep", "edoc_supervisor")

ROLES_SQL = """
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['edoc_operator', 'edoc_sweep', 'edoc_supervisor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA edoc TO %I', r);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA edoc TO %I', r);
        EXECUTE format('GRANT INSERT, UPDATE ON edoc.tickets, edoc.counters, edoc.meta TO %I', r);
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON edoc.summaries TO %I', r);
        EXECUTE format('GRANT INSERT ON edoc.events TO %I', r);
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON edoc.mail, edoc.files TO %I', r);
    END LOOP;
END $$;
-- The history is append-only for every edoc role: no UPDATE or DELETE on events, for anyone but its owner.
REVOKE UPDATE, DELETE, TRUNCATE ON edoc.events FROM PUBLIC, edoc_operator, edoc_sweep, edoc_supervisor;
-- Clause 16: only a supervisor stops service for abuse.
CREATE OR REPLACE FUNCTION edoc.only_supervisors_terminate() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF NEW.type = 'terminated'
       AND NOT pg_has_role(current_user, 'edoc_supervisor', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'only a supervisor may stop service for abuse (clause 16)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $f$;
DROP TRIGGER IF EXISTS only_supervisors_terminate ON edoc.events;
CREATE TRIGGER only_supervisors_terminate BEFORE INSERT ON edoc.events
    FOR EACH ROW EXECUTE FUNCTION edoc.only_supervisors_terminate();
"""
