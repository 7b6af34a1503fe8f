"""The Kazakhstan working calendar: hand-computed cases, day kinds and properties."""

from __future__ import annotations

import csv
import subprocess
import sys
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edoc_cli.tz import astana_zone
from edoc_cli.workcal import DAY_KINDS, DayInfo, Interval, WorkCalendar

REPO = Path(__file__).resolve().parents[1]
CASES_FILE = Path(__file__).parent / "data" / "workcal_cases.tsv"
ALMATY = astana_zone()
CAL = WorkCalendar(ALMATY)


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text}: table instants need an offset or Z"
    return value


# -- the hand-computed table ------------------------------------------------------------


def load_cases() -> list:
    rows = [line for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    params = []
    for row in csv.DictReader(rows, delimiter="\t"):
        assert row["reason"].strip(), row
        label = f"{row['op']} {row['start']} {row['arg']} [{row['config']}]"
        params.append(pytest.param(row, id=label))
    return params


CASES = load_cases()
_calendars: dict[str, WorkCalendar] = {"-": CAL}


def calendar_for(config: str) -> WorkCalendar:
    if config not in _calendars:
        kwargs: dict = {}
        for item in config.split(";"):
            key, _, value = item.partition("=")
            if key == "extra_off":
                kwargs["extra_days_off"] = [date.fromisoformat(v) for v in value.split(",")]
            elif key == "extra_work":
                kwargs["extra_working_days"] = [date.fromisoformat(v) for v in value.split(",")]
            elif key == "holidays":
                kwargs["holidays"] = None if value == "none" else value
            elif key == "hours":
                start, end = value.split("-")
                kwargs["workday_start"], kwargs["workday_end"] = time.fromisoformat(start), time.fromisoformat(end)
            else:
                raise AssertionError(f"unknown config key in case table: {key}")
        _calendars[config] = WorkCalendar(ALMATY, **kwargs)
    return _calendars[config]


def test_case_table_is_big_enough():
    assert len(CASES) >= 30
    ops = {case.values[0]["op"] for case in CASES}
    assert ops == {"add", "between"}


@pytest.mark.parametrize("case", CASES)
def test_hand_computed_case(case):
    cal = calendar_for(case["config"])
    start = at(case["start"])
    if case["op"] == "add":
        minutes = float(case["arg"]) if "." in case["arg"] else int(case["arg"])
        expected = at(case["expected"])
        got = cal.add_working_minutes(start, minutes)
        assert got == expected, case["reason"]
        assert got.tzinfo is ALMATY
        assert got.utcoffset() == expected.utcoffset(), case["reason"]
        if minutes:  # and the clock agrees the other way round
            assert cal.working_seconds_between(start, got) == round(minutes * 60), case["reason"]
    else:
        assert case["op"] == "between"
        got = cal.working_minutes_between(start, at(case["arg"]))
        assert got == int(case["expected"]), case["reason"]


# -- day kinds and names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "kind", "name"),
    [
        (date(2026, 11, 26), True, "workday", None),
        (date(2026, 11, 28), False, "weekend", None),
        (date(2026, 3, 23), False, "holiday", "Nowruz Holiday"),
        (date(2026, 3, 24), False, "holiday", "Nowruz Holiday (observed)"),
        (date(2026, 5, 11), False, "holiday", "Victory Day (observed)"),
        (date(2026, 5, 9), False, "holiday", "Victory Day"),  # a Saturday holiday is still a holiday
        (date(2026, 5, 27), False, "holiday", "Eid al-Adha (estimated)"),
        (date(2026, 1, 1), False, "holiday", "New Year's Day"),
        (date(2025, 1, 3), False, "transfer_off", "Day off (substituted from 2025-01-05)"),
        (date(2025, 1, 5), True, "transfer_work", "Working day (instead of 2025-01-03)"),
        (date(2024, 5, 8), False, "transfer_off", "Day off (substituted from 2024-05-04)"),
        (date(2024, 5, 4), True, "transfer_work", "Working day (instead of 2024-05-08)"),
        (date(2014, 1, 3), False, "transfer_off", "Day off (substituted from 2013-12-28)"),
        (date(2013, 12, 28), True, "transfer_work", "Working day (instead of 2014-01-03)"),
        (date(2000, 5, 6), True, "transfer_work", "Working day (instead of 2000-05-08)"),
        # An observed Victory Day moved to Friday by decree: Monday works again.
        (date(2020, 5, 8), False, "transfer_off", "Day off (substituted from 2020-05-11)"),
        (date(2020, 5, 11), True, "workday", None),
        # Constitution Day: 30 August up to 2025, none in 2026, 15 March from 2027.
        (date(2025, 8, 30), False, "holiday", "Constitution Day"),
        (date(2025, 9, 1), False, "holiday", "Constitution Day (observed)"),
        (date(2026, 8, 31), True, "workday", None),
        (date(2026, 3, 16), True, "workday", None),
        (date(2027, 3, 15), False, "holiday", "Constitution Day"),
        (date(2100, 12, 16), False, "holiday", "Independence Day"),
    ],
)
def test_day_info(day, working, kind, name):
    assert CAL.day_info(day) == DayInfo(day, working, kind, name)
    assert CAL.is_working_day(day) is working


