"""Received mail in words: the line `mail receive` prints, fetch's counts, and the marks a history
row gives a message received by e-mail (from a third party, automatic, on a closed ticket)."""

from __future__ import annotations

from typing import Any

from edoc_cli.i18n import N_, _
from edoc_cli.i18n import _ as _marked  # a word marked with N_() below

AUTOMATIC = {"auto_reply": N_("an auto-reply"), "bulk": N_("bulk mail"), "bounce": N_("a bounce")}


def history_marks(event: dict[str, Any], human: bool = True) -> list[str]:
    """What a history row adds for mail: who wrote and what kind of message it is (codes in a pipe)."""
    if event.get("via") != "email" and event.get("type") != "mail_received":
        return []
    marks = []
    kind = event.get("automatic")
    if kind:
        marks.append(_marked(AUTOMATIC.get(kind, kind)) if human else f"automatic={kind}")
    if event.get("third_party"):
        marks.append(_("from a third party: {sender}").format(sender=event.get("from") or "?") if human
                     else f"third_party={event.get('from') or ''}")
    if event.get("closed_ticket"):
        marks.append(_("after the close") if human else "closed_ticket")
    names = event.get("attachments") or []
    if names:
        marks.append(_("attachments: {names}").format(names=", ".join(map(str, names))) if human
                     else "attachments=" + ",".join(map(str, names)))
    refused = [r for r in event.get("refused_attachments") or [] if isinstance(r, dict)]
    if refused:  # listed, not kept: the operator asks the client for them another way
        marks.append(_("not kept (too large): {names}").format(names=", ".join(
            f"{r.get('name')} ({file_size(r.get('size'))})" for r in refused)) if human
            else "refused=" + ",".join(str(r.get("name")) for r in refused))
    return marks


def file_size(size: Any) -> str:
    """A file's size as a person reads it: 512 B, 1.5 KB, 2.3 MB."""
    if not isinstance(size, int):
        return "?"
    if size < 1024:
        return _("{size} B").format(size=size)
    if size < 1024 * 1024:
        return _("{size} KB").format(size=f"{size / 1024:.1f}")
    return _("{size} MB").format(size=f"{size / 1024 / 1024:.1f}")


def received_line(result) -> str:
    """One line saying what became of a received message (mail receive, mail retry)."""
    ticket = result.ticket_id
    if result.outcome == "client_reply":
        if result.reopened:
            return _("{id}: reopened, the client's reply recorded (it came before the clause-15 close)").format(
                id=ticket)
        return _("{id}: the client's reply recorded").format(id=ticket)
    if result.outcome == "recorded":
        if result.reason == "automatic":
            return _("{id}: an automatic message recorded (never a client's reply)").format(id=ticket)
        if result.reason == "closed_ticket":
            return _("{id}: a message recorded on the closed ticket (it reopens nothing)").format(id=ticket)
        return _("{id}: a message from a third party recorded ({sender})").format(id=ticket, sender=result.sender)
    if result.outcome == "intake":
        return _("intake {number}: the message names no ticket; it waits to be registered").format(
            number=result.intake)
    if result.outcome == "duplicate":
        return _("already received ({message_id}): nothing recorded").format(message_id=result.message_id)
    return _("set aside as {number}: {reason}; 'edoc mail failed' lists it").format(
        number=result.set_aside, reason=result.reason)


def fetch_line(result) -> str:
    """What a fetch did, every message counted once: answers, other mail on tickets (automatic, a third
    party's, after the close), intake, duplicates, set aside."""
    other = result.received - result.replies - result.intake
    return _("received {received} (client replies {replies}, other mail on tickets {other}, intake {intake}), "
             "duplicates {duplicates}, set aside {set_aside}").format(
        other=other, **{k: getattr(result, k) for k in ("received", "replies", "intake", "duplicates", "set_aside")})
