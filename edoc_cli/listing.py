"""Choosing and ordering tickets for `edoc list` and `edoc search`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from edoc_cli.ticket import PRIORITIES
from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.ticket import ACTIVE, STATUSES
from edoc_cli.sla import next_due
from edoc_cli.config import Config
from edoc_cli.rules.checklist import one_of
from edoc_cli.store.base import ORDERS, ListAgain, instant_order, number_order, order_key

if TYPE_CHECKING:  # a search's and typed times' modules load only for the flags that need them
    from edoc_cli.search import Needle

# --sort: each field in the order a person wants it first (README: "Everyday use"); --reverse turns it.
SORTS = ("due", "created", "updated", "priority", "id")
MAX_LIMIT = 1_000_000  # more than five busy years of tickets; a bigger --limit is a typo


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
    client: Needle | None = None
    text: Needle | None = None
    sort: str = "due"
    reverse: bool = False
    limit: int | None = None

    @classmethod
    def parse(cls, config: Config, now: datetime, tz, calendar, operator: str | None = None, *, status=None,
              all_=False, category=None, level=None, assignee=None, priority=None, breached=False,
              due_within=None, since=None, until=None, mine=False, client=None, text=None, sort="due",
              reverse=False, limit=None) -> "ListFilter":
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
        for name, value, allowed in (("category", category, config.categories), ("level", level, config.levels),
                                     ("priority", priority, PRIORITIES), ("sort", sort, SORTS)):
            if value is not None:
                one_of(name, value, allowed)
        if mine:
            if assignee is not None:
                raise UsageError(_("{mine} and {assignee} cannot be given together"),
                                 fields={"mine": "mine", "assignee": "assignee_filter"})
            assignee = operator
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise UsageError(_("{flag} must be a whole number from 1 to {most}, not {value}"),
                             fields={"flag": "limit"}, most=MAX_LIMIT, value=limit)
        return cls(
            statuses=statuses, category=category, level=level, assignee=assignee,
            priority=priority, breached=breached,
            due_by=_due_by(due_within, now, calendar),
            since=_when("since", since, tz, now), until=_when("until", until, tz, now, day_end=True),
            client=_needle(client, "client"), text=_needle(text, "text"),
            sort=sort, reverse=reverse, limit=limit,
        )

    @property
    def needs_clocks(self) -> bool:
        """Whether choosing or ordering asks for the SLA figures of every candidate (not only those shown)."""
        return self.breached or self.due_by is not None or self.sort in ("due", "priority")

    @property
    def in_store_order(self) -> bool:
        """Whether the list is the store's own order cut at --limit: only those shown are read in full
        and viewed (a search of five years), and how many more there are is not counted."""
        return self.limit is not None and not self.needs_clocks and self.sort in ORDERS

    def accepts(self, ticket: dict[str, Any]) -> bool:
        """Whether the ticket's stored fields are those asked for (a store may have picked them by index)."""
        if ticket["status"] not in self.statuses:
            return False
        if self.category and ticket["category"] != self.category:
            return False
        if self.level and ticket["sla_level"] != self.level:
            return False
        if self.assignee is not None:
            if (ticket.get("assignee") or "-") != self.assignee:
                return False
        if self.priority and ticket.get("priority") != self.priority:
            return False
        return True

    def accepts_clocks(self, view: dict[str, Any]) -> bool:
        """Whether a viewed ticket's SLA figures are those asked for (--breached, --due-within)."""
        sla = view["sla"]
        if self.breached and not (sla["first_response"]["breached"] or sla["resolution"]["breached"]):
            return False
        if self.due_by is not None:
            due = next_due(view)
            if due is None or datetime.fromisoformat(due) > self.due_by:
                return False
        return True


def _when(flag: str, value: str | None, tz, now: datetime, day_end: bool = False) -> datetime | None:
    if value is None:
        return None
    from edoc_cli.typed_time import parse_typed_instant  # (these three load their modules only when asked)

    return parse_typed_instant(value, tz, flag, now, day_end)


def _due_by(due_within: str | None, now: datetime, calendar) -> datetime | None:
    if not due_within:
        return None
    from edoc_cli.typed_time import parse_duration

    return parse_duration(due_within, "due_within").after(now, calendar)


def _needle(value: str | None, flag: str) -> Needle | None:
    if value is None:
        return None
    from edoc_cli.search import Needle

    return Needle.parse(value, flag)


