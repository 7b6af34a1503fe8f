"""The PostgreSQL store: the same interface and guarantees as the JSON store, in a database server.

- A reader is one REPEATABLE READ, read-only transaction: one committed state, and it waits for
  no writer.
- A writer is one transaction that first takes the desk's advisory lock (writers take turns, as
  on the JSON store, so numbers are gapless and two sweeps never close a ticket twice), waiting
  at most the lock timeout (exit 6). COMMIT is the commit point; a connection cut before it
  leaves nothing written.
- Every record is checked by the same rules as on the JSON store, before it is written.
- The history is append-only: a change adds event rows, never rewrites one.
"""

from __future__ import annotations

import json
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from edoc_cli.errors import StoreBusy, StoreCorrupt, StoreWriteFailed, UsageError, ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.store.base import Snapshot, Store, encode
from edoc_cli.store.commit import RUN, commit_section, raise_if_interrupted
from edoc_cli.store.postgres.schema import MIGRATIONS, ROLES, ROLES_SQL, SCHEMA_VERSION
from edoc_cli.ticket_id import MAX_SEQUENCE, TICKET_ID_RE, sequence_key, split_number
from edoc_cli.ticket_rules import record_problems

LOCK_KEY = 4_726_371_008  # the desk's advisory lock: writers take turns
_TICKET_COLUMNS = "t.doc, (SELECT json_agg(e.data ORDER BY e.seq) FROM edoc.events e WHERE e.ticket_id = t.id)"


def _driver():
    try:
        import psycopg
    except ImportError:
        raise UsageError(_("a PostgreSQL store needs the driver: pip install 'edoc-cli[postgres]'")) from None
    return psycopg


