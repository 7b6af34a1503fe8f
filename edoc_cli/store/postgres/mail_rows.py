"""The PostgreSQL store's mail rows and files (store/mail_rows.py says what they are): the tables
`edoc.mail` (kind, n, doc) and `edoc.files` (owner, name, content), written in the transaction of
the change they belong to, so that an action and the message it queues commit together."""

from __future__ import annotations

from typing import Any

from edoc_cli.store.base import encode
from edoc_cli.store.mail_rows import KINDS, MailRows, row_problem, tell_damaged


class PgMailRows(MailRows):
    """The mail part of a PostgreSQL snapshot (self.conn: its transaction)."""

    conn: Any
    changed: bool
    writable: bool

    def mail_rows(self, kind: str) -> dict[int, dict[str, Any]]:
        import json

        if kind not in KINDS:
            raise ValueError(kind)
        rows = {}
        for n, text in self.conn.execute("SELECT n, doc::text FROM edoc.mail WHERE kind = %s ORDER BY n", (kind,)):
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
            why = row_problem(kind, doc)
            if why:
                tell_damaged(kind, n, why)
                continue
            rows[n] = doc
        return rows

    def put_mail_row(self, kind: str, doc: dict[str, Any], n: int | None = None) -> int:
        self.refuse_row(kind, doc)
        self._writer()
        if n is None:
            n = self.conn.execute("SELECT coalesce(max(n), 0) + 1 FROM edoc.mail WHERE kind = %s",
                                  (kind,)).fetchone()[0]
        self.conn.execute("INSERT INTO edoc.mail (kind, n, doc) VALUES (%s, %s, %s)"
                          " ON CONFLICT (kind, n) DO UPDATE SET doc = excluded.doc", (kind, n, encode(doc)))
        self.changed = True
        return n

    def drop_mail_row(self, kind: str, n: int) -> None:
        self._writer()
        if self.conn.execute("DELETE FROM edoc.mail WHERE kind = %s AND n = %s", (kind, n)).rowcount:
            self.changed = True

    def keep_file(self, owner: str, name: str, content: bytes) -> None:
        self.refuse_file(owner, name)
        self._writer()
        self.conn.execute("INSERT INTO edoc.files (owner, name, content) VALUES (%s, %s, %s)"
                          " ON CONFLICT (owner, name) DO UPDATE SET content = excluded.content",
                          (owner, name, content))
        self.changed = True

    def kept_file(self, owner: str, name: str) -> bytes | None:
        self.refuse_file(owner, name)
        row = self.conn.execute("SELECT content FROM edoc.files WHERE owner = %s AND name = %s",
                                (owner, name)).fetchone()
        return bytes(row[0]) if row else None

    def kept_files(self, owner: str) -> list[tuple[str, int]]:
        self.refuse_file(owner, "x")
        return [(name, size) for name, size in self.conn.execute(
            "SELECT name, octet_length(content) FROM edoc.files WHERE owner = %s ORDER BY name", (owner,))]

    def drop_files(self, owner: str) -> None:
        self.refuse_file(owner, "x")
        self._writer()
        if self.conn.execute("DELETE FROM edoc.files WHERE owner = %s", (owner,)).rowcount:
            self.changed = True

    def _writer(self) -> None:
        if not self.writable:
            raise RuntimeError("a reader's snapshot cannot change mail rows")
