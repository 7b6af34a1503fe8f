"""Files a shared store can trust.

- Every file is created new (`O_CREAT|O_EXCL|O_NOFOLLOW`): a link planted under a name the store
  is about to use makes the write fail instead of writing through the link.
- A folder or file of the store is used only when it is trusted: not writable by every user, and
  owned by this user, by root, or by a group this user is in (a store shared by a group). Another
  user's folder, or a `0777` one, could be used to delete or plant tickets.
- New files are private (`0600`), or group-shared (`0660`) in a folder its group may write: one
  operator's write must not lock the next one out.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from edoc_cli.errors import StoreCorrupt, StoreWriteFailed, os_reason
from edoc_cli.i18n import _

NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


# -- trust ---------------------------------------------------------------------------


def _our_groups() -> set[int]:
    return {os.getegid(), *os.getgroups()}


def distrust(st: os.stat_result) -> str | None:
    """Why a folder or file with this status must not be used for the store, or None."""
    if st.st_mode & stat.S_IWOTH:
        return _("it is writable by every user")
    if st.st_uid not in (os.geteuid(), 0) and st.st_gid not in _our_groups():
        return _("it belongs to another user (uid {uid}) outside this user's groups").format(uid=st.st_uid)
    return None


def refuse_untrusted(path: Path, st: os.stat_result) -> None:
    why = distrust(st)
    if why:
        raise StoreCorrupt(_(
            "{path} is not safe to use: {reason}; keep the store in a folder of its own that belongs to "
            "its users (or their group) and that no one else can write"
        ).format(path=path, reason=why))


def check_folder(folder: Path, link_ok: bool = True) -> None:
    """Refuse a store folder that exists and is not trusted (a missing one is made by the writer);
    `link_ok=False`: a link there is refused too (the archive folder is the store's own)."""
    try:
        st = os.lstat(folder)
        if stat.S_ISLNK(st.st_mode):
            if not link_ok:
                raise StoreCorrupt(_("{path} is a symbolic link; the store's files must be plain files").format(
                    path=folder))
            st = os.stat(folder)
    except OSError:
        return
    refuse_untrusted(folder, st)


def shared_mode(folder: Path) -> tuple[int, int]:
    """(file mode, folder mode) for what edoc creates in `folder`: group-shared where the group may write.

    A folder made in a setgid folder (`install -d -m 2770 -g support /srv/edoc`) keeps the setgid bit,
    so that what every operator writes in it keeps belonging to the group, however deep.
    """
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        mode = 0
    if not mode & stat.S_IWGRP:
        return 0o600, 0o700
    return 0o660, 0o770 | (mode & stat.S_ISGID)


def make_folder(folder: Path) -> None:
    """Create `folder` (mode after its parent's sharing) if missing; refuse it if it is not trusted."""
    try:
        os.mkdir(folder, shared_mode(folder.parent)[1])
        os.chmod(folder, shared_mode(folder.parent)[1])  # the umask may have taken the group's bits
    except FileExistsError:
        pass
    try:
        st = os.lstat(folder)
    except OSError as exc:
        raise write_failed(folder, exc) from None
    if not stat.S_ISDIR(st.st_mode):
        raise StoreWriteFailed(_("{path} is not a folder; nothing was changed").format(path=folder))
    refuse_untrusted(folder, st)


# -- writing ---------------------------------------------------------------------------


def create_new(path: Path) -> int:
    """A new file at `path`, opened for writing; never through a link, never over an existing file."""
    fd = os.open(path, NEW_FILE, shared_mode(path.parent)[0])
    try:
        os.fchmod(fd, shared_mode(path.parent)[0])
    except OSError:
        os.close(fd)
        raise
    return fd


def write_new(path: Path, payload: bytes | list[bytes]) -> None:
    """Create `path` holding `payload` (or its parts, one after the other: a large file is not copied
    to be joined), on disk (fsync) when this returns; OSError as it comes."""
    fd = create_new(path)
    try:
        for part in payload if isinstance(payload, list) else [payload]:
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def open_lock(path: Path) -> int:
    """The lock file, created if missing; a link there is refused, not followed."""
    fd = _open_no_link(path, os.O_RDWR | os.O_CREAT, shared_mode(path.parent)[0],
                       _("the lock file {path} is a symbolic link; remove it (edoc makes its own)"),
                       lambda reason: StoreWriteFailed(_(
                           "cannot open the lock file {path}: {reason}; nothing was changed").format(
                           path=path, reason=reason)))
    st = _trusted_file(fd, path, _("the lock file {path} is not a regular file; remove it"))
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != shared_mode(path.parent)[0]:
        try:
            os.fchmod(fd, shared_mode(path.parent)[0])  # the umask may have taken the group's bits
        except BaseException:
            os.close(fd)
            raise
    return fd


def _open_no_link(path: Path, flags: int, mode: int, linked: str, failed, missing_ok: bool = False) -> int:
    """os.open that never follows a link at `path`: a link is StoreCorrupt(`linked`, with {path}),
    another failure `failed(reason)` (FileNotFoundError passes through with `missing_ok`)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except FileNotFoundError:
        if missing_ok:
            raise
        raise failed(os_reason(errno.ENOENT)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreCorrupt(linked.format(path=path)) from None
        raise failed(os_reason(exc)) from None


def _trusted_file(fd: int, path: Path, not_regular: str) -> os.stat_result:
    """The status of an opened file that is a regular, trusted one; otherwise `fd` is closed and
    StoreCorrupt raised (`not_regular`: the message, with {path}, for a file that is not regular)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise StoreCorrupt(not_regular, fields={"where": "store"}, path=path)
        refuse_untrusted(path, st)
    except BaseException:
        os.close(fd)
        raise
    return st


def fsync_folder(folder: Path) -> None:
    """Make the renames in a folder durable."""
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def open_for_reading(path: Path) -> int | None:
    """A trusted regular file opened for reading (never through a link), or None if it is not there."""
    try:
        fd = _open_no_link(path, os.O_RDONLY | os.O_NONBLOCK, 0,
                           _("{path} is a symbolic link; the store's files must be plain files"),
                           lambda reason: StoreCorrupt(_("store {path} cannot be read: {reason}; check {where}"),
                                                       fields={"where": "store"}, path=path, reason=reason),
                           missing_ok=True)
    except FileNotFoundError:
        return None
    _trusted_file(fd, path, _("store {path} is not a regular file; check {where}"))
    return fd


def read_fd(fd: int) -> bytes:
    """The whole file behind `fd`, from its start (pread: shared with a forked child safely)."""
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, max(size - offset, 0) + 65536, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def write_failed(path: Path, exc: OSError) -> StoreWriteFailed:
    reason = _("the disk is full") if exc.errno in (errno.ENOSPC, errno.EDQUOT) else os_reason(exc)
    return StoreWriteFailed(_("could not write the store {path}: {reason}; nothing was changed").format(
        path=path, reason=reason))
