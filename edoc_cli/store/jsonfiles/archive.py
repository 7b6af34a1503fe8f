"""The archive files one snapshot of the JSON store reads."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from edoc_cli.store.jsonfiles.files import open_for_reading, read_fd
from edoc_cli.store.jsonfiles.places import StoreFiles



class ArchiveFiles:
    """The archive files one snapshot reads.

    Pinned (a reader): every file is opened when the snapshot is taken, so what is read later is
    that state, whatever commits come meanwhile. Live (a writer, under the lock): read when asked.
    A file noted as staged by the last commit is read from its staged copy while that exists.
    """

    def __init__(self, store: StoreFiles, staged: dict[str, Path], pinned: bool, present: bool = True):
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

