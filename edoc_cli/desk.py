"""The support desk: registration and every lifecycle action, over the store.

Each action validates its input, then in one locked transaction reads the
ticket, checks the state machine, appends a history event (who, when,
what) and rebuilds the ticket's state from its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

from edoc_cli import lifecycle
from edoc_cli.config import Config
from edoc_cli.ticket import PRIORITIES, RESOLUTIONS
from edoc_cli.errors import NotAllowed, TicketNotFound, UsageError, ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.lifecycle import NO_RESPONSE_WORDING, apply_replay, ensure_allowed
from edoc_cli.regulation import (
    MAX_LINE, MAX_TEXT, RegistrationRequest, check_registration, _URL_RE,
)
from edoc_cli.sla import auto_close_at, clocks, record_breaches
from edoc_cli.store import Snapshot, Store
from edoc_cli.ticket_id import normalize_id
from edoc_cli.safe_text import clean_multiline, control_problem
from edoc_cli.tz import parse_instant, parse_typed_instant, to_iso


@dataclass
class Desk:
    store: Store
    config: Config
    clock: Callable[[], datetime]
    operator: str
    tz: Any
    calendar: Any = None  # the working calendar (clause 15's timer needs it)

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def iso(self, when: datetime) -> str:
        return to_iso(when, self.tz)

    # -- registration ----------------------------------------------------------
    def register(self, requests: Iterable[RegistrationRequest]) -> list[dict[str, Any]]:
        """Register every request or none: all are checked before anything is written."""
        now = self.now()
        checked = []
        problems: list[str] = []
        requests = list(requests)
        for i, req in enumerate(requests):
            try:
                checked.append(check_registration(req, self.config, now, self.tz))
            except ValidationFailed as exc:
                lines = [str(p) for p in exc.problems] or [exc.message]
                if len(requests) > 1:
                    lines = [_("request {number}: {problem}").format(number=i + 1, problem=line) for line in lines]
                problems += lines
        if problems:
            # Two messages for English's sake; the Russian of both needs no plural.
            message = (_("nothing was registered: {count} unmet item") if len(problems) == 1
                       else _("nothing was registered: {count} unmet items"))
            raise ValidationFailed(message.format(count=len(problems)), problems)
        if not checked:
            raise ValidationFailed(_("nothing to register: the input holds no request"))
        with self.store.transaction() as snap:
            created = [self._new_ticket(snap.next_number(self.config.prefix, now.year), reg, now)
                       for reg in checked]
            snap.insert_new(created)  # at once: TinyDB would rewrite its whole table per insert
        return created

    def _new_ticket(self, number: str, reg, now: datetime) -> dict[str, Any]:
        at = self.iso(now)
        received = self.iso(reg.received_at) if reg.received_at else at
        rules = {
            **self.config.sla_rules(reg.sla_level, reg.category),
            "warn_at": self.config.warn_at,
            "auto_close_minutes": self.config.auto_close_minutes,
        }
        ticket = {
            "id": number,
            "category": reg.category,
            "channel": reg.channel,
            "sla_level": reg.sla_level,
            "client": reg.client,
            "topic": reg.topic,
            "subject": reg.subject,
            "description": reg.description,
            "faq": reg.faq,
            "details": reg.details,
            "created_at": at,
            "received_at": received,
            "sla_rules": rules,
            "history": [{"at": at, "by": self.operator, "type": "opened",
                         "channel": reg.channel, "received_at": received}],
        }
        return apply_replay(ticket)

    # -- reading ---------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return self.store.snapshot()

    def get(self, ticket_id: str, snap: Snapshot | None = None) -> dict[str, Any]:
        tid = normalize_id(ticket_id)
        ticket = (snap or self.store.snapshot()).get(tid)
        if ticket is None:
            raise TicketNotFound(_("no ticket {id} in {store}; 'edoc list --all' shows the numbers").format(
                id=tid, store=self.store.path))
        return ticket

    # -- actions ---------------------------------------------------------------
    def _change(self, ticket_id: str, action: str, event: dict[str, Any],
                check: Callable[[dict[str, Any], Snapshot], None] | None = None) -> dict[str, Any]:
        with self.store.transaction() as snap:
            ticket = self.get(ticket_id, snap)
            ensure_allowed(ticket, action)
            if check:
                check(ticket, snap)
            now = self.now()
            last = parse_instant(ticket["history"][-1]["at"], self.tz)
            if now < last:
                raise UsageError(_(
                    "the clock says {now}, earlier than {id}'s last event "
                    "({last}): check the system clock or EDOC_NOW; nothing was changed"
                ).format(now=self.iso(now), id=ticket["id"], last=self.iso(last)))
            entry = {"at": self.iso(now), "by": self.operator, **event}
            ticket["history"].append({k: v for k, v in entry.items() if v is not None})
            apply_replay(ticket)
            if ticket["status"] == "closed" and self.calendar is not None:
                # Closing stops the clocks: a breach sweep has not seen yet is recorded now.
                record_breaches(ticket, clocks(ticket, self.calendar, now, self.tz), now, self.tz, self.operator)
            snap.replace(ticket)
            return ticket

    def assign(self, ticket_id: str, assignee: str) -> dict[str, Any]:
        name = _line(assignee, "OPERATOR", _("{flag}: the operator is empty"))
        return self._change(ticket_id, "assign", {"type": "assigned", "assignee": name})

    def reply(self, ticket_id: str, message: str, faq_link: str | None = None) -> dict[str, Any]:
        return self._change(ticket_id, "reply", {
            "type": "replied", "message": _message(message), "faq_link": _faq_link(faq_link),
        })

    def request_info(self, ticket_id: str, message: str) -> dict[str, Any]:
        return self._change(ticket_id, "request_info", {"type": "info_requested", "message": _message(message)})

    def client_reply(self, ticket_id: str, message: str) -> dict[str, Any]:
        return self._change(ticket_id, "client_reply", {"type": "client_replied", "message": _message(message)})

    def note(self, ticket_id: str, message: str) -> dict[str, Any]:
        return self._change(ticket_id, "note", {"type": "note", "message": _message(message)})

    def diagnose(self, ticket_id: str, priority: str, message: str | None = None) -> dict[str, Any]:
        if priority not in PRIORITIES:
            raise UsageError(_not_one_of("--priority", PRIORITIES, priority))

        def only_prioritised(ticket: dict[str, Any], _snap: Snapshot) -> None:
            if "by_priority" not in ticket["sla_rules"]:
                raise NotAllowed(_("{id} is a {category} request: only bugs are diagnosed (clause 13)").format(
                    id=ticket["id"], category=ticket["category"]))

        return self._change(ticket_id, "diagnose", {
            "type": "diagnosed", "priority": priority,
            "message": _message(message) if message else None,
        }, only_prioritised)

    def postpone(self, ticket_id: str, reason: str, message: str, until: str | None = None) -> dict[str, Any]:
        reasons = self.config.postponement_reasons
        if reason not in reasons:
            raise UsageError(_("--reason must be one of {choices} (clause 9), not {value}").format(
                choices=", ".join(reasons), value=repr(reason)))
        until_iso = None
        if until is not None:
            when = parse_typed_instant(until, self.tz, "--until")
            if when <= self.now():
                raise UsageError(_("--until {when} is not in the future").format(when=self.iso(when)))
            until_iso = self.iso(when)
        return self._change(ticket_id, "postpone", {
            "type": "postponed", "reason": reason, "message": _message(message), "until": until_iso,
        })

    def resume(self, ticket_id: str, message: str | None = None) -> dict[str, Any]:
        return self._change(ticket_id, "resume", {
            "type": "resumed", "message": _message(message) if message else None,
        })

    def escalate(self, ticket_id: str, third_party: str, message: str) -> dict[str, Any]:
        name = _line(third_party, "--third-party", _("{flag}: the third party is empty"))
        return self._change(ticket_id, "escalate", {
            "type": "escalated", "third_party": name, "message": _message(message),
        })

    def close(self, ticket_id: str, resolution: str, message: str | None = None,
              faq_link: str | None = None, duplicate_of: str | None = None) -> dict[str, Any]:
        if resolution not in RESOLUTIONS:
            raise UsageError(_not_one_of("--resolution", RESOLUTIONS, resolution))
        if resolution == "abuse":
            raise UsageError(_("a ticket is closed for abuse with 'edoc terminate' (clause 16)"))
        if resolution == "faq" and not faq_link:
            raise UsageError(_("--resolution faq needs --faq-link: the Help Centre article that answers (clause 14)"))
        if (resolution == "duplicate") != bool(duplicate_of):
            raise UsageError(_("--duplicate-of goes with --resolution duplicate, and duplicate needs it"))
        link = _faq_link(faq_link)
        original = normalize_id(duplicate_of) if duplicate_of else None
        event = {
            "type": "closed", "resolution": resolution, "message": _message(message) if message else None,
            "faq_link": link, "duplicate_of": original,
        }

        def check(ticket: dict[str, Any], snap: Snapshot) -> None:
            if original is not None:
                if original == ticket["id"]:
                    raise UsageError(_("a ticket cannot be a duplicate of itself"))
                self.get(original, snap)
            if resolution == "no_response":
                if ticket["status"] != "waiting":
                    raise NotAllowed(_(
                        "{id} is {status}: 'no_response' closes only a ticket "
                        "waiting for the client (clause 15)"
                    ).format(id=ticket["id"], status=ticket["status"]))
                due = auto_close_at(ticket, self.calendar, self.tz)
                if due is not None and self.now() < due:
                    raise NotAllowed(_(
                        "{id}: the client has until {due} to answer "
                        "(8 working hours, clause 15); 'no_response' is allowed from then on"
                    ).format(id=ticket["id"], due=self.iso(due)))
                # Filled in here, under the lock: the actions are those recorded by now.
                event["message"] = no_response_message(ticket, self.tz, event["message"])

        return self._change(ticket_id, "close", event, check)

    def reopen(self, ticket_id: str, message: str) -> dict[str, Any]:
        return self._change(ticket_id, "reopen", {"type": "reopened", "message": _message(message)})

    def terminate(self, ticket_id: str, message: str) -> dict[str, Any]:
        return self._change(ticket_id, "terminate", {"type": "terminated", "message": _message(message)})


def _not_one_of(flag: str, choices, value: str) -> str:
    return _("{flag} must be one of {choices}, not {value}").format(
        flag=flag, choices=", ".join(choices), value=repr(value))


def _message(text: str | None) -> str:
    if text is None:
        raise UsageError(_("--message is required"))
    why = control_problem(text, True)
    if why:
        raise ValidationFailed(_("{flag} {problem}").format(flag="--message", problem=why))
    cleaned = clean_multiline(text)
    if not cleaned:
        raise ValidationFailed(_("--message is empty"))
    if len(cleaned) > MAX_TEXT:
        raise ValidationFailed(_("{flag} {problem}").format(flag="--message", problem=_(
            "is {length} characters long; at most {limit}").format(length=len(cleaned), limit=MAX_TEXT)))
    return cleaned


def _line(text: str, flag: str, empty: str) -> str:
    """One line of text given with `flag`; `empty` is the message (with {flag}) for an empty one."""
    why = control_problem(text or "", False)
    if why:
        raise ValidationFailed(_("{flag} {problem}").format(flag=flag, problem=why))
    value = (text or "").strip()
    if not value:
        raise ValidationFailed(empty.format(flag=flag))
    if len(value) > MAX_LINE:
        raise ValidationFailed(_("{flag} is longer than {limit} characters").format(flag=flag, limit=MAX_LINE))
    return value


def _faq_link(link: str | None) -> str | None:
    if link is None:
        return None
    value = _line(link, "--faq-link", _("{flag}: the FAQ link is empty"))
    if not _URL_RE.match(value):
        raise ValidationFailed(_("{flag} {problem}").format(
            flag="--faq-link", problem=_("must be an http(s) address of a Help Centre or FAQ page")))
    return value


_ACTION_LABELS = {
    "replied": "ответ клиенту",
    "info_requested": "запрошена информация",
    "note": "действие",
    "diagnosed": "диагностика",
    "escalated": "привлечена третья сторона",
}


def no_response_message(ticket: dict[str, Any], tz, extra: str | None = None) -> str:
    """Clause 15's closing text: the fixed wording, then the actions done so far."""
    lines = [f"{NO_RESPONSE_WORDING}."]
    if extra:
        lines.append(extra)
    lines.append("Выполненные действия:")
    for event in lifecycle.actions_done(ticket):
        when = parse_instant(event["at"], tz).strftime("%d.%m.%Y %H:%M")
        label = _ACTION_LABELS[event["type"]]
        what = event.get("message") or ""
        if event["type"] == "diagnosed":
            what = f"приоритет {event['priority']}" + (f"; {what}" if what else "")
        elif event["type"] == "escalated":
            what = f"{event['third_party']}" + (f": {what}" if what else "")
        lines.append(f"- {when} ({event.get('by', '?')}) {label}: {what}")
    return "\n".join(lines)

