"""The outbox: a message to the client queued with the action that says it, delivered after.

Never lost: `queue` runs inside the action's transaction (Desk.apply), so the action and its
message commit together or not at all; the history event names the message by its Message-ID,
the outbox row keeps the message itself and its delivery state (not the history: the history says
what was said, the outbox whether it has reached the client yet).

Never twice: `flush` claims the messages it will send in one short transaction (state "sending",
until a lease ends), sends them outside any transaction, and records each result in another. A
second flush meanwhile skips what is claimed; a flush that dies mid-way leaves its claims to end,
and the next flush sends them (with the same Message-ID, which a mail program shows once). A
message accepted by the server just before such a death is the one case that can reach the client
twice; nothing is ever lost.

Retries run on edoc's clock (EDOC_NOW when set): after the n-th temporary failure the next attempt
waits smtp.retry_delay(n); after smtp.MAX_ATTEMPTS, or at a permanent refusal (5xx), the message is
"failed": `show`, `list --mail-failed` and `mail queue` show it, `mail flush --retry-failed` sends it
again (to the ticket's address of now, mended by `edit` if that was the trouble).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from edoc_cli.i18n import _
from edoc_cli.ticket import DEFAULT_CLIENT_LANGUAGE
from edoc_cli.tz import parse_instant

AT_ONCE_TIMEOUT = 10.0          # seconds an action waits for the mail server before leaving it to `mail flush`
KEEP_SENT = timedelta(days=90)   # a sent message's row (without its text): threading and `show`
UNDELIVERED = ("queued", "sending", "failed")


@dataclass
class FlushResult:
    sent: list[str] = field(default_factory=list)       # message ids delivered
    later: list[dict] = field(default_factory=list)     # {message_id, ticket, reason, next_at}
    failed: list[dict] = field(default_factory=list)    # {message_id, ticket, reason}
    skipped: int = 0                                    # not due yet, or being sent by another flush

    def as_dict(self) -> dict[str, Any]:
        return {"sent": len(self.sent), "retry_later": self.later, "failed": self.failed, "waiting": self.skipped}


# -- queueing (inside the action's transaction) --------------------------------------------
def queue(desk, snap, ticket: dict[str, Any], event: dict[str, Any]) -> str | None:
    """Queue the message that `event` (just appended to the ticket's history) sends the client, and
    record its Message-ID on the event; None (nothing queued) when mail is off, the event sends
    nothing or the ticket has no e-mail address."""
    from edoc_cli.mail.settings import mail_settings

    settings = mail_settings(desk.config)
    address = (ticket.get("client") or {}).get("email")
    if settings is None or not address:
        return None  # mail off (the default): no import of what composes it
    from edoc_cli.mail.compose import SENDING_EVENTS, new_message_id

    if event.get("type") not in SENDING_EVENTS:
        return None
    now = desk.now()
    message_id = new_message_id(ticket["id"], settings, now)
    at = desk.iso(now)
    index = len(ticket["history"]) - 1
    snap.put_mail_row("outbox", {
        "ticket": ticket["id"], "event": index, "message_id": message_id, "to": str(address),
        "lang": _lang(ticket), "state": "queued", "attempts": 0, "queued_at": at, "next_at": at,
        "raw": _raw(desk, settings, ticket, index, message_id, now, event),
    })
    event["message_id"] = message_id
    return message_id


def _raw(desk, settings, ticket: dict[str, Any], index: int, message_id: str, when: datetime,
         event: dict[str, Any] | None = None) -> str:
    """The message the ticket's event `index` sends, as the outbox keeps it (its bytes, ASCII)."""
    from edoc_cli.mail.compose import compose

    thread = thread_ids(ticket["history"][:index])
    hours = (ticket.get("sla_rules") or {}).get("auto_close_minutes", desk.config.auto_close_minutes) / 60
    message = compose(ticket, event or ticket["history"][index], settings, lang=_lang(ticket),
                      message_id=message_id, in_reply_to=thread[-1] if thread else None,
                      references=tuple(thread), when=when, auto_close_hours=hours,
                      letters=desk.config.letters, tz=desk.tz)
    return message.as_bytes().decode("ascii", "surrogateescape")


def _lang(ticket: dict[str, Any]) -> str:
    """The language the client is written to: the ticket's `client.lang`, Russian by default."""
    return (ticket.get("client") or {}).get("lang") or DEFAULT_CLIENT_LANGUAGE


def thread_ids(history: list[dict[str, Any]]) -> list[str]:
    """The Message-IDs of a ticket's conversation so far, oldest first: ours and the client's own
    messages; never an automatic message's or a third party's (they are no part of the thread)."""
    ids = []
    for event in history:
        mid = event.get("message_id")
        if isinstance(mid, str) and mid and not event.get("automatic") and not event.get("third_party"):
            ids.append(mid)
    return ids


# -- delivering ------------------------------------------------------------------------------
def flush(desk, only: set[str] | None = None, retry_failed: bool = False) -> FlushResult:
    """Deliver the messages that are due (`only`: these Message-IDs, due or not: an action's own,
    at once); see the module's text for claims and retries."""
    from edoc_cli.mail.settings import mail_settings

    result = FlushResult()
    settings = mail_settings(desk.config)
    if settings is None:
        return result
    if only is not None:  # an operator waits: a server that does not answer soon is left to `mail flush`
        settings = replace(settings, timeout=min(settings.timeout, AT_ONCE_TIMEOUT))
    token = os.urandom(8).hex()
    claimed = _claim(desk, settings, token, only, retry_failed, result)
    for n, row in claimed:
        _deliver_one(desk, settings, token, n, row, result)
    return result


def _claim(desk, settings, token: str, only, retry_failed: bool, result: FlushResult) -> list[tuple[int, dict]]:
    now = desk.now()
    lease = timedelta(seconds=settings.timeout * 3 + 60)
    claimed = []
    with desk.store.transaction() as snap:
        for n, row in snap.mail_rows("outbox").items():
            if row["state"] == "sent":
                if row.get("sent_at") and parse_instant(row["sent_at"], desk.tz) < now - KEEP_SENT:
                    snap.drop_mail_row("outbox", n)
                continue
            if only is not None and row["message_id"] not in only:
                continue
            if row["state"] == "failed":
                if not retry_failed:
                    continue
                row = _readdressed(desk, settings, snap, row)
            elif row["state"] == "sending" and parse_instant(row.get("claim_until") or row["queued_at"],
                                                             desk.tz) > now:
                result.skipped += 1  # another flush is sending it
                continue
            elif only is None and row["state"] == "queued" and parse_instant(row["next_at"], desk.tz) > now:
                result.skipped += 1
                continue
            if not row.get("raw"):
                continue
            row = {**row, "state": "sending", "claim": token, "claim_until": desk.iso(now + lease)}
            snap.put_mail_row("outbox", row, n)
            claimed.append((n, row))
    return claimed


def _readdressed(desk, settings, snap, row: dict[str, Any]) -> dict[str, Any]:
    """A failed message sent again: to the ticket's address of now (the same message otherwise, its
    Message-ID and date kept), attempts counted afresh."""
    ticket = snap.get(row["ticket"])
    address = ((ticket or {}).get("client") or {}).get("email")
    row = {**row, "attempts": 0, "last_error": None, "error": None, "given_up": None}
    if ticket is not None and address and address != row["to"] and isinstance(row.get("event"), int) \
            and 0 < row["event"] < len(ticket["history"]):
        when = parse_instant(row["queued_at"], desk.tz)
        row.update(to=address, raw=_raw(desk, settings, ticket, row["event"], row["message_id"], when))
    return row


def _deliver_one(desk, settings, token: str, n: int, row: dict[str, Any], result: FlushResult) -> None:
    import email
    from email import policy

    from edoc_cli.i18n import in_language
    from edoc_cli.mail.smtp import MAX_ATTEMPTS, PermanentFailure, TemporaryFailure, deliver, retry_delay

    message = email.message_from_bytes(row["raw"].encode("ascii", "surrogateescape"), policy=policy.SMTP)
    outcome: dict[str, Any]
    # A failure is kept as a message of the catalogs with its values (said in the reader's language
    # later), and in English for scripts and for a hand's look at the store.
    try:
        reply = deliver(message, settings)
        outcome = {"state": "sent", "server_reply": reply[:300]}
    except PermanentFailure as exc:
        outcome = {"state": "failed", "last_error": exc.said(in_language("en")), "error": exc.as_dict()}
    except TemporaryFailure as exc:
        outcome = {"state": "queued", "last_error": exc.said(in_language("en")), "error": exc.as_dict()}
    attempts = row["attempts"] + 1
    with desk.store.transaction() as snap:
        now = desk.now()
        current = snap.mail_rows("outbox").get(n)
        if current is None or current.get("claim") != token:
            return  # our claim ended and another flush took the message: its result stands
        done = {k: v for k, v in current.items() if k not in ("claim", "claim_until")}
        done.update(outcome, attempts=attempts)
        if done["state"] == "sent":
            done.pop("raw")  # its text is in the history; the row keeps the delivery alone
            done.update(sent_at=desk.iso(now), last_error=None, error=None, given_up=None)
        elif done["state"] == "queued" and attempts >= MAX_ATTEMPTS:
            done["state"] = "failed"
            done["given_up"] = attempts
        elif done["state"] == "queued":
            done["next_at"] = desk.iso(now + retry_delay(attempts))
        snap.put_mail_row("outbox", done, n)
    who = {"message_id": row["message_id"], "ticket": row["ticket"], "to": row["to"]}
    if done["state"] == "sent":
        result.sent.append(row["message_id"])
    elif done["state"] == "failed":
        result.failed.append({**who, "reason": error_text(done)})
    else:
        result.later.append({**who, "reason": error_text(done), "next_at": done["next_at"]})


def tell(result: FlushResult, news_only: bool = False) -> FlushResult:
    """Warn (after the command's own output) of the messages that did not go: the action stands.
    `news_only` (the sweep, every few minutes from cron): only the messages that failed for good in
    this run; one still being retried is no news, and cron would mail it every run of an outage."""
    from edoc_cli.store.commit import RUN

    later = [] if news_only else result.later
    if len(later) > 3:  # one line, not one a message, when the server is away
        RUN.warnings.append(_("{count} e-mails are queued: {reason}; they are retried on their own "
                              "('edoc mail queue' lists them)").format(count=len(later),
                                                                       reason=later[0]["reason"]))
        later = []
    for item in later:
        RUN.warnings.append(_("the e-mail to {to} ({id}) is queued: {reason}; it is retried on its own "
                              "(the action itself is saved)").format(to=item["to"], id=item["ticket"],
                                                                     reason=item["reason"]))
    for item in result.failed:
        RUN.warnings.append(_("the e-mail to {to} ({id}) was refused: {reason}; the action itself is saved; "
                              "check the address ('edoc edit'), then 'edoc mail flush --retry-failed'").format(
            to=item["to"], id=item["ticket"], reason=item["reason"]))
    return result


# -- reading ---------------------------------------------------------------------------------
def ticket_mail(snap, ticket_id: str) -> list[dict[str, Any]]:
    """The delivery state of a ticket's messages, oldest first (what `show` tells)."""
    return [public(row) for row in snap.mail_rows("outbox").values() if row["ticket"] == ticket_id]


def undelivered(snap) -> list[dict[str, Any]]:
    """Every message not delivered yet, failed ones included (`mail queue`, `list --mail-failed`)."""
    return [public(row) for row in snap.mail_rows("outbox").values() if row["state"] in UNDELIVERED]


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A row as shown: without its text and its claim; its last error in this run's language."""
    keys = ("ticket", "message_id", "to", "state", "attempts", "queued_at", "next_at", "sent_at")
    return {**{k: row.get(k) for k in keys}, "last_error": error_text(row)}


def error_text(row: dict[str, Any]) -> str | None:
    """Why the row's message has not gone yet, in this run's language (None: no failure)."""
    from edoc_cli.mail.smtp import said_again

    if not row.get("last_error") and not row.get("error"):
        return None
    text = said_again(row.get("error")) or row.get("last_error")
    if row.get("given_up"):
        text = _("{reason}; given up after {count} attempts").format(reason=text, count=row["given_up"])
    return text
