"""What a person may type for a date, a time or a duration: the forms used in Kazakhstan, and ISO.

One parser, and one list of the accepted forms (INSTANT_FORMS, DURATION_FORMS) that every
prompt, --help text and error shows. The parser is exact on purpose: dateutil's guess of
day/month order could put a legally binding SLA deadline a month off, so anything that is not
one of the forms below is refused with the list instead of guessed. Accepted:

- 27.11.2026 10:05, 27.11.2026 10:05:30, 27.11.2026 (day first; one-digit day or month too);
- 10:30 or 10:30:15: that time today; today / сегодня, yesterday / вчера, optionally with a time;
- ISO 8601: 2026-11-27, 2026-11-27T10:05[:30], a space for the T, with Z or +05:00 or without
  an offset; without one it is Astana time (the desk's zone); 20261127, ISO's basic form, too.
Two-digit years (27.11.26) are refused: the century would be a guess. "Today" is the desk's
clock (EDOC_NOW in tests) in the desk's zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from edoc_cli.i18n import _
from edoc_cli.typed_forms import DURATION_FORMS, INSTANT_FORMS, duration_forms, instant_forms  # noqa: F401


MAX_TYPED = 40  # characters: the longest accepted form is 32 (ISO with microseconds and an offset)

_TIME = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
_DAY_FIRST = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})(?:(?: +|, *)" + _TIME + r")?")
_WORD = re.compile(r"(today|yesterday|сегодня|вчера)(?:(?: +|, *)" + _TIME + r")?", re.IGNORECASE)
_TIME_ONLY = re.compile(_TIME)
_ISO = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})"  # 2026-11-27, or the basic form 20261127
                  r"([T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?")
_DAYS_BACK = {"today": 0, "сегодня": 0, "yesterday": 1, "вчера": 1}


class Typed(NamedTuple):  # NamedTuples: a frozen dataclass costs every command that loads this 0.6 ms
    """An instant a person typed; `date_only`: they gave a day without a time (it is 00:00)."""

    when: datetime
    date_only: bool

    def day_end(self) -> datetime:
        """As the end of a period: a day alone includes that whole day (the next day's 00:00)."""
        return self.when + timedelta(days=1) if self.date_only else self.when


def read_instant(text: str, tz: tzinfo, now: datetime) -> Typed:
    """The instant `text` means (see the module's forms), in `tz`; ValueError listing the forms."""
    typed = _read(text, tz, now) if isinstance(text, str) and len(text) <= MAX_TYPED else None
    if typed is None:
        raise ValueError(_("{value} is not a date or a date and time; accepted: {forms}").format(
            value=_shown(text), forms=instant_forms()))
    return typed


def _read(text: str, tz: tzinfo, now: datetime) -> Typed | None:
    raw = text.strip(" ")  # spaces only: a control character is refused, not trimmed
    today = now.astimezone(tz).date()
    try:
        if m := _DAY_FIRST.fullmatch(raw):
            day = date(int(m[3]), int(m[2]), int(m[1]))
            return _at(day, m.groups()[3:], tz)
        if m := _WORD.fullmatch(raw):
            return _at(today - timedelta(days=_DAYS_BACK[m[1].lower()]), m.groups()[1:], tz)
        if m := _TIME_ONLY.fullmatch(raw):
            return _at(today, m.groups(), tz)
        if m := _ISO.fullmatch(raw):
            parsed = datetime.fromisoformat(raw)
            date_only = m[1] is None
            if parsed.tzinfo is None:
                return Typed(parsed.replace(tzinfo=tz), date_only)
            return Typed(parsed.astimezone(tz), date_only)
    except (ValueError, OverflowError):  # 31.02.2026, 25:00, 9999-12-31T23:00-05:00 (year 10000 in Astana)
        return None
    return None


def _at(day: date, hms: tuple, tz: tzinfo) -> Typed:
    if hms[0] is None:
        return Typed(datetime.combine(day, time(), tz), True)
    clock = time(int(hms[0]), int(hms[1]), int(hms[2] or 0))
    return Typed(datetime.combine(day, clock, tz), False)


def parse_typed_instant(text: str, tz: tzinfo, field: str, now: datetime, day_end: bool = False) -> datetime:
    """A date or a date and time a person typed for `field`, within the years edoc handles; anything
    else is a usage error (exit 2) naming the field and listing the accepted forms. `day_end`: the
    end of a period, where a day alone includes that whole day (--until 27.11.2026 is before 28.11)."""
    from edoc_cli.errors import UsageError
    from edoc_cli.limits import year_problem

    try:
        typed = read_instant(text, tz, now)
    except ValueError as exc:
        raise UsageError("{flag} {problem}", fields={"flag": field}, problem=str(exc)) from None
    why = year_problem(typed.when)
    if why:
        raise UsageError(_("{flag} {value} {problem}"), fields={"flag": field}, value=_shown(text), problem=why)
    return typed.day_end() if day_end else typed.when


def _shown(text) -> str:
    """A typed value quoted for an error: escapes for control characters, and not too long."""
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


# -- durations -----------------------------------------------------------------

_UNITS = {"m": "m", "min": "m", "м": "m", "мин": "m", "h": "h", "ч": "h", "d": "d", "д": "d",
          "w": "w", "н": "w", "нед": "w", "wh": "wh", "рч": "wh"}
_PART = re.compile(r" *([0-9]{1,6}) *(wh|min|m|h|d|w|рч|мин|м|ч|д|нед|н)", re.IGNORECASE)
_UNIT_LENGTH = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_DURATION = timedelta(days=3650)
MAX_WORKING_HOURS = 10_000  # about five years of working time: the calendar ends in 2100


class Duration(NamedTuple):
    """A wall-clock span, or (`working_hours`) working hours on the desk's calendar."""

    wall: timedelta = timedelta(0)
    working_hours: int = 0

    def after(self, start: datetime, calendar) -> datetime:
        """When the span that begins at `start` ends."""
        if self.working_hours:
            return calendar.add_working_minutes(start, self.working_hours * 60)
        return start + self.wall


def parse_duration(text: str, field: str) -> Duration:
    """'90m', '2h', '1d', '1w', '1h30m', '2ч', '2wh' (working hours), typed for `field`; a number
    without a unit is refused (is 90 minutes or days?), as is working time mixed with wall-clock."""
    from edoc_cli.errors import UsageError

    parts = _duration_parts(text)
    if not parts or not any(parts.values()) or ("wh" in parts and len(parts) > 1):
        raise UsageError(_("{flag} {value} is not a duration; accepted: {forms}"), fields={"flag": field},
                         value=_shown(text), forms=duration_forms())
    if "wh" in parts:
        duration = Duration(working_hours=parts["wh"])
        too_long = duration.working_hours > MAX_WORKING_HOURS
    else:
        duration = Duration(wall=sum((n * _UNIT_LENGTH[u] for u, n in parts.items()), timedelta(0)))
        too_long = duration.wall > MAX_DURATION
    if too_long:
        raise UsageError(_("{flag} {value} is too long"), fields={"flag": field}, value=_shown(text))
    return duration


def _duration_parts(text) -> dict[str, int] | None:
    """unit -> number, each unit at most once and the whole text used; None if it is not that."""
    if not isinstance(text, str) or len(text) > MAX_TYPED:
        return None
    parts: dict[str, int] = {}
    pos, raw = 0, text.strip(" ")
    while pos < len(raw):
        m = _PART.match(raw, pos)
        if not m:
            return None
        unit = _UNITS[m[2].lower()]
        if unit in parts:
            return None
        parts[unit] = int(m[1])
        pos = m.end()
    return parts or None