def test_no_constitution_day_in_2026():
    names = {info.name for info in CAL.year_exceptions(2026)}
    assert not any("Constitution" in name for name in names)
    assert any("Constitution" in info.name for info in CAL.year_exceptions(2027))


def test_extras_win_over_everything():
    cal = WorkCalendar(
        ALMATY,
        extra_days_off=[date(2025, 1, 5), date(2026, 11, 27)],
        extra_working_days=["2026-12-16", date(2026, 11, 28)],  # ISO strings are accepted too
    )
    assert cal.day_info(date(2025, 1, 5)) == DayInfo(date(2025, 1, 5), False, "extra_off", "calendar.extra_days_off")
    assert cal.day_info(date(2026, 11, 27)).kind == "extra_off"
    assert cal.day_info(date(2026, 12, 16)) == DayInfo(
        date(2026, 12, 16), True, "extra_work", "calendar.extra_working_days"
    )
    assert cal.day_info(date(2026, 11, 28)).working


def test_year_exceptions_2025():
    found = {(info.day, info.kind) for info in CAL.year_exceptions(2025)}
    assert (date(2025, 1, 3), "transfer_off") in found
    assert (date(2025, 1, 5), "transfer_work") in found
    assert (date(2025, 3, 21), "holiday") in found
    assert all(kind not in ("workday", "weekend") for _, kind in found)
    assert len(found) == 23


def test_year_exceptions_include_extras():
    cal = WorkCalendar(ALMATY, extra_days_off=[date(2026, 6, 1)], extra_working_days=[date(2026, 6, 6)])
    kinds = {info.day: info.kind for info in cal.year_exceptions(2026)}
    assert kinds[date(2026, 6, 1)] == "extra_off"
    assert kinds[date(2026, 6, 6)] == "extra_work"


def test_month():
    days = CAL.month(2026, 3)
    assert [info.day for info in days] == [date(2026, 3, d) for d in range(1, 32)]
    assert sum(info.working for info in days) == 18
    assert all(info.kind in DAY_KINDS for info in days)
    assert len(CAL.month(2024, 2)) == 29


def test_is_working_day_agrees_with_day_info():
    cal = WorkCalendar(ALMATY, extra_days_off=[date(2025, 1, 5), date(2026, 6, 1)], extra_working_days=[date(2026, 1, 1)])
    day = date(2024, 1, 1)
    while day.year < 2027:
        assert cal.is_working_day(day) is cal.day_info(day).working, day
        day += timedelta(days=1)


def test_no_public_holidays():
    cal = WorkCalendar(ALMATY, holidays=None)
    assert cal.day_info(date(2026, 1, 1)).kind == "workday"
    assert cal.day_info(date(2025, 1, 5)).kind == "weekend"
    assert cal.year_exceptions(2026) == []
    assert WorkCalendar(ALMATY, holidays="").year_exceptions(2026) == []


