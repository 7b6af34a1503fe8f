"""A received message, recorded once where it belongs: the decision of issue 15's "In".

One store transaction decides and writes everything: the message seen before (by its Message-ID,
or the hash of its bytes) is a duplicate and nothing is written; a sender over `max_per_hour` is
throttled (set aside, never answered: two auto-responders cannot ping-pong); a message naming a
ticket (a [ED-…] tag of the subject, else In-Reply-To/References of a message we sent or
recorded) becomes the client's answer (`client_replied`, through the desk's one path of every
transition) only when it is the client's own and no automatic one; anything else on a ticket is a
`mail_received` event that changes no state; a message naming no ticket waits in the intake.
A message that cannot be handled is set aside whole (spool.py) with its reason; only a busy or
unreachable store is left to the mail server, which keeps the message and tries again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from edoc_cli.errors import EdocError, ExitCode, StoreBusy, TicketNotFound, os_reason
from edoc_cli.i18n import _
from edoc_cli.lifecycle import ALLOWED
from edoc_cli.mail.spool import Spool, spool_dir
from edoc_cli.rules import no_response
from edoc_cli.rules.checklist import MAX_TEXT
from edoc_cli.safe_text import for_terminal
from edoc_cli.store.mail_rows import file_problem
from edoc_cli.tz import parse_instant

SEEN_DAYS = 30         # a message's id is remembered this long (a duplicate comes within minutes)
LATEST_PAST_DAYS = 7   # an arrival time claimed earlier than this is taken as this
MAX_LINE = 500         # a subject or a name, as kept
OUTCOMES = ("client_reply", "recorded", "intake", "duplicate", "set_aside")


class SpoolFailed(EdocError):
    """A message could neither be stored nor set aside: the mail server must keep it (exit 75)."""

    code = ExitCode.MAIL_TEMPFAIL


@dataclass
class Received:
    """What became of one message."""

    outcome: str                   # one of OUTCOMES
    ticket_id: str | None = None
    intake: int | None = None      # the intake row's number
    reason: str | None = None      # set aside: why; recorded: automatic, third_party or closed_ticket
    message_id: str | None = None
    sender: str | None = None
    subject: str | None = None
    reopened: bool = False         # the answer came before the clause-15 close: the ticket opened again
    set_aside: int | None = None   # the spool's number
    kept: list[str] = field(default_factory=list)  # attachments kept

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def spool_of(desk) -> Spool:
    import os

    return Spool(spool_dir(desk.config, getattr(desk, "environ", None) or dict(os.environ)))


def parse(desk, raw: bytes):
    """The message as parse.py reads it, within the configured limits (Unparseable if it cannot be)."""
    from edoc_cli.mail.parse import parse_message
    from edoc_cli.mail.settings import inbound_limits

    _per_hour, attachment_bytes, message_bytes = inbound_limits(desk.config)
    return parse_message(raw, max_attachment_bytes=attachment_bytes, max_message_bytes=message_bytes,
                         max_text_chars=MAX_TEXT)


def receive(desk, raw: bytes, arrived_at: datetime | None = None) -> Received:
    """Record one message, or set it aside with its reason; StoreBusy (the store busy or
    unreachable: nothing done) and SpoolFailed (not even set aside) are the caller's to report."""
    spool = spool_of(desk)
    incoming = None
    try:
        incoming = parse(desk, raw)
        return record(desk, raw, incoming, arrived_at, spool)
    except (StoreBusy, SpoolFailed):
        raise
    except Exception as exc:  # whatever it is, the message is kept: never lost
        return set_aside(desk, spool, raw, failure_reason(exc), incoming, arrived_at)


def set_aside(desk, spool: Spool, raw: bytes, reason: str, incoming=None,
              arrived_at: datetime | None = None) -> Received:
    sender, subject = (_line(incoming.sender).lower(), _line(incoming.subject)) if incoming else (None, None)
    now = desk.now()
    # When it came, kept for a retry: an answer set aside keeps its place before the clause-15 close.
    arrived = arrival(arrived_at or (_instant(incoming.arrived_at, desk.tz) if incoming else None), now)
    try:
        number = spool.put(raw, reason, desk.iso(now), sender, subject, desk.iso(arrived))
    except OSError as exc:
        raise SpoolFailed(_("the message could not be stored ({reason}) nor set aside in {path} ({problem}); "
                            "the mail server keeps it and tries again").format(
            reason=reason, path=spool.path, problem=os_reason(exc))) from exc
    return Received("set_aside", reason=reason, sender=sender, subject=subject, set_aside=number,
                    message_id=getattr(incoming, "message_id", None))


