"""What a stored value may be: one set of bounds for what is written and what is read.

The store refuses to read a record outside these bounds, so every way a value
comes in (the clock, EDOC_NOW, the configuration, a date typed by a person, an
import) is held to the same bounds before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from edoc_cli.i18n import _

# The working calendar covers these years; a stored instant outside them would break every later command.
FIRST_YEAR = 2000
LAST_YEAR = 2100

# A target or timer in working minutes: at least one minute, at most ten thousand working hours' worth.
MIN_MINUTES = 1
MAX_MINUTES = 10_000_000

def year_problem(when: datetime) -> str | None:
    """Why this instant cannot be stored, or None."""
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        return _("is outside the years {first}-{last} that edoc's calendar covers").format(
            first=FIRST_YEAR, last=LAST_YEAR)
    return None


def instant_problem(value: Any) -> str | None:
    """Why a stored value is not an instant edoc can work with (ISO 8601 with an offset, in range)."""
    if not isinstance(value, str):
        return _("is not a string")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return _("{value} is not an ISO 8601 instant").format(value=repr(value[:40]))
    if when.tzinfo is None:
        return _("{value} has no offset").format(value=repr(value[:40]))
    why = year_problem(when)
    return f"{value[:40]!r} {why}" if why else None


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def minutes_ok(value: Any, none_ok: bool = False) -> bool:
    """A target or timer in working minutes, as stored: a number from MIN_MINUTES to MAX_MINUTES."""
    if value is None:
        return none_ok
    return is_number(value) and MIN_MINUTES <= value <= MAX_MINUTES


def hours_to_minutes(hours: float) -> int:
    """Working hours (configuration) to the whole working minutes a ticket stores."""
    return round(float(hours) * 60)