def test_working_hours():
    assert CAL.working_hours(date(2026, 11, 28)) is None
    start, end = CAL.working_hours(date(2025, 1, 5))
    assert (start, end) == (datetime(2025, 1, 5, 9, tzinfo=ALMATY), datetime(2025, 1, 5, 18, tzinfo=ALMATY))
    assert start.tzinfo is ALMATY


# -- intervals --------------------------------------------------------------------------


def test_intervals_over_a_weekend():
    a, b = datetime(2026, 11, 27, 17, tzinfo=ALMATY), datetime(2026, 11, 30, 10, tzinfo=ALMATY)
    d = lambda day, hour: datetime(2026, 11, day, hour, tzinfo=ALMATY)  # noqa: E731
    assert CAL.intervals(a, b) == [
        Interval(d(27, 17), d(27, 18), "working", None, 3600),
        Interval(d(27, 18), d(28, 0), "off_hours", None, 0),
        Interval(d(28, 0), d(30, 0), "weekend", None, 0),
        Interval(d(30, 0), d(30, 9), "off_hours", None, 0),
        Interval(d(30, 9), d(30, 10), "working", None, 3600),
    ]


def test_intervals_name_holidays_and_transfers():
    a, b = datetime(2024, 12, 31, 17, tzinfo=ALMATY), datetime(2025, 1, 6, 10, tzinfo=ALMATY)
    summary = [(iv.kind, iv.name, iv.start.date().isoformat(), iv.end.isoformat()) for iv in CAL.intervals(a, b)]
    assert summary == [
        ("working", None, "2024-12-31", "2024-12-31T18:00:00+05:00"),
        ("off_hours", None, "2024-12-31", "2025-01-01T00:00:00+05:00"),
        ("holiday", "New Year's Day", "2025-01-01", "2025-01-03T00:00:00+05:00"),  # two days merged
        ("holiday", "Day off (substituted from 2025-01-05)", "2025-01-03", "2025-01-04T00:00:00+05:00"),
        ("weekend", None, "2025-01-04", "2025-01-05T00:00:00+05:00"),
        ("off_hours", None, "2025-01-05", "2025-01-05T09:00:00+05:00"),
        ("working", "Working day (instead of 2025-01-03)", "2025-01-05", "2025-01-05T18:00:00+05:00"),
        ("off_hours", None, "2025-01-05", "2025-01-06T09:00:00+05:00"),  # overnight: one piece
        ("working", None, "2025-01-06", "2025-01-06T10:00:00+05:00"),
    ]


def test_intervals_across_the_2024_offset_change():
    # Almaty went from UTC+6 to UTC+5 at the end of 2024-02-29 (a 25-hour day).
    a, b = at("2024-02-29T17:00:00+06:00"), at("2024-03-01T10:00:00+05:00")
    pieces = CAL.intervals(a, b)
    assert [(p.kind, p.seconds) for p in pieces] == [("working", 3600), ("off_hours", 0), ("working", 3600)]
    off = pieces[1]
    assert (utc(off.end) - utc(off.start)) == timedelta(hours=16)  # 12:00Z to 04:00Z
    assert off.start.isoformat() == "2024-02-29T18:00:00+06:00"
    assert off.end.isoformat() == "2024-03-01T09:00:00+05:00"


def test_intervals_extra_day_off_is_a_named_holiday():
    cal = WorkCalendar(ALMATY, extra_days_off=[date(2026, 11, 27)])
    a, b = datetime(2026, 11, 27, 10, tzinfo=ALMATY), datetime(2026, 11, 27, 11, tzinfo=ALMATY)
    assert cal.intervals(a, b) == [Interval(a, b, "holiday", "calendar.extra_days_off", 0)]


def test_intervals_empty_and_clipped():
    a = datetime(2026, 11, 26, 12, tzinfo=ALMATY)
    assert CAL.intervals(a, a) == []
    assert CAL.intervals(a, a - timedelta(hours=1)) == []
    assert CAL.intervals(a, a + timedelta(minutes=5)) == [Interval(a, a + timedelta(minutes=5), "working", None, 300)]