def failure_reason(exc: BaseException) -> str:
    """Why a message was set aside, in a line."""
    from edoc_cli.mail.parse import Unparseable

    if isinstance(exc, Unparseable):
        return _("not a readable e-mail message: {problem}").format(problem=_line(str(exc)))
    if isinstance(exc, EdocError):
        return _line(exc.message)
    if isinstance(exc, OSError):
        return os_reason(exc)
    return _line(f"{type(exc).__name__}: {exc}")


def message_key(incoming, raw: bytes) -> str:
    """What recognises the message when it comes again: its Message-ID, else the hash of its bytes."""
    mid = (incoming.message_id or "").strip()
    return mid if mid else "sha256:" + hashlib.sha256(raw).hexdigest()


def content_digest(incoming) -> str:
    """What a message says (sender, subject, text), hashed: a copy of the same message by another way
    (a Cc, the pipe and the Maildir) says the same under other Received lines; a different message
    reusing a Message-ID does not."""
    said = "\n".join((incoming.sender or "", incoming.subject or "", incoming.full_text or incoming.text or ""))
    return hashlib.sha256(said.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def record(desk, raw: bytes, incoming, arrived_at: datetime | None, spool: Spool,
           retrying: bool = False) -> Received:
    """The decision and its writes, in one transaction. `retrying`: the operator retries a message
    set aside (`mail retry`): a throttled one is taken as the operator's choice, not throttled again."""
    from edoc_cli.mail.settings import inbound_limits

    now = desk.now()
    key = message_key(incoming, raw)
    sender = _line(incoming.sender).lower()
    arrived = arrival(arrived_at or _instant(incoming.arrived_at, desk.tz), now)
    base = Received("recorded", message_id=key, sender=sender, subject=_line(incoming.subject))
    with desk.store.transaction() as snap:
        seen = snap.mail_rows("seen")
        same = [n for n, row in seen.items() if row["message_id"] == key]
        if retrying:
            for n in [n for n in same if seen[n].get("outcome") == "throttled"]:
                snap.drop_mail_row("seen", n)
                same.remove(n)
        digest = content_digest(incoming)
        if same and all(seen[n].get("digest", digest) != digest for n in same):
            # Another message under a known Message-ID (a mailer that reuses one, or a forger): not a copy,
            # so not dropped; it is taken on its own merits under a key of its own.
            key = base.message_id = f"{key}#{digest[:12]}"
            same = [n for n, row in seen.items() if row["message_id"] == key]
        if same:
            base.outcome = "duplicate"
            return base
        _forget_old(snap, seen, now)
        max_per_hour = inbound_limits(desk.config)[0]
        seen_row = {"message_id": key, "at": desk.iso(now), "arrived_at": desk.iso(arrived), "sender": sender,
                    "automatic": incoming.automatic, "digest": digest}
        if not retrying and _recent(seen, sender, now, desk.tz) >= max_per_hour:
            reason = _("throttled: {sender} sent {count} messages within an hour (mail.max_per_hour)").format(
                sender=sender or "?", count=max_per_hour + 1)
            result = set_aside(desk, spool, raw, reason, incoming, arrived)
            snap.put_mail_row("seen", {**seen_row, "outcome": "throttled"})
            return result
        ticket = find_ticket(snap, incoming, seen, desk.tz)
        if ticket is None:
            _to_intake(desk, snap, incoming, key, sender, arrived, base)
            snap.put_mail_row("seen", {**seen_row, "intake": base.intake, "outcome": "intake"})
            return base
        _on_ticket(desk, snap, ticket, incoming, key, sender, arrived, base)
        snap.put_mail_row("seen", {**seen_row, "ticket": ticket["id"], "outcome": base.outcome})
        return base


def arrival(claimed: datetime | None, now: datetime) -> datetime:
    """When the message arrived: the instant claimed (Maildir delivery, the top Received header),
    no later than now and no earlier than LATEST_PAST_DAYS ago; now when none is claimed."""
    if claimed is None:
        return now
    if claimed.tzinfo is None:
        claimed = claimed.replace(tzinfo=now.tzinfo)
    return max(min(claimed.astimezone(now.tzinfo).replace(microsecond=0), now),
               now - timedelta(days=LATEST_PAST_DAYS))


def find_ticket(snap, incoming, seen: dict[int, dict[str, Any]], tz) -> dict[str, Any] | None:
    """The ticket the message names: the first [ED-…] tag of its subject the store holds, else the
    message it answers (In-Reply-To, then References from the newest): one we sent, or one we
    recorded on a ticket. An automatic message's id never names a ticket."""
    from edoc_cli.ticket_id import normalize_id

    for tag in incoming.ticket_ids or []:
        try:
            ticket = snap.get(normalize_id(tag))
        except EdocError:
            continue
        if ticket is not None:
            return ticket
    answered = _ids(incoming.in_reply_to) + list(reversed(_ids(incoming.references)))
    if not answered:
        return None
    known = {_bare(row["message_id"]): row["ticket"] for row in seen.values()
             if isinstance(row.get("ticket"), str) and not row.get("automatic")}
    known.update({_bare(row["message_id"]): row["ticket"] for row in snap.mail_rows("outbox").values()})
    for mid in answered:
        number = known.get(_bare(mid))
        ticket = snap.get(number) if number else None
        if ticket is not None:
            return ticket
    return None


def _on_ticket(desk, snap, ticket, incoming, key: str, sender: str, arrived: datetime, result: Received) -> None:
    result.ticket_id = ticket["id"]
    kept, refused = keep_attachments(snap, ticket["id"], incoming.attachments)
    result.kept = kept
    said = {
        "message": _text(incoming.text) or None, "via": "email", "subject": result.subject, "from": sender,
        "message_id": key, "attachments": kept, "refused_attachments": refused or None,
        "arrived_at": desk.iso(arrived),
    }
    client = ((ticket.get("client") or {}).get("email") or "").strip().lower()
    closed = ticket["status"] == "closed"
    if not incoming.automatic and sender and sender == client:
        moment = no_response.answer_wins(ticket, arrived, desk.calendar, desk.tz) if closed else None
        if moment is not None:
            desk.apply(snap, ticket, "reopen", {"type": "reopened", "auto": True,
                                                "message": no_response.reopening_message(arrived, moment, desk.tz)})
            result.reopened = True
        if ticket["status"] in ALLOWED["client_reply"]:
            desk.apply(snap, ticket, "client_reply", {"type": "client_replied", **said})
            result.outcome = "client_reply"
            return
    result.reason = "automatic" if incoming.automatic else "closed_ticket" if closed else "third_party"
    desk.apply(snap, ticket, "receive_mail", {
        "type": "mail_received", **{k: v for k, v in said.items() if k != "via"},
        "automatic": incoming.automatic or None,
        "third_party": True if sender != client else None, "closed_ticket": True if closed else None,
    })


def _to_intake(desk, snap, incoming, key: str, sender: str, arrived: datetime, result: Received) -> None:
    attachments = [a for a in incoming.attachments or [] if not a.refused]
    names = _names(attachments, set())
    refused = [_refusal(a) for a in incoming.attachments or [] if a.refused]
    row = {"message_id": key, "at": desk.iso(arrived), "sender": sender,
           "sender_name": _line(incoming.sender_name), "subject": result.subject, "text": _text(incoming.text),
           "attachments": names, "refused_attachments": refused, "automatic": incoming.automatic,
           "state": "waiting"}
    from edoc_cli.intake import prune

    prune(snap, desk.now())  # every write to the queue empties what was dismissed long enough ago
    number = snap.put_mail_row("intake", row)
    for name, attachment in zip(names, attachments):
        snap.keep_file(f"intake-{number}", name, attachment.content)
    result.outcome, result.intake, result.kept = "intake", number, names


def keep_attachments(snap, owner: str, attachments) -> tuple[list[str], list[dict[str, Any]]]:
    """Keep the message's attachments beside the ticket, each under a plain name none of the
    ticket's files has yet (scan.pdf, then scan-2.pdf); the names kept, and what was refused."""
    wanted = [a for a in attachments or [] if not a.refused]
    names = _names(wanted, {name for name, _size in snap.kept_files(owner)})
    for name, attachment in zip(names, wanted):
        snap.keep_file(owner, name, attachment.content)
    return names, [_refusal(a) for a in attachments or [] if a.refused]


def _names(attachments, taken: set[str]) -> list[str]:
    names = []
    for i, attachment in enumerate(attachments, 1):
        name = plain_name(attachment.name, i)
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, dot + ext) if dot and stem else (name, "")
        number = 1
        counted = re.fullmatch(r"(.+)-(\d{1,4})", stem)
        if name in taken and counted:  # scan-2.pdf taken too: scan-3.pdf, not scan-2-2.pdf
            stem, number = counted[1], int(counted[2])
        while name in taken:
            number += 1
            name = f"{stem[:90]}-{number}{ext}"
        taken.add(name)
        names.append(name)
    return names


