"""SLA clocks, replayed from a ticket's history against the working calendar.

A clock runs from `received_at` in working time only. It pauses while the
ticket waits for the client or is postponed (clause 9, 15), stops while the
ticket is closed, and resumes with the time already spent on a client
reply, `resume` or `reopen`, so a reopened ticket is never breached on the
spot. First response is met by the first reply, information request or
closure; resolution by the closure that stands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from edoc_cli.rules.no_response import auto_close_at
from edoc_cli.rules.service_levels import targets
from edoc_cli.ticket import DEFAULT_WARN_AT, TARGETS
from edoc_cli.tz import parse_instant, to_iso

FIRST_RESPONSE_EVENTS = ("replied", "info_requested", "closed", "terminated")
_PAUSING = {"info_requested": "waiting for the client", "postponed": "postponed"}
_RESUMING = ("client_replied", "resumed", "reopened")
_STOPPING = ("closed", "terminated")
_CHANGING = frozenset((*_PAUSING, *_RESUMING, *_STOPPING))  # the events that can change the clock


class Segment(NamedTuple):  # a tuple: built for every change of every replayed clock, and cheap to build
    """A stretch of wall-clock time and what the clock did in it."""

    start: datetime
    end: datetime
    state: str          # "running" | "paused" | "stopped"
    reason: str | None  # why paused or stopped


def segments(ticket: dict[str, Any], until: datetime, tz) -> list[Segment]:
    """The ticket's life from `received_at` to `until`, cut where the clock changes."""
    return _walk(ticket, until, tz)[0]


def _walk(ticket: dict[str, Any], until: datetime,
          tz) -> tuple[list[Segment], str, datetime | None, datetime | None]:
    """The segments up to `until`, the clock's state at `until` itself, and when the
    first response and the resolution were met by then (None: not yet).

    The state is returned apart because a change at exactly `until` (a pause
    recorded this instant) has no segment of its own yet. The met instants come
    from the same pass over the history, which is mostly parsing event times.
    """
    start = parse_instant(ticket["received_at"], tz)
    state, reason = "running", None
    out: list[Segment] = []
    first_met = closed_at = None
    meeting = True  # false when the first event is later than `until`: nothing is met then
    for i, event in enumerate(ticket["history"]):
        kind = event["type"]
        at = parse_instant(event["at"], tz)
        if at > until:
            if i == 0:
                meeting = False
                continue
            break
        if meeting:
            if kind in FIRST_RESPONSE_EVENTS and first_met is None:
                first_met = at
            if kind in _STOPPING:
                closed_at = at
            elif kind == "reopened":
                closed_at = None
        if i == 0 or kind not in _CHANGING:
            # Segments start at received_at, whatever the first event says; the
            # other events leave the clock as it is.
            continue
        new_state, new_reason = state, reason
        if kind in _PAUSING and state == "running":
            new_state = "paused"
            new_reason = _PAUSING[kind] + (f": {event['reason']}" if kind == "postponed" else "")
        elif kind == "postponed" and state == "paused":
            new_reason = f"postponed: {event['reason']}"
        elif kind in _RESUMING and state != "running":
            if kind == "client_replied" and (reason or "").startswith("postponed"):
                continue  # a client's answer does not end a postponement
            new_state, new_reason = "running", None
        elif kind in _STOPPING:
            new_state, new_reason = "stopped", "closed"
        if (new_state, new_reason) != (state, reason):
            at = _effective(event, at, start, tz)
            if at > start:
                out.append(Segment(start, at, state, reason))
            start = max(start, at)
            state, reason = new_state, new_reason
    if until > start:
        out.append(Segment(start, until, state, reason))
    return out, state, first_met, closed_at


def _effective(event: dict[str, Any], at: datetime, start: datetime, tz) -> datetime:
    """When an event changes the clock: when it was recorded, save a client's answer by e-mail, which
    counts from when it reached the mail server (`arrived_at`), if that is later than the clock's
    last change (fetched late, the answer still ended the wait when it came)."""
    if event["type"] == "client_replied" and event.get("arrived_at"):
        return max(start, min(at, parse_instant(event["arrived_at"], tz)))
    return at


def _run(cal, segs: list[Segment], end: datetime, target: int | None, measure,
         find_due: bool) -> tuple[int, datetime | None]:
    """Working seconds the clock ran before `end`, and (if `find_due`) the instant it reached `target`.

    The instant is None when the clock has not run `target` seconds by `end`, or
    when `find_due` is false. `measure` is the calendar's meter(), shared by
    both clocks as they run over the same segments.
    """
    elapsed = 0
    due: datetime | None = None
    for seg in segs:
        if seg.start >= end:
            break
        if seg.state != "running":
            continue
        worked = measure(seg.start, min(seg.end, end))
        if find_due and target is not None and due is None and elapsed + worked >= target and target > 0:
            due = cal.add_working_seconds(seg.start, target - elapsed)
        elapsed += worked
    return elapsed, due


def _clock(ticket, cal, now, tz, target_minutes, met_at: datetime | None, segs, measure) -> dict[str, Any]:
    """One clock of the `sla` object."""
    end = met_at or now
    target = None if target_minutes is None else target_minutes * 60
    elapsed, due = _run(cal, segs, end, target, measure, find_due=True)
    if target is not None and due is None:
        due = cal.add_working_seconds(end, target - elapsed)
    breached = target is not None and elapsed > target
    return {
        "target_minutes": target_minutes,
        "due_at": to_iso(due, tz) if due else None,
        "met_at": to_iso(met_at, tz) if met_at else None,
        "elapsed_minutes": elapsed // 60,
        "breached": breached,
    }


