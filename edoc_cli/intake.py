"""The intake queue: received mail that names no ticket, waiting for an operator.

A message that names no ticket cannot become one by itself (the checklist of clauses 10-12 must be
met): `edoc mail receive` keeps it as an `intake` row (store/mail_rows.py), its attachments as
files of the owner "intake-N". An operator registers it (`edoc open --from-mail N`: the wizard or
the flags, pre-filled from the message) or dismisses it (spam, an auto-reply). A row is waiting,
registered (with the ticket's number) or dismissed (by whom, when, why); dismissed rows are kept
KEEP_DISMISSED, then dropped by the next write to the queue (`prune`).

Whether a row is still waiting is decided inside the transaction that registers or dismisses it:
two operators registering the same message at once make one ticket.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Callable

from edoc_cli.errors import NotAllowed, TicketNotFound
from edoc_cli.i18n import _
from edoc_cli.rules.checklist import message_text
from edoc_cli.safe_text import clean_multiline, for_terminal
from edoc_cli.tz import parse_instant, to_iso

WAITING, REGISTERED, DISMISSED = "waiting", "registered", "dismissed"
STATES = (WAITING, REGISTERED, DISMISSED)
KEEP_DISMISSED = timedelta(days=30)
KIND = "intake"

Row = dict[str, Any]

# What mail programs put before a subject they answer or forward (Outlook's Russian, Mail.ru's, Yandex's
# numbered Re[2]:), stripped again and again: "Re: Fwd: Ответ: Тема" is about "Тема".
_REPLY_PREFIX = re.compile(r"^\s*(?:re|fwd?|aw|wg|sv|vs|ответ|отв|пересл(?:ано|ка)?)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
                           re.IGNORECASE)


def owner(n: int) -> str:
    """The owner name of message `n`'s kept files."""
    return f"intake-{n}"


def bare_subject(subject: str) -> str:
    """The subject without reply and forward prefixes (Re:, Fwd:, Ответ:, …), on one line."""
    text = for_terminal(subject or "", single_line=True).strip()
    while True:
        shorter = _REPLY_PREFIX.sub("", text, count=1)
        if shorter == text:
            return text
        text = shorter


def state_of(row: Row) -> str:
    """The row's state (a row written without one waits)."""
    return row.get("state") or WAITING


def messages(snap, include_all: bool = False) -> list[Row]:
    """The queue's rows with their number as "n", oldest first: the waiting ones, or (`include_all`) every one."""
    return [{"n": n, **row} for n, row in snap.mail_rows(KIND).items()
            if include_all or state_of(row) == WAITING]


def message(snap, n: int) -> Row:
    """Row `n` with its number and its kept files ("files": [{"name", "size"}]); TicketNotFound (exit 4)
    if there is none."""
    row = snap.mail_rows(KIND).get(n)
    if row is None:
        raise TicketNotFound(_("no message {number} in the intake; 'edoc intake list --all' shows the numbers")
                             .format(number=n))
    files = [{"name": name, "size": size} for name, size in snap.kept_files(owner(n))]
    return {"n": n, **row, "files": files}


def waiting(snap, n: int) -> Row:
    """Row `n` if it is waiting; exit 4 if there is none, 5 if it was registered or dismissed."""
    row = message(snap, n)
    state = state_of(row)
    if state == REGISTERED:
        raise NotAllowed(_("message {number} of the intake is already registered as {id}; nothing was changed")
                         .format(number=n, id=row.get("ticket") or "?"))
    if state != WAITING:
        raise NotAllowed(_("message {number} of the intake was dismissed by {operator}; nothing was changed")
                         .format(number=n, operator=row.get("dismissed_by") or "?"))
    return row


def request_values(row: Row, tz) -> dict[str, Any]:
    """The registration answers message `row` (as `message` gives it) holds: the client's address and
    name, the channel, the subject without Re:/Fwd:, the text, when it arrived, its attachments."""
    values: dict[str, Any] = {"channel": "email", "email": row["sender"].strip() or None}
    name = for_terminal(row.get("sender_name") or "", single_line=True).strip()
    subject = bare_subject(row.get("subject") or "")
    text = clean_multiline(row.get("text") or "")
    values.update(name=name or None, subject=subject or None, description=text or None,
                  received_at=to_iso(parse_instant(row["at"], tz), tz),
                  attachments=[f["name"] for f in row.get("files", [])])
    return {k: v for k, v in values.items() if v not in (None, [])}


def registration_hook(desk, n: int) -> Callable[[Any, list[dict]], None]:
    """What registering message `n` does inside the registration's transaction (Desk.register's
    `on_registered`): the row is checked to be waiting (else nothing is registered), the ticket's
    `opened` event names the message, its files are copied to the ticket, the row becomes registered."""
    def on_registered(snap, tickets: list[dict]) -> None:
        row = waiting(snap, n)
        ticket = tickets[0]
        opened = ticket["history"][0]
        if row.get("message_id"):
            opened["message_id"] = row["message_id"]  # the client's later replies thread to the ticket
        opened["from_mail"] = n
        for name, _size in snap.kept_files(owner(n)):
            content = snap.kept_file(owner(n), name)
            if content is not None:
                snap.keep_file(ticket["id"], name, content)
        snap.put_mail_row(KIND, {**_stored(row), "state": REGISTERED, "ticket": ticket["id"],
                                 "registered_by": desk.operator, "registered_at": desk.iso(desk.now())}, n=n)
        prune(snap, desk.now())
    return on_registered


def _stored(row: Row) -> Row:
    """A row as `message` gives it, as it is stored (without its number and files)."""
    return {k: v for k, v in row.items() if k not in ("n", "files")}


def dismiss(desk, numbers: list[int], reason: str | None) -> list[int]:
    """Dismiss every message of `numbers` (spam, an auto-reply), all or none: each must be waiting.
    The numbers dismissed."""
    why = message_text(reason) if reason is not None else None
    with desk.store.transaction() as snap:
        rows = {n: waiting(snap, n) for n in dict.fromkeys(numbers)}
        now = desk.now()
        for n, row in rows.items():
            snap.put_mail_row(KIND, {**_stored(row), "state": DISMISSED, "dismissed_by": desk.operator,
                                     "dismissed_at": desk.iso(now), "dismissed_reason": why}, n=n)
        prune(snap, now)
    return list(rows)


def prune(snap, now: datetime) -> list[int]:
    """Empty the rows dismissed more than KEEP_DISMISSED before `now` (any write to the queue calls it),
    and drop their files; the numbers emptied. A row stays, as a stub without the message, so that its
    number is never given to another message."""
    dropped = []
    for n, row in snap.mail_rows(KIND).items():
        if state_of(row) != DISMISSED:
            continue
        try:
            when = parse_instant(row.get("dismissed_at"), now.tzinfo)
        except ValueError:
            continue  # a row edoc did not write: left for a person to see
        if now - when > KEEP_DISMISSED and not row.get("pruned"):
            stub = {k: row.get(k) for k in ("message_id", "at", "state", "dismissed_by", "dismissed_at")}
            snap.put_mail_row(KIND, {**stub, "sender": "", "subject": "", "text": "", "pruned": True}, n)
            snap.drop_files(owner(n))
            dropped.append(n)
    return dropped
