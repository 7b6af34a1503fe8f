"""SLA compliance report (`edoc report`, docs/contract.md), computed from the tickets' histories.

Every figure is as of T = min(until, now): a ticket counts as closed if its
history closes it by T, and its clocks are replayed up to T, so a report of
a past month reads the same tomorrow as today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any, Iterable

from edoc_cli.errors import StoreCorrupt, UsageError
from edoc_cli.i18n import _
from edoc_cli.lifecycle import replay
from edoc_cli.progress import SILENT, Progress
from edoc_cli.ticket import STATUSES
from edoc_cli.rules.checklist import one_of
from edoc_cli.rules.termination import complaint_entry, for_supervisor, terminated_entry
from edoc_cli.sla import clock_figures
from edoc_cli.tz import parse_instant, to_iso
from edoc_cli.typed_time import parse_typed_instant

GROUPS = ("category", "level", "channel", "assignee", "priority")
DEFAULT_DAYS = 30


@dataclass
class Period:
    since: datetime
    until: datetime

    @classmethod
    def parse(cls, since: str | None, until: str | None, now: datetime, tz) -> "Period":
        # A day alone as --until includes that whole day, as in `edoc list`.
        end = parse_typed_instant(until, tz, "until", now, day_end=True) if until else now
        start = parse_typed_instant(since, tz, "since", now) if since else end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise UsageError(_("{since} must be earlier than {until}"), fields={"since": "since", "until": "until"})
        return cls(start, end)


def _as_of(ticket: dict[str, Any], at: datetime, tz) -> dict[str, Any]:
    """The ticket as its history stood at `at`."""
    history = [e for e in ticket["history"] if parse_instant(e["at"], tz) <= at]
    past = {**ticket, "history": history}
    past.update(replay(past))
    return past


def summarize(ticket: dict[str, Any], cal, at: datetime, tz) -> dict[str, Any]:
    """What the report needs of one ticket, as its history stood at `at`.

    Kept beside every archived ticket (computed at its closing, when its clocks stop), so a
    report over a year reads these instead of replaying every history.
    """
    # Replaying the history up to `at` is needed only when `at` falls inside it.
    t = ticket if parse_instant(ticket["history"][-1]["at"], tz) <= at else _as_of(ticket, at, tz)
    clocks = clock_figures(t, cal, at, tz)
    fr, res = clocks["first_response"], clocks["resolution"]
    resolution = t.get("resolution") or {}
    faq = resolution.get("code") == "faq" or any(
        e["type"] in ("replied", "closed") and e.get("faq_link") for e in t["history"])
    closed = t["status"] == "closed"
    row = {
        "id": t["id"], "created_at": t["created_at"],
        "status": t["status"], "closed_at": resolution.get("closed_at"),
        "category": t["category"], "level": t["sla_level"], "channel": t["channel"],
        "assignee": t.get("assignee"), "priority": t.get("priority"), "code": resolution.get("code"),
        "terminated": t.get("terminated"), "faq": faq, "escalated": bool(t.get("third_parties")),
        # [target minutes, met?, elapsed minutes, breached?] of each clock
        "fr": [fr.target_minutes, fr.met, fr.elapsed_minutes, fr.breached],
        "res": [res.target_minutes, res.met, res.elapsed_minutes, res.breached],
        "backlog_minutes": None if closed else cal.working_minutes_between(parse_instant(t["received_at"], tz), at),
    }
    if for_supervisor(t):
        # Only the supervisor's lists show these: kept where needed, so a year's files stay small.
        row.update(client=t["client"]["name"], subject=t["subject"], received_at=t["received_at"])
    return row


def _stats(met: int, breached: int, minutes: list[int]) -> dict[str, Any]:
    return {
        "met": met,
        "breached": breached,
        "pct_met": round(met / (met + breached) * 100, 1) if met + breached else None,
        "median_minutes": _median(minutes),
    }


def _median(values: list[int]) -> float | int | None:
    if not values:
        return None
    m = median(values)
    return int(m) if float(m).is_integer() else m


class _Bucket:
    def __init__(self) -> None:
        self.opened = self.closed = self.auto_closed = self.terminated = self.faq = self.escalated = 0
        self.backlog_ages: list[int] = []
        self.fr = [0, 0, []]   # met, breached, minutes to first response
        self.res = [0, 0, []]  # met, breached, minutes to resolution

    def add(self, s: dict[str, Any]) -> None:
        self.opened += 1
        if s["status"] == "closed":
            self.closed += 1
            self.auto_closed += s["code"] == "no_response"
        else:
            self.backlog_ages.append(s["backlog_minutes"])
        # Terminated for abuse (clause 16), even if it was reopened since: the same tickets as the list.
        self.terminated += bool(s["terminated"])
        self.faq += s["faq"]
        self.escalated += s["escalated"]
        for (target, met, elapsed, breached), acc in ((s["fr"], self.fr), (s["res"], self.res)):
            if breached:
                acc[1] += 1
            elif met and target is not None:
                acc[0] += 1
            if met:
                acc[2].append(elapsed)

    def merge(self, other: "_Bucket") -> None:
        """Add another bucket's counts (the total is the groups merged: each row is added once)."""
        for name in ("opened", "closed", "auto_closed", "terminated", "faq", "escalated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.backlog_ages += other.backlog_ages
        for mine, theirs in ((self.fr, other.fr), (self.res, other.res)):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
            mine[2] += theirs[2]

    def as_dict(self) -> dict[str, Any]:
        ages = self.backlog_ages
        return {
            "opened": self.opened, "closed": self.closed, "backlog": self.opened - self.closed,
            "auto_closed": self.auto_closed, "terminated": self.terminated, "faq": self.faq,
            "escalated": self.escalated,
            "first_response": _stats(*self.fr), "resolution": _stats(*self.res),
            "backlog_age": {"median_minutes": _median(ages), "max_minutes": max(ages) if ages else None},
        }


def _months(period: Period, tz) -> list[str]:
    """"YYYY-MM" of every month the period touches (local time)."""
    first = period.since.astimezone(tz).date().replace(day=1)
    last = (period.until - timedelta(microseconds=1)).astimezone(tz).date()
    months = []
    while first <= last:
        months.append(first.strftime("%Y-%m"))
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def period_summaries(snap, cal, now: datetime, tz, period: Period,
                     progress: Progress = SILENT) -> Iterable[dict[str, Any]]:
    """The summary of every ticket registered in the period, as of min(until, now).

    Open tickets (and a schema 1 store's closed ones) are replayed; archived tickets use the
    summary stored at their closing, unless they were closed after the report's instant
    (a report of the past), then they are read whole and replayed.
    """
    yield from _open_summaries(snap, cal, now, tz, period)
    yield from _archived_summaries(snap, cal, now, tz, period, _months(period, tz), progress)


def _in_period(period: Period, created_at: str) -> bool:
    # Stored instants always carry their offset, and aware datetimes compare as instants:
    # fromisoformat alone is enough here (no zone conversion for 40,000 rows a year).
    return period.since <= datetime.fromisoformat(created_at) < period.until


def _open_summaries(snap, cal, now: datetime, tz, period: Period) -> Iterable[dict[str, Any]]:
    at = min(period.until, now)
    for ticket in snap.pending_tickets():
        if _in_period(period, ticket["created_at"]):
            yield summarize(ticket, cal, at, tz)


PROGRESS_EVERY = 1000  # summaries between two reports (of the month reached) to a Progress


def _archived_summaries(snap, cal, now: datetime, tz, period: Period, months: list[str],
                        progress: Progress = SILENT) -> Iterable[dict[str, Any]]:
    at = min(period.until, now)
    month_number = {month: n for n, month in enumerate(months)}
    for n, row in enumerate(snap.summaries(months)):
        why = summary_problem(row)
        if why:  # a report that counts wrong is worse than none: stop, say how to mend it
            raise StoreCorrupt(_("the report summary {id} is damaged ({problem}); it was left as it is: "
                                 "'edoc check --repair' makes it again from the ticket").format(
                id=str(row.get("id") if isinstance(row, dict) else "?")[:40], problem=why))
        if not n % PROGRESS_EVERY:  # summaries come month by month; a registration time is local
            progress.update(month_number.get(row["created_at"][:7], 0))
        try:
            if not _in_period(period, row["created_at"]):
                continue
            closed = row["closed_at"] and datetime.fromisoformat(row["closed_at"]) <= at
        except (ValueError, TypeError):  # TypeError: an instant without an offset
            raise StoreCorrupt(_("the report summary {id} is damaged ({problem}); it was left as it is: "
                                 "'edoc check --repair' makes it again from the ticket").format(
                id=row["id"][:40], problem=_("a time in it is not an instant"))) from None
        if closed:
            yield row
        else:
            ticket = snap.get(row["id"])
            if ticket is not None:
                yield summarize(ticket, cal, at, tz)


def _clock_ok(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 4 and (value[0] is None or type(value[0]) is int)
            and type(value[1]) is bool and type(value[2]) is int and type(value[3]) is bool)


def summary_problem(row: Any) -> str | None:
    """Why an archived ticket's summary cannot be counted (as `summarize` writes it), or None. Types
    only (it runs on every row of a year); a bad instant is refused where it is read."""
    if not isinstance(row, dict) or not isinstance(row.get("id"), str):
        return _("is not a summary")
    if row.get("status") not in STATUSES or not all(isinstance(row.get(k), str)
                                                     for k in ("created_at", "category", "level", "channel")):
        return _("its status, registration time, category, level or channel is missing")
    if not (_clock_ok(row.get("fr")) and _clock_ok(row.get("res"))):
        return _("its clocks are malformed")
    if not (row.get("closed_at") is None or isinstance(row.get("closed_at"), str)) \
            or not (row.get("backlog_minutes") is None or type(row.get("backlog_minutes")) is int) \
            or not all(type(row.get(k)) is bool for k in ("faq", "escalated")):
        return _("its closing, backlog or counts are malformed")
    stop = row.get("terminated")
    if stop is not None and not (isinstance(stop, dict) and all(isinstance(stop.get(k), str)
                                                                for k in ("at", "by", "message"))):
        return _("its termination is malformed")
    if for_supervisor(row) and not all(isinstance(row.get(k), str) for k in ("client", "subject", "received_at")):
        return _("the supervisor's fields are missing")
    return None


# A period of this many months or more is tallied by two processes on a machine with two cores.
PARALLEL_FROM_MONTHS = 4


def period_report(snap, cal, now: datetime, tz, period: Period, group_by: str = "category",
                  workers: int | None = None, progress: Progress = SILENT) -> dict[str, Any]:
    """`build_report` over `period_summaries`; with `workers` > 1 (default: the cores) and a long
    period, a forked child tallies the older half of the months while this process does the rest."""
    from edoc_cli.parallel import cores, in_child

    _check_group(group_by)
    months = _months(period, tz)
    workers = cores() if workers is None else workers
    split = len(months) // 2 if workers > 1 and len(months) >= PARALLEL_FROM_MONTHS else 0

    child_snapshot = snap.for_child() if split else None  # taken before the fork

    def older() -> _Tally:
        own = child_snapshot()
        try:
            return _Tally(group_by).add_all(_archived_summaries(own, cal, now, tz, period, months[:split]))
        finally:
            if own is not snap:
                own.close()

    # The months this process tallies (a child, drawing nothing, tallies the older ones meanwhile).
    progress.begin(_("report: tallying months"), len(months) - split)
    if not split:
        tally = _Tally(group_by).add_all(period_summaries(snap, cal, now, tz, period, progress))
        progress.update(len(months))
        return tally.report(now, tz, period)
    with in_child(older) as child_result:
        tally = _Tally(group_by).add_all(_open_summaries(snap, cal, now, tz, period))
        tally.add_all(_archived_summaries(snap, cal, now, tz, period, months[split:], progress))
        progress.update(len(months) - split)
        tally.merge(child_result() or older())
    return tally.report(now, tz, period)


def _check_group(group_by: str) -> None:
    one_of("group_by", group_by, GROUPS)


def build_report(summaries: Iterable[dict[str, Any]], now: datetime, tz,
                 period: Period, group_by: str = "category") -> dict[str, Any]:
    """The report (docs/contract.md) over the summaries of the tickets registered in [since, until)."""
    _check_group(group_by)
    return _Tally(group_by).add_all(summaries).report(now, tz, period)


class _Tally:
    """The report's figures over summaries, by group; two tallies of parts merge into the whole."""

    def __init__(self, group_by: str) -> None:
        self.group_by = group_by
        self.groups: dict[Any, _Bucket] = {}
        self.terminated: list[dict[str, Any]] = []
        self.complaints: list[dict[str, Any]] = []

    def add_all(self, summaries: Iterable[dict[str, Any]]) -> "_Tally":
        field, groups = _GROUP_FIELD[self.group_by], self.groups
        for s in summaries:  # a stream: one month's summaries in memory at a time
            bucket = groups.get(s[field])
            if bucket is None:
                bucket = groups[s[field]] = _Bucket()
            bucket.add(s)
            for entries, entry in ((self.terminated, terminated_entry(s)), (self.complaints, complaint_entry(s))):
                if entry is not None:  # clause 16: the supervisor's lists
                    entries.append(entry)
        return self

    def merge(self, other: "_Tally") -> None:
        for key, bucket in other.groups.items():
            self.groups.setdefault(key, _Bucket()).merge(bucket)
        self.terminated += other.terminated
        self.complaints += other.complaints

    def report(self, now: datetime, tz, period: Period) -> dict[str, Any]:
        total = _Bucket()
        for bucket in self.groups.values():
            total.merge(bucket)
        ordered = sorted(self.groups.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
        return {
            "period": {"since": to_iso(period.since, tz), "until": to_iso(period.until, tz)},
            "as_of": to_iso(min(period.until, now), tz),
            "group_by": self.group_by,
            "total": total.as_dict(),
            "groups": [{"key": key, **bucket.as_dict()} for key, bucket in ordered],
            "terminated": sorted(self.terminated, key=lambda row: row["id"]),
            "complaints": sorted(self.complaints, key=lambda row: row["id"]),
        }


_GROUP_FIELD = {"category": "category", "level": "level", "channel": "channel",
                "assignee": "assignee", "priority": "priority"}


# -- flat rows for CSV and tables ------------------------------------------------

COLUMNS = (
    "key", "opened", "closed", "backlog", "auto_closed", "terminated", "faq", "escalated",
    "first_response_met", "first_response_breached", "first_response_pct_met", "first_response_median_minutes",
    "resolution_met", "resolution_breached", "resolution_pct_met", "resolution_median_minutes",
    "backlog_age_median_minutes", "backlog_age_max_minutes",
)


def flat_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for group in [*report["groups"], {"key": "TOTAL", **report["total"]}]:
        row = [group["key"]]
        row += [group[k] for k in ("opened", "closed", "backlog", "auto_closed", "terminated", "faq", "escalated")]
        for s in ("first_response", "resolution"):
            row += [group[s][k] for k in ("met", "breached", "pct_met", "median_minutes")]
        row += [group["backlog_age"]["median_minutes"], group["backlog_age"]["max_minutes"]]
        rows.append(row)
    return rows