def plain_name(name: str | None, number: int) -> str:
    """A name a kept file may have (store/mail_rows.file_problem): the message's, cleaned of paths
    and control characters, else attachment-N.bin."""
    text = for_terminal(name or "", single_line=True).replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    text = text[:100]
    if not text or file_problem("owner", text):
        return f"attachment-{number}.bin"
    return text


def _refusal(attachment) -> dict[str, Any]:
    why = attachment.refused if isinstance(attachment.refused, str) else "too_large"
    return {"name": plain_name(attachment.name, 0), "size": int(attachment.size or 0), "reason": why}


def _recent(seen: dict[int, dict[str, Any]], sender: str, now: datetime, tz) -> int:
    """How many messages `sender` sent within the hour before now."""
    since = now - timedelta(hours=1)
    count = 0
    for row in seen.values():
        if row.get("sender") == sender:
            try:
                if since <= parse_instant(row["at"], tz) <= now:
                    count += 1
            except ValueError:
                continue
    return count


def _forget_old(snap, seen: dict[int, dict[str, Any]], now: datetime) -> None:
    oldest = now - timedelta(days=SEEN_DAYS)
    for n, row in seen.items():
        try:
            old = parse_instant(row["at"], now.tzinfo) < oldest
        except ValueError:
            old = True
        if old:
            snap.drop_mail_row("seen", n)


