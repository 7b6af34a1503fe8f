"""A transaction's view of the PostgreSQL store, and its changes (see the store's text)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any, Iterable, Iterator

from edoc_cli.errors import StoreWriteFailed, ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.store.base import Snapshot, Store, encode, found
from edoc_cli.search import index_text
from edoc_cli.store.postgres.mail_rows import PgMailRows
from edoc_cli.store.postgres.schema import COLUMNS, EVENTS, ROW_SIGNED, SCHEMA_VERSION, TRUSTED
from edoc_cli.ticket_id import MAX_SEQUENCE, sequence_key, split_number
from edoc_cli.ticket_rules import RULES_VERSION, record_problems

FLUSH_EVERY = 5_000  # new tickets written by one COPY
READ_BATCH = 2_000   # rows a reader fetches from its cursor at a time
_TRUSTED = TRUSTED.format(rules=RULES_VERSION)
_ROW_SIGNED = ROW_SIGNED.format(rules=RULES_VERSION)
# A ticket as read: its row, its history, whether its rows are as the writes that checked them left
# them, and if not, the indexed columns (to hold against its JSON). As text, decoded here: psycopg's
# own JSON loader costs a sixth more on a list of open work.
_SELECT = (f"SELECT t.id, t.doc::text, ev.history::text, {_TRUSTED}, CASE WHEN {_TRUSTED} THEN NULL ELSE {COLUMNS} END"
           f" FROM edoc.tickets t {EVENTS}")
_COLUMNS = ("id, prefix, year, n, status, category, channel, sla_level, assignee, priority, created_at, received_at,"
            " client_name, client_iin, client_bin, client_email, client_phone, rules, n_events, doc, search")
_VALUES = ", ".join(["%s"] * len(_COLUMNS.split(",")))  # a placeholder for each of _COLUMNS
_INDEXED = 17  # the first columns of _COLUMNS, those of schema.COLUMNS
_CURSORS = itertools.count(1)  # names of server-side cursors: one of its own each, on any connection


class PgSnapshot(PgMailRows, Snapshot):
    """One transaction's view of the PostgreSQL store; its changes go straight into the transaction."""

    archived = True

    def __init__(self, store: Store, conn, writable: bool = True):
        self.store = store
        self.conn = conn
        self.writable = writable  # a writer's transaction; a reader's is READ ONLY
        self._kept: dict[str, dict[str, Any]] = {}  # a reader's own changes (a dry run): seen by it, never written
        self.changed = False
        self._xid: str | None = None  # this transaction's id, once asked (it signs what COPY writes)
        self._new: list[tuple[dict[str, Any], str | None]] = []  # new tickets, written by COPY at flush()
        self.added = 0  # tickets written by COPY in this transaction
        self.damaged: dict[str, str] = {}
        self.meta_problems: list[str] = []

    def for_child(self):
        """The same committed state on a connection of the child's own: this transaction's snapshot,
        exported (pg_export_snapshot) and taken up by a new REPEATABLE READ transaction."""
        snapshot_id = self.conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        store = self.store

        def child() -> "PgSnapshot":
            from psycopg import sql

            conn = store.new_connection()
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_id)))
            snap = PgSnapshot(store, conn, writable=False)
            snap.owns_connection = True
            return snap
        return child

    owns_connection = False  # a child's snapshot: its connection is its own, closed with it

    def close(self) -> None:
        if self.owns_connection:
            self.conn.close()
        elif self.conn.info.transaction_status != 0:  # not idle: end the reader's transaction
            self.conn.rollback()

    # -- reading ---------------------------------------------------------------------
    def _rows(self, where: str, params: tuple = (), order: str = "t.prefix, t.year, t.n"
              ) -> Iterator[tuple[str, dict, str | None]]:
        """(number, ticket, why not trusted) of the rows `where` picks: None when its rows are as the
        edoc writes that checked them left them (schema.TRUSTED), so reading need not check it again;
        else its indexed columns, as JSON text, to hold against its JSON."""
        self.flush()  # a change this transaction keeps for COPY is seen by its own reads
        # A cursor on the server, fetched a batch at a time: an export of years holds one batch in memory.
        with self.conn.cursor(name=f"edoc_rows_{next(_CURSORS)}") as cur:
            cur.itersize = READ_BATCH
            cur.execute(f"{_SELECT} WHERE {where} ORDER BY {order}", params)
            for tid, doc, history, trusted, columns in cur:
                yield tid, _ticket(doc, history), None if trusted else columns

    def _problem(self, tid: str, ticket: dict, columns: str | None) -> str | None:
        """The first reason a row read may not be used (checked unless trusted), noted once a run."""
        if columns is None:
            return None
        problems = record_problems(ticket)
        why = problems[0] if problems else _columns_problem(ticket, columns)
        if why:
            self.note_damage(tid, why)
        return why

    def _sound(self, rows: Iterable[tuple[str, dict, str | None]]) -> Iterator[dict]:
        for tid, ticket, columns in rows:
            if self._problem(tid, ticket, columns) is None:
                yield ticket

    def get(self, ticket_id: str) -> dict[str, Any] | None:
        if ticket_id in self._kept:
            return self._kept[ticket_id]
        for tid, ticket, columns in self._rows("t.id = %s", (ticket_id,)):
            problem = self._problem(tid, ticket, columns)
            if problem:
                raise self.damaged_error(ticket_id, problem)
            return ticket
        return None

    def holds(self, ticket_id: str) -> bool:
        self.flush()
        return self.conn.execute("SELECT 1 FROM edoc.tickets WHERE id = %s", (ticket_id,)).fetchone() is not None

    def active_tickets(self) -> list[dict[str, Any]]:
        return list(self._sound(self._rows("t.status <> 'closed'")))

    def pending_tickets(self) -> list[dict[str, Any]]:
        return self.active_tickets()

    def pending_records(self) -> list[Any]:
        return [ticket for _tid, ticket, _columns in self._rows("t.status <> 'closed'")]

    def iter_all_tickets(self, sound_only: bool = True) -> Iterator[dict[str, Any]]:
        rows = self._rows("true")
        if sound_only:
            yield from self._sound(rows)
        else:
            yield from (ticket for _tid, ticket, _columns in rows)

    def listed(self, statuses: Iterable[str], category: str | None = None, level: str | None = None,
               assignee: str | None = None, priority: str | None = None, since: datetime | None = None,
               until: datetime | None = None, client: Any = None, text: Any = None,
               order: tuple[str, bool] | None = None) -> Iterator[dict[str, Any]]:
        """The sound tickets a list asks for, picked by the server on its indexed columns (and in `order`,
        a page at a time: a search that wants the newest 50 reads 50, not five years)."""
        where, params = ["t.status = ANY(%s)"], [list(statuses)]
        for column, value in (("category", category), ("sla_level", level), ("priority", priority)):
            if value is not None:
                where.append(f"t.{column} = %s")
                params.append(value)
        if assignee == "-":  # none, as the list reads it: no name, an empty one, or "-" itself
            where.append("(t.assignee IS NULL OR t.assignee IN ('', '-'))")
        elif assignee is not None:
            where.append("t.assignee = %s")
            params.append(assignee)
        for op, value in ((">=", since), ("<", until)):
            if value is not None:
                where.append(f"t.created_at {op} %s")
                params.append(value)
        if "closed" not in statuses:
            where.append("t.status <> 'closed'")  # the partial index of open work
        needle = text or client
        if needle is not None:
            # Candidates: the rows whose search text holds it, and every row that edoc's last write of
            # it did not leave as it is (its search text may be stale): the matcher decides on each.
            finds = [needle_text.decode("utf-8") for needle_text in needle.index_bytes()]
            where.append(f"(t.search IS NULL OR NOT {_ROW_SIGNED} OR "
                         + " OR ".join(["strpos(t.search, %s) > 0"] * len(finds)) + ")")
            params += finds
        if order is None:
            yield from (t for t in self._sound(self._rows(" AND ".join(where), tuple(params))) if found(t, client, text))
            return
        # prefixes compared byte by byte, as Python compares them (base.number_order)
        keys = (["t.created_at"] if order[0] == "created" else []) + ['t.prefix COLLATE "C"', "t.year", "t.n"]
        by = ", ".join(k + (" DESC" if order[1] else "") for k in keys)
        start, size = 0, 64  # pages small first (the newest 50 are one), then larger; one snapshot, one order
        while True:
            rows = list(self._rows(" AND ".join(where), tuple(params), f"{by} LIMIT {size} OFFSET {start}"))
            yield from (t for t in self._sound(rows) if found(t, client, text))
            if len(rows) < size:
                return
            start, size = start + size, min(size * 4, 16_384)

    def summary_months(self) -> list[str]:
        return [m for (m,) in self.conn.execute("SELECT DISTINCT month FROM edoc.summaries ORDER BY month")]

    def summaries(self, months: Iterable[str]) -> Iterator[dict[str, Any]]:
        """By month, a batch at a time; a summary whose ticket is open again is skipped (as on the JSON
        store), against the few open tickets only: a join with every ticket cost a year's report 150 ms."""
        with self.conn.cursor(name=f"edoc_summaries_{next(_CURSORS)}") as cur:
            cur.itersize = READ_BATCH
            cur.execute("SELECT s.row::text FROM edoc.summaries s WHERE s.month = ANY(%s) AND NOT EXISTS"
                        " (SELECT 1 FROM edoc.tickets t WHERE t.id = s.id AND t.status <> 'closed')"
                        " ORDER BY s.month, s.id", ([m[:7] for m in months],))
            for (row,) in cur:
                yield json.loads(row)

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
        self.flush()
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
        """Tickets new to the store, at once (checked here, written by COPY with the transaction)."""
        for ticket in tickets:
            problems = record_problems(ticket, texts_checked=False)
            if problems:
                raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
                    id=str(ticket.get("id"))[:40], problem=problems[0]))
            self._new.append((ticket, encode(self.store.summarize(ticket)) if ticket["status"] == "closed" else None))
        self.changed = True

    def put_encoded(self, ticket_id: str, created_at: str, text: str, summary: str) -> None:
        """A checked closed ticket of an import (checked by the same rules as it was read)."""
        self._new.append((json.loads(text), summary))
        self.changed = True
        if len(self._new) >= FLUSH_EVERY:  # a big import holds a chunk in memory, not the whole workload
            self.flush()

    def flush(self) -> None:
        """Write the new tickets kept so far with COPY: rows at the rate of a bulk load, in this transaction."""
        if not self._new:
            return
        new, self._new = self._new, []
        self.added += len(new)
        highest: dict[str, int] = {}
        xid = self._transaction_id()  # signs the rows: this transaction checked these tickets
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY edoc.tickets ({_COLUMNS}, checked) FROM STDIN") as copy:
                for ticket, _summary in new:
                    prefix, year, n = split_number(ticket["id"])
                    highest[f"{prefix}-{year}"] = max(highest.get(f"{prefix}-{year}", 0), n)
                    copy.write_row((*_ticket_row(ticket), xid))
            with cur.copy("COPY edoc.events (ticket_id, seq, at, by, type, data, checked) FROM STDIN") as copy:
                for ticket, _summary in new:
                    for seq, event in enumerate(ticket["history"], 1):
                        copy.write_row((ticket["id"], seq, event["at"], event["by"], event["type"], encode(event),
                                        xid))
            with cur.copy("COPY edoc.summaries (id, month, row) FROM STDIN") as copy:
                for ticket, summary in new:
                    if summary is not None:
                        copy.write_row((ticket["id"], ticket["created_at"][:7], summary))
        for key, n in highest.items():
            self._raise_counter(key, n)

    def _transaction_id(self) -> str:
        if self._xid is None:
            self._xid = self.conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        return self._xid

    def put(self, ticket: dict[str, Any], new: bool = False) -> None:
        problems = record_problems(ticket, texts_checked=False)
        if problems:
            raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
                id=str(ticket.get("id"))[:40], problem=problems[0]))
        if not self.writable:
            # A reader that changes a ticket (the sweep's dry run closes it to show the closing text)
            # sees its change, as the JSON store's snapshot does; a read-only transaction writes nothing.
            self._kept[ticket["id"]] = ticket
            return
        self.changed = True
        tid = ticket["id"]
        prefix, year, n = split_number(tid)
        # Checked above, and signed by this transaction (`checked`): readers need not check it again.
        self.conn.execute(
            f"INSERT INTO edoc.tickets ({_COLUMNS}, checked) VALUES ({_VALUES}, pg_current_xact_id())"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, category = excluded.category,"
            " channel = excluded.channel, sla_level = excluded.sla_level, assignee = excluded.assignee,"
            " priority = excluded.priority, client_name = excluded.client_name, client_iin = excluded.client_iin,"
            " client_bin = excluded.client_bin, client_email = excluded.client_email,"
            " client_phone = excluded.client_phone, rules = excluded.rules, n_events = excluded.n_events,"
            " doc = excluded.doc, search = excluded.search, checked = excluded.checked", _ticket_row(ticket))
        stored = 0 if new else self.conn.execute(
            "SELECT count(*) FROM edoc.events WHERE ticket_id = %s", (tid,)).fetchone()[0]
        history = ticket["history"]
        if len(history) < stored:
            raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
                id=tid, problem=_("its history would lose events")))
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO edoc.events (ticket_id, seq, at, by, type, data, checked)"
                            " VALUES (%s, %s, %s, %s, %s, %s, pg_current_xact_id())",
                            [(tid, seq, e["at"], e["by"], e["type"], encode(e))
                             for seq, e in enumerate(history[stored:], stored + 1)])
        self._raise_counter(sequence_key(tid), n)
        if ticket["status"] == "closed":
            self.conn.execute("INSERT INTO edoc.summaries (id, month, row) VALUES (%s, %s, %s) ON CONFLICT (id)"
                              " DO UPDATE SET month = excluded.month, row = excluded.row",
                              (tid, ticket["created_at"][:7], encode(self.store.summarize(ticket))))
        elif not new:
            self.conn.execute("DELETE FROM edoc.summaries WHERE id = %s", (tid,))

    # -- repairs ---------------------------------------------------------------------
    def keep_later_copy(self, ticket_id: str, place: str) -> str:
        return ""  # never held twice

    def raise_archive_numbers(self) -> list[str]:
        done = []
        issued = self.issued()
        for key, highest in self.conn.execute(
                "SELECT prefix || '-' || year, max(n) FROM edoc.tickets GROUP BY prefix, year").fetchall():
            if issued.get(key, 0) < highest:
                self._raise_counter(key, highest)
                self.changed = True
                done.append(_("meta.sequences.{key}: raised from {old} to {new}").format(
                    key=key, old=issued.get(key, 0), new=highest))
        return done

    def own_problems(self) -> list[str]:
        """Sound tickets whose indexed columns (what lists filter on) disagree with their JSON."""
        problems = []
        for tid, ticket, columns in self._rows(f"NOT {_TRUSTED}"):
            # A ticket the rules refuse is named by check itself; only the columns are this store's to say.
            why = None if record_problems(ticket) else _columns_problem(ticket, columns)
            if why:
                problems.append(f"{tid}: {why}")
        return problems

    def sign_checked(self) -> list[str]:
        """Check every ticket whose rows no edoc write signed (edited by hand, restored, an older
        schema's) and sign the sound ones, their indexed columns written again from their JSON:
        readers then trust them. Damaged ones stay as they are (check names them). Signing an event
        updates it: on a store set up with --roles, only the tables' owner may."""
        self.flush()
        signed = 0
        with self.conn.cursor(name=f"edoc_unsigned_{next(_CURSORS)}") as cur:
            cur.itersize = READ_BATCH
            cur.execute(f"SELECT t.id, t.xmin::text, t.doc::text, ev.history::text FROM edoc.tickets t {EVENTS} "
                        f"WHERE NOT {_TRUSTED} OR t.search IS NULL ORDER BY t.prefix, t.year, t.n")
            for tid, xmin, doc, history in cur:
                ticket = _ticket(doc, history)
                if record_problems(ticket):
                    continue
                # Only the version checked here: a hand edit committed meanwhile stays unsigned.
                done = self.conn.execute(
                    f"UPDATE edoc.tickets t SET ({_COLUMNS}, checked) = ({_VALUES}, pg_current_xact_id())"
                    " WHERE t.id = %s AND t.xmin::text = %s", (*_ticket_row(ticket), tid, xmin)).rowcount
                if done:
                    self.conn.execute("UPDATE edoc.events SET checked = pg_current_xact_id() WHERE ticket_id = %s",
                                      (tid,))
                    signed += 1
        if signed:
            self.changed = True
        return [_("{count} tickets checked and signed: readers trust them again").format(count=signed)] \
            if signed else []

    def rebuild_summaries(self) -> list[str]:
        done = []
        # Streamed: the cursor reads the state it was opened on, so a ticket stored again here is not met twice.
        for ticket in self._sound(self._rows("t.status = 'closed'")):
            row = self.conn.execute("SELECT row FROM edoc.summaries WHERE id = %s", (ticket["id"],)).fetchone()
            summary = self.store.summarize(ticket)
            if row is None or row[0] != summary:
                self.put(ticket)
                done.append(_("{id}: its report summary is made again from its history").format(id=ticket["id"]))
        return done


