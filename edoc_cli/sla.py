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
from edoc_cli.epoch_us import instant, stamp
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


class Walk(NamedTuple):
    """A ticket's life up to an instant: what `_walk` finds."""

    segments: list[Segment]
    state: str                    # the clock's state at the instant itself
    since: datetime               # since when it is in that state (the last segment's start)
    first_met: datetime | None    # when the first response was met by then (None: not yet)
    closed_at: datetime | None    # when the resolution was


def segments(ticket: dict[str, Any], until: datetime, tz) -> list[Segment]:
    """The ticket's life from `received_at` to `until`, cut where the clock changes."""
    return _walk(ticket, until, tz).segments


def _walk(ticket: dict[str, Any], until: datetime, tz) -> Walk:
    """The segments up to `until`, the clock's state at `until` itself and since when, and when
    the first response and the resolution were met by then (None: not yet).

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
    return Walk(out, state, start, first_met, closed_at)


def _effective(event: dict[str, Any], at: datetime, start: datetime, tz) -> datetime:
    """When an event changes the clock: when it was recorded, save a client's answer by e-mail, which
    counts from when it reached the mail server (`arrived_at`), if that is later than the clock's
    last change (fetched late, the answer still ended the wait when it came)."""
    if event["type"] == "client_replied" and event.get("arrived_at"):
        return max(start, min(at, parse_instant(event["arrived_at"], tz)))
    return at


def _run(cal, segs: list[Segment], end: datetime, target: int | None, measure,
         find_due: bool, elapsed: int = 0, due: datetime | None = None) -> tuple[int, datetime | None]:
    """Working seconds the clock ran before `end`, and (if `find_due`) the instant it reached `target`.

    The instant is None when the clock has not run `target` seconds by `end`, or
    when `find_due` is false. `measure` is the calendar's meter(), shared by
    both clocks as they run over the same segments. `elapsed` and `due`: where a
    fold over the segments before these stopped (a fold goes on where it stopped).
    """
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
    return _clock_object(cal, tz, target_minutes, met_at, end, elapsed, due)


def _clock_object(cal, tz, target_minutes, met_at: datetime | None, end: datetime, elapsed: int,
                  due: datetime | None) -> dict[str, Any]:
    """A clock of the `sla` object from its fold over the segments up to `end` (elapsed, due)."""
    target = None if target_minutes is None else target_minutes * 60
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
    segs, state_now, _since, first_met, closed_at = _walk(ticket, now, tz)
    tgt = targets(ticket)
    measure = cal.meter()
    return _with_risks({
        "first_response": _clock(ticket, cal, now, tz, tgt["first_response"], first_met, segs, measure),
        "resolution": _clock(ticket, cal, now, tz, tgt["resolution"], closed_at, segs, measure),
        # From the history as of `now` (not the stored status), so past instants read right.
        "paused": state_now == "paused",
        "rule": tgt["rule"],
    }, _warn_at(ticket, warn_at))


def _warn_at(ticket: dict[str, Any], warn_at: float | None) -> float:
    return warn_at if warn_at is not None else ticket["sla_rules"].get("warn_at", DEFAULT_WARN_AT)


def _with_risks(out: dict[str, Any], warn: float) -> dict[str, Any]:
    """The `sla` object with each clock's `at_risk`."""
    for name in ("first_response", "resolution"):
        clock = out[name]
        clock["at_risk"] = bool(
            clock["target_minutes"] and clock["met_at"] is None and not clock["breached"]
            and clock["elapsed_minutes"] >= warn * clock["target_minutes"]
        )
    return out


# What `held` keeps, by place: a list, as a list's cache keeps two thousand of them (listing_cache.py).
HELD = ("from", "since", "state", "rule", "warn", "first_response", "resolution")
_CLOCK_KEYS = ("target_minutes", "due_at", "met_at", "elapsed_minutes", "breached")  # a clock's, before at_risk


