"""The ticket's state machine, and the replay of its history into its state.

The history is the truth: status, assignee, priority, waiting, resolution
and escalations are folded from the events, and the stored copies of them
are a cache that `edoc check` proves against this replay.
"""

from __future__ import annotations

from typing import Any

from edoc_cli.errors import NotAllowed
from edoc_cli.i18n import _
from edoc_cli.ticket import ACTIVE, DERIVED, EVENT_TYPES, RESOLUTIONS, STATUSES  # noqa: F401  (the state machine's words)

# action (command) -> the statuses it is allowed in
ALLOWED: dict[str, tuple[str, ...]] = {
    "assign": ACTIVE,
    "reply": ACTIVE,
    "request_info": ("new", "open", "waiting"),
    "client_reply": ACTIVE,
    "note": ACTIVE,
    "diagnose": ACTIVE,
    "postpone": ("new", "open", "waiting"),
    "resume": ("postponed",),
    "escalate": ACTIVE,
    "close": ACTIVE,
    "reopen": ("closed",),
    "terminate": ACTIVE,
    "edit": ACTIVE,  # a closed ticket's registration is history: reopen it first
    "receive_mail": STATUSES,  # mail is recorded whatever the status; it changes none
}

def ensure_allowed(ticket: dict[str, Any], action: str) -> None:
    status = ticket["status"]
    if status not in ALLOWED[action]:
        from edoc_cli.words import word, words

        raise NotAllowed(_("{id} is {status}: '{action}' is allowed only when it is {allowed}").format(
            id=ticket["id"], status=word("status", status), action=action.replace("_", "-"),
            allowed=words("status", ALLOWED[action])))


def replay(ticket: dict[str, Any]) -> dict[str, Any]:
    """The state that the ticket's history implies (raises ValueError if it cannot be)."""
    state: dict[str, Any] = {
        "status": None, "assignee": None, "priority": None, "waiting": None,
        "postponement": None, "resolution": None, "third_parties": [], "terminated": None,
    }
    for i, event in enumerate(ticket.get("history", [])):
        kind = event.get("type")
        status = state["status"]
        if i == 0:
            if kind != "opened":
                raise ValueError(_("the history does not start with 'opened'"))
            state["status"] = "new"
            continue
        if kind == "opened":
            raise ValueError(_("event {number}: a second 'opened'").format(number=i + 1))
        if kind not in EVENT_TYPES:
            raise ValueError(_("event {number}: unknown type {type}").format(number=i + 1, type=repr(kind)))
        if kind == "breached":
            continue
        action = _ACTION_OF.get(kind)
        if action and status not in ALLOWED[action]:
            raise ValueError(_("event {number}: '{type}' while the ticket was {status}").format(
                number=i + 1, type=kind, status=status))
        if kind == "assigned":
            state["assignee"] = event["assignee"]
            if status == "new":
                state["status"] = "open"
        elif kind == "replied":
            if status == "new":
                state["status"] = "open"
                state["assignee"] = state["assignee"] or event.get("by")
        elif kind == "info_requested":
            state["status"] = "waiting"
            state["assignee"] = state["assignee"] or event.get("by")
            state["waiting"] = {"since": event["at"]}
        elif kind == "client_replied":
            if status == "waiting":
                state["status"] = "open"
                state["waiting"] = None
        elif kind == "diagnosed":
            state["priority"] = event["priority"]
        elif kind == "postponed":
            state["status"] = "postponed"
            state["waiting"] = None
            state["postponement"] = {
                "reason": event["reason"], "since": event["at"], "until": event.get("until"),
            }
        elif kind == "resumed":
            state["status"] = "open"
            state["postponement"] = None
        elif kind == "escalated":
            state["third_parties"].append(
                {"name": event["third_party"], "at": event["at"], "note": event.get("message", "")}
            )
        elif kind in ("closed", "terminated"):
            state["status"] = "closed"
            state["waiting"] = None
            state["postponement"] = None
            state["resolution"] = {
                "code": "abuse" if kind == "terminated" else event["resolution"],
                "message": event.get("message") or "",
                "faq_link": event.get("faq_link"),
                "closed_at": event["at"],
                "closed_by": event.get("by"),
            }
            if event.get("duplicate_of"):
                state["resolution"]["duplicate_of"] = event["duplicate_of"]
            if kind == "terminated":
                state["terminated"] = {"at": event["at"], "by": event.get("by"),
                                       "message": event.get("message", "")}
        elif kind == "reopened":
            state["status"] = "open"
            state["resolution"] = None
    if state["status"] is None:
        raise ValueError(_("the history is empty"))
    return state


_ACTION_OF = {
    "assigned": "assign", "replied": "reply", "info_requested": "request_info",
    "client_replied": "client_reply", "note": "note", "diagnosed": "diagnose",
    "postponed": "postpone", "resumed": "resume", "escalated": "escalate",
    "closed": "close", "reopened": "reopen", "terminated": "terminate", "edited": "edit",
    "mail_received": "receive_mail",
}

def apply_replay(ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket with its cached state rebuilt from its history."""
    state = replay(ticket)
    ticket.update(state)
    return ticket