def safe_location(url: str) -> str:
    """The URL as it may be shown: never a password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class PgStore(Store):
    """Tickets in a PostgreSQL database (`postgresql://` URL, libpq's conventions)."""

    def __init__(self, url: str, lock_timeout: float, summarize: Callable[[dict[str, Any]], dict[str, Any]] | None):
        if urlsplit(url).password is not None:
            raise UsageError(_("a password in the store's URL is refused (it would show in process lists and "
                               "shell history): give it with PGPASSWORD, ~/.pgpass or a service file"))
        self.url = url
        self.location = safe_location(url)
        self.label = "edoc.tickets"
        self.lock_timeout = lock_timeout
        self._summarize = summarize
        self._conn = None

    # -- the connection --------------------------------------------------------------
    def connection(self):
        if self._conn is None:
            psycopg = _driver()
            try:
                self._conn = psycopg.connect(self.url, connect_timeout=max(1, int(self.lock_timeout) or 1))
                # Closed when this store is let go (or at exit): a reader's open transaction ends with it.
                self._closer = weakref.finalize(self, self._conn.close)
            except psycopg.OperationalError as exc:
                raise StoreBusy(_("the store {location} cannot be reached ({reason}); nothing was done, "
                                  "try again").format(location=self.location,
                                                      reason=_reason(exc))) from None
        return self._conn

    def _ask(self, query: str):
        """One value from the server: inside the command's transaction if one is open, else alone."""
        conn = self.connection()
        with self._guarded():
            idle = conn.info.transaction_status == 0
            value = conn.execute(query).fetchone()[0]
            if idle:
                conn.rollback()
        return value

    def _role(self) -> str:
        return urlsplit(self.url).username or "?"

    def current_user(self) -> str:
        """The database role this edoc connected as: the operator on a PostgreSQL store."""
        return self._ask("SELECT current_user")

    def server_now(self):
        """The database server's clock, now (not the transaction's start, which a writer waiting for
        the lock would leave behind): one clock for a team whose machines disagree."""
        return self._ask("SELECT clock_timestamp()")

    def summarize(self, ticket: dict[str, Any]) -> dict[str, Any]:
        if self._summarize is None:
            return {"id": ticket["id"], "created_at": ticket["created_at"]}
        return self._summarize(ticket)

    # -- the schema ------------------------------------------------------------------
    def schema_version(self) -> int | None:
        conn = self.connection()
        exists = conn.execute("SELECT to_regclass('edoc.meta')").fetchone()[0]
        version = None
        if exists:
            row = conn.execute("SELECT value FROM edoc.meta WHERE key = 'schema_version'").fetchone()
            version = row[0] if row else None
        return version

    def exists(self) -> bool:
        try:
            return self.schema_version() is not None
        finally:
            self.connection().rollback()

    def init(self, roles: bool = False) -> list[str]:
        """Create the schema, or bring it up to date; with `roles`, the group roles of operators, the
        sweep and supervisors and their rights; what was done, a line each (idempotent)."""
        conn = self.connection()
        done = []
        with self._guarded(), conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            version = self.schema_version() or 0
            if version > SCHEMA_VERSION:
                raise StoreCorrupt(_("the store {location} has schema version {version}, newer than this edoc "
                                     "understands ({supported}); upgrade edoc").format(
                    location=self.location, version=version, supported=SCHEMA_VERSION))
            for step in range(version + 1, SCHEMA_VERSION + 1):
                conn.execute(MIGRATIONS[step])
                conn.execute("UPDATE edoc.meta SET value = %s WHERE key = 'schema_version'", (json.dumps(step),))
                done.append(_("schema version {version}").format(version=step))
            if roles:
                conn.execute(ROLES_SQL)
                done.append(_("roles {roles}").format(roles=", ".join(ROLES)))
        return done

    def info(self) -> dict[str, Any]:
        conn = self.connection()
        try:
            version = self.schema_version()
            counts = {}
            if version is not None:
                counts = dict(zip(("open", "closed", "events"), conn.execute(
                    "SELECT (SELECT count(*) FROM edoc.tickets WHERE status <> 'closed'),"
                    " (SELECT count(*) FROM edoc.tickets WHERE status = 'closed'),"
                    " (SELECT count(*) FROM edoc.events)").fetchone()))
            return {"backend": "postgresql", "location": self.location, "schema_version": version, **counts}
        finally:
            conn.rollback()

    def _require_schema(self) -> None:
        version = self.schema_version()
        if version is None:
            raise StoreCorrupt(_("the store {location} has no edoc schema: 'edoc store init' creates it").format(
                location=self.location))
        if version != SCHEMA_VERSION:
            raise StoreCorrupt(_("the store {location} has schema version {version}; this edoc needs "
                                 "{supported}: 'edoc store migrate'").format(
                location=self.location, version=version, supported=SCHEMA_VERSION))

    # -- reading and writing ---------------------------------------------------------
    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Database errors as edoc's: a lost server is exit 6, anything else nothing written (exit 1)."""
        psycopg = _driver()
        try:
            yield
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreWriteFailed(_("the store {location} does not allow this to {role} ({reason}); nothing was "
                                     "changed").format(location=self.location, role=self._role(),
                                                       reason=_reason(exc))) from None
        except psycopg.errors.LockNotAvailable:
            raise StoreBusy(_(
                "store {path} is busy: another edoc holds its lock for more than {seconds} s; try again "
                "(EDOC_LOCK_TIMEOUT sets the wait)").format(path=self.location,
                                                           seconds=f"{self.lock_timeout:g}")) from None
        except psycopg.OperationalError as exc:
            raise StoreBusy(_("the store {location} cannot be reached ({reason}); nothing was done, "
                              "try again").format(location=self.location,
                                                  reason=_reason(exc))) from None
        except psycopg.Error as exc:
            raise StoreWriteFailed(_("the store {location} refused the change ({reason}); nothing was changed").format(
                location=self.location, reason=_reason(exc))) from None

    def snapshot(self, lenient: bool = False) -> "PgSnapshot":
        conn = self.connection()
        with self._guarded():
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self._require_schema()
        return PgSnapshot(self, conn)

    @contextmanager
    def transaction(self, lenient: bool = False) -> Iterator["PgSnapshot"]:
        raise_if_interrupted()
        conn = self.connection()
        with self._guarded():
            conn.rollback()  # whatever a reader left open
            conn.execute("BEGIN")
            conn.execute(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            self._require_schema()
            snap = PgSnapshot(self, conn)
            try:
                yield snap
            except BaseException:
                conn.rollback()
                raise
            if not snap.changed:
                conn.rollback()
                return
            with commit_section():
                try:
                    conn.commit()  # the commit point
                except _driver().OperationalError as exc:
                    # The connection went while the server was committing: it may have, or not.
                    raise StoreWriteFailed(_(
                        "the connection to {location} was lost while the change was being committed ({reason}): "
                        "it may or may not be saved; 'edoc show' or 'edoc list' tells").format(
                        location=self.location, reason=_reason(exc))) from None
                RUN.commits += 1


class PgSnapshot(Snapshot):
    """One transaction's view of the PostgreSQL store; its changes go straight into the transaction."""

    archived = True

    def __init__(self, store: PgStore, conn):
        self.store = store
        self.conn = conn
        self.changed = False
        self.damaged: dict[str, str] = {}
        self.meta_problems: list[str] = []

    def close(self) -> None:
        if self.conn.info.transaction_status != 0:  # not idle: end the reader's transaction
            self.conn.rollback()

    # -- reading ---------------------------------------------------------------------
    def _rows(self, where: str, params: tuple = (), order: str = "t.prefix, t.year, t.n") -> Iterator[dict]:
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT t.id, {_TICKET_COLUMNS} FROM edoc.tickets t WHERE {where} ORDER BY {order}", params)
            for tid, doc, history in cur:
                yield tid, _ticket(doc, history)

    def _sound(self, rows: Iterable[tuple[str, dict]]) -> Iterator[dict]:
        for tid, ticket in rows:
            problems = record_problems(ticket)
            if problems:
                self.note_damage(tid, problems[0])
                continue
            yield ticket

    def get(self, ticket_id: str) -> dict[str, Any] | None:
        for tid, ticket in self._rows("t.id = %s", (ticket_id,)):
            problems = record_problems(ticket)
            if problems:
                self.note_damage(tid, problems[0])
                raise self.damaged_error(ticket_id, problems[0])
            return ticket
        return None

    def holds(self, ticket_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM edoc.tickets WHERE id = %s", (ticket_id,)).fetchone() is not None

    def active_tickets(self) -> list[dict[str, Any]]:
        return list(self._sound(self._rows("t.status <> 'closed'")))

    def pending_tickets(self) -> list[dict[str, Any]]:
        return self.active_tickets()

    def pending_records(self) -> list[Any]:
        return [ticket for _tid, ticket in self._rows("t.status <> 'closed'")]

    def iter_all_tickets(self, sound_only: bool = True) -> Iterator[dict[str, Any]]:
        rows = self._rows("true")
        if sound_only:
            yield from self._sound(rows)
        else:
            yield from (ticket for _tid, ticket in rows)

    def summary_months(self) -> list[str]:
        return [m for (m,) in self.conn.execute("SELECT DISTINCT month FROM edoc.summaries ORDER BY month")]

    def summaries(self, months: Iterable[str]) -> Iterator[dict[str, Any]]:
        with self.conn.cursor() as cur:
            cur.execute("SELECT s.row FROM edoc.summaries s JOIN edoc.tickets t ON t.id = s.id "
                        "WHERE s.month = ANY(%s) AND t.status = 'closed' ORDER BY t.prefix, t.year, t.n",
                        ([m[:7] for m in months],))
            for (row,) in cur:
                yield row

    def meta(self) -> dict[str, Any]:
        rows = dict(self.conn.execute("SELECT key, value FROM edoc.meta").fetchall())
        meta: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "sequences": self.issued()}
        if rows.get("last_sweep_at") is not None:
            meta["last_sweep_at"] = rows["last_sweep_at"]
        return meta

    # -- integrity -------------------------------------------------------------------
    def in_both_places(self) -> list[tuple[str, str]]:
        return []  # one table: a number cannot be held twice

    def archive_highest(self, key: str) -> int:
        return self.issued().get(key, 0)

    def issued(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT key, highest FROM edoc.counters").fetchall())

    def all_ids(self) -> Iterator[str]:
        yield from (tid for (tid,) in self.conn.execute("SELECT id FROM edoc.tickets").fetchall())

    # -- changes ---------------------------------------------------------------------
    def set_meta(self, meta: dict[str, Any]) -> None:
        self.changed = True
        for key, n in meta.get("sequences", {}).items():
            self._raise_counter(key, n)
        if "last_sweep_at" in meta:
            self.conn.execute("INSERT INTO edoc.meta (key, value) VALUES ('last_sweep_at', %s) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                              (json.dumps(meta["last_sweep_at"]),))

    def _raise_counter(self, key: str, n: int) -> None:
        self.conn.execute("INSERT INTO edoc.counters (key, highest) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                          "SET highest = GREATEST(edoc.counters.highest, excluded.highest)", (key, n))

    def next_number(self, prefix: str, year: int) -> str:
        key = f"{prefix}-{year}"
        row = self.conn.execute(
            "SELECT GREATEST(COALESCE((SELECT highest FROM edoc.counters WHERE key = %s), 0),"
            " COALESCE((SELECT max(n) FROM edoc.tickets WHERE prefix = %s AND year = %s), 0))",
            (key, prefix, year)).fetchone()
        n = row[0] + 1
        if n > MAX_SEQUENCE:
            raise ValidationFailed(_("nothing was registered: the registration numbers of {key} are used up "
                                     "({key}-{highest} is taken)").format(key=key, highest=MAX_SEQUENCE))
        self.changed = True
        self._raise_counter(key, n)
        return f"{prefix}-{year}-{n:06d}"

    def bump_sequence(self, ticket_id: str) -> None:
        self.changed = True
        self._raise_counter(sequence_key(ticket_id), split_number(ticket_id)[2])

    def insert_new(self, tickets: list[dict[str, Any]]) -> None:
        for ticket in tickets:
            self.put(ticket, new=True)

    def put(self, ticket: dict[str, Any], new: bool = False) -> None:
        problems = record_problems(ticket, texts_checked=False)
        if problems:
            raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
                id=str(ticket.get("id"))[:40], problem=problems[0]))
        self.changed = True
        tid = ticket["id"]
        prefix, year, n = split_number(tid)
        client = ticket["client"]
        doc = {**ticket, "history": None}  # the history is the events' (the key keeps its place)
        self.conn.execute(
            "INSERT INTO edoc.tickets (id, prefix, year, n, status, category, channel, sla_level, assignee, priority,"
            " created_at, received_at, client_name, client_iin, client_bin, client_email, client_phone, doc)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, category = excluded.category,"
            " channel = excluded.channel, sla_level = excluded.sla_level, assignee = excluded.assignee,"
            " priority = excluded.priority, client_name = excluded.client_name, client_iin = excluded.client_iin,"
            " client_bin = excluded.client_bin, client_email = excluded.client_email,"
            " client_phone = excluded.client_phone, doc = excluded.doc",
            (tid, prefix, year, n, ticket["status"], ticket["category"], ticket["channel"], ticket["sla_level"],
             ticket.get("assignee"), ticket.get("priority"), ticket["created_at"], ticket["received_at"],
             client.get("name"), client.get("iin"), client.get("bin"), client.get("email"), client.get("phone"),
             encode(doc)))
        stored = 0 if new else self.conn.execute(
            "SELECT count(*) FROM edoc.events WHERE ticket_id = %s", (tid,)).fetchone()[0]
        history = ticket["history"]
        if len(history) < stored:
            raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
                id=tid, problem=_("its history would lose events")))
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO edoc.events (ticket_id, seq, at, by, type, data) VALUES (%s, %s, %s, %s, %s, %s)",
                            [(tid, seq, e["at"], e["by"], e["type"], encode(e))
                             for seq, e in enumerate(history[stored:], stored + 1)])
        self._raise_counter(sequence_key(tid), n)
        if ticket["status"] == "closed":
            self.conn.execute("INSERT INTO edoc.summaries (id, month, row) VALUES (%s, %s, %s) ON CONFLICT (id)"
                              " DO UPDATE SET month = excluded.month, row = excluded.row",
                              (tid, ticket["created_at"][:7], encode(self.store.summarize(ticket))))
        elif not new:
            self.conn.execute("DELETE FROM edoc.summaries WHERE id = %s", (tid,))

    def put_encoded(self, ticket_id: str, created_at: str, text: str, summary: str) -> None:
        self.put(json.loads(text), new=True)

    # -- repairs ---------------------------------------------------------------------
    def keep_later_copy(self, ticket_id: str, place: str) -> str:
        return ""  # never held twice

    def raise_archive_numbers(self) -> list[str]:
        done = []
        for key, highest in self.conn.execute(
                "SELECT prefix || '-' || year, max(n) FROM edoc.tickets GROUP BY prefix, year").fetchall():
            if self.issued().get(key, 0) < highest:
                self._raise_counter(key, highest)
                self.changed = True
                done.append(_("meta.sequences.{key}: raised from {old} to {new}").format(
                    key=key, old=self.issued().get(key, 0), new=highest))
        return done

    def rebuild_summaries(self) -> list[str]:
        done = []
        for ticket in list(self._sound(self._rows("t.status = 'closed'"))):
            row = self.conn.execute("SELECT row FROM edoc.summaries WHERE id = %s", (ticket["id"],)).fetchone()
            summary = self.store.summarize(ticket)
            if row is None or row[0] != summary:
                self.put(ticket)
                done.append(_("{id}: its report summary is made again from its history").format(id=ticket["id"]))
        return done


def _reason(exc) -> str:
    """A database error's first line (a message of the server's, never a password)."""
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _ticket(doc: dict[str, Any], history: list | None) -> dict[str, Any]:
    ticket = dict(doc)
    ticket["history"] = list(history or [])
    return ticket


def id_ok(ticket_id: str) -> bool:
    return TICKET_ID_RE.match(ticket_id) is not None
