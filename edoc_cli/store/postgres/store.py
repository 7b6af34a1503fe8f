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
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

from edoc_cli.errors import StoreBusy, StoreCorrupt, StoreWriteFailed, UsageError
from edoc_cli.i18n import _
from edoc_cli.store.base import Store
from edoc_cli.store.commit import RUN, commit_section, raise_if_interrupted
from edoc_cli.store.postgres.schema import MIGRATIONS, ROLES, ROLES_SQL, SCHEMA_VERSION
from edoc_cli.store.postgres.snapshot import PgSnapshot

LOCK_KEY = 4_726_371_008  # the desk's advisory lock: writers take turns
# Every edoc connection reads its cursors to the end, so the planner must plan for all their rows
# (its default, a tenth, made a read of open work walk every ticket in number order: 150 ms, not 17).
SESSION_SETTINGS = "SET cursor_tuple_fraction = 1"


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
                self._conn = self.new_connection(connect_timeout=max(1, int(self.lock_timeout) or 1))
                # Closed when the run ends (or this store is let go): a reader's open transaction ends with it.
                self._closer = weakref.finalize(self, self._conn.close)
                RUN.closers.append(self.close)
            except psycopg.OperationalError as exc:
                if (exc.sqlstate or "").startswith("28") or any(m in str(exc) for m in _REFUSALS):
                    # Authentication (class 28): trying again will not help, the credentials will.
                    raise StoreBusy(_("the store {location} refused the connection ({reason}); nothing was done: "
                                      "check the role, its password (PGPASSWORD, ~/.pgpass) and pg_hba.conf").format(
                        location=self.location, reason=_reason(exc))) from None
                raise StoreBusy(_("the store {location} cannot be reached ({reason}); nothing was done, "
                                  "try again").format(location=self.location,
                                                      reason=_reason(exc))) from None
        return self._conn

    def new_connection(self, **options):
        """A connection of its own to this store, set as every edoc connection is (SESSION_SETTINGS)."""
        conn = _driver().connect(self.url, **options)
        conn.execute(SESSION_SETTINGS)
        conn.commit()
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._closer()
            self._conn = None

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
            if 0 < version < SCHEMA_VERSION:
                # An older schema's rows were signed by no check of this edoc: check them once, here.
                done += PgSnapshot(self, conn).sign_checked()
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
            # TLS as the server saw this connection ("TLSv1.3"), or None: a Unix socket, or no TLS
            tls = conn.execute("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl").fetchone()
            return {"backend": "postgresql", "location": self.location, "schema_version": version, **counts,
                    "tls": tls[0] if tls else None}
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
            conn.rollback()  # a snapshot taken earlier in the command ends here: one reader at a time
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self._require_schema()
        return PgSnapshot(self, conn, writable=False)

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
            snap.flush()
            if snap.added >= 1000:
                # After a bulk load the planner's statistics are stale: without them it scans every
                # ticket for the open ones (measured: 245 ms instead of 10 ms at 200,000 tickets).
                conn.execute("ANALYZE edoc.tickets, edoc.events, edoc.summaries")
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


# libpq's words for a server or client that refuses to authenticate (class 28 has no SQLSTATE on
# a connection that never opened); a server speaking another language falls back to "cannot be reached".
_REFUSALS = ("password authentication failed", "pg_hba.conf", "no password supplied", "does not exist",
             "authentication failed", "permission denied")


def _reason(exc) -> str:
    """A database error's first line (a message of the server's, never a password)."""
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