# -- errors ---------------------------------------------------------------------------------


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 11, 26, 10)
    aware = datetime(2026, 11, 26, 10, tzinfo=ALMATY)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_minutes(naive, 5)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_minutes_between(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.intervals(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_minutes(naive, 0)


def test_bad_arguments():
    start = datetime(2026, 11, 26, 10, tzinfo=ALMATY)
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(ALMATY, extra_days_off=[date(2026, 1, 5)], extra_working_days=[date(2026, 1, 5)])
    with pytest.raises(ValueError, match="later"):
        WorkCalendar(ALMATY, workday_start=time(18), workday_end=time(9))
    with pytest.raises(ValueError, match="weekday"):
        WorkCalendar(ALMATY, workdays=frozenset({7}))
    with pytest.raises(ValueError, match="not a date"):
        WorkCalendar(ALMATY, extra_days_off=["27.05.2026"])
    with pytest.raises(ValueError, match="country 'XX'"):
        WorkCalendar(ALMATY, holidays="XX").day_info(date(2026, 1, 1))
    with pytest.raises(TypeError, match="takes a date"):
        CAL.day_info(start)


def test_a_calendar_without_working_days_fails_instead_of_looping():
    cal = WorkCalendar(ALMATY, workdays=frozenset(), holidays=None)
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_minutes(datetime(2026, 1, 1, tzinfo=ALMATY), 1)
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_minutes(datetime(2026, 1, 1, tzinfo=ALMATY), -1)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Mon 08:00 back 60: Sat-Sun off, Fri 18:00 - 60 = 17:00.
        ("2026-11-30T08:00:00+05:00", -60, "2026-11-27T17:00:00+05:00"),
        # Mon 10:00 back 60 lands on Mon 09:00 (a period's start), not Fri 18:00.
        ("2026-11-30T10:00:00+05:00", -60, "2026-11-30T09:00:00+05:00"),
        # Mon Jan 6 2025 09:30 back 60: 30 on Mon, then the working Sunday Jan 5 18:00 - 30.
        ("2025-01-06T09:30:00+05:00", -60, "2025-01-05T17:30:00+05:00"),
        # Tue Jan 5 2027 10:00 back 120: 60 on Tue; Jan 1-4 off; Thu Dec 31 2026 18:00 - 60.
        ("2027-01-05T10:00:00+05:00", -120, "2026-12-31T17:00:00+05:00"),
    ],
)
def test_negative_amounts_count_back(start, minutes, expected):
    assert CAL.add_working_minutes(at(start), minutes) == at(expected)


# -- range, zones, performance, lazy import -----------------------------------------------


def test_covers_2000_to_2100_and_beyond():
    assert CAL.add_working_minutes(datetime(2000, 5, 5, 17, tzinfo=ALMATY), 120) == datetime(
        2000, 5, 6, 10, tzinfo=ALMATY
    )  # Sat 2000-05-06 was worked instead of Mon 05-08
    # Fri 2100-12-31: 60 min; Sat-Sun off; Mon 2101-01-03 09:00 + 60.
    assert CAL.add_working_minutes(datetime(2100, 12, 31, 17, tzinfo=ALMATY), 120) == datetime(
        2101, 1, 3, 10, tzinfo=ALMATY
    )
    # holidays has no data after 2100, so the New Year observed on Monday
    # 2101-01-03 is not known: a plain workday.
    assert CAL.day_info(date(2101, 1, 3)).kind == "workday"
    a, b = datetime(2000, 1, 1, tzinfo=ALMATY), datetime(2101, 1, 1, tzinfo=ALMATY)
    total = CAL.working_minutes_between(a, b)
    assert CAL.add_working_minutes(a, total) <= b
    assert CAL.working_minutes_between(a, CAL.add_working_minutes(a, total)) == total


