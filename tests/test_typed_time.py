"""Dates, times and durations as a person types them (edoc_cli/typed_time.py): the parser on its own
with instants checked by hand, and through real commands on both stores.

Astana (Asia/Almaty) is UTC+5 since 2024-03-01, UTC+6 before; every expected instant below is
written out by hand from that rule, never taken from the parser.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from conftest import BUG_FIELDS
from edoc_cli import i18n
from edoc_cli.errors import UsageError
from edoc_cli.tz import astana_zone
from edoc_cli.typed_time import Duration, instant_forms, duration_forms, parse_duration, parse_typed_instant, \
    read_instant

TZ = astana_zone()
NOW = datetime.fromisoformat("2026-11-27T12:00:00+05:00")  # Friday noon in Astana
THU_16 = "2026-11-26T16:00:00+05:00"
EN_FORMS = "27.11.2026 10:05, 27.11.2026, 10:30 (today), today, yesterday or ISO 8601"
RU_FORMS = "27.11.2026 10:05, 27.11.2026, 10:30 (сегодня), сегодня, вчера или ISO 8601"


@pytest.fixture(autouse=True)
def english():
    i18n.use("en")
    yield
    i18n.use("en")


# -- instants ------------------------------------------------------------------------------------

ACCEPTED = [
    # typed,                       expected instant (ISO, by hand),    a day alone?
    ("27.11.2026 10:05",           "2026-11-27T10:05:00+05:00", False),
    ("27.11.2026 10:05:30",        "2026-11-27T10:05:30+05:00", False),
    ("27.11.2026, 10:05",          "2026-11-27T10:05:00+05:00", False),
    ("27.11.2026",                 "2026-11-27T00:00:00+05:00", True),
    ("1.2.2026",                   "2026-02-01T00:00:00+05:00", True),   # day first, always
    ("01.02.2026 9:05",            "2026-02-01T09:05:00+05:00", False),
    ("  27.11.2026  ",             "2026-11-27T00:00:00+05:00", True),
    ("31.12.2026 23:59",           "2026-12-31T23:59:00+05:00", False),
    ("29.02.2028",                 "2028-02-29T00:00:00+05:00", True),   # a leap day
    ("01.02.2024 10:00",           "2024-02-01T10:00:00+06:00", False),  # before the move to UTC+5
    ("10:30",                      "2026-11-27T10:30:00+05:00", False),  # today
    ("00:00",                      "2026-11-27T00:00:00+05:00", False),
    ("23:59:59",                   "2026-11-27T23:59:59+05:00", False),
    ("today",                      "2026-11-27T00:00:00+05:00", True),
    ("Сегодня",                    "2026-11-27T00:00:00+05:00", True),
    ("yesterday",                  "2026-11-26T00:00:00+05:00", True),
    ("вчера 18:00",                "2026-11-26T18:00:00+05:00", False),
    ("2026-11-27",                 "2026-11-27T00:00:00+05:00", True),
    ("20261127",                   "2026-11-27T00:00:00+05:00", True),
    ("2026-11-27T10:05",           "2026-11-27T10:05:00+05:00", False),  # no offset: Astana time
    ("2026-11-27 10:05",           "2026-11-27T10:05:00+05:00", False),
    ("2026-11-27T05:05:00Z",       "2026-11-27T10:05:00+05:00", False),
    ("2026-11-27T10:05+06:00",     "2026-11-27T09:05:00+05:00", False),
    ("2026-11-27T10:05:00.5+05:00", "2026-11-27T10:05:00.500000+05:00", False),
]


@pytest.mark.parametrize("typed, expected, date_only", ACCEPTED)
def test_accepted_instants(typed, expected, date_only):
    got = read_instant(typed, TZ, NOW)
    assert got.when == datetime.fromisoformat(expected) and got.when.tzinfo is TZ
    assert got.date_only is date_only


def test_today_is_the_day_in_astana_not_in_utc():
    # 00:30 on Friday in Astana is still Thursday in UTC: "10:30" and "today" are Friday's.
    just_after_midnight = datetime.fromisoformat("2026-11-26T19:30:00+00:00")
    assert read_instant("10:30", TZ, just_after_midnight).when == datetime.fromisoformat("2026-11-27T10:30:00+05:00")
    assert read_instant("вчера", TZ, just_after_midnight).when == datetime.fromisoformat("2026-11-26T00:00:00+05:00")


REFUSED = [
    "31.02.2026", "29.02.2026", "32.01.2026", "00.01.2026", "27.13.2026",
    "25:00", "24:00", "10:60", "10:05:60", "1.2.3", "27.11.26", "27/11/2026", "11/27/2026",
    "2026-13-01", "2026-11-27T10", "2026-W48-5", "27.11.202610:05", "27.11.2026 10", "10", "1030",
    "", "   ", "tomorrow", "завтра", "now",
    "27.11.99999", "99999-01-01", "9999-12-31T23:00-05:00",   # huge years; the last is year 10000 in Astana
    "\x1b[31m27.11.2026", "27.11.2026\x1b[0m", "27.11.2026\n10:05", "27.11.2026\x0010:05", "27.11.2026\t10:05",
    "٢٧.١١.٢٠٢٦", "２７.１１.２０２６",                     # other digits than 0-9
    "x" * 10_000, "27.11.2026 " + " " * 10_000 + "10:05",
]


@pytest.mark.parametrize("typed", REFUSED)
def test_refused_instants_list_the_accepted_forms(typed):
    with pytest.raises(ValueError) as caught:
        read_instant(typed, TZ, NOW)
    message = str(caught.value)
    assert EN_FORMS in message
    assert "\x1b" not in message and "\n" not in message and len(message) < 300


def test_not_a_string_is_refused():
    with pytest.raises(ValueError):
        read_instant(None, TZ, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["01.01.1999", "31.12.2101 10:00", "01.01.9999"])
def test_years_outside_the_calendar_are_usage_errors(typed):
    with pytest.raises(UsageError) as caught:
        parse_typed_instant(typed, TZ, "since", NOW)
    assert "2000-2100" in caught.value.message


def test_a_day_alone_as_a_period_end_includes_that_whole_day():
    assert parse_typed_instant("27.11.2026", TZ, "until", NOW, day_end=True) == \
        datetime.fromisoformat("2026-11-28T00:00:00+05:00")
    assert parse_typed_instant("31.12.2026", TZ, "until", NOW, day_end=True) == \
        datetime.fromisoformat("2027-01-01T00:00:00+05:00")
    # A time is that instant, even at midnight.
    assert parse_typed_instant("27.11.2026 00:00", TZ, "until", NOW, day_end=True) == \
        datetime.fromisoformat("2026-11-27T00:00:00+05:00")


# -- durations -----------------------------------------------------------------------------------

DURATIONS = [
    ("90m", timedelta(minutes=90)), ("90min", timedelta(minutes=90)), ("2h", timedelta(hours=2)),
    ("1d", timedelta(days=1)), ("1w", timedelta(days=7)), ("1h30m", timedelta(minutes=90)),
    ("1h 30m", timedelta(minutes=90)), ("2H", timedelta(hours=2)), ("1d2h", timedelta(hours=26)),
    ("45мин", timedelta(minutes=45)), ("45м", timedelta(minutes=45)), ("2ч", timedelta(hours=2)),
    ("3д", timedelta(days=3)), ("1н", timedelta(days=7)), ("1ч30мин", timedelta(minutes=90)),
    ("3650d", timedelta(days=3650)),
]


@pytest.mark.parametrize("typed, expected", DURATIONS)
def test_wall_clock_durations(typed, expected):
    assert parse_duration(typed, "due_within") == Duration(wall=expected)


@pytest.mark.parametrize("typed, hours", [("2wh", 2), ("2WH", 2), ("2рч", 2), ("10000wh", 10_000)])
def test_working_hour_durations(typed, hours):
    assert parse_duration(typed, "due_within") == Duration(working_hours=hours)


@pytest.mark.parametrize("typed", [
    "90", "0", "", "  ", "m", "h30", "0m", "0h0m", "1h1h", "2wh30m", "30m2wh", "1.5h", "1,5h", "-1h", "+1h",
    "1y", "1s", "1 hour", "9999999m", "٩٠m", "\x1b[2J1h", "1h\x00", "1h\n30m", "x" * 10_000,
])
def test_refused_durations_list_the_accepted_forms(typed):
    with pytest.raises(UsageError) as caught:
        parse_duration(typed, "due_within")
    assert caught.value.code == 2
    assert "90m, 2h, 1d, 1w, 1h30m" in caught.value.message and "2wh" in caught.value.message
    assert "\x1b" not in caught.value.message and len(caught.value.message) < 300


@pytest.mark.parametrize("typed", ["3651d", "522w", "10001wh"])
def test_too_long_durations(typed):
    with pytest.raises(UsageError, match="too long"):
        parse_duration(typed, "due_within")


# -- through the commands, on both stores ----------------------------------------------------------


@pytest.fixture
def three(edoc):
    """Basic consultations (first response: 4 working hours, 09:00-18:00 Mon-Fri):
    a Thu 26.11 09:00 -> due Thu 13:00;  b Thu 26.11 15:00 -> due Fri 27.11 10:00 (3 h Thu + 1 h Fri);
    c Thu 26.11 13:00 -> due Thu 17:00."""
    edoc.ids = {
        "a": edoc.open_ticket(now="2026-11-26T09:00:00+05:00"),
        "b": edoc.open_ticket(now="2026-11-26T15:00:00+05:00"),
        "c": edoc.open_ticket(now="2026-11-26T13:00:00+05:00"),
    }
    return edoc


def listed(edoc, *args, now=THU_16) -> list[str]:
    result = edoc.run("list", "--json", *args, now=now)
    assert result.code == 0, result
    return sorted(t["id"] for t in result.json())


def test_list_since_and_until_as_people_type_them(three):
    a, b, c = (three.ids[k] for k in "abc")
    friday = "2026-11-27T12:00:00+05:00"
    assert listed(three, "--since", "27.11.2026", now=friday) == []
    assert listed(three, "--since", "26.11.2026", now=friday) == sorted([a, b, c])
    # A day alone as --until includes that whole day, in the Russian form as in ISO.
    assert listed(three, "--until", "26.11.2026", now=friday) == sorted([a, b, c])
    assert listed(three, "--until", "2026-11-26", now=friday) == sorted([a, b, c])
    assert listed(three, "--until", "25.11.2026", now=friday) == []
    # A time is an instant; --until is before it.
    assert listed(three, "--until", "26.11.2026 13:00", now=friday) == [a]
    assert listed(three, "--since", "26.11.2026 13:00", "--until", "26.11.2026 15:00", now=friday) == [c]
    # A time alone is today (Thursday here); words are days.
    assert listed(three, "--since", "13:00") == sorted([b, c])
    assert listed(three, "--since", "сегодня") == sorted([a, b, c])
    assert listed(three, "--since", "вчера", "--until", "вчера", now=friday) == sorted([a, b, c])
    assert listed(three, "--since", "today", now=friday) == []


def test_list_refuses_a_bad_date_with_the_forms_in_the_runs_language(three):
    refused = three.run("list", "--since", "31.02.2026", now=THU_16)
    assert refused.code == 2 and "--since '31.02.2026'" in refused.err and EN_FORMS in refused.err
    ru = three.run("--lang", "ru", "list", "--until", "25:00", now=THU_16)
    assert ru.code == 2 and "--until '25:00'" in ru.err and RU_FORMS in ru.err
    hostile = three.run("list", "--since", "\x1b]0;pwned\x07" + "9" * 10_000, now=THU_16)
    assert hostile.code == 2 and "\x1b" not in hostile.err and len(hostile.err) < 400


def test_due_within_needs_a_unit_and_counts_working_hours(three):
    a, b, c = (three.ids[k] for k in "abc")
    # At Thu 16:00: a due 13:00 (already late), c due 17:00, b due Fri 10:00.
    assert listed(three, "--due-within", "2h") == sorted([a, c])
    assert listed(three, "--due-within", "3h") == sorted([a, c])       # to Thu 19:00
    assert listed(three, "--due-within", "18h") == sorted([a, b, c])   # to Fri 10:00
    # 3 working hours from Thu 16:00: 2 h to 18:00, then Fri 09:00-10:00 -> Fri 10:00.
    assert listed(three, "--due-within", "3wh") == sorted([a, b, c])
    assert listed(three, "--due-within", "2рч") == sorted([a, c])      # to Thu 18:00
    for typed in ("90", "2wh30m", "1.5h"):
        refused = three.run("list", "--due-within", typed, now=THU_16)
        assert refused.code == 2 and "--due-within" in refused.err and "90m, 2h, 1d" in refused.err, refused


def test_report_and_list_read_a_day_alone_the_same_way(three):
    report = three.run("report", "--json", "--since", "26.11.2026", "--until", "26.11.2026",
                       now="2026-11-30T12:00:00+05:00")
    assert report.code == 0, report
    assert report.json()["period"] == {"since": "2026-11-26T00:00:00+05:00", "until": "2026-11-27T00:00:00+05:00"}
    assert report.json()["total"]["opened"] == 3


def test_postpone_until_and_received_at_as_people_type_them(edoc):
    received = edoc.open_ticket("--received-at", "26.11.2026 09:30", now="2026-11-26T10:00:00+05:00")
    assert edoc.ticket(received)["received_at"] == "2026-11-26T09:30:00+05:00"
    bug = edoc.open_ticket(now="2026-11-26T10:00:00+05:00", **{**BUG_FIELDS, "occurred_at": "вчера 17:45"})
    assert edoc.ticket(bug)["details"]["occurred_at"] == "2026-11-25T17:45:00+05:00"
    assert edoc.run("assign", bug, "aida", now="2026-11-26T10:05:00+05:00").code == 0
    done = edoc.run("postpone", bug, "--reason", "third_party", "--message", "Ждём ответа банка",
                    "--until", "30.11.2026 10:00", now="2026-11-26T10:10:00+05:00")
    assert done.code == 0, done
    assert edoc.ticket(bug)["postponement"]["until"] == "2026-11-30T10:00:00+05:00"
    late = edoc.run("open", *_bug_args("31.02.2026 10:00"), "--no-input", now="2026-11-26T10:00:00+05:00")
    assert late.code == 3 and EN_FORMS in late.err


def _bug_args(occurred: str) -> list[str]:
    from conftest import request_args

    return request_args(**{**BUG_FIELDS, "occurred_at": occurred})


def _unwrapped(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("lang, forms", [("en", EN_FORMS), ("ru", RU_FORMS)])
def test_help_prompt_and_error_show_one_list(edoc, lang, forms):
    i18n.use(lang)
    assert instant_forms().startswith(forms)
    for command in (["list"], ["report"], ["open"], ["postpone"], ["calendar", "check"]):
        shown = edoc.run("--lang", lang, *command, "--help")
        assert shown.code == 0 and instant_forms() in _unwrapped(shown.out), (command, shown.out)
    assert duration_forms() in _unwrapped(edoc.run("--lang", lang, "list", "--help").out)
    error = edoc.run("--lang", lang, "report", "--since", "1.2.3")
    assert error.code == 2 and instant_forms() in error.err
