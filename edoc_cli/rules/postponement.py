"""Clause 9: the clock pauses while a request is postponed for one of the regulation's reasons
(a third party's system, a planned release, ...), until a given time or until resumed."""

from __future__ import annotations

from datetime import datetime

from edoc_cli.config import Config
from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.tz import to_iso


def reason(config: Config, value: str) -> str:
    """One of the configured reasons (clause 9), or a usage error listing them."""
    reasons = config.postponement_reasons
    if value not in reasons:
        raise UsageError(_("{flag} must be one of {choices} (clause 9), not {value}"), fields={"flag": "reason"},
                         choices=", ".join(reasons), value=repr(value))
    return value


def until(text: str | None, tz, now: datetime) -> str | None:
    """When the postponement ends by itself, as stored (None: until resumed); later than now."""
    if text is None:
        return None
    from edoc_cli.typed_time import parse_typed_instant  # only a postponement reads a typed time

    when = parse_typed_instant(text, tz, "until", now)  # a day alone: its 00:00
    if when <= now:
        raise UsageError(_("{flag} {when} is not in the future"), fields={"flag": "until"}, when=to_iso(when, tz))
    return to_iso(when, tz)
