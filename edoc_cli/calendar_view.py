"""What `edoc calendar` reports: the year's exceptions, a month, one day."""

from __future__ import annotations

from datetime import date
from typing import Any

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _


def _day(info) -> dict[str, Any]:
    return {"date": info.day.isoformat(), "weekday": info.day.strftime("%a"),
            "working": info.working, "kind": info.kind, "name": info.name}


def calendar_report(cal, config, year: int, month: int | None) -> dict[str, Any]:
    start, end = config.workday_hours()
    report: dict[str, Any] = {
        "timezone": config.calendar["timezone"],
        "hours": {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
        "workdays": list(config.calendar["workdays"]),
        "holidays": config.calendar["holidays"] or None,
        "year": year,
    }
    if month is None:
        report["exceptions"] = [_day(i) for i in cal.year_exceptions(year)]
        report["working_days"] = sum(
            cal.is_working_day(date.fromordinal(o))
            for o in range(date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal())
        )
    else:
        report["month"] = month
        report["days"] = [_day(i) for i in cal.month(year, month)]
        report["working_days"] = sum(d["working"] for d in report["days"])
    return report


def day_report(cal, text: str, tz, now) -> dict[str, Any]:
    """The day `text` names, in any form a person may type a date (typed_time); a time is ignored."""
    from edoc_cli.typed_time import read_instant

    try:
        day = read_instant(text, tz, now).when.date()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not 2000 <= day.year <= 2100:
        raise UsageError(_("the calendar covers the years 2000 to 2100"))
    info = _day(cal.day_info(day))
    hours = cal.working_hours(day)
    info["hours"] = [hours[0].isoformat(), hours[1].isoformat()] if hours else None
    return info