def _ticket_row(ticket: dict[str, Any]) -> tuple:
    """A ticket's row of edoc.tickets: its JSON (the history left out: the key keeps its place, the
    events hold it) and the fields lists sort and filter on and that find a client."""
    prefix, year, n = split_number(ticket["id"])
    client = ticket["client"]
    return (ticket["id"], prefix, year, n, ticket["status"], ticket["category"], ticket["channel"],
            ticket["sla_level"], ticket.get("assignee"), ticket.get("priority"), ticket["created_at"],
            ticket["received_at"], client.get("name"), client.get("iin"), client.get("bin"), client.get("email"),
            client.get("phone"), RULES_VERSION, len(ticket["history"]), encode({**ticket, "history": None}),
            index_text(ticket))


def _columns_problem(ticket: dict[str, Any], columns: str) -> str | None:
    """Why a sound ticket's row may not be used: its indexed columns do not say what its JSON says."""
    if _columns_agree(ticket, columns):
        return None
    return _("its indexed columns disagree with its JSON (edited by hand?)")


def _columns_agree(ticket: dict[str, Any], columns: str) -> bool:
    """Whether a row's indexed columns (schema.COLUMNS, as JSON text) say what its JSON says."""
    stored = json.loads(columns)
    expected = _ticket_row(ticket)[:_INDEXED]
    for i, (got, want) in enumerate(zip(stored, expected)):
        if i in (10, 11):  # created_at, received_at: the same instant, whatever the offset
            try:
                if datetime.fromisoformat(got) != datetime.fromisoformat(want):
                    return False
            except (TypeError, ValueError):
                return False
        elif got != want:
            return False
    return len(stored) == len(expected)


def _ticket(doc: str | dict[str, Any], history: str | list | None) -> dict[str, Any]:
    """A ticket from its row's JSON and its events' (as text or decoded)."""
    ticket = json.loads(doc) if isinstance(doc, str) else dict(doc)
    ticket["history"] = (json.loads(history) if isinstance(history, str) else list(history)) if history else []
    return ticket