@dataclass
class Found:
    """What a list or a search found: the tickets shown (views), and how many matched in all (None: more
    than were shown, not counted). `parts`: when the views are list views (listing_cache.py), each
    one's JSON before and after `sla`."""

    views: list[dict[str, Any]]
    total: int | None
    parts: list[tuple[bytes, bytes]] | None = None


def select(desk, wanted: ListFilter, rows: bool = False) -> Found:
    """The matching tickets as views (desk.view), in `wanted`'s order, at most `wanted.limit` of them.
    `rows`: list views are enough (a table, a pipe's JSON): from listing_cache.py when it answers."""
    try:
        return _select(desk, wanted, rows)
    except ListAgain:  # the store set aside what misled it: a second reading reads without it
        return _select(desk, wanted, rows)


def _select(desk, wanted: ListFilter, rows: bool = False) -> Found:
    key, newest_first = sort_key(wanted.sort)
    descending = newest_first != wanted.reverse
    if rows:
        found = _from_rows(desk, wanted, key, descending)
        if found is not None:
            return found
    snapshot = desk.store.snapshot()
    ordered = wanted.in_store_order  # the store gives them in that order
    tickets = snapshot.listed(wanted.statuses, category=wanted.category, level=wanted.level,
                                           assignee=wanted.assignee, priority=wanted.priority,
                                           since=wanted.since, until=wanted.until, client=wanted.client,
                                           text=wanted.text, order=(wanted.sort, descending) if ordered else None)
    # Of these statuses, registered in [since, until), of this client or text: the store picked them.
    if ordered:
        shown, more = [], False
        for ticket in tickets:
            if wanted.accepts(ticket):
                if len(shown) == wanted.limit:
                    more = True
                    break
                shown.append(ticket)
        getattr(tickets, "close", lambda: None)()  # the rest unread (a database cursor let go)
        return Found([desk.view(t) for t in shown], None if more else len(shown))
    chosen = [t for t in tickets if wanted.accepts(t)]
    if wanted.needs_clocks:
        chosen = [v for v in map(desk.view, chosen) if wanted.accepts_clocks(v)]
    chosen.sort(key=key, reverse=descending)
    shown = chosen[:wanted.limit] if wanted.limit else chosen
    return Found(shown if wanted.needs_clocks else [desk.view(t) for t in shown], len(chosen))


def _from_rows(desk, wanted: ListFilter, key, descending: bool) -> Found | None:
    """The list from the rows kept between lists (None: they cannot answer it)."""
    if not hasattr(desk.store, "sealed_lines"):  # the JSON store's (a database's list never loads the module)
        return None
    from edoc_cli import listing_cache

    if not listing_cache.answers(wanted):
        return None
    try:
        found = listing_cache.rows(desk)
        if found is None:
            return None
        chosen = [(v, p) for v, p in found if wanted.accepts(v) and wanted.accepts_clocks(v)]
        chosen.sort(key=lambda pair: key(pair[0]), reverse=descending)
    except listing_cache.UNSOUND:  # rows not as this code keeps them: made again by the way of every command
        listing_cache.set_aside(desk)
        return None
    shown = chosen[:wanted.limit] if wanted.limit else chosen
    total = None if wanted.in_store_order and len(chosen) > wanted.limit else len(chosen)  # as _select says it
    return Found([v for v, _ in shown], total, [p for _, p in shown])


def sort_key(name: str) -> tuple[Callable[[dict[str, Any]], tuple], bool]:
    """The key that puts tickets (views for "due" and "priority") in --sort `name`'s order, and whether
    that order is the key's descending one (newest first)."""
    if name == "due":  # the nearest unmet deadline first; none last
        return _due_order, False
    if name == "priority":  # the most urgent first, then the nearest deadline; undiagnosed last
        due = sort_key("due")[0]
        return (lambda v: (PRIORITIES.index(v["priority"]) if v.get("priority") in PRIORITIES
                           else len(PRIORITIES), *due(v))), False
    if name in ORDERS:  # created: the newest first; id: registration order
        return order_key(name), name == "created"
    return (lambda t: (instant_order(t["history"][-1]["at"]), number_order(t["id"]))), True  # updated: last event


def _due_order(view: dict[str, Any]) -> tuple:
    due = next_due(view)
    return due is None, instant_order(due) if due else 0.0, number_order(view["id"])
