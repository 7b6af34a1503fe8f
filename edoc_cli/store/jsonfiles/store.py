"""The JSON store: locking, reading one committed state, and the commit (see the package's text)."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from edoc_cli.errors import StoreBusy, StoreWriteFailed, os_reason
from edoc_cli.i18n import _
from edoc_cli.store.base import Store, file_bytes
from edoc_cli.store.commit import RUN, commit_section, raise_if_interrupted
from edoc_cli.store.jsonfiles.archive import ArchiveFiles
from edoc_cli.store.jsonfiles.files import (
    check_folder, fsync_folder, make_folder, open_lock, read_fd, write_failed, write_new,
)
from edoc_cli.store.jsonfiles.layout import (
    ARCHIVED_SCHEMAS, DEFAULT_LOCK_TIMEOUT, META, SCHEMA_VERSION, STAGED,
    STAGED_NAME_RE, Encoded, encode, order_of, schema_of,
)
from edoc_cli.store.jsonfiles import lined
from edoc_cli.store.jsonfiles.places import StoreFiles
from edoc_cli.store.jsonfiles.snapshot import JsonSnapshot
from edoc_cli.ticket_rules import RULES_VERSION


class JsonStore(StoreFiles, Store):
    """Where the tickets live, and the only code that touches those files."""

    def __init__(self, path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 summarize: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
        super().__init__(path, summarize)
        self.lock_timeout = lock_timeout
        self._identified: tuple[str | None, bytes | None] = (None, None)  # identity(): what it named, and the bytes

    def exists(self) -> bool:
        return self.path.exists()

    def snapshot(self, lenient: bool = False) -> JsonSnapshot:
        """One committed state, read without a lock (see the module's text): the store proper, and every
        archive file it names opened at once. Starts again if a commit came in between.

        `lenient`: for edoc check (the meta record's problems kept, not raised).
        """
        deadline = time.monotonic() + max(self.lock_timeout, 1.0)
        while True:
            fd = self.open_proper()
            try:
                seen = os.fstat(fd) if fd is not None else None
                raw = read_fd(fd) if fd is not None else None
                data, problems = self.decode(raw, lenient, exact=lenient)  # lenient: edoc check
                files = self._archive_of(data, seen)
                if self._still(seen):
                    snap = JsonSnapshot(data, self, files, problems, exact=lenient, raw=raw)
                    if not files.pinned and fd is not None:
                        # Read when asked (too many files to pin): the store proper's file stays open, so
                        # its identity, which `still` compares, cannot pass to another file meanwhile.
                        files.hold(fd)
                        fd = None
                    return snap
                files.close()
            finally:
                if fd is not None:
                    os.close(fd)
            if time.monotonic() >= deadline:
                raise StoreBusy(_("store {path} kept changing while it was read; try again").format(path=self.path))

    # -- the lines of a sealed file, for a list that keeps its rows between runs (listing_cache.py) ------
    def identity(self) -> str | None:
        """What names the store proper's bytes as they are now, if sealed (lined.identity; None: not, or
        a NaN or an Infinity outside the tickets, which sets how every JSON of the run is written). What a
        snapshot of that state refuses (its meta, its archive's folder and files) this refuses too. The
        bytes are kept for line_reader: the lines of that very state."""
        self._identified = (None, None)
        read = self._proper_bytes()
        if read is None:
            return None
        seen, raw = read
        sealed = lined.sealed(raw, RULES_VERSION)
        if sealed is None or lined.holds_nonfinite_outside_tickets(raw):
            return None
        found, meta = sealed
        self.check_meta({META: {"1": meta}})
        self._archive_of({META: {"1": meta}}, seen).close()
        self._identified = (found, raw)
        return found

    def sealed_lines(self) -> tuple[str, dict[str, bytes]] | None:
        """The store proper's identity and each ticket's line (doc id -> bytes), of the bytes identity()
        read last (read now if it read none); None: they are not sealed (every record must then be
        checked as it is read)."""
        found, raw = self._identified
        if raw is None:
            self.identity()
            found, raw = self._identified
        lines = None if raw is None else lined.ticket_lines(raw)
        return None if found is None or lines is None else (found, lines)

    def line_reader(self, identity: str, layout: list[tuple[str, int]]) -> Callable[[int], bytes | None] | None:
        """A reader of the tickets' lines (by place in the table, whose lines' doc ids and lengths are
        `layout`; None: not there) of the store proper whose bytes `identity` names (None: they are no
        longer those)."""
        found, raw = self._identified
        if identity is None or found != identity:
            read = self._proper_bytes()
            if read is None or lined.identity(read[1], RULES_VERSION) != identity:
                return None
            raw = read[1]
        return lined.line_reader(raw, layout)

    def _proper_bytes(self) -> tuple[os.stat_result, bytes] | None:
        """The store proper's file as it is now: its stat and its bytes (None: there is none)."""
        fd = self.open_proper()
        if fd is None:
            return None
        try:
            return os.fstat(fd), read_fd(fd)
        finally:
            os.close(fd)

    decode_line = staticmethod(lined.decode)

    def _archive_of(self, data: dict[str, Any], seen: os.stat_result | None) -> ArchiveFiles:
        """The archive files of the state whose tables are `data`, each opened: a linked folder, a linked
        or unreadable file is refused."""
        if os.path.lexists(self.archive_dir):
            check_folder(self.archive_dir, link_ok=False)
        return ArchiveFiles(self, self.staged_files(data[META]["1"]), pinned=True,
                            present=schema_of(data) in ARCHIVED_SCHEMAS, still=lambda: self._still(seen))

    def _still(self, seen: os.stat_result | None) -> bool:
        """Whether the store proper is still the file a reader read (no commit since)."""
        try:
            now = os.lstat(self.path)
        except FileNotFoundError:
            return seen is None
        return seen is not None and (now.st_dev, now.st_ino) == (seen.st_dev, seen.st_ino)

    def _load_locked(self, lenient: bool = False) -> tuple[dict[str, Any], bytes | None, list[str]]:
        """The store proper as the lock holder reads it, its bytes (None: no store yet), its meta's problems."""
        read = self._proper_bytes()
        if read is None:
            return self.decode(None)[0], None, []
        raw = read[1]
        data, problems = self.decode(raw, lenient, exact=True)
        return data, raw, problems

    # -- writing -------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

        self.refuse_odd_file()
        folder = self.path.parent
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            make_folder(folder)
        except OSError as exc:
            why = (_("a part of that path is a file, not a folder")
                   if isinstance(exc, (FileExistsError, NotADirectoryError)) else os_reason(exc))
            raise StoreWriteFailed(
                _("cannot create the store's folder {folder}: {reason}; nothing was changed; check {where}"),
                fields={"where": "store"}, folder=folder, reason=why) from None
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
                    file=self.archive_dir / name, reason=os_reason(exc)))
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
                "it may be lost if the machine loses power now").format(folder=folder, reason=os_reason(exc)))

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
    def transaction(self, lenient: bool = False) -> Iterator[JsonSnapshot]:
        """Lock, read fresh, let the caller change the snapshot, commit it.

        Nothing is written if the block raises, or if it changed nothing. `lenient` (a repair):
        a meta record with problems is read, for the caller to mend.
        """
        raise_if_interrupted()
        with self._locked():
            snap, raw = self._locked_snapshot(lenient)
            if not snap.archived and raw is not None:
                self._migrate(snap, raw)
                raise_if_interrupted()  # a Ctrl-C held while the migration committed stops the change itself
                snap, raw = self._locked_snapshot(lenient)
            yield snap
            if snap.changed:
                self._commit(snap)

    def _locked_snapshot(self, lenient: bool) -> tuple[JsonSnapshot, bytes | None]:
        """The lock holder's fresh view, after the last commit's staged files are in place and dead
        writers' leftovers are gone; and the store proper's bytes (None: no store yet)."""
        data, raw, problems = self._load_locked(lenient)
        self._finish_staged(self.staged_files(data[META]["1"]), strict=True)
        self._remove_dead_writers_leftovers()
        if os.path.lexists(self.archive_dir):
            check_folder(self.archive_dir, link_ok=False)  # a writer trusts its numbers.json as a reader does
        files = ArchiveFiles(self, {}, pinned=False, present=schema_of(data) in ARCHIVED_SCHEMAS)
        # a writer reads every file it may rewrite exactly
        return JsonSnapshot(data, self, files, problems, exact=True, raw=raw), raw

    def _commit(self, snap: JsonSnapshot, counts: bool = True) -> None:
        """Stage the archive files, replace the store proper (the commit point), rename the staged in.

        `counts`: a change of tickets (told to the person if interrupted); a migration is not.
        """
        token = os.urandom(8).hex()
        staged: dict[str, Path] = {}
        tmp: Path | None = None
        meta = snap.meta()
        if meta.get("schema_version") in ARCHIVED_SCHEMAS:
            meta["schema_version"] = SCHEMA_VERSION
        try:
            for name, table, docs in snap.archive_writes():
                if not staged:
                    self._make_archive_folder()
                staged[name] = self.staged_path(name, token)
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
            self._write_new(tmp, snap.encoded(), shown=self.path)
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

    def _write_new(self, path: Path, text: str | bytes | list[bytes], shown: Path | None = None) -> None:
        """Write a new file whole (text, bytes or their parts); a failure removes it and names `shown`
        (default: the file)."""
        payload = file_bytes(text) if isinstance(text, str) else text
        try:
            write_new(path, payload)
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
        parts = [doc.text if isinstance(doc, Encoded) else encode(doc) for doc in sorted(docs, key=order_of)]
        self._write_new(path, f'{{"{table}":{{' + ",".join(f'"{i}":{part}' for i, part in enumerate(parts, 1))
                        + "}}")

    def _migrate(self, snap: JsonSnapshot, raw: bytes) -> None:
        """Schema 1 -> the current schema, all or nothing: a byte-for-byte backup (a new file of an
        unguessable name: a link planted for it is never written through), then one commit."""
        from datetime import datetime

        from edoc_cli.store.jsonfiles.migration import migrated

        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.backup-v1-{stamp}-{os.urandom(4).hex()}")
        self._write_new(backup, raw)
        self._commit(migrated(snap, backup.name), counts=False)
