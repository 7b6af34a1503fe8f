"""The ticket store: a TinyDB JSON file, shared safely by operators and cron.

Every change is a locked read-modify-write: an exclusive `flock` on a lock
file beside the store, a fresh read, the change, then the whole file is
replaced atomically (temporary file in the same folder, fsync, rename,
fsync of the folder). A reader therefore always sees a whole store, old or
new, and a crash or a full disk at any moment leaves the previous store
intact. A store that does not parse is never written over.

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

All files are TinyDB JSON documents, written atomically under the one lock.
The write of the store proper is the commit point of every change: the
archive files a change rewrites are first written beside their places as
`.NAME.TOKEN.staged`, then the store proper is replaced with a note of them
in its meta ("staged"), and only then are they renamed into place. Until the
store proper is replaced nothing visible has changed (a failure removes the
staged files: an import that fills the disk half-way imports nothing); once
it is, readers read a noted file from its staged copy while that still
exists, and the next writer finishes any renames a crash cut short. The
store proper also wins over an archive copy of a ticket it holds. A schema 1
store (one file) is read as it is and migrated, after a timestamped backup,
by the first command that writes.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from edoc_cli.errors import StoreBusy, StoreCorrupt, StoreWriteFailed
from edoc_cli.i18n import _

SCHEMA_VERSION = 2
SCHEMAS_READ = (1, 2)
TICKETS = "tickets"
META = "meta"
SUMMARIES = "summaries"
STAGED = "staged"  # meta key: the archive files of the last commit, {"token": ..., "files": [...]}
STAGED_TOKEN_RE = re.compile(r"^[0-9a-f]{16}$")
ARCHIVE_NAME_RE = re.compile(r"^(summary-\d{4}-\d{2}|[A-Z][A-Z0-9]{0,9}-\d{4}-\d{3,})\.json$")
BUCKET_SIZE = 1000
# A registration number: PREFIX-YEAR-SEQUENCE (ED-2026-000042).
TICKET_ID_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}-\d{4}-\d{6,}$")
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


class Snapshot:
    """One consistent view of the store: the open tickets (TinyDB), the archive on demand."""

    def __init__(self, data: dict[str, Any], store: "Store"):
        from tinydb import TinyDB

        self.store = store
        self.path = store.path
        self.db = TinyDB(storage=_tinydb_storage(data))
        self.tickets = self.db.table(TICKETS, cache_size=0)
        self.meta_table = self.db.table(META, cache_size=0)
        self.changed = False
        self._archive: dict[str, dict[str, dict[str, Any]]] = {}   # file -> {id: ticket}
        self._summaries: dict[str, dict[str, dict[str, Any]]] = {}  # file -> {id: summary}
        self._leaving: dict[str, dict[str, dict[str, Any]]] = {}    # file -> {id: doc moved out}
        self._gaining: set[str] = set()
        self._ids: dict[str, int] | None = None  # ticket id -> TinyDB doc id in the store proper
        self.staged: dict[str, Path] = store.staged_files(self.meta())  # archive file -> its staged copy

    @property
    def data(self) -> dict[str, Any]:
        return self.db.storage.data

    @property
    def archived(self) -> bool:
        """Schema 2: closed tickets live in the archive (a schema 1 store keeps all in one file)."""
        meta = self.data.get(META, {}).get("1")  # read directly: asked once a ticket on an import
        return isinstance(meta, dict) and meta.get("schema_version") == SCHEMA_VERSION

    # -- meta ----------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        doc = self.meta_table.get(doc_id=1)
        return dict(doc) if doc else {"schema_version": SCHEMA_VERSION, "sequences": {}}

    def set_meta(self, meta: dict[str, Any]) -> None:
        self.changed = True
        if self.meta_table.get(doc_id=1) is None:
            from tinydb.table import Document

            self.meta_table.insert(Document(meta, doc_id=1))
        else:
            self.meta_table.update(meta, doc_ids=[1])

    def next_number(self, prefix: str, year: int) -> str:
        """The next registration number of the year; never reused (kept in meta)."""
        meta = self.meta()
        key = f"{prefix}-{year}"
        seq = dict(meta.get("sequences", {}))
        n = int(seq.get(key, 0)) + 1
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

    # -- tickets in the store proper ---------------------------------------------
    def pending_tickets(self) -> list[dict[str, Any]]:
        """Every ticket in the store proper (in a schema 1 store: closed ones too)."""
        return [dict(doc) for doc in self.tickets.all()]

    def active_tickets(self) -> list[dict[str, Any]]:
        """The tickets not closed: what everyday commands work on."""
        return [t for t in self.pending_tickets() if t.get("status") != "closed"]

    def _doc_id(self, ticket_id: str) -> int | None:
        if self._ids is None:
            self._ids = {doc.get("id"): int(doc_id) for doc_id, doc in self.data.get(TICKETS, {}).items()}
        return self._ids.get(ticket_id)

    # -- every ticket ------------------------------------------------------------
    def get(self, ticket_id: str) -> dict[str, Any] | None:
        doc_id = self._doc_id(ticket_id)
        if doc_id is not None:
            return dict(self.tickets.get(doc_id=doc_id))
        name = bucket_name(ticket_id)
        if name is None:
            return None
        found = self._bucket(name).get(ticket_id)
        return dict(_plain(found)) if found is not None else None

    def holds(self, ticket_id: str) -> bool:
        """Whether the ticket is in the store, open or archived (`get` without the copy)."""
        if self._doc_id(ticket_id) is not None:
            return True
        name = bucket_name(ticket_id)
        return name is not None and ticket_id in self._bucket(name)

    def all_tickets(self) -> list[dict[str, Any]]:
        """Every ticket, open and archived (reads the whole archive: not for everyday commands)."""
        return list(self.iter_all_tickets())

    def iter_all_tickets(self) -> Iterator[dict[str, Any]]:
        """Every ticket in registration-number order, one archive bucket in memory at a time."""
        import heapq

        pending = sorted(self.pending_tickets(), key=_order)
        in_store = {t["id"] for t in pending}

        def archived() -> Iterator[dict[str, Any]]:
            for name in self.bucket_names():
                tickets = self._bucket(name, keep=False)
                for tid in sorted(tickets, key=_order_id):
                    if tid not in in_store:
                        yield _plain(tickets[tid])

        yield from heapq.merge(pending, archived(), key=_order)

    def bucket_names(self) -> list[str]:
        """The archive buckets, those only staged so far included."""
        staged = [n for n in self.staged if not n.startswith("summary-")]
        return sorted(set(self.store.bucket_names()) | set(staged), key=_bucket_order)

    def summary_months(self) -> list[str]:
        staged = [n[len("summary-"):-len(".json")] for n in self.staged if n.startswith("summary-")]
        return sorted(set(self.store.summary_months()) | set(staged))

    def _read_archive(self, name: str, table: str) -> list[dict[str, Any]]:
        return self.store.read_archive_file(name, table, self.staged.get(name))

    def summaries(self, months: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Summaries of archived tickets registered in these months ("2026-11"), stale ones skipped."""
        in_store = set(self._ids_in_store())
        for month in months:
            name = f"summary-{month}.json"
            # Read one month at a time and let it go: a year of summaries never sits in memory whole.
            rows = (self._summaries[name].values() if name in self._summaries
                    else self._read_archive(name, SUMMARIES))
            for row in map(_plain, rows):
                if row["id"] not in in_store:
                    yield row

    def _ids_in_store(self) -> Iterator[str]:
        for doc in self.data.get(TICKETS, {}).values():
            yield doc.get("id")

    # -- changes -----------------------------------------------------------------
    def insert(self, ticket: dict[str, Any]) -> None:
        self.put(ticket)

    def insert_new(self, tickets: list[dict[str, Any]]) -> None:
        """Add tickets new to the store and not closed, at once (TinyDB rewrites its table per insert)."""
        if any(t["status"] == "closed" or self._doc_id(t["id"]) is not None for t in tickets):
            for ticket in tickets:
                self.put(ticket)
            return
        if tickets:
            self.changed = True
            for ticket, doc_id in zip(tickets, self.tickets.insert_multiple(tickets)):
                self._ids[ticket["id"]] = doc_id

    def replace(self, ticket: dict[str, Any]) -> None:
        self.put(ticket)

    def put(self, ticket: dict[str, Any]) -> None:
        """Store the ticket where it belongs: open ones in the store proper, closed ones archived."""
        from tinydb.table import Document

        self.changed = True
        doc_id = self._doc_id(ticket["id"])
        name = bucket_name(ticket["id"])
        if ticket["status"] == "closed" and self.archived and name is not None:
            if doc_id is not None:
                self.tickets.remove(doc_ids=[doc_id])
                del self._ids[ticket["id"]]
            self._gain(self._bucket(name), name, ticket["id"], ticket)
            month = summary_month(ticket["created_at"])
            self._gain(self._summary_file(month), month, ticket["id"], self.store.summarize(ticket))
            return
        if doc_id is None:
            self._ids[ticket["id"]] = self.tickets.insert(ticket)
        else:
            self.tickets.upsert(Document(ticket, doc_id=doc_id))
        if name is not None and ticket["id"] in self._bucket(name):
            self._lose(self._bucket(name), name, ticket["id"])
            month = summary_month(ticket["created_at"])  # never changes in a ticket's life
            if ticket["id"] in self._summary_file(month):
                self._lose(self._summary_file(month), month, ticket["id"])

    def put_encoded(self, ticket_id: str, created_at: str, text: str, summary: str) -> None:
        """File a closed ticket new to the store that arrives encoded, with its encoded summary (an import)."""
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

    def _archive_docs(self, name: str) -> tuple[str, dict[str, dict[str, Any]]]:
        if name in self._archive:
            return TICKETS, self._archive[name]
        return SUMMARIES, self._summaries[name]

    def archive_writes(self) -> list[tuple[str, str, list]]:
        """(file, table, documents) of every archive file this change rewrites."""
        writes = []
        for name in sorted(self._gaining | set(self._leaving)):
            table, docs = self._archive_docs(name)
            writes.append((name, table, list(docs.values())))
        return writes


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
    except ValueError:
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


