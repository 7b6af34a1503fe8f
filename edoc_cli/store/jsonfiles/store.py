"""The JSON store: locking, reading one committed state, and the commit (see the package's text)."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from edoc_cli.errors import StoreBusy, StoreCorrupt, StoreWriteFailed
from edoc_cli.i18n import _
from edoc_cli.store.base import Store
from edoc_cli.store.commit import RUN, commit_section, raise_if_interrupted
from edoc_cli.store.jsonfiles.archive import ArchiveFiles
from edoc_cli.store.jsonfiles.files import (
    check_folder, fsync_folder, make_folder, open_for_reading, open_lock, read_fd, write_failed, write_new,
)
from edoc_cli.store.jsonfiles.layout import (
    ARCHIVE_NAME_RE, ARCHIVED_SCHEMAS, DEFAULT_LOCK_TIMEOUT, META, SCHEMA_VERSION, SCHEMAS_READ, STAGED,
    STAGED_NAME_RE, TICKETS, TOKEN_RE, DuplicateKey, Encoded, encode, meta_problems, no_duplicate_keys,
    order_of, schema_of, untouched_hint,
)
from edoc_cli.store.jsonfiles.snapshot import JsonSnapshot


class JsonStore(Store):
    """Where the tickets live, and the only code that touches those files."""

    def __init__(self, path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 summarize: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
        self.path = Path(os.path.realpath(path))
        self.location = str(self.path)
        self.label = self.path.name
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.archive_dir = self.path.with_name(self.path.name + ".archive")
        self.lock_timeout = lock_timeout
        self._summarize = summarize
        self._tmp_re = re.compile(rf"^\.{re.escape(self.path.name)}\.{TOKEN_RE}\.tmp$")

    def exists(self) -> bool:
        return self.path.exists()

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
                path=path, record=repr(table), hint=untouched_hint()))
        return docs

    # -- reading -------------------------------------------------------------
    def _decode(self, raw: bytes | None, lenient: bool = False, exact: bool = False) -> tuple[dict, list[str]]:
        """The store proper's tables from its bytes (None: no store yet), and its meta's problems
        (raised as StoreCorrupt unless `lenient`)."""
        if raw is None:
            return {META: {"1": {"schema_version": SCHEMA_VERSION, "sequences": {}}}, TICKETS: {}}, []
        data = self._parse(raw, exact=exact)
        self._checkschema_of(data)
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
        hint = untouched_hint()
        path = path or self.path
        if not raw.strip():
            raise StoreCorrupt(_("store {path} is empty (truncated?); {hint}").format(path=path, hint=hint))
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, object_pairs_hook=no_duplicate_keys) if exact else json.loads(text)
        except UnicodeDecodeError:
            raise StoreCorrupt(_("store {path} is not UTF-8 text; {hint}").format(path=path, hint=hint)) from None
        except DuplicateKey as exc:
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

    def _checkschema_of(self, data: dict[str, Any]) -> None:
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

    def snapshot(self, lenient: bool = False, exact: bool = False) -> JsonSnapshot:
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
                                     present=schema_of(data) in ARCHIVED_SCHEMAS)
                if self._still(seen):
                    return JsonSnapshot(data, self, files, problems, exact)
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
        files = ArchiveFiles(self, {}, pinned=False, present=schema_of(data) in ARCHIVED_SCHEMAS)
        return JsonSnapshot(data, self, files, problems), raw

    def _commit(self, snap: JsonSnapshot, counts: bool = True) -> None:
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
        parts = [doc.text if isinstance(doc, Encoded) else encode(doc) for doc in sorted(docs, key=order_of)]
        self._write_new(path, f'{{"{table}":{{' + ",".join(f'"{i}":{part}' for i, part in enumerate(parts, 1))
                        + "}}")

    def _migrate(self, snap: JsonSnapshot, raw: bytes) -> None:
        from edoc_cli.store.jsonfiles.migration import migrate_v1

        migrate_v1(self, snap, raw)
