"""The ticket store: TinyDB JSON files, shared safely by operators and cron.

Layout (schema 2), so that everyday commands read and write only open work:
- `tickets.json`: the store proper: meta (schema, sequences) and the tickets
  not closed. Everyday commands (open, list, show of an open ticket, every
  lifecycle action, sweep) read and write this file only.
- `tickets.json.archive/ED-2026-000.json`, ...: closed tickets, whole, in
  buckets of 1000 registration numbers; `show`, `reopen`, `export` and
  `check` find them there.
- `tickets.json.archive/summary-2026-11.json`, ...: a compact per-ticket
  summary of each closed ticket (its final SLA figures), by registration
  month, so a year's report reads a few small files.
- `tickets.json.archive/numbers.json`: the highest registration number the
  archive has ever held, per prefix and year, so that a store proper restored
  from an older backup never hands out a number again.

Writing. Every change is a locked read-modify-write: an exclusive `flock` on a
lock file beside the store, a fresh read, the change, the commit. The archive
files a change rewrites are first written beside their places as
`.NAME.TOKEN.staged`, then the store proper is replaced (temporary file, fsync,
rename) with a note of them in its meta ("staged"): that rename is the commit
point. Before it nothing visible has changed, and a failure or an interrupt
removes what was staged; from it on the change stands: signals are held until
the staged files are renamed into place, a failure after it is reported as
"saved, but ...", never undone, and the next writer finishes any renames a
crash cut short.

Reading. A reader takes no lock: it reads the store proper and opens every
archive file it names, then checks that the store proper is still the file it
read. Writers replace files by renaming new ones in, never by writing in place,
so the open files are one committed state however long the reader takes; if a
commit came in between, the reader starts again. Readers never wait for
writers, and writers never wait for readers.

Rules. A record is read and written under the same rules (`records.record_problems`,
`limits`): a writer refuses to write what a reader would refuse. A damaged
store (unparseable, bad meta) stops every command with exit 7 and is left as
it is; a damaged ticket record is left as it is too, skipped by every command
that reads tickets (each run names it on stderr), refused with exit 7 by a
command addressed to it, and listed by `edoc check`. A writer never overwrites
or removes a ticket it did not read.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from edoc_cli.errors import StoreBusy, StoreCorrupt, StoreWriteFailed
from edoc_cli.i18n import _
from edoc_cli.limits import TICKET_ID_RE, instant_problem, sequence_ok, split_number
from edoc_cli.safefs import (
    RUN, check_folder, commit_section, fsync_folder, make_folder, open_for_reading, open_lock,
    raise_if_interrupted, read_fd, write_failed, write_new,
)

__all__ = ["Store", "Snapshot", "TICKET_ID_RE", "split_number", "bucket_name", "encode", "default_store_path"]

# 1: one file. 2: open tickets apart from the archive. 3: the archive keeps numbers.json, which an
# edoc that knows only 2 would take for a bucket: it is told to upgrade instead. A schema 2 store is
# read as it is and becomes 3 with its first write (numbers.json is derived when first needed).
SCHEMA_VERSION = 3
SCHEMAS_READ = (1, 2, 3)
ARCHIVED_SCHEMAS = (2, 3)
TICKETS = "tickets"
META = "meta"
SUMMARIES = "summaries"
NUMBERS = "numbers"
NUMBERS_FILE = "numbers.json"
STAGED = "staged"  # meta key: the archive files of the last commit, {"token": ..., "files": [...]}
TOKEN_RE = r"[0-9a-f]{16}"
ARCHIVE_NAME = r"(?:summary-[0-9]{4}-[0-9]{2}|numbers|[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{3,})\.json"
ARCHIVE_NAME_RE = re.compile(f"^{ARCHIVE_NAME}$")
STAGED_NAME_RE = re.compile(rf"^\.{ARCHIVE_NAME}\.{TOKEN_RE}\.staged$")
BUCKET_SIZE = 1000
DEFAULT_LOCK_TIMEOUT = 5.0


def _untouched_hint() -> str:
    """What every message about an unreadable store ends with."""
    return _("it was left untouched; restore it from a backup or repair it by hand")


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local" / "share")
    return Path(base) / "edoc" / "tickets.json"


class Encoded:
    """A document that arrives already encoded as compact JSON (a bulk import's closed tickets and
    their summaries, encoded by the worker processes that checked them): written as it is."""

    __slots__ = ("id", "text", "order")

    def __init__(self, doc_id: str, text: str, order: tuple | None = None):
        self.id = doc_id
        self.text = text
        self.order = order or _order_id(doc_id)

    def decoded(self) -> dict[str, Any]:
        return json.loads(self.text)


def _plain(doc: "dict[str, Any] | Encoded") -> dict[str, Any]:
    return doc.decoded() if isinstance(doc, Encoded) else doc


def _tinydb_storage(initial: dict[str, Any]):
    """A TinyDB storage class that works on one in-memory snapshot of the file."""
    from tinydb.storages import Storage

    class SnapshotStorage(Storage):
        def __init__(self) -> None:
            self.data = initial

        def read(self) -> dict[str, Any]:
            return self.data

        def write(self, data: dict[str, Any]) -> None:
            self.data = data

    return SnapshotStorage


class ArchiveFiles:
    """The archive files one snapshot reads.

    Pinned (a reader): every file is opened when the snapshot is taken, so what is read later is
    that state, whatever commits come meanwhile. Live (a writer, under the lock): read when asked.
    A file noted as staged by the last commit is read from its staged copy while that exists.
    """

    def __init__(self, store: "Store", staged: dict[str, Path], pinned: bool, present: bool = True):
        self.store = store
        self.staged = staged
        self.pinned = pinned
        self._fds: dict[str, tuple[int, Path]] = {}
        self._finalizer = weakref.finalize(self, _close_fds, self._fds)
        # `present`: a schema 1 store has no archive (whatever is in the way of one is not read)
        self._names = (set(store.archive_names()) | set(staged)) if present else set()
        if pinned:
            try:
                for name in sorted(self._names):
                    opened = self._open(name)
                    if opened is not None:
                        self._fds[name] = opened
            except BaseException:
                self.close()
                raise

    def _open(self, name: str) -> tuple[int, Path] | None:
        for path in ([self.staged[name]] if name in self.staged else []) + [self.store.archive_dir / name]:
            fd = open_for_reading(path)
            if fd is not None:
                return fd, path
        return None

    def names(self) -> list[str]:
        return sorted(self._names)

    def raw(self, name: str) -> tuple[bytes | None, Path]:
        """The bytes of one archive file (None: there is no such file) and where they came from."""
        if self.pinned:
            found = self._fds.get(name)
            return (read_fd(found[0]), found[1]) if found else (None, self.store.archive_dir / name)
        opened = self._open(name)
        if opened is None:
            return None, self.store.archive_dir / name
        fd, path = opened
        try:
            return read_fd(fd), path
        finally:
            os.close(fd)

    def close(self) -> None:
        self._finalizer()


def _close_fds(fds: dict[str, tuple[int, Path]]) -> None:
    for fd, _path in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass
    fds.clear()


class Snapshot:
    """One consistent view of the store: the open tickets (TinyDB), the archive on demand."""

    def __init__(self, data: dict[str, Any], store: "Store", files: ArchiveFiles,
                 meta_problems: list[str] | None = None, exact: bool = False):
        from tinydb import TinyDB

        self.store = store
        self.exact = exact  # edoc check: archive files with a key given twice are refused too
        self.path = store.path
        self.files = files
        self.meta_problems = meta_problems or []  # only a lenient read (edoc check) keeps them
        self.db = TinyDB(storage=_tinydb_storage(data))
        self.tickets = self.db.table(TICKETS, cache_size=0)
        self.meta_table = self.db.table(META, cache_size=0)
        self.changed = False
        self.damaged: dict[str, str] = {}                           # record -> its first problem
        self._sound: set[str] = set()                              # doc ids of records that passed
        self._archive: dict[str, dict[str, dict[str, Any]]] = {}   # file -> {id: ticket}
        self._summaries: dict[str, dict[str, dict[str, Any]]] = {}  # file -> {id: summary}
        self._leaving: dict[str, dict[str, dict[str, Any]]] = {}    # file -> {id: doc moved out}
        self._gaining: set[str] = set()
        self._known_in_archive: set[str] = set()  # archived tickets this snapshot read or put there
        self._numbers: dict[str, int] | None = None  # the archive's highest numbers, read on demand
        self._ids: dict[str, int] | None = None  # ticket id -> TinyDB doc id in the store proper

    @property
    def data(self) -> dict[str, Any]:
        return self.db.storage.data

    @property
    def staged(self) -> dict[str, Path]:
        return self.files.staged

    @property
    def archived(self) -> bool:
        """Schema 2: closed tickets live in the archive (a schema 1 store keeps all in one file)."""
        return _schema(self.data) in ARCHIVED_SCHEMAS  # read directly: asked once a ticket on an import

    def close(self) -> None:
        self.files.close()

    # -- meta ----------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        doc = self.meta_table.get(doc_id=1)
        return dict(doc) if doc else {"schema_version": SCHEMA_VERSION, "sequences": {}}

    def set_meta(self, meta: dict[str, Any]) -> None:
        problems = meta_problems(meta)
        if problems:  # never write what a reader would refuse
            raise StoreWriteFailed(_("refusing to write the store's meta: {problem}; nothing was changed").format(
                problem=problems[0]))
        self.changed = True
        # Replaced whole (TinyDB's update would merge, keeping keys the caller removed).
        self.data.setdefault(META, {})["1"] = dict(meta)

    def next_number(self, prefix: str, year: int) -> str:
        """The next registration number of the year: above every number the store's counter, its open
        tickets and its archive have ever held (a store proper restored from a backup included)."""
        key = f"{prefix}-{year}"
        meta = self.meta()
        seq = dict(meta.get("sequences", {}))
        n = max(int(seq.get(key, 0)), self.highest_open(key), self.archive_highest(key)) + 1
        seq[key] = n
        meta["sequences"] = seq
        self.set_meta(meta)
        return f"{prefix}-{year}-{n:06d}"

    def bump_sequence(self, ticket_id: str) -> None:
        """Make sure no later registration reuses an imported number."""
        prefix, year, n = split_number(ticket_id)
        meta = self.meta()
        seq = dict(meta.get("sequences", {}))
        key = f"{prefix}-{year}"
        if int(seq.get(key, 0)) < n:
            seq[key] = n
            meta["sequences"] = seq
            self.set_meta(meta)

    def highest_open(self, key: str) -> int:
        """The highest number of `key` ("ED-2026") among the records of the store proper, damaged ones too."""
        highest = 0
        for tid in self._id_map():
            if tid.startswith(key) and TICKET_ID_RE.match(tid):
                prefix, year, n = split_number(tid)
                if f"{prefix}-{year}" == key:
                    highest = max(highest, n)
        return highest

    def archive_highest(self, key: str) -> int:
        """The highest number of `key` the archive has held (numbers.json; for an archive written
        before it, the highest bucket of that key is read once)."""
        numbers = self._archive_numbers()
        if key not in numbers:
            buckets = [n for n in self.bucket_names() if n.startswith(f"{key}-")]
            numbers[key] = max((split_number(tid)[2] for name in buckets[-1:]
                                for tid in self._bucket(name) if TICKET_ID_RE.match(tid)), default=0)
            if numbers[key]:
                self._gaining.add(NUMBERS_FILE)  # the next commit keeps it, so this is read once
        return numbers[key]

    def _archive_numbers(self) -> dict[str, int]:
        if self._numbers is None:
            self._numbers = {}
            for doc in self._read_archive(NUMBERS_FILE, NUMBERS):
                value = doc.get("highest")
                if not sequence_ok(doc["id"], value):
                    raise StoreCorrupt(_("store {path}: {file} holds {value} for {key}; {hint}").format(
                        path=self.path, file=NUMBERS_FILE, value=repr(value)[:20], key=doc["id"][:20],
                        hint=_untouched_hint()))
                self._numbers[doc["id"]] = value
        return self._numbers

    def _raise_archive_number(self, ticket_id: str) -> None:
        prefix, year, n = split_number(ticket_id)
        key = f"{prefix}-{year}"
        if n > self.archive_highest(key):
            self._numbers[key] = n
            self._gaining.add(NUMBERS_FILE)

    # -- tickets in the store proper ---------------------------------------------
    def _id_map(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {}
            for doc_id, doc in self.data.get(TICKETS, {}).items():
                tid = doc.get("id") if isinstance(doc, dict) else None
                if isinstance(tid, str):
                    self._ids[tid] = int(doc_id)
        return self._ids

    def _doc_id(self, ticket_id: str) -> int | None:
        return self._id_map().get(ticket_id)

    def _passes(self, doc_id: str, doc: Any) -> bool:
        """Whether a record of the store proper is sound; a damaged one is noted (and told once)."""
        if doc_id in self._sound:
            return True
        from edoc_cli.records import record_problems

        problems = record_problems(doc)
        if problems:
            self._note_damage(_record_name(doc, doc_id), problems[0])
            return False
        self._sound.add(doc_id)
        return True

    def _note_damage(self, name: str, problem: str) -> None:
        if name not in self.damaged:
            self.damaged[name] = problem
            RUN.warnings.append(_(
                "ticket record {record} is damaged ({problem}); it is skipped and left as it is: "
                "run 'edoc check'").format(record=name, problem=problem))

    def pending_tickets(self) -> list[dict[str, Any]]:
        """Every sound ticket in the store proper (in a schema 1 store: closed ones too)."""
        return [dict(doc) for doc_id, doc in self.data.get(TICKETS, {}).items() if self._passes(doc_id, doc)]

    def pending_records(self) -> list[Any]:
        """Every record of the store proper as it is, damaged ones too (check, export)."""
        return [dict(doc) if isinstance(doc, dict) else doc for doc in self.data.get(TICKETS, {}).values()]

    def active_tickets(self) -> list[dict[str, Any]]:
        """The tickets not closed: what everyday commands work on."""
        return [t for t in self.pending_tickets() if t.get("status") != "closed"]

    # -- every ticket ------------------------------------------------------------
    def get(self, ticket_id: str) -> dict[str, Any] | None:
        """The ticket, or None; a damaged record of it is refused (exit 7), never half used."""
        doc_id = self._doc_id(ticket_id)
        if doc_id is not None:
            doc = self.data[TICKETS][str(doc_id)]
            if not self._passes(str(doc_id), doc):
                raise self._damaged_error(ticket_id)
            return dict(doc)
        name = bucket_name(ticket_id)
        if name is None:
            return None
        found = self._bucket(name).get(ticket_id)
        if found is None:
            return None
        ticket = dict(_plain(found))
        from edoc_cli.records import record_problems

        problems = record_problems(ticket)
        if problems:
            self._note_damage(ticket_id, problems[0])
            raise self._damaged_error(ticket_id)
        self._known_in_archive.add(ticket_id)
        return ticket

    def _damaged_error(self, ticket_id: str) -> StoreCorrupt:
        return StoreCorrupt(_("ticket {id}'s record is damaged ({problem}); it was left as it is: "
                              "'edoc check' lists what is wrong, repair it by hand or from a backup").format(
            id=ticket_id, problem=self.damaged.get(ticket_id, "?")))

    def holds(self, ticket_id: str) -> bool:
        """Whether the number is in the store, open or archived, sound or not (`get` without the copy)."""
        if self._doc_id(ticket_id) is not None:
            return True
        name = bucket_name(ticket_id)
        return name is not None and ticket_id in self._bucket(name)

    def all_tickets(self) -> list[dict[str, Any]]:
        """Every sound ticket, open and archived (reads the whole archive: not for everyday commands)."""
        return list(self.iter_all_tickets())

    def iter_all_tickets(self, sound_only: bool = True) -> Iterator[dict[str, Any]]:
        """Every ticket in registration-number order, one archive bucket in memory at a time.

        `sound_only`: damaged records are skipped (and noted); otherwise every record comes as it is.
        """
        import heapq

        from edoc_cli.records import record_problems

        pending = sorted(self.pending_tickets() if sound_only else self.pending_records(), key=_order)
        in_store = set(self._id_map())

        def archived() -> Iterator[dict[str, Any]]:
            for name in self.bucket_names():
                tickets = self._bucket(name, keep=False)
                for tid in sorted(tickets, key=_order_id):
                    if tid in in_store:
                        continue
                    ticket = _plain(tickets[tid])
                    if sound_only:
                        problems = record_problems(ticket)
                        if problems:
                            self._note_damage(tid, problems[0])
                            continue
                    yield ticket

        yield from heapq.merge(pending, archived(), key=_order)

    def in_both_places(self) -> list[str]:
        """Numbers held both by the store proper and by the archive (a store proper restored from an
        older backup, or a hand edit): readers see the store proper's copy; writers refuse them."""
        found = []
        ids = self._id_map()
        for name in self.bucket_names():
            found += [tid for tid in self._bucket(name, keep=False) if tid in ids]
        return sorted(found, key=_order_id)

    def bucket_names(self) -> list[str]:
        """The archive buckets, those only staged so far included."""
        return sorted((n for n in self.files.names() if not n.startswith("summary-") and n != NUMBERS_FILE),
                      key=_bucket_order)

    def summary_months(self) -> list[str]:
        return sorted(n[len("summary-"):-len(".json")] for n in self.files.names() if n.startswith("summary-"))

    def _read_archive(self, name: str, table: str) -> list[dict[str, Any]]:
        raw, path = self.files.raw(name)
        return [] if raw is None else self.store.archive_docs(raw, path, table, self.exact)

    def summaries(self, months: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Summaries of archived tickets registered in these months ("2026-11"), stale ones skipped."""
        in_store = set(self._id_map())
        for month in months:
            name = f"summary-{month}.json"
            # Read one month at a time and let it go: a year of summaries never sits in memory whole.
            rows = (self._summaries[name].values() if name in self._summaries
                    else self._read_archive(name, SUMMARIES))
            for row in map(_plain, rows):
                if row["id"] not in in_store:
                    yield row

    def all_ids(self) -> Iterator[str]:
        """Every registration number in the store, open or archived, damaged records' too."""
        yield from list(self._id_map())
        for name in self.bucket_names():
            yield from self._bucket(name, keep=False)

    # -- repairs (edoc check --repair) ---------------------------------------------
    def keep_later_copy(self, tid: str) -> str:
        """Of a ticket held both by the store proper and by the archive, keep the copy whose history
        extends the other's; copies that differ otherwise are left as they are (for a person)."""
        doc_id = self._doc_id(tid)
        name = bucket_name(tid)
        mine = self.data[TICKETS][str(doc_id)]
        theirs = _plain(self._bucket(name)[tid])
        ours, archived = mine.get("history"), theirs.get("history")
        if not isinstance(ours, list) or not isinstance(archived, list):
            return _("{id}: a copy has no history; left for a person to compare").format(id=tid)
        self.changed = True
        if archived[:len(ours)] == ours:
            self.tickets.remove(doc_ids=[doc_id])
            del self._ids[tid]
            return _("{id}: the archive's copy is the later one ({count} events): the older copy in {store} "
                     "is removed").format(id=tid, count=len(archived), store=self.path.name)
        if ours[:len(archived)] == archived:
            self._lose(self._bucket(name), name, tid)
            month = summary_month(str(theirs.get("created_at", "")))
            if tid in self._summary_file(month):
                self._lose(self._summary_file(month), month, tid)
            return _("{id}: the copy in {store} is the later one ({count} events): the archive's older copy "
                     "is removed").format(id=tid, count=len(ours), store=self.path.name)
        self.changed = bool(self._leaving or self._gaining)
        return _("{id}: the two copies' histories differ; left for a person to compare ('edoc export' shows "
                 "the copy in {store})").format(id=tid, store=self.path.name)

    def raise_archive_numbers(self) -> list[str]:
        """numbers.json raised to every number the archive holds."""
        highest: dict[str, int] = {}
        for name in self.bucket_names():
            for tid in self._bucket(name, keep=False):
                if TICKET_ID_RE.match(tid):
                    prefix, year, n = split_number(tid)
                    highest[f"{prefix}-{year}"] = max(highest.get(f"{prefix}-{year}", 0), n)
        numbers = self._archive_numbers()
        done = []
        for key, n in sorted(highest.items()):
            if numbers.get(key, 0) < n:
                done.append(_("archive: numbers.json for {key} raised from {old} to {new}").format(
                    key=key, old=numbers.get(key, 0), new=n))
                numbers[key] = n
                self._gaining.add(NUMBERS_FILE)
                self.changed = True
        return done

    # -- changes -----------------------------------------------------------------
    def insert(self, ticket: dict[str, Any]) -> None:
        self.put(ticket)

    def insert_new(self, tickets: list[dict[str, Any]]) -> None:
        """Add tickets new to the store and not closed, at once (TinyDB rewrites its table per insert)."""
        if any(t["status"] == "closed" or self.holds(t["id"]) for t in tickets):
            for ticket in tickets:
                self.put(ticket)
            return
        for ticket in tickets:
            _refuse_unreadable(ticket)
        if tickets:
            self.changed = True
            ids = self._id_map()
            for ticket, doc_id in zip(tickets, self.tickets.insert_multiple(tickets)):
                ids[ticket["id"]] = doc_id
                self._sound.add(str(doc_id))

    def replace(self, ticket: dict[str, Any]) -> None:
        self.put(ticket)

    def put(self, ticket: dict[str, Any]) -> None:
        """Store the ticket where it belongs: open ones in the store proper, closed ones archived.

        Refused: a record a reader would refuse, and a ticket whose number the archive holds in a
        copy this snapshot never read (it would be overwritten or removed unseen).
        """
        from tinydb.table import Document

        _refuse_unreadable(ticket)
        tid = ticket["id"]
        doc_id = self._doc_id(tid)
        name = bucket_name(tid)
        in_archive = name is not None and tid in self._bucket(name)
        if in_archive and tid not in self._known_in_archive:
            raise StoreCorrupt(_(
                "{id} is both in {store} and in its archive, or its number was taken again: "
                "nothing was changed; 'edoc check' explains, 'edoc check --repair' keeps the later copy"
            ).format(id=tid, store=self.path.name))
        self.changed = True
        if ticket["status"] == "closed" and self.archived and name is not None:
            if doc_id is not None:
                self.tickets.remove(doc_ids=[doc_id])
                del self._ids[tid]
            self._gain(self._bucket(name), name, tid, ticket)
            month = summary_month(ticket["created_at"])
            self._gain(self._summary_file(month), month, tid, self.store.summarize(ticket))
            return
        if doc_id is None:
            doc_id = self.tickets.insert(ticket)
            self._id_map()[tid] = doc_id
        else:
            self.tickets.upsert(Document(ticket, doc_id=doc_id))
        self._sound.add(str(doc_id))
        if in_archive:  # a reopened ticket leaves the archive
            self._lose(self._bucket(name), name, tid)
            month = summary_month(ticket["created_at"])  # never changes in a ticket's life
            if tid in self._summary_file(month):
                self._lose(self._summary_file(month), month, tid)

    def put_encoded(self, ticket_id: str, created_at: str, text: str, summary: str) -> None:
        """File a closed ticket new to the store that arrives encoded, with its encoded summary (an import;
        its record was checked by the same rules when it was read)."""
        order = _order_id(ticket_id)  # (prefix, year, number, "") of a registration number
        if order[3] or not self.archived or self._doc_id(ticket_id) is not None:
            self.put(json.loads(text))
            return
        self.changed = True
        name = _bucket_of(*order[:3])
        self._gain(self._bucket(name), name, ticket_id, Encoded(ticket_id, text, order))
        month = summary_month(created_at)
        self._gain(self._summary_file(month), month, ticket_id, Encoded(ticket_id, summary, order))

    def _gain(self, docs: dict[str, Any], name: str, tid: str, doc: dict[str, Any]) -> None:
        docs[tid] = doc
        self._gaining.add(name)
        if not name.startswith("summary-"):
            self._known_in_archive.add(tid)
            self._raise_archive_number(tid)

    def _lose(self, docs: dict[str, Any], name: str, tid: str) -> None:
        self._leaving.setdefault(name, {})[tid] = docs.pop(tid)

    def _bucket(self, name: str, keep: bool = True) -> dict[str, dict[str, Any]]:
        if name in self._archive:
            return self._archive[name]
        docs = {doc["id"]: doc for doc in self._read_archive(name, TICKETS)}
        if keep:
            self._archive[name] = docs
        return docs

    def _summary_file(self, name: str) -> dict[str, dict[str, Any]]:
        if name not in self._summaries:
            self._summaries[name] = {doc["id"]: doc for doc in self._read_archive(name, SUMMARIES)}
        return self._summaries[name]

    def archive_writes(self) -> list[tuple[str, str, list]]:
        """(file, table, documents) of every archive file this change rewrites."""
        writes = []
        for name in sorted(self._gaining | set(self._leaving)):
            if name == NUMBERS_FILE:
                docs = [{"id": key, "highest": n} for key, n in sorted(self._archive_numbers().items())]
                writes.append((name, NUMBERS, docs))
            elif name in self._archive:
                writes.append((name, TICKETS, list(self._archive[name].values())))
            else:
                writes.append((name, SUMMARIES, list(self._summaries[name].values())))
        return writes


def _schema(data: dict[str, Any]) -> Any:
    meta = data.get(META, {}).get("1")
    return meta.get("schema_version") if isinstance(meta, dict) else None


def _record_name(doc: Any, doc_id: str) -> str:
    tid = doc.get("id") if isinstance(doc, dict) else None
    return tid[:40] if isinstance(tid, str) and tid else f"#{doc_id}"


def _refuse_unreadable(ticket: dict[str, Any]) -> None:
    """The writer's side of the one set of rules: a record a reader would refuse is never written."""
    from edoc_cli.records import record_problems

    problems = record_problems(ticket)
    if problems:
        raise StoreWriteFailed(_("refusing to write {id}: {problem}; nothing was changed").format(
            id=_record_name(ticket, "?"), problem=problems[0]))


def meta_problems(meta: Any) -> list[str]:
    """Why the store's meta record cannot be used (its schema version is checked apart)."""
    if not isinstance(meta, dict):
        return [_("meta is not an object")]
    problems = []
    sequences = meta.get("sequences")
    if not isinstance(sequences, dict):
        problems.append(_("meta.sequences is missing or malformed"))
    else:
        for key, value in sequences.items():
            if not sequence_ok(key, value):
                problems.append(_("meta.sequences.{key} is {value}, not a whole number from 0").format(
                    key=str(key)[:20], value=repr(value)[:20]))
    if meta.get("last_sweep_at") is not None:
        why = instant_problem(meta["last_sweep_at"])
        if why:
            problems.append(_("meta.last_sweep_at {problem}").format(problem=why))
    return problems


def _order(ticket: "dict[str, Any] | Encoded") -> tuple:
    return ticket.order if isinstance(ticket, Encoded) else _order_id(ticket.get("id"))


def _order_id(ticket_id: Any) -> tuple:
    """Registration-number order: by prefix, year, then the number as a number."""
    try:
        prefix, year, n = split_number(ticket_id)
    except (ValueError, AttributeError):
        return ("", 0, 0, str(ticket_id))
    return (prefix, year, n, "")


def _bucket_order(name: str) -> tuple:
    stem = name[: -len(".json")]
    prefix, year, chunk = stem.rsplit("-", 2)
    return (prefix, int(year), int(chunk))


def bucket_name(ticket_id: str) -> str | None:
    """The archive file that holds a closed ticket: ED-2026-000123 -> ED-2026-000.json."""
    try:
        prefix, year, n = split_number(ticket_id)
    except (ValueError, AttributeError):
        return None
    return _bucket_of(prefix, year, n)


def _bucket_of(prefix: str, year: int, n: int) -> str:
    return f"{prefix}-{year}-{n // BUCKET_SIZE:03d}.json"


def summary_month(created_at: str) -> str:
    """The summary file of a ticket registered at `created_at`: by that month (local time)."""
    return f"summary-{created_at[:7]}.json"


def encode(doc: Any) -> str:
    """The compact JSON every store file is written in."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        twice = next(k for k in keys if k in seen or seen.add(k))
        raise _DuplicateKey(twice)
    return dict(pairs)


class _DuplicateKey(ValueError):
    pass


class Store:
    """Where the tickets live, and the only code that touches those files."""

    def __init__(self, path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 summarize: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
        self.path = Path(os.path.realpath(path))
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.archive_dir = self.path.with_name(self.path.name + ".archive")
        self.lock_timeout = lock_timeout
        self._summarize = summarize
        self._tmp_re = re.compile(rf"^\.{re.escape(self.path.name)}\.{TOKEN_RE}\.tmp$")

    def summarize(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """The compact summary kept beside an archived ticket (for reports)."""
        if self._summarize is None:
            return {"id": ticket["id"], "created_at": ticket["created_at"]}
        return self._summarize(ticket)

    # -- the archive -------------------------------------------------------------
    def archive_names(self) -> list[str]:
        """The archive files in place (buckets, summaries, numbers.json)."""
        try:
            names = os.listdir(self.archive_dir)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreCorrupt(_("store {path} cannot be read: {reason}; check --store / EDOC_STORE").format(
                path=self.archive_dir, reason=exc.strerror)) from None
        return [n for n in names if ARCHIVE_NAME_RE.match(n)]

    def staged_files(self, meta: dict[str, Any]) -> dict[str, Path]:
        """The archive files noted as staged in the store proper's meta: name -> staged copy.

        A malformed note (hand-edited) names no file: only archive names and a hex token are taken.
        """
        note = meta.get(STAGED) if isinstance(meta, dict) else None
        if not isinstance(note, dict) or not isinstance(note.get("token"), str) \
                or not re.fullmatch(TOKEN_RE, note["token"]) or not isinstance(note.get("files"), list):
            return {}
        return {name: self._staged_path(name, note["token"]) for name in note["files"]
                if isinstance(name, str) and ARCHIVE_NAME_RE.match(name)}

    def _staged_path(self, name: str, token: str) -> Path:
        return self.archive_dir / f".{name}.{token}.staged"

    def archive_docs(self, raw: bytes, path: Path, table: str, exact: bool = False) -> list[dict[str, Any]]:
        """The documents of one archive file's bytes (StoreCorrupt naming `path` if it is not one)."""
        data = self._parse(raw, path, exact)
        docs = list(data.get(table, {}).values())
        if not all(isinstance(d, dict) and isinstance(d.get("id"), str) for d in docs):
            raise StoreCorrupt(_("store {path} has a malformed record {record}; {hint}").format(
                path=path, record=repr(table), hint=_untouched_hint()))
        return docs

    # -- reading -------------------------------------------------------------
    def _decode(self, raw: bytes | None, lenient: bool = False, exact: bool = False) -> tuple[dict, list[str]]:
        """The store proper's tables from its bytes (None: no store yet), and its meta's problems
        (raised as StoreCorrupt unless `lenient`)."""
        if raw is None:
            return {META: {"1": {"schema_version": SCHEMA_VERSION, "sequences": {}}}, TICKETS: {}}, []
        data = self._parse(raw, exact=exact)
        self._check_schema(data)
        problems = meta_problems(data[META]["1"])
        if problems and not lenient:
            raise StoreCorrupt(_("store {path}: {problem}; {hint}").format(
                path=self.path, problem=problems[0],
                hint=_("it was left untouched; 'edoc check --repair' or a hand edit mends it")))
        return data, problems

    def _refuse_odd_file(self) -> None:
        """A store is a regular file: --store /dev/zero must not be read forever, nor get a lock beside it."""
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return  # missing (a new store) or unreadable: reading says which
        if stat.S_ISDIR(mode):
            raise StoreCorrupt(_("store {path} is a directory, not a file").format(path=self.path))
        if not stat.S_ISREG(mode):
            raise StoreCorrupt(_("store {path} is not a regular file; check --store / EDOC_STORE").format(
                path=self.path))

    def _open_proper(self) -> int | None:
        self._refuse_odd_file()
        check_folder(self.path.parent)
        try:
            return open_for_reading(self.path)
        except StoreCorrupt:
            if not os.access(self.path, os.R_OK) and os.path.exists(self.path):
                raise StoreCorrupt(_("store {path} cannot be read: permission denied").format(
                    path=self.path)) from None
            raise

    def _parse(self, raw: bytes, path: Path | None = None, exact: bool = False) -> dict[str, Any]:
        """The JSON tables of a store file, or StoreCorrupt naming `path` (default: the store).

        `exact` (edoc check): a key given twice in one object (JSON keeps the last, silently
        dropping a record) is refused too.
        """
        hint = _untouched_hint()
        path = path or self.path
        if not raw.strip():
            raise StoreCorrupt(_("store {path} is empty (truncated?); {hint}").format(path=path, hint=hint))
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys) if exact else json.loads(text)
        except UnicodeDecodeError:
            raise StoreCorrupt(_("store {path} is not UTF-8 text; {hint}").format(path=path, hint=hint)) from None
        except _DuplicateKey as exc:
            raise StoreCorrupt(_("store {path} gives the key {key} twice in one object (one of them would be "
                                 "lost); {hint}").format(path=path, key=repr(str(exc))[:40], hint=hint)) from None
        except RecursionError:
            raise StoreCorrupt(_("store {path} is nested too deep to be a store; {hint}").format(
                path=path, hint=hint)) from None
        except ValueError as exc:  # JSONDecodeError, or an integer of thousands of digits
            line, column = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else ("?", "?")
            raise StoreCorrupt(_("store {path} is not valid JSON (line {line}, column {column}); {hint}").format(
                path=path, line=line, column=column, hint=hint)) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(_("store {path} is not a TinyDB file of tables; {hint}").format(
                path=path, hint=hint))
        for table in data.values():
            for doc_id, doc in table.items():
                if not (doc_id.isascii() and doc_id.isdigit()) or not isinstance(doc, dict):
                    raise StoreCorrupt(_("store {path} has a malformed record {record}; {hint}").format(
                        path=path, record=repr(doc_id)[:40], hint=hint))
        return data

    def _check_schema(self, data: dict[str, Any]) -> None:
        meta = data.get(META, {}).get("1")
        version = meta.get("schema_version") if isinstance(meta, dict) else None
        if version not in SCHEMAS_READ or isinstance(version, bool):
            if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
                raise StoreCorrupt(_(
                    "store {path} has schema version {version}, newer than this edoc "
                    "understands ({supported}); upgrade edoc"
                ).format(path=self.path, version=version, supported=SCHEMA_VERSION))
            raise StoreCorrupt(_("store {path} has no valid schema version (expected {expected})").format(
                path=self.path, expected=SCHEMA_VERSION))
        data.setdefault(TICKETS, {})

    def snapshot(self, lenient: bool = False, exact: bool = False) -> Snapshot:
        """One committed state, read without a lock (see the module's text): the store proper, and every
        archive file it names opened at once. Starts again if a commit came in between.

        `lenient`, `exact`: for edoc check (meta problems kept, not raised; duplicate keys refused).
        """
        deadline = time.monotonic() + max(self.lock_timeout, 1.0)
        while True:
            fd = self._open_proper()
            try:
                seen = os.fstat(fd) if fd is not None else None
                data, problems = self._decode(read_fd(fd) if fd is not None else None, lenient, exact)
                if os.path.isdir(self.archive_dir):
                    check_folder(self.archive_dir)
                files = ArchiveFiles(self, self.staged_files(data[META]["1"]), pinned=True,
                                     present=_schema(data) in ARCHIVED_SCHEMAS)
                if self._still(seen):
                    return Snapshot(data, self, files, problems, exact)
                files.close()
            finally:
                if fd is not None:
                    os.close(fd)
            if time.monotonic() >= deadline:
                raise StoreBusy(_("store {path} kept changing while it was read; try again").format(path=self.path))

    def _still(self, seen: os.stat_result | None) -> bool:
        """Whether the store proper is still the file a reader read (no commit since)."""
        try:
            now = os.lstat(self.path)
        except FileNotFoundError:
            return seen is None
        return seen is not None and (now.st_dev, now.st_ino) == (seen.st_dev, seen.st_ino)

    def _load_locked(self, lenient: bool = False) -> tuple[dict[str, Any], bytes | None, list[str]]:
        """The store proper as the lock holder reads it, its bytes (None: no store yet), its meta's problems."""
        fd = self._open_proper()
        if fd is None:
            return self._decode(None)[0], None, []
        try:
            raw = read_fd(fd)
        finally:
            os.close(fd)
        data, problems = self._decode(raw, lenient)
        return data, raw, problems

    # -- writing -------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

        self._refuse_odd_file()
        folder = self.path.parent
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            make_folder(folder)
        except OSError as exc:
            why = (_("a part of that path is a file, not a folder")
                   if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror)
            raise StoreWriteFailed(
                _("cannot create the store's folder {folder}: {reason}; nothing was changed; "
                  "check --store / EDOC_STORE").format(
                    folder=folder, reason=why)
            ) from None
        fd = open_lock(self.lock_path)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreBusy(_(
                            "store {path} is busy: another edoc holds its lock for more than "
                            "{seconds} s; try again (EDOC_LOCK_TIMEOUT sets the wait)"
                        ).format(path=self.path, seconds=f"{self.lock_timeout:g}")) from None
                    time.sleep(0.02)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _finish_staged(self, staged: dict[str, Path], strict: bool) -> None:
        """Rename the staged archive files of a committed change into place: the last step of a
        commit (a rename that fails there is left to the next writer, with a warning: the change
        stands), or the first of the next writer's transaction (`strict`: a rename that fails there
        stops it, before it changes anything or removes a staged file, since those are the only copies)."""
        renamed = False
        for name, path in staged.items():
            try:
                os.replace(path, self.archive_dir / name)
                renamed = True
            except FileNotFoundError:
                pass  # renamed already
            except OSError as exc:
                if strict:
                    raise write_failed(self.archive_dir / name, exc) from None
                RUN.warnings.append(_(
                    "the change was saved, but {file} could not be moved into place ({reason}); readers use "
                    "its staged copy and the next command that writes finishes it").format(
                    file=self.archive_dir / name, reason=exc.strerror))
                return
        if renamed:
            self._sync_committed(self.archive_dir)

    @staticmethod
    def _sync_committed(folder: Path) -> None:
        """fsync a folder after the commit point: a failure cannot undo the change, so it is a warning."""
        try:
            fsync_folder(folder)
        except OSError as exc:
            RUN.warnings.append(_(
                "the change was saved, but the system could not confirm {folder} is on disk ({reason}); "
                "it may be lost if the machine loses power now").format(folder=folder, reason=exc.strerror))

    def _remove_dead_writers_leftovers(self) -> None:
        """Temporary and staged files are made only by the lock holder, and the staged files of the
        last commit are in place by now: any found were left by a writer that died or failed before
        its commit (each a full copy of its file, personal data included). Only names of this store's
        own pattern are touched: a neighbouring store's files (tickets.json.test) are not ours."""
        for folder, pattern in ((self.path.parent, self._tmp_re), (self.archive_dir, STAGED_NAME_RE)):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                if pattern.match(name):
                    try:
                        os.unlink(folder / name)
                    except OSError:
                        pass

    @contextmanager
    def transaction(self, lenient: bool = False) -> Iterator[Snapshot]:
        """Lock, read fresh, let the caller change the snapshot, commit it.

        Nothing is written if the block raises, or if it changed nothing. `lenient` (a repair):
        a meta record with problems is read, for the caller to mend.
        """
        raise_if_interrupted()
        with self._locked():
            snap, raw = self._locked_snapshot(lenient)
            if not snap.archived and raw is not None:
                self._migrate(snap, raw)
                snap, raw = self._locked_snapshot(lenient)
            yield snap
            if snap.changed:
                self._commit(snap)

    def _locked_snapshot(self, lenient: bool) -> tuple[Snapshot, bytes | None]:
        """The lock holder's fresh view, after the last commit's staged files are in place and dead
        writers' leftovers are gone; and the store proper's bytes (None: no store yet)."""
        data, raw, problems = self._load_locked(lenient)
        self._finish_staged(self.staged_files(data[META]["1"]), strict=True)
        self._remove_dead_writers_leftovers()
        files = ArchiveFiles(self, {}, pinned=False, present=_schema(data) in ARCHIVED_SCHEMAS)
        return Snapshot(data, self, files, problems), raw

    def _commit(self, snap: Snapshot, counts: bool = True) -> None:
        """Stage the archive files, replace the store proper (the commit point), rename the staged in.

        `counts`: a change of tickets (told to the person if interrupted); a migration is not.
        """
        token = secrets.token_hex(8)
        staged: dict[str, Path] = {}
        tmp: Path | None = None
        meta = snap.meta()
        if meta.get("schema_version") in ARCHIVED_SCHEMAS:
            meta["schema_version"] = SCHEMA_VERSION
        try:
            for name, table, docs in snap.archive_writes():
                if not staged:
                    self._make_archive_folder()
                staged[name] = self._staged_path(name, token)
                self._write_archive(table, docs, staged[name])
            if staged:
                try:
                    fsync_folder(self.archive_dir)
                except OSError as exc:
                    raise write_failed(self.archive_dir, exc) from None
                meta[STAGED] = {"token": token, "files": sorted(staged)}
            else:
                meta.pop(STAGED, None)
            snap.set_meta(meta)
            tmp = self.path.with_name(f".{self.path.name}.{token}.tmp")
            self._write_new(tmp, encode(snap.data), shown=self.path)
            with commit_section():
                os.replace(tmp, self.path)  # the commit point: from here on the change stands
                tmp = None
                staged_now, staged = staged, {}
                if counts:
                    RUN.commits += 1
                self._sync_committed(self.path.parent)
                self._finish_staged(staged_now, strict=False)
        except OSError as exc:  # the rename of the commit point failed: nothing changed
            raise write_failed(self.path, exc) from None
        finally:
            # Reached with files still here only before the commit point: nothing is visible of them.
            for path in ([tmp] if tmp is not None else []) + list(staged.values()):
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def _make_archive_folder(self) -> None:
        try:
            make_folder(self.archive_dir)
        except OSError as exc:
            raise write_failed(self.archive_dir, exc) from None

    def _write_new(self, path: Path, text: str, shown: Path | None = None) -> None:
        """Write a new file whole; a failure removes it and names `shown` (default: the file)."""
        try:
            write_new(path, text.encode("utf-8"))
        except OSError as exc:
            try:
                os.unlink(path)
            except OSError:
                pass
            raise write_failed(shown or path, exc) from None

    def _write_archive(self, table: str, docs: list[dict[str, Any]], path: Path) -> None:
        """Write one archive file's documents, staged (see `_commit`)."""
        # The TinyDB document {table: {"1": doc, ...}}, built from each document's JSON text, so
        # that encoded ones (an import's) go in as they are, without decoding them again.
        parts = [doc.text if isinstance(doc, Encoded) else encode(doc) for doc in sorted(docs, key=_order)]
        self._write_new(path, f'{{"{table}":{{' + ",".join(f'"{i}":{part}' for i, part in enumerate(parts, 1))
                        + "}}")

    def _migrate(self, snap: Snapshot, raw: bytes) -> None:
        """Schema 1 -> 2, all or nothing: back up, archive the closed tickets, then the store.

        Until the store proper is replaced (the last step) it is the schema 1 file, which every
        command still reads whole; archive files written before a crash are written again. The
        backup is a new file of an unguessable name: a link planted for it is never written through.
        """
        from datetime import datetime

        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.backup-v1-{stamp}-{secrets.token_hex(4)}")
        self._write_new(backup, raw.decode("utf-8"))
        migrated = Snapshot(json.loads(json.dumps(snap.data)), self, snap.files)
        meta = migrated.meta()
        meta["schema_version"] = SCHEMA_VERSION
        meta["migrated_from_v1"] = {"backup": backup.name}
        migrated.set_meta(meta)
        for ticket in migrated.pending_tickets():
            if ticket["status"] == "closed":
                migrated._known_in_archive.add(ticket["id"])  # the schema 1 file is the only copy
                migrated.put(ticket)
        self._commit(migrated, counts=False)