def _write_failed(path: Path, exc: OSError) -> StoreWriteFailed:
    reason = _("the disk is full") if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
    return StoreWriteFailed(_("could not write the store {path}: {reason}; nothing was changed").format(
        path=path, reason=reason))


def _fsync_folder(folder: Path) -> None:
    """Make the renames in a folder durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def split_number(ticket_id: str) -> tuple[str, int, int]:
    prefix, year, n = ticket_id.rsplit("-", 2)
    return prefix, int(year), int(n)


class Store:
    """Where the tickets live, and the only code that touches those files."""

    def __init__(self, path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 summarize: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
        self.path = Path(os.path.realpath(path))
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.archive_dir = self.path.with_name(self.path.name + ".archive")
        self.lock_timeout = lock_timeout
        self._summarize = summarize

    def summarize(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """The compact summary kept beside an archived ticket (for reports)."""
        if self._summarize is None:
            return {"id": ticket["id"], "created_at": ticket["created_at"]}
        return self._summarize(ticket)

    # -- the archive -------------------------------------------------------------
    def bucket_names(self) -> list[str]:
        try:
            names = os.listdir(self.archive_dir)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreCorrupt(_("store {path} cannot be read: {reason}; check --store / EDOC_STORE").format(
                path=self.archive_dir, reason=exc.strerror)) from None
        return [n for n in names if n.endswith(".json") and not n.startswith(("summary-", "."))]

    def summary_months(self) -> list[str]:
        try:
            names = os.listdir(self.archive_dir)
        except OSError:
            return []
        return sorted(n[len("summary-"):-len(".json")] for n in names
                      if n.startswith("summary-") and n.endswith(".json"))

    def staged_files(self, meta: dict[str, Any]) -> dict[str, Path]:
        """The archive files noted as staged in the store proper's meta: name -> staged copy.

        A malformed note (hand-edited) names no file: only archive names and a hex token are taken.
        """
        note = meta.get(STAGED)
        if not isinstance(note, dict) or not isinstance(note.get("token"), str) \
                or not STAGED_TOKEN_RE.match(note["token"]) or not isinstance(note.get("files"), list):
            return {}
        return {name: self._staged_path(name, note["token"]) for name in note["files"]
                if isinstance(name, str) and ARCHIVE_NAME_RE.match(name)}

    def _staged_path(self, name: str, token: str) -> Path:
        return self.archive_dir / f".{name}.{token}.staged"

    def read_archive_file(self, name: str, table: str, staged: Path | None = None) -> list[dict[str, Any]]:
        """The documents of one archive file; from its staged copy while that exists (see above)."""
        path = staged
        raw = self._read_if_there(staged) if staged is not None else None
        if raw is None:  # no staged copy: renamed into place already (the usual case)
            path = self.archive_dir / name
            raw = self._read_if_there(path)
            if raw is None:
                return []
        data = self._parse(raw, path)
        docs = list(data.get(table, {}).values())
        if not all(isinstance(d, dict) and isinstance(d.get("id"), str) for d in docs):
            raise StoreCorrupt(_("store {path} has a malformed record {record}; {hint}").format(
                path=path, record=repr(table), hint=_untouched_hint()))
        return docs

    @staticmethod
    def _read_if_there(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreCorrupt(_("store {path} cannot be read: {reason}; check --store / EDOC_STORE").format(
                path=path, reason=exc.strerror)) from None

    # -- reading -------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        self._refuse_odd_file()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {META: {"1": {"schema_version": SCHEMA_VERSION, "sequences": {}}}, TICKETS: {}}
        except IsADirectoryError:
            raise StoreCorrupt(_("store {path} is a directory, not a file").format(path=self.path)) from None
        except PermissionError:
            raise StoreCorrupt(_("store {path} cannot be read: permission denied").format(path=self.path)) from None
        except OSError as exc:  # e.g. a parent of the path is a regular file
            raise StoreCorrupt(_("store {path} cannot be read: {reason}; check --store / EDOC_STORE").format(
                path=self.path, reason=exc.strerror)) from None
        data = self._parse(raw)
        self._check_schema(data)
        self._check_records(data)
        return data

    def _refuse_odd_file(self) -> None:
        """A store is a regular file: --store /dev/zero must not be read forever, nor get a lock beside it."""
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return  # missing (a new store) or unreadable: reading says which
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            raise StoreCorrupt(_("store {path} is not a regular file; check --store / EDOC_STORE").format(
                path=self.path))

    def _check_records(self, data: dict[str, Any]) -> None:
        """Refuse a ticket record that commands would crash on half-way (`check` finds the rest)."""
        from edoc_cli.records import shape_problems

        for doc_id, doc in data[TICKETS].items():
            problems = shape_problems(doc)
            if problems:
                raise StoreCorrupt(_("store {path}: ticket record {record} {problem}; {hint}").format(
                    path=self.path, record=doc_id, problem=problems[0], hint=_untouched_hint()))

    def _parse(self, raw: bytes, path: Path | None = None) -> dict[str, Any]:
        """The JSON tables of a store file, or StoreCorrupt naming `path` (default: the store)."""
        hint = _untouched_hint()
        path = path or self.path
        if not raw.strip():
            raise StoreCorrupt(_("store {path} is empty (truncated?); {hint}").format(path=path, hint=hint))
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise StoreCorrupt(_("store {path} is not UTF-8 text; {hint}").format(path=path, hint=hint)) from None
        except ValueError as exc:  # JSONDecodeError, or an integer of thousands of digits
            if not isinstance(exc, json.JSONDecodeError):
                raise StoreCorrupt(_("store {path} is not valid JSON (line {line}, column {column}); {hint}").format(
                    path=path, line="?", column="?", hint=hint)) from None
            raise StoreCorrupt(
                _("store {path} is not valid JSON (line {line}, column {column}); {hint}").format(
                    path=path, line=exc.lineno, column=exc.colno, hint=hint)
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(_("store {path} is not a TinyDB file of tables; {hint}").format(
                path=path, hint=hint))
        for table in data.values():
            for doc_id, doc in table.items():
                if not doc_id.isdigit() or not isinstance(doc, dict):
                    raise StoreCorrupt(_("store {path} has a malformed record {record}; {hint}").format(
                        path=path, record=repr(doc_id), hint=hint))
        return data

    def _check_schema(self, data: dict[str, Any]) -> None:
        meta = data.get(META, {}).get("1")
        version = meta.get("schema_version") if isinstance(meta, dict) else None
        if version not in SCHEMAS_READ:
            if isinstance(version, int) and version > SCHEMA_VERSION:
                raise StoreCorrupt(_(
                    "store {path} has schema version {version}, newer than this edoc "
                    "understands ({supported}); upgrade edoc"
                ).format(path=self.path, version=version, supported=SCHEMA_VERSION))
            raise StoreCorrupt(_("store {path} has no valid schema version (expected {expected})").format(
                path=self.path, expected=SCHEMA_VERSION))
        if not isinstance(meta.get("sequences"), dict):
            raise StoreCorrupt(_("store {path}: meta.sequences is missing or malformed").format(path=self.path))
        data.setdefault(TICKETS, {})

    def snapshot(self) -> Snapshot:
        """A consistent read-only view; takes no lock (writes replace each file whole)."""
        return Snapshot(self._load(), self)

    # -- writing -------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

        self._refuse_odd_file()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            why = (_("a part of that path is a file, not a folder")
                   if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror)
            raise StoreWriteFailed(
                _("cannot create the store's folder {folder}: {reason}; check --store / EDOC_STORE").format(
                    folder=self.path.parent, reason=why)
            ) from None
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreWriteFailed(_("cannot open the lock file {path}: {reason}").format(
                path=self.lock_path, reason=exc.strerror)) from None
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
        commit (a rename that fails there is left to the next writer: the change stands), or the
        first of the next writer's transaction (`strict`: a rename that fails there stops it, before
        it changes anything or removes a staged file, since those are the only copies)."""
        renamed = False
        for name, path in staged.items():
            try:
                os.replace(path, self.archive_dir / name)
                renamed = True
            except FileNotFoundError:
                pass  # renamed already
            except OSError as exc:
                if strict:
                    raise _write_failed(self.archive_dir / name, exc) from None
                return
        if renamed:
            try:
                _fsync_folder(self.archive_dir)
            except OSError:
                pass  # the change is committed; the renames are only less durable

    def _remove_dead_writers_leftovers(self) -> None:
        """Temporary and staged files are made only by the lock holder, and the staged files of the
        last commit are in place by now: any found were left by a writer that died or failed before
        its commit (each a full copy of its file, personal data included)."""
        for folder, prefix in ((self.path.parent, f".{self.path.name}."), (self.archive_dir, ".")):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                if name.startswith(prefix) and name.endswith((".tmp", ".staged")):
                    try:
                        os.unlink(folder / name)
                    except OSError:
                        pass

    @contextmanager
    def transaction(self) -> Iterator[Snapshot]:
        """Lock, read fresh, let the caller change the snapshot, write it atomically.

        Nothing is written if the block raises, or if it changed nothing.
        """
        with self._locked():
            snap = Snapshot(self._load(), self)
            self._finish_staged(snap.staged, strict=True)
            snap.staged = {}
            self._remove_dead_writers_leftovers()
            if not snap.archived and self.path.exists():
                snap = self._migrate(snap)
            yield snap
            if snap.changed:
                self._commit(snap)

    def _commit(self, snap: Snapshot) -> None:
        """Stage the archive files, replace the store proper (the commit), rename the staged files in."""
        import secrets

        token = secrets.token_hex(8)
        staged: dict[str, Path] = {}
        meta = snap.meta()
        try:
            for name, table, docs in snap.archive_writes():
                staged[name] = self._staged_path(name, token)
                self._write_archive(table, docs, staged[name])
            if staged:
                try:
                    _fsync_folder(self.archive_dir)
                except OSError as exc:
                    raise _write_failed(self.archive_dir, exc) from None
                meta[STAGED] = {"token": token, "files": sorted(staged)}
            else:
                meta.pop(STAGED, None)
            snap.set_meta(meta)
            self._write(snap.data)
        except BaseException:
            for path in staged.values():
                try:
                    os.unlink(path)
                except OSError:
                    pass
            raise
        self._finish_staged(staged, strict=False)

    def _write_archive(self, table: str, docs: list[dict[str, Any]], path: Path) -> None:
        """Write one archive file's documents, staged (see `_commit`)."""
        try:
            self.archive_dir.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise _write_failed(self.archive_dir, exc) from None
        # The TinyDB document {table: {"1": doc, ...}}, built from each document's JSON text, so
        # that encoded ones (an import's) go in as they are, without decoding them again.
        parts = [doc.text if isinstance(doc, Encoded) else encode(doc) for doc in sorted(docs, key=_order)]
        self._write(f'{{"{table}":{{' + ",".join(f'"{i}":{part}' for i, part in enumerate(parts, 1)) + "}}", path,
                    staged=True)

    def _migrate(self, snap: Snapshot) -> Snapshot:
        """Schema 1 -> 2, all or nothing: back up, archive the closed tickets, then the store.

        Until the store proper is replaced (the last step) it is the schema 1 file, which every
        command still reads whole; archive files written before a crash are written again.
        """
        import shutil
        from datetime import datetime

        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.backup-v1-{stamp}")
        try:
            shutil.copy2(self.path, backup)
            os.chmod(backup, 0o600)
            with open(backup, "rb") as handle:
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _write_failed(backup, exc) from None
        migrated = Snapshot(json.loads(json.dumps(snap.data)), self)
        meta = migrated.meta()
        meta["schema_version"] = SCHEMA_VERSION
        meta["migrated_from_v1"] = {"backup": backup.name}
        migrated.set_meta(meta)
        for ticket in migrated.pending_tickets():
            if ticket["status"] == "closed":
                migrated.put(ticket)
        self._commit(migrated)
        return Snapshot(self._load(), self)

    def _write(self, data: dict[str, Any] | str, path: Path | None = None, staged: bool = False) -> None:
        """Replace the file with `data` (a document, or one encoded already) atomically.

        `staged`: write a new staged file in place instead; nobody reads it before the commit
        (see above), and the commit makes the folder durable once for all of them.
        """
        path = path or self.path
        payload = (data if isinstance(data, str) else encode(data)).encode("utf-8")
        folder = path.parent
        tmp_name = None
        try:
            if staged:
                tmp_name = str(path)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            else:
                fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            if not staged:
                os.chmod(tmp_name, 0o600)
                os.replace(tmp_name, path)
                _fsync_folder(folder)
            tmp_name = None
        except OSError as exc:
            raise _write_failed(path, exc) from None
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass
