"""Choosing and ordering tickets for `edoc list`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edoc_cli.ticket import PRIORITIES
from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.ticket import ACTIVE, STATUSES
from edoc_cli.sla import next_due
from edoc_cli.config import Config
from edoc_cli.rules.checklist import one_of
from edoc_cli.typed_time import parse_duration, parse_typed_instant

@dataclass
class ListFilter:
    statuses: tuple[str, ...]
    category: str | None = None
    level: str | None = None
    assignee: str | None = None
    priority: str | None = None
    breached: bool = False
    due_by: datetime | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, config: Config, now: datetime, tz, calendar, *, status=None, all_=False, category=None, level=None,
              assignee=None, priority=None, breached=False, due_within=None, since=None,
              until=None) -> "ListFilter":
        """A filter from what a person typed; usage errors name the fields. A day alone as --until
        includes that whole day; --due-within in working hours (2wh) counts on `calendar`."""
        if status:
            statuses = tuple(s.strip() for s in status.split(",") if s.strip())
            bad = [s for s in statuses if s not in STATUSES]
            if bad or not statuses:
                raise UsageError(_("{flag} must be among {statuses}, not {value}"), fields={"flag": "status"},
                                 statuses=", ".join(STATUSES), value=repr(status))
        else:
            statuses = STATUSES if all_ else ACTIVE
        for field, value, allowed in (("category", category, config.categories), ("level", level, config.levels),
                                      ("priority", priority, PRIORITIES)):
            if value is not None:
                one_of(field, value, allowed)
        return cls(
            statuses=statuses, category=category, level=level, assignee=assignee,
            priority=priority, breached=breached,
            due_by=parse_duration(due_within, "due_within").after(now, calendar) if due_within else None,
            since=_when("since", since, tz, now), until=_when("until", until, tz, now, day_end=True),
        )

    def accepts(self, view: dict[str, Any]) -> bool:
        if view["status"] not in self.statuses:
            return False
        if self.category and view["category"] != self.category:
            return False
        if self.level and view["sla_level"] != self.level:
            return False
        if self.assignee is not None:
            if (view.get("assignee") or "-") != self.assignee:
                return False
        if self.priority and view.get("priority") != self.priority:
            return False
        sla = view["sla"]
        if self.breached and not (sla["first_response"]["breached"] or sla["resolution"]["breached"]):
            return False
        if self.due_by is not None:
            due = next_due(view)
            if due is None or datetime.fromisoformat(due) > self.due_by:
                return False
        return True


def _when(flag: str, value: str | None, tz, now: datetime, day_end: bool = False) -> datetime | None:
    return None if value is None else parse_typed_instant(value, tz, flag, now, day_end)


def select(desk, wanted: ListFilter) -> list[dict[str, Any]]:
    """The matching tickets as views (desk.view), nearest unmet deadline first."""
    views = []
    tickets = desk.store.snapshot().listed(wanted.statuses, category=wanted.category, level=wanted.level,
                                           assignee=wanted.assignee, priority=wanted.priority,
                                           since=wanted.since, until=wanted.until)
    for ticket in tickets:  # of these statuses, registered in [since, until): the store picked them
        view = desk.view(ticket)
        if wanted.accepts(view):
            views.append(view)
    far = "9999"
    views.sort(key=lambda v: (next_due(v) is None, _utc(next_due(v)) if next_due(v) else far, v["id"]))
    return views


def _utc(iso: str) -> str:
    from datetime import timezone

    return datetime.fromisoformat(iso).astimezone(timezone.utc).isoformat()
