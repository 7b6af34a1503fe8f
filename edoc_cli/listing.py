"""Choosing and ordering tickets for `edoc list`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edoc_cli.ticket import PRIORITIES
from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.ticket import ACTIVE, STATUSES
from edoc_cli.sla import next_due
from edoc_cli.tz import parse_typed_instant

# ASCII digits only ([0-9], not \d, which takes Arabic-Indic and other digits too), a few of them.
_DURATION_RE = re.compile(r"^(?:([0-9]{1,9})d)?(?:([0-9]{1,9})h)?(?:([0-9]{1,9})m)?$")
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """'90m', '2h', '1d', '1h30m' (a bare number is minutes), up to ten years."""
    raw = text.strip().lower()
    m = _DURATION_RE.match(raw) or re.match(r"^()()([0-9]{1,9})$", raw)
    if not raw or not m or not any(m.groups()):
        raise UsageError(_("--due-within {value} is not a duration like 30m, 2h, 1d or 1h30m").format(
            value=repr(text)[:60]))
    d, h, mins = (int(g) if g else 0 for g in m.groups())
    total = timedelta(days=d) + timedelta(hours=h) + timedelta(minutes=mins)
    if total > MAX_DURATION:
        raise UsageError(_("--due-within {value} is too long").format(value=repr(text)[:60]))
    return total


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
    def parse(cls, env, *, status=None, all_=False, category=None, level=None, assignee=None,
              priority=None, breached=False, due_within=None, since=None, until=None) -> "ListFilter":
        config = env.config
        if status:
            statuses = tuple(s.strip() for s in status.split(",") if s.strip())
            bad = [s for s in statuses if s not in STATUSES]
            if bad or not statuses:
                raise UsageError(_("--status must be among {statuses}, not {value}").format(
                    statuses=", ".join(STATUSES), value=repr(status)))
        else:
            statuses = STATUSES if all_ else ACTIVE
        _one_of("--category", category, config.categories)
        _one_of("--level", level, config.levels)
        _one_of("--priority", priority, PRIORITIES)
        now = env.now()
        return cls(
            statuses=statuses, category=category, level=level, assignee=assignee,
            priority=priority, breached=breached,
            due_by=now + parse_duration(due_within) if due_within else None,
            since=_when("--since", since, env.tz), until=_when("--until", until, env.tz),
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


def _one_of(flag: str, value: str | None, allowed) -> None:
    if value is not None and value not in allowed:
        raise UsageError(_("{flag} must be one of {choices}, not {value}").format(
            flag=flag, choices=", ".join(allowed), value=repr(value)))


def _when(flag: str, value: str | None, tz) -> datetime | None:
    return None if value is None else parse_typed_instant(value, tz, flag)


def _registered(ticket: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(ticket["created_at"])


def select(env, wanted: ListFilter) -> list[dict[str, Any]]:
    """The matching tickets as views, nearest unmet deadline first."""
    views = []
    snap = env.store.snapshot()
    # Everyday lists see only open work: the archive is read only when closed tickets are asked for.
    tickets = snap.active_tickets() if set(wanted.statuses) <= set(ACTIVE) else snap.iter_all_tickets()
    for ticket in tickets:
        if ticket["status"] not in wanted.statuses:
            continue  # cheap test before the SLA replay
        if wanted.since and _registered(ticket) < wanted.since:
            continue
        if wanted.until and _registered(ticket) >= wanted.until:
            continue
        view = env.view(ticket)
        if wanted.accepts(view):
            views.append(view)
    far = "9999"
    views.sort(key=lambda v: (next_due(v) is None, _utc(next_due(v)) if next_due(v) else far, v["id"]))
    return views


def _utc(iso: str) -> str:
    from datetime import timezone

    return datetime.fromisoformat(iso).astimezone(timezone.utc).isoformat()
