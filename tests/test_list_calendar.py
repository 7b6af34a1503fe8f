"""`edoc list` filters and order, and `edoc calendar`: through the CLI, values computed by hand."""

from __future__ import annotations

import pytest

from conftest import BIN, BUG_FIELDS

THU_10 = "2026-11-26T10:00:00+05:00"


@pytest.fixture
def desk(edoc):
    """Four tickets registered Thu 2026-11-26 (basic consultation: first response 4 h = 240 min).

    a 09:00 -> first response due 13:00;  b 10:00 -> due 14:00 (assigned to aida);
    c 11:00 -> bug (normal, 4 h) due 15:00;  d 12:00 -> VIP consultation (1 h), due 13:00, closed.
    """
    edoc.write_config('[[clients]]\nbin = "940140000385"\nlevel = "vip"\nvalid_from = "2026-01-01"\n'
                      'valid_to = "2026-12-31"\n')
    ids = {
        "a": edoc.open_ticket(now="2026-11-26T09:00:00+05:00"),
        "b": edoc.open_ticket(now="2026-11-26T10:00:00+05:00"),
        "c": edoc.open_ticket(now="2026-11-26T11:00:00+05:00", **BUG_FIELDS),
        "d": edoc.open_ticket(now="2026-11-26T12:00:00+05:00", iin=None, bin=BIN),
    }
    assert edoc.run("assign", ids["b"], "aida", now="2026-11-26T12:00:00+05:00").code == 0
    assert edoc.run("close", ids["d"], "--resolution", "resolved", now="2026-11-26T12:30:00+05:00").code == 0
    edoc.ids = ids
    return edoc


def listed(edoc, *args, now="2026-11-26T12:30:00+05:00") -> list[str]:
    result = edoc.run("list", "--json", *args, now=now)
    assert result.code == 0, result
    return [t["id"] for t in result.json()]


def test_default_is_open_work_nearest_deadline_first(desk):
    i = desk.ids
    # a due 13:00, b 14:00, c 15:00 (first response); d is closed.
    assert listed(desk) == [i["a"], i["b"], i["c"]]
    assert listed(desk, "--all") == [i["a"], i["b"], i["c"], i["d"]]
    assert listed(desk, "--status", "closed") == [i["d"]]
    assert listed(desk, "--status", "new,open") == [i["a"], i["b"], i["c"]]


def test_filters(desk):
    i = desk.ids
    assert listed(desk, "--category", "bug") == [i["c"]]
    assert listed(desk, "--level", "vip", "--all") == [i["d"]]
    assert listed(desk, "--assignee", "aida") == [i["b"]]
    assert listed(desk, "--assignee", "-") == [i["a"], i["c"]]
    assert listed(desk, "--since", "2026-11-26T10:00", "--until", "2026-11-26T11:00") == [i["b"]]
    assert listed(desk, "--priority", "high") == []
    assert desk.run("diagnose", i["c"], "--priority", "high", now="2026-11-26T12:30:00+05:00").code == 0
    assert listed(desk, "--priority", "high") == [i["c"]]
    # "-" is no one: a ticket assigned to the name "-" is listed with the unassigned, on every store.
    assert desk.run("assign", i["c"], "--to", "-", now="2026-11-26T12:30:00+05:00").code == 0
    assert listed(desk, "--assignee", "-") == [i["a"], i["c"]]
    assert listed(desk, "--assignee", "-", "--status", "closed", "--level", "vip") == [i["d"]]


def test_due_within_and_breached(desk):
    i = desk.ids
    # At 12:30: a is due 13:00 (30 min away), b 14:00 (90 min), c 15:00 (150 min).
    assert listed(desk, "--due-within", "30m") == [i["a"]]
    assert listed(desk, "--due-within", "1h30m") == [i["a"], i["b"]]
    assert listed(desk, "--breached") == []
    # At 14:30 a (13:00) and b (14:00) are breached, c (15:00) is not yet.
    assert listed(desk, "--breached", now="2026-11-26T14:30:00+05:00") == [i["a"], i["b"]]


@pytest.mark.parametrize("args", [["--status", "lost"], ["--due-within", "soon"], ["--level", "gold"],
                                  ["--since", "last week"], ["--priority", "urgent"]])
def test_bad_filters_are_usage_errors(desk, args):
    result = desk.run("list", *args, now=THU_10)
    assert result.code == 2 and "Traceback" not in result.err


def test_calendar_year_lists_holidays_and_transfers(edoc):
    report = edoc.run("calendar", "--year", "2025", "--json", now=THU_10).json()
    by_day = {d["date"]: d for d in report["exceptions"]}
    # 2025: Fri 3 Jan off, worked on Sun 5 Jan instead (a decreed transfer).
    assert by_day["2025-01-03"]["kind"] == "transfer_off" and not by_day["2025-01-03"]["working"]
    assert by_day["2025-01-05"]["kind"] == "transfer_work" and by_day["2025-01-05"]["working"]
    assert by_day["2025-03-21"]["name"] == "Nowruz Holiday"
    assert report["hours"] == {"start": "09:00", "end": "18:00"}


def test_calendar_month_day_by_day(edoc):
    report = edoc.run("calendar", "--year", "2026", "--month", "12", "--json", now=THU_10).json()
    assert len(report["days"]) == 31
    # December 2026: 23 weekdays, minus Wed 16 Dec (Independence Day) = 22 working days.
    assert report["working_days"] == 22
    human = edoc.run("calendar", "--year", "2026", "--month", "12", now=THU_10)
    assert human.code == 0 and "2026-12-16" in human.out and "Independence Day" in human.out


def test_calendar_check_a_day_and_config_extras(edoc):
    day = edoc.run("calendar", "check", "2026-12-16", "--json", now=THU_10).json()
    assert day["working"] is False and day["kind"] == "holiday"
    work = edoc.run("calendar", "check", "2026-11-26", "--json", now=THU_10).json()
    assert work["working"] is True and work["hours"] == ["2026-11-26T09:00:00+05:00", "2026-11-26T18:00:00+05:00"]
    edoc.write_config('[calendar]\nextra_working_days = ["2026-11-28"]\n')
    saturday = edoc.run("calendar", "check", "2026-11-28", "--json", now=THU_10).json()
    assert saturday["working"] is True and saturday["kind"] == "extra_work"
    # The day as people in Kazakhstan write it, and a word for it, are the same day.
    assert edoc.run("calendar", "check", "28.11.2026", "--json", now=THU_10).json()["date"] == "2026-11-28"
    assert edoc.run("calendar", "check", "вчера", "--json", now=THU_10).json()["date"] == "2026-11-25"
    refused = edoc.run("calendar", "check", "28.11.26", now=THU_10)
    assert refused.code == 2 and "27.11.2026 10:05" in refused.err
