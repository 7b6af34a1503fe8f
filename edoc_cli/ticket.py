"""The ticket, defined once: its stored shape, the words its fields take, and the defaults.

A ticket is stored and passed around as a plain dict (it is JSON on disk and on stdout); these
TypedDicts say what that dict holds, and the record rules (`ticket_rules`), the replay
(`lifecycle`), the views (`sla.VIEW_ORDER`) and registration (`desk`) all take their field names
from here. The JSON keys are the contract of docs/contract.md.
"""

from __future__ import annotations

from typing import Any, TypedDict, get_origin, get_type_hints

STATUSES = ("new", "open", "waiting", "postponed", "closed")
ACTIVE = ("new", "open", "waiting", "postponed")
RESOLUTIONS = ("resolved", "faq", "out_of_scope", "no_response", "abuse", "duplicate", "rejected")
EVENT_TYPES = (
    "opened", "assigned", "replied", "info_requested", "client_replied", "note", "diagnosed",
    "postponed", "resumed", "escalated", "closed", "reopened", "terminated", "breached", "edited",
    "mail_received",  # a message recorded on the ticket that is not the client's answer: changes no state
)
CLIENT_TYPES = ("user", "guest")
# The language edoc writes to the client in (letters, the clause-15 close): the client's choice at
# registration, `client.lang`; a ticket registered before it was asked reads Russian.
CLIENT_LANGUAGES = ("ru", "kk", "en")
DEFAULT_CLIENT_LANGUAGE = "ru"
PRIORITIES = ("critical", "high", "normal", "low")
DEFAULT_PRIORITY = "normal"  # a bug not yet diagnosed is held to the normal targets (docs/regulation.md, clause 3)
TARGETS = ("first_response", "resolution")

# Stored on every ticket at registration (its `sla_rules`); these are what an older ticket that
# lacks them is held to, and the configuration's defaults.
DEFAULT_WARN_AT = 0.8
DEFAULT_AUTO_CLOSE_MINUTES = 8 * 60  # clause 15: 8 working hours


class Event(TypedDict, total=False):
    at: str            # ISO 8601 with offset
    by: str            # the operator (or the sweep)
    type: str          # one of EVENT_TYPES
    message: str
    assignee: str      # assigned
    priority: str      # diagnosed
    reason: str        # postponed
    until: str | None  # postponed
    third_party: str   # escalated
    resolution: str    # closed
    faq_link: str | None
    duplicate_of: str
    target: str        # breached
    due_at: str        # breached
    auto: bool         # closed by the sweep (clause 15)
    changes: dict[str, dict[str, Any]]  # edited: {field: {"old", "new"}}


class SlaRules(TypedDict, total=False):
    rule: str                      # where the targets came from: "sla.basic.consultation"
    first_response: int            # working minutes
    resolution: int | None
    by_priority: dict[str, dict[str, int | None]]   # bugs (clause 13)
    warn_at: float
    auto_close_minutes: int


class TicketState(TypedDict):
    """What the history implies: folded from the events by `lifecycle.replay`, stored as a cache."""

    status: str
    assignee: str | None
    priority: str | None
    waiting: dict[str, Any] | None
    postponement: dict[str, Any] | None
    resolution: dict[str, Any] | None
    third_parties: list[dict[str, Any]]
    terminated: dict[str, Any] | None


class Ticket(TicketState):
    """A stored ticket (the JSON of `show --json` adds `sla`, its clocks as of now)."""

    id: str
    category: str
    channel: str
    sla_level: str
    client: dict[str, Any]
    subject: str
    description: str
    created_at: str
    received_at: str
    sla_rules: SlaRules
    history: list[Event]


# The stored fields that are a cache of the replay, in order.
DERIVED = tuple(TicketState.__annotations__)


def required_fields() -> dict[str, type]:
    """The fields every stored ticket record has, with the JSON type each must be (from `Ticket`):
    its own fields and its status (the rest of its state is checked against the replay)."""
    hints = get_type_hints(Ticket)
    required: dict[str, type] = {}
    own = [name for name in Ticket.__annotations__ if name not in TicketState.__annotations__]
    for name in ["id", "status", *[n for n in own if n != "id"]]:
        hint = hints[name]
        kind = get_origin(hint) or hint
        if kind in (str, dict, list):
            required[name] = kind
        elif isinstance(kind, type) and issubclass(kind, dict):  # a TypedDict
            required[name] = dict
    return required