def test_other_zone_calendar():
    utc_cal = WorkCalendar(timezone.utc, holidays=None)
    start = datetime(2026, 11, 26, 9, tzinfo=ALMATY)  # 04:00 UTC: before 09:00 UTC opening
    got = utc_cal.add_working_minutes(start, 60)
    assert got == datetime(2026, 11, 26, 10, tzinfo=timezone.utc)
    assert got.tzinfo is timezone.utc


def test_thousands_of_deadlines_are_fast():
    start = datetime(2025, 1, 1, 12, tzinfo=ALMATY)
    began = _time.perf_counter()
    for i in range(5000):
        instant = start + timedelta(hours=i)
        due = CAL.add_working_minutes(instant, 60 * (1 + i % 80))
        CAL.working_minutes_between(instant, due)
    assert _time.perf_counter() - began < 3


def test_importing_does_not_import_holidays():
    code = "import sys, edoc_cli.workcal, edoc_cli.tz; print('holidays' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# -- properties ------------------------------------------------------------------------

ZONES = st.sampled_from([ALMATY, timezone.utc, timezone(timedelta(hours=6)), timezone(timedelta(hours=-3))])
instants = st.builds(
    lambda naive, tz: naive.replace(tzinfo=timezone.utc).astimezone(tz),
    st.datetimes(min_value=datetime(2023, 6, 1), max_value=datetime(2027, 6, 1)),
    ZONES,
)
whole_minute_instants = instants.map(lambda dt: dt.replace(second=0, microsecond=0))
amounts = st.integers(min_value=0, max_value=150_000)  # up to ~280 working days
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(instant: datetime) -> datetime:
    return instant.astimezone(timezone.utc)


def reference_seconds(cal: WorkCalendar, a: datetime, b: datetime) -> float:
    """Working seconds in [a, b) by walking every day: slow, obvious, independent."""
    if b <= a:
        return 0
    total = timedelta(0)
    day = a.astimezone(cal.tz).date()
    while day <= b.astimezone(cal.tz).date():
        if cal.is_working_day(day):
            ws = datetime.combine(day, cal.workday_start, tzinfo=cal.tz)
            we = datetime.combine(day, cal.workday_end, tzinfo=cal.tz)
            lo, hi = max(ws, a), min(we, b)
            if hi > lo:
                total += hi.astimezone(timezone.utc) - lo.astimezone(timezone.utc)
        day += timedelta(days=1)
    return total.total_seconds()


def in_working_time(cal: WorkCalendar, instant: datetime, allow_start: bool) -> bool:
    local = instant.astimezone(cal.tz)
    if not cal.is_working_day(local.date()):
        return False
    start, end = cal.working_hours(local.date())
    return (start <= local if allow_start else start < local) and local <= end


@PROPS
@given(start=instants, minutes=amounts)
def test_add_then_measure_gives_back_the_amount(start, minutes):
    due = CAL.add_working_minutes(start, minutes)
    assert CAL.working_minutes_between(start, due) == minutes
    assert CAL.working_seconds_between(start, due) == minutes * 60


@PROPS
@given(start=instants, minutes=st.integers(min_value=1, max_value=150_000))
def test_counting_back_then_measuring_gives_back_the_amount(start, minutes):
    earlier = CAL.add_working_minutes(start, -minutes)
    assert CAL.working_seconds_between(earlier, start) == minutes * 60
    # Inside a working period, possibly at its very start (09:00), never at its end.
    hours = CAL.working_hours(earlier.date())
    assert hours is not None and hours[0] <= earlier < hours[1], earlier


@PROPS
@given(start=instants, a=amounts, b=amounts)
def test_add_is_monotonic(start, a, b):
    lo, hi = sorted((a, b))
    assert CAL.add_working_minutes(start, lo) <= CAL.add_working_minutes(start, hi)


@PROPS
@given(start=instants, seconds=st.integers(min_value=1, max_value=9_000_000))
def test_deadlines_fall_in_working_time(start, seconds):
    due = CAL.add_working_seconds(start, seconds)
    assert due.tzinfo is ALMATY
    # Inside a working period, or exactly at its end (18:00), never at the next 09:00.
    assert in_working_time(CAL, due, allow_start=False), due
    assert due > start


