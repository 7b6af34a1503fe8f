"""The working calendar that SLA clocks run on (clause 5, docs/regulation.md).

Working time is 09:00-18:00 in the desk's zone (Asia/Almaty) on Monday to
Friday, minus Kazakhstan's public holidays and decreed day-off transfers as
the `holidays` package knows them, with the configuration's
`calendar.extra_days_off` / `calendar.extra_working_days` on top (those win
over everything).

What the `holidays` package says of Kazakhstan is read by `holiday_table`.

Arithmetic is done on integer microseconds since the Unix epoch, never by
subtracting datetimes in the zone (Python ignores the offset when both
operands share a tzinfo, which would be wrong across 2024-03-01 when
Asia/Almaty went from UTC+6 to UTC+5). Each year gets a table of the local
day starts and working periods plus a prefix sum of working time, so the
working time between two instants costs O(years spanned) and adding working
time is a bisect once the year is found.

Finding the local day of an instant is the costly step (a conversion to the
zone per call), so a year whose UTC offset never changes (Asia/Almaty: every
year but 2024) keeps that offset in its table and finds the day by integer
arithmetic; a year with an offset change goes through the zone.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import NamedTuple
from datetime import date, datetime, time, timedelta, tzinfo

from edoc_cli.epoch_us import (  # noqa: F401  (tests reach the two conversions here)
    EPOCH as _EPOCH, EPOCH_ORDINAL as _EPOCH_ORDINAL, US as _US, US_PER_DAY as _US_PER_DAY,
    US_PER_MINUTE as _US_PER_MINUTE, US_PER_SECOND as _US_PER_SECOND, instant as _instant, stamp as _stamp,
    to_us as _to_us,
)
from edoc_cli.holiday_table import package_year

__all__ = ["DayInfo", "Interval", "WorkCalendar", "DAY_KINDS", "INTERVAL_KINDS"]

DAY_KINDS = ("workday", "weekend", "holiday", "transfer_off", "transfer_work", "extra_off", "extra_work")
INTERVAL_KINDS = ("working", "off_hours", "weekend", "holiday")

EXTRA_OFF_NAME = "calendar.extra_days_off"
EXTRA_WORK_NAME = "calendar.extra_working_days"

# A calendar with no working time for this many years running cannot
# satisfy an addition; stop instead of walking to year 9999.
_MAX_EMPTY_YEARS = 8


class DayInfo(NamedTuple):  # immutable records: a NamedTuple costs the import a fifth of a frozen dataclass
    """What a calendar day is: working or not, and why."""

    day: date
    working: bool
    kind: str  # one of DAY_KINDS
    name: str | None  # holiday or transfer name, config key for extras


class Interval(NamedTuple):
    """A stretch of time of one kind; `seconds` counts the working time inside."""

    start: datetime
    end: datetime
    kind: str  # one of INTERVAL_KINDS
    name: str | None
    seconds: int


class _YearTable(NamedTuple):
    """Microsecond timestamps for every local day of one year."""

    first: date
    first_day: int  # days from 1970-01-01 to `first`
    midnights: list[int]  # day i starts at midnights[i]; one extra entry for next 1 January
    work_start: list[int]  # == work_end on a day without working time
    work_end: list[int]
    cum: list[int]  # working time in the year before day i; cum[-1] is the year's total
    # The zone's UTC offset (microseconds) when it is the same at every
    # midnight of the year and the next 1 January, else None. The same at
    # every midnight means the same all year: an offset that changed would
    # have to change back before the next midnight, and zone data never
    # changes twice in a day (tzdata's changes are a week apart or more).
    offset: int | None

    @property
    def total(self) -> int:
        return self.cum[-1]


class WorkCalendar:
    """Working time in one zone: working days, working hours, holidays, transfers."""

    def __init__(
        self,
        tz: tzinfo,
        workday_start: time = time(9),
        workday_end: time = time(18),
        workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4}),  # Monday = 0
        holidays: str | None = "KZ",  # None or "": no public holidays
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo, got {tz!r}")
        for label, value in (("workday_start", workday_start), ("workday_end", workday_end)):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{label} must be a local time without a zone, got {value!r}")
        if workday_end <= workday_start:
            raise ValueError(f"workday_end {workday_end} must be later than workday_start {workday_start}")
        workdays = frozenset(workdays)
        if not workdays <= set(range(7)):
            raise ValueError(f"workdays must be weekday numbers 0 (Monday) to 6 (Sunday), got {sorted(workdays)}")
        self.tz = tz
        self.workday_start = workday_start
        self.workday_end = workday_end
        self.workdays = workdays
        self.holidays = holidays or None
        self.extra_days_off = frozenset(_as_date(d, EXTRA_OFF_NAME) for d in extra_days_off)
        self.extra_working_days = frozenset(_as_date(d, EXTRA_WORK_NAME) for d in extra_working_days)
        if both := self.extra_days_off & self.extra_working_days:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"{days} listed in both {EXTRA_OFF_NAME} and {EXTRA_WORK_NAME}")
        # The holidays package is imported on the first day looked up, not
        # here, so building a calendar stays cheap for commands that never
        # consult it; an unknown country raises ValueError then.
        self._tables: dict[int, _YearTable] = {}
        # The tables with a fixed offset, ordered by their first midnight, for _position.
        self._fixed_starts: list[int] = []
        self._fixed_tables: list[_YearTable] = []
        # The last start _add_us placed, and its position: a list's deadlines all count from now.
        self._last_start: tuple[datetime, tuple[_YearTable, int]] | None = None

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(tz={getattr(self.tz, 'key', self.tz)!s}, {self.workday_start:%H:%M}-"
            f"{self.workday_end:%H:%M}, workdays={sorted(self.workdays)}, holidays={self.holidays!r})"
        )

    # -- days -----------------------------------------------------------------

    def day_info(self, d: date) -> DayInfo:
        """Whether `d` is a working day and why (extras, then the holidays package, then the week)."""
        if isinstance(d, datetime):
            raise TypeError("day_info takes a date; use .astimezone(cal.tz).date() for an instant")
        if d in self.extra_working_days:
            return DayInfo(d, True, "extra_work", EXTRA_WORK_NAME)
        if d in self.extra_days_off:
            return DayInfo(d, False, "extra_off", EXTRA_OFF_NAME)
        if self.holidays is not None:
            package = package_year(self.holidays, d.year)
            if (off := package.off.get(d)) is not None:
                return DayInfo(d, False, off[0], off[1])
            if (name := package.work.get(d)) is not None:
                return DayInfo(d, True, "transfer_work", name)
        if d.weekday() in self.workdays:
            return DayInfo(d, True, "workday", None)
        return DayInfo(d, False, "weekend", None)

    def is_working_day(self, d: date) -> bool:
        """True when `d` has working hours (day_info(d).working, without building it)."""
        if isinstance(d, datetime):
            raise TypeError("is_working_day takes a date; use .astimezone(cal.tz).date() for an instant")
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return False
        if self.holidays is not None:
            package = package_year(self.holidays, d.year)
            if d in package.off:
                return False
            if d in package.work:
                return True
        return d.weekday() in self.workdays

    def working_hours(self, d: date) -> tuple[datetime, datetime] | None:
        """The working period of day `d` as instants in the zone, or None on a day off."""
        if not self.is_working_day(d):
            return None
        table = self._table(d.year)
        i = (d - table.first).days
        return _instant(table.work_start[i], self.tz), _instant(table.work_end[i], self.tz)

    def month(self, year: int, month: int) -> list[DayInfo]:
        """Every day of the month, in order."""
        import calendar  # the calendar command's only (1.4 ms to load)

        days = calendar.monthrange(year, month)[1]
        return [self.day_info(date(year, month, day)) for day in range(1, days + 1)]

    def year_exceptions(self, year: int) -> list[DayInfo]:
        """Days of `year` that are not a plain workday or weekend: holidays, transfers, extras."""
        first = date(year, 1, 1)
        days = (first.replace(year=year + 1) - first).days if year < 9999 else 365
        infos = (self.day_info(first + timedelta(days=i)) for i in range(days))
        return [info for info in infos if info.kind not in ("workday", "weekend")]

    # -- working time -------------------------------------------------------------

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Whole working seconds in [a, b); 0 when b <= a."""
        return self._working_us_between(a, b) // _US_PER_SECOND

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes in [a, b); 0 when b <= a."""
        return self._working_us_between(a, b) // _US_PER_MINUTE

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant (in the calendar's zone) at which `seconds` of working time have elapsed.

        A deadline that fills a working period exactly is that period's end
        (18:00), not the next morning's start; 0 returns `start` itself.
        A negative amount counts back: the latest instant with that much
        working time before `start` (a period's start, 09:00, rather than
        the previous evening's 18:00).
        """
        return self._add_us(start, _to_us(seconds, _US_PER_SECOND, "seconds"))

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """As add_working_seconds, in minutes (fractions allowed: 0.5 h = 30 min)."""
        return self._add_us(start, _to_us(minutes, _US_PER_MINUTE, "minutes"))

    def meter(self) -> Callable[[datetime, datetime], int]:
        """working_seconds_between for measuring several spans that share their ends.

        Converting an instant into the calendar is most of a measurement's
        cost, and a meter does it once per instant (per datetime object, so
        two equal datetimes that are different instants, as in a repeated
        hour, stay apart). It keeps every instant it has seen: use one for
        one computation, such as a ticket's SLA clocks.
        """
        # id(instant) -> [instant, microseconds, position or None]; the entry
        # holds the instant, so no other object can take its id meanwhile.
        seen: dict[int, list] = {}

        def working_seconds_between(a: datetime, b: datetime) -> int:
            mark_a = seen.get(id(a))
            if mark_a is None:
                mark_a = seen[id(a)] = [a, _stamp(a, "a"), None]
            mark_b = seen.get(id(b))
            if mark_b is None:
                mark_b = seen[id(b)] = [b, _stamp(b, "b"), None]
            if mark_b[1] <= mark_a[1]:
                return 0
            # Positions only now, as working_seconds_between finds them only for b > a.
            if mark_a[2] is None:
                mark_a[2] = self._position(mark_a[1])
            if mark_b[2] is None:
                mark_b[2] = self._position(mark_b[1])
            return self._between(mark_a[2], mark_b[2]) // _US_PER_SECOND

        return working_seconds_between

    def intervals(self, a: datetime, b: datetime) -> list[Interval]:
        """Split [a, b) into consecutive working, off-hours, weekend and holiday stretches.

        Adjacent non-working stretches of the same kind and name are merged;
        the working ones' seconds add up to working_seconds_between(a, b).
        """
        a_us, b_us = _stamp(a, "a"), _stamp(b, "b")
        if b_us <= a_us:
            return []
        day = _instant(a_us, self.tz).date()
        last = _instant(b_us, self.tz).date()
        pieces: list[tuple[int, int, str, str | None]] = []
        while day <= last:
            table = self._table(day.year)
            i = (day - table.first).days
            info = self.day_info(day)
            midnight, next_midnight = table.midnights[i], table.midnights[i + 1]
            if info.working:
                ws, we = table.work_start[i], table.work_end[i]
                named = info.name if info.kind in ("transfer_work", "extra_work") else None
                pieces += [
                    (midnight, ws, "off_hours", None),
                    (ws, we, "working", named),
                    (we, next_midnight, "off_hours", None),
                ]
            elif info.kind == "weekend":
                pieces.append((midnight, next_midnight, "weekend", None))
            else:
                pieces.append((midnight, next_midnight, "holiday", info.name))
            day += timedelta(days=1)

        merged: list[list] = []
        for start, end, kind, name in pieces:
            start, end = max(start, a_us), min(end, b_us)
            if end <= start:
                continue
            prev = merged[-1] if merged else None
            if prev and kind != "working" and prev[2] == kind and prev[3] == name and prev[1] == start:
                prev[1] = end
            else:
                merged.append([start, end, kind, name])

        # Floor the running total, not each piece, so the pieces add up to
        # working_seconds_between even when a or b has microseconds.
        result, elapsed = [], 0
        for start, end, kind, name in merged:
            seconds = 0
            if kind == "working":
                seconds = (elapsed + end - start) // _US_PER_SECOND - elapsed // _US_PER_SECOND
                elapsed += end - start
            result.append(Interval(_instant(start, self.tz), _instant(end, self.tz), kind, name, seconds))
        return result

    # -- internals ---------------------------------------------------------------

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            table = self._tables[year] = self._build_table(year)
            if table.offset is not None:
                k = bisect.bisect(self._fixed_starts, table.midnights[0])
                self._fixed_starts.insert(k, table.midnights[0])
                self._fixed_tables.insert(k, table)
        return table

    def _build_table(self, year: int) -> _YearTable:
        if not 1 <= year <= 9998:
            raise OverflowError(f"year {year} is outside the range the working calendar covers")
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days
        tz = self.tz

        def local(d: date, t: time) -> int:
            return (datetime.combine(d, t, tzinfo=tz) - _EPOCH) // _US

        dates = [first + timedelta(days=i) for i in range(days + 1)]
        midnights = [local(d, time(0)) for d in dates]
        work_start, work_end, cum = [], [], [0]
        for i, d in enumerate(dates[:-1]):
            lo, hi = midnights[i], midnights[i + 1]
            if self.is_working_day(d):
                # Clamped so odd zones (midnight or 09:00 inside a DST gap)
                # keep the periods ordered and inside their day.
                ws = min(max(local(d, self.workday_start), lo), hi)
                we = min(max(local(d, self.workday_end), ws), hi)
            else:
                ws = we = lo
            work_start.append(ws)
            work_end.append(we)
            cum.append(cum[-1] + we - ws)
        first_day = first.toordinal() - _EPOCH_ORDINAL
        # A local midnight is (days since 1970) * 24 h minus the offset in force then.
        offsets = {(first_day + i) * _US_PER_DAY - midnight for i, midnight in enumerate(midnights)}
        offset = offsets.pop() if len(offsets) == 1 else None
        return _YearTable(first, first_day, midnights, work_start, work_end, cum, offset)

    def _position(self, us: int) -> tuple[_YearTable, int]:
        """(the table of the year holding the instant `us`, working time elapsed in that year before it)."""
        k = bisect.bisect_right(self._fixed_starts, us) - 1
        if k >= 0 and us < (table := self._fixed_tables[k]).midnights[-1]:
            # The offset is fixed all year, so this is the day the conversion below gives.
            i = (us + table.offset) // _US_PER_DAY - table.first_day
        else:
            # A year with an offset change, or one not built yet (built now, so
            # the next instant in it takes the branch above if its offset is fixed).
            day = _instant(us, self.tz).date()
            table = self._table(day.year)
            i = (day - table.first).days
        # cum[i] plus the part of day i's period before `us`, written out
        # rather than with min/max as this runs for every instant measured.
        ws = table.work_start[i]
        if us <= ws:
            return table, table.cum[i]
        we = table.work_end[i]
        return table, table.cum[i] + (us - ws if us < we else we - ws)

    def _between(self, a: tuple[_YearTable, int], b: tuple[_YearTable, int]) -> int:
        """Working time from position `a` to the later position `b` (as _position gives them)."""
        (table_a, in_a), (table_b, in_b) = a, b
        if table_a is table_b:  # one table per year
            return in_b - in_a
        year_a, year_b = table_a.first.year, table_b.first.year
        middle = sum(self._table(y).total for y in range(year_a + 1, year_b))
        return table_a.total - in_a + middle + in_b

    def _working_us_between(self, a: datetime, b: datetime) -> int:
        a_us, b_us = _stamp(a, "a"), _stamp(b, "b")
        if b_us <= a_us:
            return 0
        return self._between(self._position(a_us), self._position(b_us))

    def _add_us(self, start: datetime, amount: int) -> datetime:
        if amount == 0:
            _stamp(start, "start")  # (checks it is an aware datetime)
            return start.astimezone(self.tz)
        last = self._last_start
        if last is None or last[0] is not start:  # (held here, so no other object can take its id)
            last = self._last_start = (start, self._position(_stamp(start, "start")))
        table, target = last[1]
        year = table.first.year
        target += amount
        step = 1 if amount > 0 else -1
        empty_years = 0
        # Walk to the year holding the target: 0 < target <= total going
        # forward, 0 <= target < total going back.
        while target > table.total if step > 0 else target < 0:
            if step > 0:
                target -= table.total
            year += step
            table = self._table(year)
            if step < 0:
                target += table.total
            empty_years = empty_years + 1 if table.total == 0 else 0
            if empty_years >= _MAX_EMPTY_YEARS:
                raise ValueError(
                    f"the working calendar has no working time in {_MAX_EMPTY_YEARS} years running "
                    f"up to {year}: check calendar.workdays and calendar.extra_days_off"
                )
        if step > 0:
            # cum[i] < target <= cum[i + 1]: the deadline falls in day i's
            # period, at its very end when target == cum[i + 1].
            i = bisect.bisect_left(table.cum, target) - 1
        else:
            # cum[i] <= target < cum[i + 1]: at day i's start when target == cum[i].
            i = bisect.bisect_right(table.cum, target) - 1
        return _instant(table.work_start[i] + target - table.cum[i], self.tz)


def _as_date(value, key: str) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{key} takes dates, got the instant {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{key} has {value!r}, which is not a date \"YYYY-MM-DD\"")
