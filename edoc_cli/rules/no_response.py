"""Clause 15: a request left without the client's answer is closed after 8 working hours.

One module for the rule: the timer (`auto_close_at`), the one decision "may this ticket close for
no response now?" that both `edoc close --resolution no_response` and the cron sweep take
(`check_may_close`), and the regulation's fixed wording followed by the actions done so far
(`closing_message`). The close itself goes through the desk's one path for every transition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from edoc_cli.errors import NotAllowed
from edoc_cli.i18n import _
from edoc_cli.words import word
from edoc_cli.ticket import DEFAULT_AUTO_CLOSE_MINUTES
from edoc_cli.tz import parse_instant, to_iso

# The regulation's wording, kept in Russian whatever the interface's language.
WORDING = "ответ от клиента не получен"
RESOLUTION = "no_response"


def auto_close_at(ticket: dict[str, Any], cal, tz) -> datetime | None:
    """When the timer of the last information request runs out (None: not waiting for the client)."""
    waiting = ticket.get("waiting")
    if not waiting:
        return None
    minutes = ticket["sla_rules"].get("auto_close_minutes", DEFAULT_AUTO_CLOSE_MINUTES)
    return cal.add_working_minutes(parse_instant(waiting["since"], tz), minutes)


def due(ticket: dict[str, Any], cal, tz, now: datetime) -> datetime | None:
    """The instant the timer ran out, if the ticket may be closed for no response at `now`; else None."""
    at = auto_close_at(ticket, cal, tz)
    return at if ticket["status"] == "waiting" and at is not None and at <= now else None


def check_may_close(ticket: dict[str, Any], cal, tz, now: datetime) -> None:
    """Refuse a close for no response that the rule does not allow yet (exit 5), saying why."""
    if ticket["status"] != "waiting":
        raise NotAllowed(_(
            "{id} is {status}: 'no_response' closes only a ticket "
            "waiting for the client (clause 15)"
        ).format(id=ticket["id"], status=word("status", ticket["status"])))
    at = auto_close_at(ticket, cal, tz)
    if at is not None and now < at:
        minutes = ticket["sla_rules"].get("auto_close_minutes", DEFAULT_AUTO_CLOSE_MINUTES)
        raise NotAllowed(_(
            "{id}: the client has until {due} to answer "
            "({hours} working hours, clause 15); 'no_response' is allowed from then on"
        ).format(id=ticket["id"], due=to_iso(at, tz), hours=f"{minutes / 60:g}"))


def actions_done(ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions recorded so far (clause 15): replies, requests, notes, diagnoses, escalations."""
    kinds = ("replied", "info_requested", "note", "diagnosed", "escalated")
    return [e for e in ticket.get("history", []) if e.get("type") in kinds]


_ACTION_LABELS = {
    "replied": "ответ клиенту",
    "info_requested": "запрошена информация",
    "note": "действие",
    "diagnosed": "диагностика",
    "escalated": "привлечена третья сторона",
}


def actions_said(history: list[dict[str, Any]], tz, priority: Callable[[str], str]) -> list[tuple[dict, str, str]]:
    """Each action done (actions_done) as (its event, its local time "dd.mm.yyyy hh:mm", what it was):
    the text, a diagnosis's priority (`priority` says it in the reader's language) and an
    escalation's third party before it. The record and the letter of clause 15 both list these."""
    said = []
    for event in actions_done({"history": history}):
        when = parse_instant(event["at"], tz).strftime("%d.%m.%Y %H:%M")
        what = event.get("message") or ""
        if event["type"] == "diagnosed":
            what = priority(event["priority"]) + (f"; {what}" if what else "")
        elif event["type"] == "escalated":
            what = f"{event['third_party']}" + (f": {what}" if what else "")
        said.append((event, when, what))
    return said


def closing_message(ticket: dict[str, Any], tz, extra: str | None = None) -> str:
    """Clause 15's closing text: the fixed wording, then the actions done so far."""
    lines = [f"{WORDING}."]
    if extra:
        lines.append(extra)
    lines.append("Выполненные действия:")
    for event, when, what in actions_said(ticket.get("history", []), tz, lambda p: f"приоритет {p}"):
        lines.append(f"- {when} ({event.get('by', '?')}) {_ACTION_LABELS[event['type']]}: {what}")
    return "\n".join(lines)


def answer_wins(ticket: dict[str, Any], arrived: datetime, cal, tz) -> datetime | None:
    """The clause-15 moment that a client's answer arriving at `arrived` came before, when that
    answer must win over the close: the ticket was closed by the sweep for no response, and the
    answer arrived while it waited (from the information request up to the moment the waiting
    would have ended). None: the close stands."""
    from edoc_cli.lifecycle import replay

    history = ticket.get("history", [])
    last = next((i for i in range(len(history) - 1, -1, -1)
                 if history[i].get("type") in ("closed", "terminated", "reopened")), None)
    if last is None:
        return None
    close = history[last]
    if close.get("type") != "closed" or close.get("resolution") != RESOLUTION or not close.get("auto"):
        return None
    waiting = replay({**ticket, "history": history[:last]}).get("waiting")
    if not waiting:
        return None
    moment = auto_close_at({"waiting": waiting, "sla_rules": ticket["sla_rules"]}, cal, tz)
    since = parse_instant(waiting["since"], tz)
    return moment if moment is not None and since <= arrived < moment else None


def reopening_message(arrived: datetime, moment: datetime, tz) -> str:
    """Why a ticket closed for no response opens again (kept in Russian, like the closing wording)."""
    def shown(when: datetime) -> str:
        return when.astimezone(tz).strftime("%d.%m.%Y %H:%M")

    return (f"Ответ клиента, полученный {shown(arrived)}, пришёл раньше закрытия по пункту 15 "
            f"(срок ожидания истёк {shown(moment)}): обращение открыто снова.")
