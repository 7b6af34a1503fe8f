"""The JSON store's mail rows and files (store/mail_rows.py says what they are).

Rows live in the store proper beside the tickets, a table per kind (`outbox`, `seen`, `intake`), so
that an action and the message it queues commit together, at the store proper's commit point. The
outbox keeps a message's text only until it is sent, and `seen` only a month: the everyday file does
not grow with the desk's years of mail.

Files (attachments) live in `<store>.files/<owner>/<name>`, each written new and on disk before the
commit that names it: a commit that then fails leaves a file no row names, which the next message of
the same owner and name replaces; never a row naming a missing file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from edoc_cli.errors import StoreCorrupt, os_reason
from edoc_cli.i18n import _
from edoc_cli.store.jsonfiles.files import check_folder, fsync_folder, make_folder, write_failed, write_new
from edoc_cli.store.mail_rows import KINDS, MailRows, row_problem, tell_damaged


class JsonMailRows(MailRows):
    """The mail part of a JSON snapshot (self.data: the store proper's tables)."""

    data: dict[str, Any]
    changed: bool

    def mail_rows(self, kind: str) -> dict[int, dict[str, Any]]:
        if kind not in KINDS:
            raise ValueError(kind)
        rows = {}
        for key, doc in self.data.get(kind, {}).items():
            why = row_problem(kind, doc)
            if why:
                tell_damaged(kind, key, why)
                continue
            rows[int(key)] = dict(doc)
        return dict(sorted(rows.items()))

    def put_mail_row(self, kind: str, doc: dict[str, Any], n: int | None = None) -> int:
        self.refuse_row(kind, doc)
        table = self.data.setdefault(kind, {})
        if n is None:
            n = max((int(k) for k in table), default=0) + 1
        table[str(n)] = dict(doc)
        self.changed = True
        return n

    def drop_mail_row(self, kind: str, n: int) -> None:
        if self.data.get(kind, {}).pop(str(n), None) is not None:
            self.changed = True

    # -- files ---------------------------------------------------------------------
    @property
    def files_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".files")

    def keep_file(self, owner: str, name: str, content: bytes) -> None:
        self.refuse_file(owner, name)
        folder = self.files_dir / owner
        try:
            make_folder(self.files_dir)
            make_folder(folder)
        except OSError as exc:
            raise write_failed(folder, exc) from None
        tmp = folder / f".{name}.{os.urandom(8).hex()}.tmp"
        try:
            write_new(tmp, content)
            os.replace(tmp, folder / name)
            fsync_folder(folder)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise write_failed(folder / name, exc) from None

    def kept_file(self, owner: str, name: str) -> bytes | None:
        self.refuse_file(owner, name)
        path = self.files_dir / owner / name
        try:
            check_folder(self.files_dir / owner, link_ok=False)
            if path.is_symlink():
                raise StoreCorrupt(_("{path} is a symbolic link; edoc keeps only files it wrote").format(path=path))
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreCorrupt(_("cannot read {path}: {reason}").format(path=path, reason=os_reason(exc))) from None

    def kept_files(self, owner: str) -> list[tuple[str, int]]:
        self.refuse_file(owner, "x")
        folder = self.files_dir / owner
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [(e.name, e.stat(follow_symlinks=False).st_size) for e in entries
                if not e.name.startswith(".") and e.is_file(follow_symlinks=False)]

    def drop_files(self, owner: str) -> None:
        """Removed at once, not at the commit: only the files of a row already dismissed are dropped,
        and a commit that then fails leaves that row as it was, its files gone."""
        import shutil

        self.refuse_file(owner, "x")
        folder = self.files_dir / owner
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