def clocks(ticket: dict[str, Any], cal, now: datetime, tz, warn_at: float | None = None) -> dict[str, Any]:
    """The `sla` object (docs/contract.md) as of `now`."""
    segs, state_now, first_met, closed_at = _walk(ticket, now, tz)
    tgt = targets(ticket)
    warn = warn_at if warn_at is not None else ticket["sla_rules"].get("warn_at", DEFAULT_WARN_AT)
    measure = cal.meter()
    out = {
        "first_response": _clock(ticket, cal, now, tz, tgt["first_response"], first_met, segs, measure),
        "resolution": _clock(ticket, cal, now, tz, tgt["resolution"], closed_at, segs, measure),
        # From the history as of `now` (not the stored status), so past instants read right.
        "paused": state_now == "paused",
        "rule": tgt["rule"],
    }
    for name in ("first_response", "resolution"):
        clock = out[name]
        clock["at_risk"] = bool(
            clock["target_minutes"] and clock["met_at"] is None and not clock["breached"]
            and clock["elapsed_minutes"] >= warn * clock["target_minutes"]
        )
    return out


class ClockFigures(NamedTuple):
    """A clock's figures without its deadline: what the report counts."""

    target_minutes: int | None
    met: bool
    elapsed_minutes: int
    breached: bool


def clock_figures(ticket: dict[str, Any], cal, now: datetime, tz) -> dict[str, ClockFigures]:
    """The figures of both clocks as of `now`, the same as clocks() gives.

    For the report, which keeps a summary of every closed ticket: it needs
    neither the deadlines nor the formatted instants, the costly part of clocks().
    """
    segs, _state, first_met, closed_at = _walk(ticket, now, tz)
    tgt = targets(ticket)
    measure = cal.meter()
    out = {}
    for name, met_at in (("first_response", first_met), ("resolution", closed_at)):
        target_minutes = tgt[name]
        target = None if target_minutes is None else target_minutes * 60
        elapsed, _due = _run(cal, segs, met_at or now, target, measure, find_due=False)
        out[name] = ClockFigures(target_minutes, met_at is not None, elapsed // 60,
                                 target is not None and elapsed > target)
    return out




def record_breaches(ticket: dict[str, Any], sla: dict[str, Any], now: datetime, tz,
                    by: str) -> list[tuple[dict, dict]]:
    """Append one `breached` event for each target `sla` (its clocks now) finds newly breached.

    Never twice per target. Returns (event, clock) for each event added. Called by sweep for
    open tickets and on closing, so a late closure between two sweeps is recorded too. A
    `breached` event does not move a clock, so `sla` stays true after the events are added.
    """
    recorded = {e.get("target") for e in ticket["history"] if e["type"] == "breached"}
    added = []
    for target in TARGETS:
        clock = sla[target]
        if clock["breached"] and target not in recorded:
            event = {"at": to_iso(now, tz), "by": by, "type": "breached", "target": target,
                     "due_at": clock["due_at"]}
            ticket["history"].append(event)
            added.append((event, clock))
    return added


def ticket_view(ticket: dict[str, Any], cal, now: datetime, config, tz) -> dict[str, Any]:
    """The ticket as commands show it: stored fields plus `sla` and `waiting` as of now."""
    view = {key: ticket.get(key) for key in VIEW_ORDER}
    view["sla"] = clocks(ticket, cal, now, tz)
    if ticket.get("waiting"):
        view["waiting"] = {"since": ticket["waiting"]["since"],
                           "auto_close_at": to_iso(auto_close_at(ticket, cal, tz), tz)}
    view.update((k, v) for k, v in ticket.items() if k not in view)
    return view


# The order of keys of docs/contract.md; the rest follow.
VIEW_ORDER = (
    "id", "status", "category", "channel", "sla_level", "priority", "client", "subject",
    "description", "assignee", "created_at", "received_at", "sla", "waiting", "resolution",
    "third_parties", "history",
)


def next_due(view: dict[str, Any]) -> str | None:
    """The nearest unmet deadline of a viewed ticket (for sorting lists)."""
    dues = [c["due_at"] for c in (view["sla"]["first_response"], view["sla"]["resolution"])
            if c["due_at"] and c["met_at"] is None]
    return min(dues) if dues else None


def timeline(ticket: dict[str, Any], cal, now: datetime, tz) -> list[dict[str, Any]]:
    """`edoc sla`: intervals that add up to the resolution clock's elapsed minutes."""
    rows: list[dict[str, Any]] = []
    for seg in segments(ticket, now, tz):
        if seg.state != "running":
            rows.append({"start": to_iso(seg.start, tz), "end": to_iso(seg.end, tz),
                         "kind": seg.state, "reason": seg.reason, "seconds": 0})
            continue
        for piece in cal.intervals(seg.start, seg.end):
            kind = "counted" if piece.kind == "working" else piece.kind
            rows.append({"start": to_iso(piece.start, tz), "end": to_iso(piece.end, tz),
                         "kind": kind, "reason": piece.name, "seconds": piece.seconds})
    return rows


def explain(ticket: dict[str, Any], cal, now: datetime, tz) -> dict[str, Any]:
    """Everything `edoc sla` shows: clocks, targets with their rule, and the timeline."""
    clock = clocks(ticket, cal, now, tz)
    rows = timeline(ticket, cal, now, tz)
    counted = sum(r["seconds"] for r in rows)
    return {
        "id": ticket["id"],
        "status": ticket["status"],
        "sla_level": ticket["sla_level"],
        "category": ticket["category"],
        "priority": ticket.get("priority"),
        "rule": clock["rule"],
        "received_at": ticket["received_at"],
        "at": to_iso(now, tz),
        "first_response": clock["first_response"],
        "resolution": clock["resolution"],
        "paused": clock["paused"],
        "intervals": [{**r, "minutes": r["seconds"] / 60} for r in rows],
        "counted_minutes": counted // 60,
    }
