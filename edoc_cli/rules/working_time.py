"""Clause 5: working time. Every SLA clock runs 09:00-18:00 Astana time on working days: weekends,
Kazakhstan's public holidays and decreed day-off transfers (the `holidays` package), and the
configuration's extra days off and working days. The engine is `workcal`; this module builds it
from the configuration."""

from __future__ import annotations

from datetime import tzinfo

from edoc_cli.config import WEEKDAYS, Config, as_date
from edoc_cli.errors import ConfigError
from edoc_cli.i18n import _


def zone_for(config: Config) -> tzinfo:
    """The configured time zone, checked (Asia/Almaty must be UTC+5: stale zone data is refused)."""
    from edoc_cli.tz import ZoneDataError, astana_zone

    name = config.calendar["timezone"]
    try:
        return astana_zone(name)
    except ZoneDataError as exc:
        raise ConfigError(_("{where}: 'calendar.timezone' {problem}").format(
            where=config.path or _("configuration"), problem=str(exc)[:300])) from None
    except Exception:
        raise ConfigError(_("{where}: 'calendar.timezone' {zone} is not a known time zone").format(
            where=config.path or _("configuration"), zone=repr(name))) from None


def calendar_for(config: Config, tz: tzinfo):
    """The working calendar in force (a workcal.WorkCalendar)."""
    from edoc_cli.workcal import WorkCalendar

    cal = config.calendar
    start, end = config.workday_hours()
    return WorkCalendar(
        tz, start, end,
        frozenset(WEEKDAYS.index(d) for d in cal["workdays"]),
        cal["holidays"] or None,
        [as_date(d) for d in cal["extra_days_off"]],
        [as_date(d) for d in cal["extra_working_days"]],
    )