def _ids(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    return [v for v in value if isinstance(v, str)]


def _bare(mid: str) -> str:
    return mid.strip().strip("<>").strip()


def _line(value) -> str:
    return for_terminal(value if isinstance(value, str) else "", single_line=True).strip()[:MAX_LINE]


def _text(value) -> str:
    return for_terminal(value if isinstance(value, str) else "").strip()[:MAX_TEXT]


def _instant(value, tz) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return parse_instant(value, tz)
        except ValueError:
            return None
    return None


def retry(desk, numbers: list[int] | None) -> list[tuple[int, Received]]:
    """Receive messages set aside again (every one when `numbers` is None), in number order; each
    one now stored, or found a duplicate, leaves the spool; one that fails again stays, its reason
    renewed. A busy store stops the retry (StoreBusy), leaving the rest as they are."""
    spool = spool_of(desk)
    held = spool.numbers()
    wanted = held if numbers is None else sorted(set(numbers))
    missing = [n for n in wanted if n not in held]
    if missing:
        raise TicketNotFound(_("no message {number} is set aside; 'edoc mail failed' lists them").format(
            number=missing[0]))
    done = []
    for number in wanted:
        raw = spool.raw(number)
        note = spool.noted(number)
        arrived = _instant(note.get("arrived_at"), desk.tz)
        incoming = None
        try:
            incoming = parse(desk, raw)
            result = record(desk, raw, incoming, arrived, spool, retrying=True)
        except StoreBusy:
            raise
        except Exception as exc:
            reason = failure_reason(exc)
            spool.note(number, {**note, "reason": reason, "when": desk.iso(desk.now())})
            result = Received("set_aside", reason=reason, set_aside=number,
                              message_id=getattr(incoming, "message_id", None))
        if result.outcome != "set_aside":
            spool.remove(number)
        done.append((number, result))
    return done
