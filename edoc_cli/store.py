"""The ticket store: a TinyDB JSON file, shared safely by operators and cron.

Every change is a locked read-modify-write: an exclusive `flock` on a lock
file beside the store, a fresh read, the change, then the whole file is
replaced atomically (temporary file in the same folder, fsync, rename,
fsync of the folder). A reader therefore always sees a whole store, old or
new, and a crash or a full disk at any moment leaves the previous store
intact. A store that does not parse is never written over.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from edoc_cli.errors import StoreBusy, StoreCorrupt, StoreWriteFailed
from edoc_cli.i18n import _

SCHEMA_VERSION = 1
TICKETS = "tickets"
META = "meta"
DEFAULT_LOCK_TIMEOUT = 5.0


def _untouched_hint() -> str:
    """What every message about an unreadable store ends with."""
    return _("it was left untouched; restore it from a backup or repair it by hand")


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local" / "share")
    return Path(base) / "edoc" / "tickets.json"


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
    """One consistent view of the store's contents, with TinyDB tables over it."""

    def __init__(self, data: dict[str, Any], path: Path):
        from tinydb import TinyDB

        self.path = path
        self.db = TinyDB(storage=_tinydb_storage(data))
        self.tickets = self.db.table(TICKETS, cache_size=0)
        self.meta_table = self.db.table(META, cache_size=0)
        self.changed = False

    @property
    def data(self) -> dict[str, Any]:
        return self.db.storage.data

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

    # -- tickets -------------------------------------------------------------
    def all_tickets(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self.tickets.all()]

    def _doc_id(self, ticket_id: str) -> int | None:
        for doc_id, doc in self.data.get(TICKETS, {}).items():
            if doc.get("id") == ticket_id:
                return int(doc_id)
        return None

    def get(self, ticket_id: str) -> dict[str, Any] | None:
        doc_id = self._doc_id(ticket_id)
        return None if doc_id is None else dict(self.tickets.get(doc_id=doc_id))

    def insert(self, ticket: dict[str, Any]) -> None:
        self.changed = True
        self.tickets.insert(ticket)

    def replace(self, ticket: dict[str, Any]) -> None:
        doc_id = self._doc_id(ticket["id"])
        assert doc_id is not None, ticket["id"]
        self.changed = True
        from tinydb.table import Document

        self.tickets.upsert(Document(ticket, doc_id=doc_id))


def split_number(ticket_id: str) -> tuple[str, int, int]:
    prefix, year, n = ticket_id.rsplit("-", 2)
    return prefix, int(year), int(n)


class Store:
    """Where the tickets live, and the only code that touches that file."""

    def __init__(self, path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.path = Path(os.path.realpath(path))
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout

    # -- reading -------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
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

    def _check_records(self, data: dict[str, Any]) -> None:
        """Refuse a ticket record that commands would crash on half-way (`check` finds the rest)."""
        from edoc_cli.records import shape_problems

        for doc_id, doc in data[TICKETS].items():
            problems = shape_problems(doc)
            if problems:
                raise StoreCorrupt(_("store {path}: ticket record {record} {problem}; {hint}").format(
                    path=self.path, record=doc_id, problem=problems[0], hint=_untouched_hint()))

    def _parse(self, raw: bytes) -> dict[str, Any]:
        hint = _untouched_hint()
        if not raw.strip():
            raise StoreCorrupt(_("store {path} is empty (truncated?); {hint}").format(path=self.path, hint=hint))
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise StoreCorrupt(_("store {path} is not UTF-8 text; {hint}").format(path=self.path, hint=hint)) from None
        except json.JSONDecodeError as exc:
            raise StoreCorrupt(
                _("store {path} is not valid JSON (line {line}, column {column}); {hint}").format(
                    path=self.path, line=exc.lineno, column=exc.colno, hint=hint)
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(_("store {path} is not a TinyDB file of tables; {hint}").format(
                path=self.path, hint=hint))
        for table in data.values():
            for doc_id, doc in table.items():
                if not doc_id.isdigit() or not isinstance(doc, dict):
                    raise StoreCorrupt(_("store {path} has a malformed record {record}; {hint}").format(
                        path=self.path, record=repr(doc_id), hint=hint))
        return data

    def _check_schema(self, data: dict[str, Any]) -> None:
        meta = data.get(META, {}).get("1")
        version = meta.get("schema_version") if isinstance(meta, dict) else None
        if version != SCHEMA_VERSION:
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
        """A consistent read-only view; takes no lock (writes replace the file whole)."""
        return Snapshot(self._load(), self.path)

    # -- writing -------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

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

    @contextmanager
    def transaction(self) -> Iterator[Snapshot]:
        """Lock, read fresh, let the caller change the snapshot, write it atomically.

        Nothing is written if the block raises, or if it changed nothing.
        """
        with self._locked():
            snap = Snapshot(self._load(), self.path)
            yield snap
            if snap.changed:
                self._write(snap.data)

    def _write(self, data: dict[str, Any]) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        folder = self.path.parent
        tmp_name = None
        try:
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, 0o600)
            os.replace(tmp_name, self.path)
            tmp_name = None
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            reason = _("the disk is full") if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
            raise StoreWriteFailed(
                _("could not write the store {path}: {reason}; nothing was changed").format(
                    path=self.path, reason=reason)
            ) from None
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass
