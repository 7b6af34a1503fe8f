"""What a stored ticket record must look like: one set of rules for the store's reads and writes,
`import` and `check`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from edoc_cli.i18n import _
from edoc_cli.lifecycle import replay
from edoc_cli.limits import instant_problem, is_number, minutes_ok
from edoc_cli.ticket import (
    CLIENT_LANGUAGES, DEFAULT_AUTO_CLOSE_MINUTES, DEFAULT_WARN_AT, DERIVED, EVENT_TYPES, PRIORITIES, RESOLUTIONS,
    STATUSES, TARGETS, required_fields,
)
from edoc_cli.ticket_id import TICKET_ID_RE
from edoc_cli.safe_text import has_surrogate

_REQUIRED = required_fields()
MAX_RECORD_TEXT = 100_000
# A "\u0000" or surrogate ("\ud800") escape in JSON text: the only ways a NUL or a lone surrogate gets
# into a JSON file (UTF-8 has no bytes for them). Text with none needs no string-by-string look.
SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")

# What each kind of event must carry, beyond at/by/type, for the replay and the clocks to use it.
EVENT_FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "assigned": {"assignee": None},
    "diagnosed": {"priority": PRIORITIES},
    "postponed": {"reason": None},
    "escalated": {"third_party": None},
    "closed": {"resolution": RESOLUTIONS},
    "breached": {"target": TARGETS},
}


def _rules_ok(rules: dict[str, Any]) -> bool:
    """The SLA rules a ticket was registered under, in the shape and ranges the clocks need."""
    if not isinstance(rules.get("rule"), str):
        return False
    warn = rules.get("warn_at", DEFAULT_WARN_AT)
    if not (is_number(warn) and 0 < warn <= 1):
        return False
    if not minutes_ok(rules.get("auto_close_minutes", DEFAULT_AUTO_CLOSE_MINUTES)):
        return False
    if "by_priority" in rules:
        table = rules["by_priority"]
        return isinstance(table, dict) and "normal" in table and all(
            isinstance(v, dict) and minutes_ok(v.get("first_response")) and minutes_ok(v.get("resolution"), True)
            for v in table.values())
    return minutes_ok(rules.get("first_response")) and minutes_ok(rules.get("resolution"), True)


def _event_problems(i: int, event: Any) -> list[str]:
    if not isinstance(event, dict):
        return [_("history[{index}] is not an object").format(index=i)]
    problems = []
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        problems.append(_("history[{index}].type {value} is unknown").format(
            index=i, value=repr(str(kind))[:20]))
    why = instant_problem(event.get("at"))
    if why:
        problems.append(_("{field} {problem}").format(field=f"history[{i}].at", problem=why))
    if not isinstance(event.get("by"), str):
        problems.append(_("history[{index}].by is missing").format(index=i))
    for key, allowed in (EVENT_FIELDS.get(kind, {}) if isinstance(kind, str) else {}).items():
        value = event.get(key)
        if not isinstance(value, str) or not value or (allowed is not None and value not in allowed):
            problems.append(_("history[{index}] ({type}) needs {field}").format(index=i, type=kind, field=key))
    for key in ("message", "faq_link", "duplicate_of", "comment"):
        if event.get(key) is not None and not isinstance(event[key], str):
            problems.append(_("history[{index}].{field} must be text").format(index=i, field=key))
    if kind == "edited" and not _changes_ok(event.get("changes")):
        problems.append(_("history[{index}] ({type}) needs {field}").format(index=i, type=kind, field="changes"))
    for key in ("until", "arrived_at"):
        if event.get(key) is not None:
            why = instant_problem(event[key])
            if why:
                problems.append(_("{field} {problem}").format(field=f"history[{i}].{key}", problem=why))
    return problems


def _changes_ok(changes: Any) -> bool:
    """An `edited` event's changes: at least one field, each {"old", "new"} of text, null or (the
    attachments) a list of texts."""
    return isinstance(changes, dict) and bool(changes) and all(
        isinstance(k, str) and isinstance(v, dict) and set(v) == {"old", "new"}
        and all(x is None or isinstance(x, str) or (isinstance(x, list) and all(isinstance(a, str) for a in x))
                for x in v.values()) for k, v in changes.items())


def _texts(obj: Any, path: str):
    """(where, text) of every string in the record, keys included."""
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield path, k
            yield from _texts(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _texts(v, f"{path}[{i}]")


# The version of the rules below. Raise it when they come to refuse what they accepted: the
# PostgreSQL store then checks again, on read, every row an older edoc checked when it wrote it.
# 2: a client's e-mailed answer's arrived_at must be an instant; 3: client.lang; 4: an event's comment is text
RULES_VERSION = 4


def ticket_problems(ticket: Any, texts_checked: bool = False, lengths: bool = True) -> list[str]:
    """Every way the record is not a ticket this edoc can work with (import, check: texts too)."""
    problems = shape_problems(ticket)
    if problems:
        return problems
    return consistency_problems(ticket, texts_checked, lengths)


def record_problems(ticket: Any, texts_checked: bool = True) -> list[str]:
    """Why the store may not read or write this record: the rules every command relies on (its shape,
    its events, a history that replays into its stored state; its texts, unless `texts_checked`: the
    caller saw no NUL or surrogate escape in the file's JSON text)."""
    # No limit on a text's length here: a long text breaks nothing, and a closing message that lists
    # many long notes must not make its ticket unwritable (an import refuses over-long texts).
    return ticket_problems(ticket, texts_checked=texts_checked, lengths=False)


def shape_problems(ticket: Any) -> list[str]:
    """Why the record lacks the fields and types every command relies on (cheap; no replay).

    The store refuses to load a record with such a problem (exit 7), since
    reading or rewriting it would fail half-way; `check` reports the rest.
    """
    if not isinstance(ticket, dict):
        return [_("is not a JSON object")]
    problems = []
    for key, kind in _REQUIRED.items():
        if key not in ticket:
            problems.append(_("has no '{key}'").format(key=key))
        elif not isinstance(ticket[key], kind):
            problems.append(_("'{key}' must be {type}").format(key=key, type=kind.__name__))
    if problems:
        return problems
    if not TICKET_ID_RE.match(ticket["id"]):
        problems.append(_("'id' {value} is not a registration number").format(value=repr(ticket["id"][:40])))
    if ticket["status"] not in STATUSES:
        problems.append(_("'status' {value} is not one of {statuses}").format(
            value=repr(ticket["status"][:20]), statuses=", ".join(STATUSES)))
    for key in ("created_at", "received_at"):
        why = instant_problem(ticket[key])
        if why:
            problems.append(_("{field} {problem}").format(field=f"'{key}'", problem=why))
    if not _rules_ok(ticket["sla_rules"]):
        problems.append(_("'sla_rules' needs a rule name, first_response and resolution minutes, warn_at "
                          "and auto_close_minutes, all in range"))
    client = ticket["client"]
    if not all(v is None or isinstance(v, str) for v in client.values()):
        problems.append(_("'client' values must be text"))
    details = ticket.get("details", {})
    if not isinstance(details, dict) or not all(
        v is None or isinstance(v, str) or (k == "attachments" and isinstance(v, list)
                                            and all(isinstance(a, str) for a in v))
        for k, v in details.items()
    ):
        problems.append(_("'details' must be an object of texts (attachments: a list of texts)"))
    if not isinstance(ticket["client"].get("name"), str) or ticket["client"].get("type") not in ("user", "guest"):
        problems.append(_("'client' needs a name and a type user or guest"))
    if ticket["client"].get("lang") not in (None, *CLIENT_LANGUAGES):  # none: registered before it was asked
        problems.append(_("'client.lang' must be ru, kk or en"))
    if not ticket["history"]:
        problems.append(_("'history' is empty"))
    for i, event in enumerate(ticket["history"]):
        problems += _event_problems(i, event)
    if not isinstance(ticket.get("waiting"), (dict, type(None))) or \
            (ticket.get("waiting") and instant_problem(ticket["waiting"].get("since"))):
        problems.append(_("'waiting.since' is not an instant"))
    return problems


def consistency_problems(ticket: dict[str, Any], texts_checked: bool = False, lengths: bool = True) -> list[str]:
    """Where a well-shaped record is still unusable: NUL bytes, huge texts, time order, status against history."""
    problems: list[str] = []
    # `texts_checked`: the caller saw the JSON text and it holds no NUL or surrogate escape and is
    # shorter than the limit, so walking every string in Python (which dominates a big import) is moot.
    for path, text in (() if texts_checked else _texts(ticket, "ticket")):
        if "\x00" in text:
            problems.append(_("{field} {problem}").format(field=path, problem=_("contains a NUL byte")))
        if has_surrogate(text):
            problems.append(_("{field} {problem}").format(field=path[:200], problem=_("is not valid UTF-8 text")))
        if lengths and len(text) > MAX_RECORD_TEXT:
            problems.append(_("{flag} is longer than {limit} characters").format(flag=path, limit=MAX_RECORD_TEXT))
    rules = ticket["sla_rules"]
    ats = [datetime.fromisoformat(e["at"]) for e in ticket["history"]]
    if any(b < a for a, b in zip(ats, ats[1:])):
        problems.append(_("history is not in time order"))
    if ticket["history"] and datetime.fromisoformat(ticket["received_at"]) > ats[0]:
        problems.append(_("'received_at' is later than registration"))
    try:
        state = replay(ticket)
    except (ValueError, KeyError, TypeError) as exc:
        return problems + [_("history cannot be replayed: {error}").format(error=exc)]
    for key in DERIVED:
        if ticket.get(key) != state[key]:
            problems.append(_("'{key}' is {stored} but the history says {replayed}").format(
                key=key, stored=f"{ticket.get(key)!r:.60}", replayed=f"{state[key]!r:.60}"))
    if state.get("priority") and "by_priority" in rules and state["priority"] not in rules["by_priority"]:
        problems.append(_("priority {priority} has no targets in sla_rules").format(priority=repr(state["priority"])))
    return problems
