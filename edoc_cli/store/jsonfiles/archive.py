"""The archive files one snapshot of the JSON store reads."""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Callable

from edoc_cli.errors import StoreBusy
from edoc_cli.i18n import _
from edoc_cli.store.jsonfiles.files import open_for_reading, read_fd
from edoc_cli.store.jsonfiles.places import StoreFiles



class ArchiveFiles:
    """The archive files one snapshot reads.

    Pinned (a reader): every file is opened when the snapshot is taken, so what is read later is
    that state, whatever commits come meanwhile. Live (a writer, under the lock): read when asked.
    A file noted as staged by the last commit is read from its staged copy while that exists.

    A reader whose archive has more files than the process may hold open (past what the hard limit
    of open files allows) reads them when asked instead, each followed by `still()`, the check that
    no commit came since the snapshot was taken: if one did, the read stops with exit 6 rather than
    mix two states.
    """

    def __init__(self, store: StoreFiles, staged: dict[str, Path], pinned: bool, present: bool = True,
                 still: Callable[[], bool] | None = None):
        self.store = store
        self.staged = staged
        self._fds: dict[str, tuple[int, Path]] = {}
        self._finalizer = weakref.finalize(self, _close_fds, self._fds)
        # `present`: a schema 1 store has no archive (whatever is in the way of one is not read)
        self._names = (set(store.archive_names()) | set(staged)) if present else set()
        self.still = still
        self.pinned = pinned and _room_for(len(self._names))
        if self.pinned:
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
            raw = read_fd(fd)
        finally:
            os.close(fd)
        if self.still is not None and not self.still():
            raise StoreBusy(_("store {path} changed while it was read (its archive has more files than may be "
                              "open at once: raise 'ulimit -n'); try again").format(path=self.store.path))
        return raw, path

    def stat(self, name: str) -> os.stat_result | None:
        """The pinned file's own stat (None: not pinned, or no such file): what a cache of it is made from."""
        found = self._fds.get(name) if self.pinned else None
        return os.fstat(found[0]) if found else None

    def read_at(self, name: str, offset: int, length: int) -> bytes:
        """Bytes of a pinned file (see stat)."""
        return os.pread(self._fds[name][0], length, offset)

    def hold(self, fd: int) -> None:
        """Keep an open file (closed with the others)."""
        self._fds[f"#{fd}"] = (fd, self.store.path)

    def close(self) -> None:
        self._finalizer()


def _room_for(count: int) -> bool:
    """Whether this process may hold `count` more files open, raising its own soft limit if need be."""
    import resource

    need = count + 128  # what the process holds already, with room to spare
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return True
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(hard, need),
                                                    hard))
    except (ValueError, OSError):
        return False
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= need


def _close_fds(fds: dict[str, tuple[int, Path]]) -> None:
    for fd, _path in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass
    fds.clear()