@PROPS
@given(start=whole_minute_instants, minutes=st.integers(min_value=1, max_value=20_000))
def test_a_deadline_is_the_first_instant_with_enough_time(start, minutes):
    due = CAL.add_working_minutes(start, minutes)
    assert CAL.working_seconds_between(start, due - timedelta(seconds=1)) == minutes * 60 - 1


@PROPS
@given(a=instants, b=instants)
def test_between_matches_a_day_by_day_reference(a, b):
    if abs(b - a) > timedelta(days=120):
        b = a + timedelta(days=120) * (1 if b > a else -1)
    assert CAL.working_seconds_between(a, b) == int(reference_seconds(CAL, a, b))


@PROPS
@given(a=instants, b=instants, c=instants)
def test_between_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    us = CAL._working_us_between  # exact, before flooring to seconds
    assert us(a, b) + us(b, c) == us(a, c)


@PROPS
@given(a=instants, span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
def test_intervals_partition_the_span(a, span):
    b = a + span
    pieces = CAL.intervals(a, b)
    if b <= a:
        assert pieces == []
        return
    # Compared in UTC: Python's == between zones is always False for an
    # instant in a repeated hour (PEP 495), e.g. Almaty's 2024-02-29 23:xx.
    assert utc(pieces[0].start) == utc(a) and utc(pieces[-1].end) == utc(b)
    for prev, nxt in zip(pieces, pieces[1:]):
        assert utc(prev.end) == utc(nxt.start)
        assert not (prev.kind == nxt.kind != "working" and prev.name == nxt.name), "unmerged neighbours"
    for piece in pieces:
        assert piece.start < piece.end
        assert piece.start.tzinfo is ALMATY
        if piece.kind == "working":
            assert abs(piece.seconds - (piece.end - piece.start).total_seconds()) < 1
        else:
            assert piece.seconds == 0
    assert sum(piece.seconds for piece in pieces) == CAL.working_seconds_between(a, b)


@PROPS
@given(start=instants, minutes=st.integers(min_value=0, max_value=5_000), extra=st.sets(
    st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 3, 31)), max_size=6))
def test_extra_working_days_never_delay_a_deadline(start, minutes, extra):
    more_work = WorkCalendar(ALMATY, extra_working_days=extra)
    assert more_work.add_working_minutes(start, minutes) <= CAL.add_working_minutes(start, minutes)


# -- the fixed-offset fast path ------------------------------------------------------------
# A year whose offset never changes finds an instant's local day by arithmetic; these check it
# against the conversion through the zone that every instant took before (and that 2024, the
# year Almaty went from UTC+6 to UTC+5, still takes).

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US_PER_HOUR = 3_600_000_000
NEW_YORK = astana_zone("America/New_York")  # two changes a year: every year goes through the zone
FAST_PATH_CALS = [
    CAL,
    # Working round the clock, every day: a day found wrong changes the working time found
    # (with 09:00-18:00 a night instant counts the same on either side of midnight).
    WorkCalendar(ALMATY, time(0), time(23, 59, 59, 999999), frozenset(range(7)), holidays=None),
    WorkCalendar(timezone.utc, holidays=None),
    WorkCalendar(timezone(timedelta(hours=-3)), holidays=None),
    WorkCalendar(NEW_YORK, holidays=None),
]


def us_of(text: str) -> int:
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)


def exact_position(cal: WorkCalendar, us: int) -> tuple[int, int]:
    """(year, working time in the year before `us`) with the local day taken from the zone."""
    day = (EPOCH + timedelta(microseconds=us)).astimezone(cal.tz).date()
    table = cal._table(day.year)
    i = (day - table.first).days
    ws, we = table.work_start[i], table.work_end[i]
    return day.year, table.cum[i] + min(max(us - ws, 0), we - ws)


def whole_seconds_sometimes(us: int) -> int:
    return us - us % 1_000_000 if us % 3 else us  # deadlines are mostly whole seconds


