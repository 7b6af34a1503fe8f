"""What a store keeps for mail, beside the tickets: rows of three kinds, and files.

- `outbox`: a message to a client, queued in the transaction of the action that wrote it, with its
  delivery state (queued, sending, sent, failed; attempts, the next attempt, the last error). A
  delivery's state lives here, not in the ticket's history (the history says what was said).
- `seen`: the Message-IDs of messages received (a message delivered twice is recorded once).
- `intake`: a received message that names no ticket, waiting for an operator to register it.

Files are a received message's attachments, under an owner (a ticket's number, or "intake-N").
Every row is checked by `row_problem` when written and when read alike: a row a reader would
refuse is never written, and a damaged one (a hand edit) is skipped with a warning, not trusted.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

KINDS = ("outbox", "seen", "intake")
STATES = ("queued", "sending", "sent", "failed")
# What each kind's row must hold: key -> the types it may be (None: absent or null allowed).
_SHAPES: dict[str, dict[str, tuple]] = {
    "outbox": {"ticket": (str,), "message_id": (str,), "to": (str,), "state": (str,), "attempts": (int,),
               "queued_at": (str,), "next_at": (str, type(None))},
    "seen": {"message_id": (str,), "at": (str,)},
    "intake": {"message_id": (str, type(None)), "at": (str,), "sender": (str,), "subject": (str,),
               "text": (str,)},
}
FILE_NAME_RE = re.compile(r"^[^/\\\x00-\x1f\x7f.][^/\\\x00-\x1f\x7f]{0,99}$")
OWNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,40}$")


def row_problem(kind: str, doc: Any) -> str | None:
    """Why a stored row of `kind` cannot be used (None: it can)."""
    from edoc_cli.i18n import _

    if not isinstance(doc, dict):
        return _("not an object")
    for key, types in _SHAPES[kind].items():
        if not isinstance(doc.get(key), types) or isinstance(doc.get(key), bool):
            return _("{key} is missing or malformed").format(key=key)
    if kind == "outbox" and doc["state"] not in STATES:
        return _("state {state} is not one of {states}").format(state=repr(doc["state"])[:20],
                                                               states=", ".join(STATES))
    return None


def tell_damaged(kind: str, n: object, why: str) -> None:
    """A damaged row met on read: skipped, and told once a run (both stores alike)."""
    from edoc_cli.i18n import _
    from edoc_cli.store.commit import RUN

    warning = _("{kind} row {number} is damaged ({problem}); it is skipped and left as it is").format(
        kind=kind, number=n, problem=why)
    if warning not in RUN.warnings:
        RUN.warnings.append(warning)


def file_problem(owner: str, name: str) -> str | None:
    """Why (owner, name) cannot name a kept file: only plain names made by edoc are."""
    from edoc_cli.i18n import _

    if not (isinstance(owner, str) and OWNER_RE.match(owner)):
        return _("the owner {owner} is not a ticket's or the intake's").format(owner=repr(owner)[:40])
    if not (isinstance(name, str) and FILE_NAME_RE.match(name)) or name in (".", ".."):
        return _("the file name {name} is not a plain name").format(name=repr(name)[:60])
    return None


class MailRows(ABC):
    """A snapshot's rows of mail and its files (read in it; changed inside a transaction)."""

    @abstractmethod
    def mail_rows(self, kind: str) -> dict[int, dict[str, Any]]:
        """The sound rows of `kind` (KINDS), by their number, in number order."""

    @abstractmethod
    def put_mail_row(self, kind: str, doc: dict[str, Any], n: int | None = None) -> int:
        """Write a row (new when `n` is None: the next number); its number. Refused if row_problem."""

    @abstractmethod
    def drop_mail_row(self, kind: str, n: int) -> None:
        """Remove a row (nothing if it is not there)."""

    @abstractmethod
    def keep_file(self, owner: str, name: str, content: bytes) -> None:
        """Keep a file with the change (an attachment); refused if file_problem."""

    @abstractmethod
    def kept_file(self, owner: str, name: str) -> bytes | None:
        """A kept file's bytes, or None."""

    @abstractmethod
    def kept_files(self, owner: str) -> list[tuple[str, int]]:
        """(name, size) of the files kept for `owner`, by name."""

    @abstractmethod
    def drop_files(self, owner: str) -> None:
        """Remove every file kept for `owner` (a dismissed message's, when its row is pruned)."""

    def refuse_row(self, kind: str, doc: dict[str, Any]) -> None:
        """Raise StoreWriteFailed if a reader would refuse the row (never write what cannot be read)."""
        from edoc_cli.errors import StoreWriteFailed
        from edoc_cli.i18n import _

        if kind not in KINDS:
            raise ValueError(kind)
        why = row_problem(kind, doc)
        if why:
            raise StoreWriteFailed(_("refusing to write a {kind} row: {problem}; nothing was changed").format(
                kind=kind, problem=why))

    def refuse_file(self, owner: str, name: str) -> None:
        from edoc_cli.errors import StoreWriteFailed
        from edoc_cli.i18n import _

        why = file_problem(owner, name)
        if why:
            raise StoreWriteFailed(_("refusing to keep a file: {problem}; nothing was changed").format(problem=why))