def held(ticket: dict[str, Any], cal, tz) -> list[Any]:
    """What `clocks` works out that does not change as time goes on, kept for a list's next run (HELD:
    instants in microseconds since the epoch, epoch_us.py): for any now at or after `from`, the
    ticket's last event, `resumed` gives exactly what `clocks` does.

    After its last event a ticket's clock stays in one state: the segments before that state's
    start (`since`) are fixed, and so is a met clock (it ended at an event). `clocks` folds the
    fixed segments first and the last segment, which grows with now, after them; `resumed` folds
    that last segment on from where this fold over the fixed ones stopped. A clock is kept as its
    fold so far (target minutes, elapsed seconds, due), or, met, as its values (_CLOCK_KEYS).
    """
    received = parse_instant(ticket["received_at"], tz)
    horizon = max([received, *(parse_instant(event["at"], tz) for event in ticket["history"])])
    walk = _walk(ticket, horizon, tz)
    tgt = targets(ticket)
    measure = cal.meter()
    fixed = [seg for seg in walk.segments if seg.start < walk.since]
    kept: list[Any] = [stamp(horizon, "from"), stamp(walk.since, "since"), walk.state, tgt["rule"],
                       _warn_at(ticket, None)]
    for name, met_at in (("first_response", walk.first_met), ("resolution", walk.closed_at)):
        if met_at is not None:  # ended at an event: the whole clock
            clock = _clock(ticket, cal, horizon, tz, tgt[name], met_at, walk.segments, measure)
            kept.append([clock[key] for key in _CLOCK_KEYS])
            continue
        target = None if tgt[name] is None else tgt[name] * 60
        elapsed, due = _run(cal, fixed, horizon, target, measure, find_due=True)
        kept.append([tgt[name], elapsed, None if due is None else stamp(due, "due")])
    return kept


def resumed(kept: list[Any], cal, now: datetime, tz, measure=None) -> dict[str, Any]:
    """The `sla` object as of `now` (not before kept "from") from what `held` kept: the same as
    `clocks` of the ticket. `measure`: a meter of the calendar shared by many (now measured once)."""
    _from, since_us, state, rule, warn, *kept_clocks = kept
    since = instant(since_us, tz)
    last = [Segment(since, now, state, None)] if now > since else []
    measure = measure or cal.meter()
    out: dict[str, Any] = {}
    for name, clock in zip(TARGETS, kept_clocks):
        if len(clock) == len(_CLOCK_KEYS):
            out[name] = dict(zip(_CLOCK_KEYS, clock))
            continue
        target_minutes, elapsed, due = clock
        target = None if target_minutes is None else target_minutes * 60
        elapsed, due = _run(cal, last, now, target, measure, True, elapsed, None if due is None else instant(due, tz))
        out[name] = _clock_object(cal, tz, target_minutes, None, now, elapsed, due)
    out["paused"] = state == "paused"
    out["rule"] = rule
    return _with_risks(out, warn)


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
    segs, _state, _since, first_met, closed_at = _walk(ticket, now, tz)
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
    before, after = view_parts(ticket, cal, tz)
    return {**before, "sla": clocks(ticket, cal, now, tz), **after}


def view_parts(ticket: dict[str, Any], cal, tz) -> tuple[dict[str, Any], dict[str, Any]]:
    """A view's keys before `sla` and after it: what does not change as time goes on."""
    before = {key: ticket.get(key) for key in _BEFORE_SLA}
    after = {key: ticket.get(key) for key in _AFTER_SLA}
    if ticket.get("waiting"):
        after["waiting"] = {"since": ticket["waiting"]["since"],
                            "auto_close_at": to_iso(auto_close_at(ticket, cal, tz), tz)}
    after.update((k, v) for k, v in ticket.items() if k not in before and k not in after and k != "sla")
    return before, after


# The order of keys of docs/contract.md; the rest follow.
VIEW_ORDER = (
    "id", "status", "category", "channel", "sla_level", "priority", "client", "subject",
    "description", "assignee", "created_at", "received_at", "sla", "waiting", "resolution",
    "third_parties", "history",
)
_BEFORE_SLA, _AFTER_SLA = VIEW_ORDER[:VIEW_ORDER.index("sla")], VIEW_ORDER[VIEW_ORDER.index("sla") + 1:]


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