fast_path_us = st.one_of(
    # Almaty's change: 2024-03-01 00:00 +06 became 2024-02-29 23:00 +05, so 23:xx came twice.
    st.integers(us_of("2024-02-27T00:00:00+00:00"), us_of("2024-03-03T00:00:00+00:00")),
    # The local midnights around it: 18:00 UTC at +6, 19:00 UTC at +5.
    st.builds(lambda day, us: us_of("2024-02-26T17:00:00+00:00") + day * 24 * US_PER_HOUR + us,
              st.integers(0, 6), st.integers(0, 3 * US_PER_HOUR)),
    # New Year, when the local year and the UTC year differ for a few hours.
    st.builds(lambda year, hours: us_of(f"{year}-01-01T00:00:00+00:00") + hours,
              st.integers(2020, 2029), st.integers(-14 * US_PER_HOUR, 14 * US_PER_HOUR)),
    st.integers(us_of("2020-01-01T00:00:00+00:00"), us_of("2029-01-01T00:00:00+00:00")),
).map(whole_seconds_sometimes)


def test_offset_is_kept_only_for_years_without_a_change():
    five, six = 5 * US_PER_HOUR, 6 * US_PER_HOUR
    assert [CAL._table(year).offset for year in (2023, 2024, 2025, 2026)] == [six, None, five, five]
    assert WorkCalendar(NEW_YORK, holidays=None)._table(2026).offset is None
    assert WorkCalendar(timezone(timedelta(hours=-3)), holidays=None)._table(2026).offset == -3 * US_PER_HOUR


@PROPS
@given(us=fast_path_us)
@example(us=us_of("2024-02-28T18:30:00+00:00"))  # 00:30 on the 29th at +6, 23:30 on the 28th at +5
@example(us=us_of("2024-02-29T18:30:00+00:00"))  # the second 23:30 on the 29th
@example(us=us_of("2024-12-31T19:30:00+00:00"))  # 2025-01-01 00:30 at +5
def test_fast_path_finds_the_day_the_zone_gives(us):
    for cal in FAST_PATH_CALS:
        table, in_year = cal._position(us)
        assert (table.first.year, in_year) == exact_position(cal, us), cal


@PROPS
@given(us=fast_path_us)
def test_instants_come_back_as_the_zone_gives_them(us):
    from edoc_cli.workcal import _instant, _stamp

    for zone in {cal.tz for cal in FAST_PATH_CALS}:
        got = _instant(us, zone)
        expected = (EPOCH + timedelta(microseconds=us)).astimezone(zone)
        # Field by field: == ignores fold within one zone, and 2024-02-29 23:xx in Almaty needs it.
        assert (got.isoformat(), got.fold, got.tzinfo) == (expected.isoformat(), expected.fold, expected.tzinfo)
        assert _stamp(got, "got") == us


@PROPS
@given(a=fast_path_us, b=fast_path_us)
def test_fast_path_measures_as_the_day_by_day_reference(a, b):
    a_dt, b_dt = ((EPOCH + timedelta(microseconds=us)).astimezone(ALMATY) for us in (a, b))
    if abs(b_dt - a_dt) > timedelta(days=40):
        b_dt = a_dt + timedelta(days=40) * (1 if b_dt > a_dt else -1)
    assert CAL.working_seconds_between(a_dt, b_dt) == int(reference_seconds(CAL, a_dt, b_dt))


@PROPS
@given(stamps=st.lists(fast_path_us, min_size=2, max_size=8))
def test_a_meter_measures_as_working_seconds_between(stamps):
    # The same instants as several objects, and the repeated hour's equal-looking instants.
    instants = [(EPOCH + timedelta(microseconds=us)).astimezone(ALMATY) for us in stamps]
    instants += [instant.replace(fold=1 - instant.fold) for instant in instants[:2]]
    measure = CAL.meter()
    for a, b in zip(instants, instants[1:] + instants[:1]):
        assert measure(a, b) == CAL.working_seconds_between(a, b)
