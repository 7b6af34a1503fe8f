"""edoc report (SPEC.md): every JSON field against figures computed by hand on a small known data set.

Working time is 09:00-18:00 Astana (UTC+5), Monday to Friday; the week of
23-27 November 2026 has no holiday. The data set is built once, in time
order, and only read by the tests (a report never writes).

The data set (basic level unless said; targets in working minutes, first response / resolution):

  T0  consultation phone, registered Fri 30 Oct 10:00, never touched (outside the default period)
  T1  consultation phone, aida.    Mon 23 Nov 10:00; reply 11:00; closed resolved 15:00.       240 / 960
  T2  consultation chat, aida.     Mon 23 Nov 10:00; reply 15:00; closed resolved Wed 25 12:00. 240 / 960
  T3  consultation email, bolat, VIP (60 / 480). Tue 24 Nov 09:00; request-info 09:30;
      no answer: auto-closed by the sweep at Tue 17:30 (09:30 + 8 working hours).
  T4  bug portal, bolat, diagnosed high (120 / 960). Wed 25 Nov 09:00; reply 12:00;
      escalated to NCALayer 13:00; still open.
  T5  feature email, nobody assigned (480 / no target). Thu 26 Nov 10:00; untouched.
  T6  complaint email, cemal (480 / 2400). Thu 26 Nov 14:00; reply 15:00; still open.
  T7  consultation phone, cemal. Fri 27 Nov 09:00; terminated for abuse 09:20.
  T8  consultation portal, aida. Fri 27 Nov 10:00; closed faq 10:10.

The report is read at NOW = Mon 30 Nov 12:00, so the default period is
Sat 31 Oct 12:00 .. Mon 30 Nov 12:00 (T1-T8; T0 is a day too old).

Per ticket, in working minutes (Mon-Fri 09-18 are 540 a day):
  T1  first response 10:00->11:00 = 60 (met, <= 240); resolution 10:00->15:00 = 300 (met, <= 960)
  T2  first response 10:00->15:00 = 300 (breached, > 240);
      resolution Mon 10-18 480 + Tue 540 + Wed 09-12 180 = 1200 (breached, > 960)
  T3  first response 09:00->09:30 = 30 (met, <= 60); resolution: the clock is paused from 09:30 while
      waiting, closed 17:30: 30 (met, <= 480). Auto-closed.
  T4  first response 09:00->12:00 = 180 (breached, > 120); resolution not met, as of NOW:
      Wed 540 + Thu 540 + Fri 540 + Mon 09-12 180 = 1800 (breached, > 960). Backlog age 1800.
  T5  first response not met, as of NOW: Thu 10-18 480 + Fri 540 + Mon 180 = 1200 (breached, > 480);
      resolution has no target (neither met nor breached). Backlog age 1200.
  T6  first response 14:00->15:00 = 60 (met); resolution not met, as of NOW:
      Thu 14-18 240 + Fri 540 + Mon 180 = 960 (< 2400: neither met nor breached). Backlog age 960.
  T7  terminate ends both clocks: first response 20 (met), resolution 20 (met). Terminated.
  T8  closing answers and resolves: 10 (met) and 10 (met). FAQ.
"""

from __future__ import annotations

import csv
import io
import sys

import pytest

from conftest import BIN, BUG_FIELDS, Edoc, assert_timelines_add_up

NOW = "2026-11-30T12:00:00+05:00"
VIP_CONFIG = """
[[clients]]
bin = "940140000385"
level = "vip"
valid_from = "2026-01-01"
valid_to = "2026-12-31"
"""
M_KEYS = ("opened", "closed", "backlog", "auto_closed", "terminated", "faq", "escalated",
          "first_response", "resolution")


def local(text: str) -> str:
    return f"{text}:00+05:00"


def pct(met: int, breached: int):
    """SPEC.md: met / (met + breached) x 100, null when both are 0 (shown to a tenth, so +-0.05)."""
    if met + breached == 0:
        return None
    return pytest.approx(100 * met / (met + breached), abs=0.05)


def S(met: int, breached: int, median) -> dict:
    return {"met": met, "breached": breached, "pct_met": pct(met, breached), "median_minutes": median}


def M(opened, closed, backlog, auto_closed, terminated, faq, escalated, first_response, resolution) -> dict:
    return dict(zip(M_KEYS, (opened, closed, backlog, auto_closed, terminated, faq, escalated,
                             first_response, resolution)))


def m_of(group: dict) -> dict:
    return {k: group[k] for k in M_KEYS}


class DataSet:
    def __init__(self, edoc: Edoc):
        self.edoc = edoc
        self.ids: dict[str, str] = {}

    def open(self, label: str, when: str, **fields) -> None:
        self.ids[label] = self.edoc.open_ticket(now=local(when), **fields)

    def do(self, when: str, *args: str) -> None:
        args = tuple(self.ids.get(a, a) for a in args)
        result = self.edoc.run(*args, now=local(when))
        assert result.code == 0, (args, result)

    def report(self, *args: str, now: str = NOW) -> dict:
        result = self.edoc.run("report", "--json", *args, now=now)
        assert result.code == 0, result
        assert result.err == ""
        return result.json()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> DataSet:
    edoc = Edoc(tmp_path_factory.mktemp("report"))
    edoc.write_config(VIP_CONFIG)
    d = DataSet(edoc)
    # Every step in time order, so each history (and the sweep's records) is in order too.
    d.open("T0", "2026-10-30T10:00")
    d.open("T1", "2026-11-23T10:00", channel="phone")
    d.open("T2", "2026-11-23T10:00", channel="chat")
    d.do("2026-11-23T10:05", "assign", "T2", "aida")
    d.do("2026-11-23T10:30", "assign", "T1", "aida")
    d.do("2026-11-23T11:00", "reply", "T1", "-m", "Откройте Профиль > Контакты")
    d.do("2026-11-23T15:00", "reply", "T2", "-m", "Смените адрес в профиле")
    d.do("2026-11-23T15:00", "close", "T1", "--resolution", "resolved", "-m", "Готово")
    d.open("T3", "2026-11-24T09:00", iin=None, bin=BIN, channel="email", name="ТОО Альфа, Ким Анна")
    d.do("2026-11-24T09:10", "assign", "T3", "bolat")
    d.do("2026-11-24T09:30", "request-info", "T3", "-m", "Пришлите скриншот")
    result = edoc.run("sweep", "--json", now=local("2026-11-24T17:30"))
    assert [c["id"] for c in result.json()["closed"]] == [d.ids["T3"]], result
    d.open("T4", "2026-11-25T09:00", **{**BUG_FIELDS, "occurred_at": local("2026-11-25T08:30")})
    d.do("2026-11-25T09:30", "assign", "T4", "bolat")
    d.do("2026-11-25T10:00", "diagnose", "T4", "--priority", "high")
    d.do("2026-11-25T12:00", "reply", "T4", "-m", "Ищем причину")
    d.do("2026-11-25T12:00", "close", "T2", "--resolution", "resolved", "-m", "Адрес изменён")
    d.do("2026-11-25T13:00", "escalate", "T4", "--third-party", "NCALayer", "-m", "Сбой библиотеки")
    d.open("T5", "2026-11-26T10:00", category="feature", channel="email", subject="Тёмная тема")
    d.open("T6", "2026-11-26T14:00", category="complaint", channel="email", name="Петров Пётр Петрович",
           subject="Грубость оператора", description="Оператор был груб по телефону")
    d.do("2026-11-26T14:10", "assign", "T6", "cemal")
    d.do("2026-11-26T15:00", "reply", "T6", "-m", "Приносим извинения, разбираемся")
    d.open("T7", "2026-11-27T09:00", name="Сидоров Сидор Сидорович")
    d.do("2026-11-27T09:10", "assign", "T7", "cemal")
    d.do("2026-11-27T09:20", "terminate", "T7", "-m", "Нецензурная брань в адрес оператора")
    d.open("T8", "2026-11-27T10:00", channel="portal")
    d.do("2026-11-27T10:05", "assign", "T8", "aida")
    d.do("2026-11-27T10:10", "close", "T8", "--resolution", "faq", "--faq-link", "https://help.e-doc.kz/sign")
    assert edoc.run("check", now=NOW).code == 0
    yield d
    edoc.env["EDOC_NOW"] = NOW
    assert assert_timelines_add_up(edoc) == 9


# -- the JSON report, field by field ---------------------------------------------------------

# Totals over T1-T8:
#   opened 8; closed T1 T2 T3 T7 T8 = 5; backlog T4 T5 T6 = 3; auto-closed T3; terminated T7;
#   FAQ T8; escalated T4.
#   First response: met T1 T3 T6 T7 T8 = 5, breached T2 T4 T5 = 3 -> 62.5 %;
#     minutes of those answered: 60 300 30 180 60 20 10 -> sorted 10 20 30 60 60 180 300 -> median 60.
#   Resolution: met T1 T3 T7 T8 = 4, breached T2 T4 = 2 (T5 has no target, T6 is within it) -> 66.7 %;
#     minutes of those resolved: 300 1200 30 20 10 -> sorted 10 20 30 300 1200 -> median 30.
TOTAL = M(8, 5, 3, 1, 1, 1, 1, S(5, 3, 60), S(4, 2, 30))

BY_CATEGORY = {
    # T4: first response 180 breached; resolution 1800 breached, not resolved (no median).
    "bug": M(1, 0, 1, 0, 0, 0, 1, S(0, 1, 180), S(0, 1, None)),
    # T6: first response 60 met; resolution pending: neither met nor breached -> pct null.
    "complaint": M(1, 0, 1, 0, 0, 0, 0, S(1, 0, 60), S(0, 0, None)),
    # T1 T2 T3 T7 T8, all closed. First response: met T1 T3 T7 T8, breached T2 -> 80 %;
    #   60 300 30 20 10 -> 10 20 30 60 300 -> 30. Resolution: the same split -> 80 %;
    #   300 1200 30 20 10 -> 10 20 30 300 1200 -> 30.
    "consultation": M(5, 5, 0, 1, 1, 1, 0, S(4, 1, 30), S(4, 1, 30)),
    # T5: first response breached and never given (no median); no resolution target -> null.
    "feature": M(1, 0, 1, 0, 0, 0, 0, S(0, 1, None), S(0, 0, None)),
}

BY_LEVEL = {
    # Everything but T3. First response: met T1 T6 T7 T8 = 4, breached T2 T4 T5 = 3 -> 57.1 %;
    #   60 300 180 60 20 10 -> 10 20 60 60 180 300 -> (60 + 60) / 2 = 60.
    #   Resolution: met T1 T7 T8 = 3, breached T2 T4 = 2 -> 60 %; 300 1200 20 10 -> (20 + 300) / 2 = 160.
    "basic": M(7, 4, 3, 0, 1, 1, 1, S(4, 3, 60), S(3, 2, 160)),
    "vip": M(1, 1, 0, 1, 0, 0, 0, S(1, 0, 30), S(1, 0, 30)),       # T3
}

BY_ASSIGNEE = {
    # T1 T2 T8. First response: met T1 T8, breached T2 -> 66.7 %; 60 300 10 -> 60.
    #   Resolution: met T1 T8, breached T2 -> 66.7 %; 300 1200 10 -> 300.
    "aida": M(3, 3, 0, 0, 0, 1, 0, S(2, 1, 60), S(2, 1, 300)),
    # T3 T4. First response: met T3, breached T4 -> 50 %; 30 180 -> 105.
    #   Resolution: met T3, breached T4 -> 50 %; only T3 resolved: 30.
    "bolat": M(2, 1, 1, 1, 0, 0, 1, S(1, 1, 105), S(1, 1, 30)),
    # T6 T7. First response: both met -> 100 %; 60 20 -> 40. Resolution: T7 met, T6 pending -> 100 %; 20.
    "cemal": M(2, 1, 1, 0, 1, 0, 0, S(2, 0, 40), S(1, 0, 20)),
    # T5, nobody's: the null group comes last.
    None: M(1, 0, 1, 0, 0, 0, 0, S(0, 1, None), S(0, 0, None)),
}

BY_CHANNEL = {
    "chat": M(1, 1, 0, 0, 0, 0, 0, S(0, 1, 300), S(0, 1, 1200)),    # T2
    # T3 T5 T6. First response: met T3 T6, breached T5 -> 66.7 %; 30 60 -> 45.
    #   Resolution: met T3; T5 no target, T6 pending -> 100 %; 30.
    "email": M(3, 1, 2, 1, 0, 0, 0, S(2, 1, 45), S(1, 0, 30)),
    # T1 T7. First response 60 20 -> 40; resolution 300 20 -> 160; all met.
    "phone": M(2, 2, 0, 0, 1, 0, 0, S(2, 0, 40), S(2, 0, 160)),
    # T4 T8. First response: met T8, breached T4 -> 50 %; 180 10 -> 95.
    #   Resolution: met T8, breached T4 -> 50 %; only T8 resolved: 10.
    "portal": M(2, 1, 1, 0, 0, 1, 1, S(1, 1, 95), S(1, 1, 10)),
}

BY_PRIORITY = {
    "high": BY_CATEGORY["bug"],                                     # T4, the only diagnosed ticket
    # The other seven. First response: met T1 T3 T6 T7 T8 = 5, breached T2 T5 = 2 -> 71.4 %;
    #   60 300 30 60 20 10 -> 10 20 30 60 60 300 -> (30 + 60) / 2 = 45.
    #   Resolution: met T1 T3 T7 T8 = 4, breached T2 = 1 -> 80 %; 300 1200 30 20 10 -> 30.
    None: M(7, 5, 2, 1, 1, 1, 0, S(5, 2, 45), S(4, 1, 30)),
}


@pytest.mark.parametrize("group_by, expected", [
    ("category", BY_CATEGORY), ("level", BY_LEVEL), ("assignee", BY_ASSIGNEE),
    ("channel", BY_CHANNEL), ("priority", BY_PRIORITY),
])
def test_every_field_of_every_group(data, group_by, expected) -> None:
    report = data.report("--group-by", group_by)
    assert report["period"] == {"since": "2026-10-31T12:00:00+05:00", "until": NOW}
    assert m_of(report["total"]) == TOTAL
    assert [g["key"] for g in report["groups"]] == list(expected)
    for group in report["groups"]:
        assert m_of(group) == expected[group["key"]], group["key"]
    # The groups add up to the total.
    for key in ("opened", "closed", "backlog", "auto_closed", "terminated", "faq", "escalated"):
        assert sum(g[key] for g in report["groups"]) == report["total"][key], key


def test_category_is_the_default_grouping_and_json_flag_equals_format_json(data) -> None:
    plain = data.report()
    assert [g["key"] for g in plain["groups"]] == list(BY_CATEGORY)
    formatted = data.edoc.run("report", "--format", "json", now=NOW)
    assert formatted.code == 0 and formatted.json() == plain


def test_pct_met_is_null_when_nothing_was_met_or_breached(data) -> None:
    groups = {g["key"]: g for g in data.report()["groups"]}
    # T6's resolution (960 of 2400 min, not resolved) and T5's (no target) count neither way.
    for key in ("complaint", "feature"):
        assert groups[key]["resolution"] == {"met": 0, "breached": 0, "pct_met": None, "median_minutes": None}
    assert groups["bug"]["first_response"]["pct_met"] == 0


def test_backlog_age(data) -> None:
    report = data.report()
    # Open as of NOW: T4 1800, T5 1200, T6 960 working minutes since received -> median 1200, max 1800.
    assert report["total"]["backlog_age"] == {"median_minutes": 1200, "max_minutes": 1800}
    groups = {g["key"]: g["backlog_age"] for g in report["groups"]}
    assert groups["consultation"] == {"median_minutes": None, "max_minutes": None}
    assert groups["complaint"] == {"median_minutes": 960, "max_minutes": 960}


def test_terminated_and_complaints_for_the_supervisor(data) -> None:
    report = data.report()
    [terminated] = report["terminated"]
    assert {k: terminated[k] for k in ("id", "at", "by", "message", "client")} == {
        "id": data.ids["T7"], "at": local("2026-11-27T09:20"), "by": "tester",
        "message": "Нецензурная брань в адрес оператора", "client": "Сидоров Сидор Сидорович",
    }
    [complaint] = report["complaints"]
    assert {k: complaint[k] for k in ("id", "status", "received_at", "client", "subject", "assignee")} == {
        "id": data.ids["T6"], "status": "open", "received_at": local("2026-11-26T14:00"),
        "client": "Петров Пётр Петрович", "subject": "Грубость оператора", "assignee": "cemal",
    }


# -- the period --------------------------------------------------------------------------------


def test_the_default_period_is_the_thirty_days_before_now(data) -> None:
    # T1 and T2 were registered Mon 23 Nov 10:00; 30 days later is Wed 23 Dec 10:00.
    at_edge = data.report(now="2026-12-23T10:00:00+05:00")
    assert at_edge["period"] == {"since": local("2026-11-23T10:00"), "until": local("2026-12-23T10:00")}
    assert at_edge["total"]["opened"] == 8            # T1-T8: since is inclusive
    a_minute_on = data.report(now="2026-12-23T10:01:00+05:00")
    assert a_minute_on["total"]["opened"] == 6        # T3-T8


def test_since_and_until_filter_and_a_date_until_includes_that_whole_day(data) -> None:
    wider = data.report("--since", "2026-10-01")
    assert wider["period"] == {"since": "2026-10-01T00:00:00+05:00", "until": NOW}
    assert wider["total"]["opened"] == 9              # T0 too

    # --until 2026-11-26 runs to Fri 27 Nov 00:00: T1-T6 (T6 Thu 14:00 in), not T7 T8 (Friday).
    week = data.report("--since", "2026-11-23", "--until", "2026-11-26")
    assert week["period"] == {"since": "2026-11-23T00:00:00+05:00", "until": "2026-11-27T00:00:00+05:00"}
    assert week["total"]["opened"] == 6
    assert [c["id"] for c in week["complaints"]] == [data.ids["T6"]]
    assert week["terminated"] == []
    # The same date in ISO 8601's basic form is still a whole day.
    assert data.report("--since", "2026-11-23", "--until", "20261126")["period"]["until"] == \
        "2026-11-27T00:00:00+05:00"
    # A date and time is an exact, exclusive bound: T6, registered at 14:00 exactly, is left out.
    before_six = data.report("--since", "2026-11-23", "--until", "2026-11-26T14:00")
    assert before_six["total"]["opened"] == 5
    assert before_six["complaints"] == []


def test_a_past_period_is_reported_as_it_stood_at_its_end(data) -> None:
    week = data.report("--since", "2026-11-23", "--until", "2026-11-26")
    # As of Fri 27 Nov 00:00: closed T1 T2 T3, open T4 T5 T6.
    #   First response: met T1 T3 T6, breached T2 T4; T5 has run Thu 10-18 = 480, exactly its target:
    #   not yet breached -> 3 / 5 = 60 %.
    #   Resolution: met T1 T3; breached T2 (1200) and T4 (Wed 540 + Thu 540 = 1080 > 960) -> 50 %;
    #   minutes of those resolved: T1 300, T2 1200, T3 30 -> median 300.
    #   Backlog ages: T4 1080, T5 480, T6 Thu 14-18 = 240 -> median 480, max 1080.
    assert m_of(week["total"]) == M(6, 3, 3, 1, 0, 0, 1, S(3, 2, 60), S(2, 2, 300))
    assert week["total"]["backlog_age"] == {"median_minutes": 480, "max_minutes": 1080}
    # ...and reads the same a month later.
    assert data.report("--since", "2026-11-23", "--until", "2026-11-26", now="2026-12-31T12:00:00+05:00") == week


@pytest.mark.parametrize("args", [
    ["--group-by", "team"],
    ["--format", "xml"],
    ["--since", "last week"],
    ["--until", "2026-13-01"],
    ["--since", "2026-11-27", "--until", "2026-11-01"],
])
def test_bad_arguments_are_usage_errors(data, args) -> None:
    result = data.edoc.run("report", *args, now=NOW)
    assert result.code == 2, result
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1


# -- CSV and tables -------------------------------------------------------------------------------


def test_csv_has_a_header_and_a_row_per_group_plus_the_total(data) -> None:
    result = data.edoc.run("report", "--format", "csv", now=NOW)
    assert result.code == 0 and result.err == ""
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [r["key"] for r in rows] == ["bug", "complaint", "consultation", "feature", "TOTAL"]
    total = rows[-1]
    # The hand-computed totals again, as a spreadsheet reads them.
    assert (total["opened"], total["closed"], total["backlog"], total["auto_closed"], total["terminated"],
            total["faq"], total["escalated"]) == ("8", "5", "3", "1", "1", "1", "1")
    assert float(total["first_response_pct_met"]) == pytest.approx(62.5)
    assert float(total["resolution_pct_met"]) == pytest.approx(400 / 6, abs=0.05)
    assert (total["first_response_median_minutes"], total["resolution_median_minutes"]) == ("60", "30")
    # A null is an empty cell.
    complaint = rows[1]
    assert (complaint["resolution_pct_met"], complaint["resolution_median_minutes"]) == ("", "")


def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(edoc) -> None:
    evil = ['=HYPERLINK("http://evil.example/x","click")', "+1", "-2", "@A1", "=1+1"]
    for name in [*evil, "aida"]:
        ticket_id = edoc.open_ticket(now=local("2026-11-26T09:00"))
        assert edoc.run("assign", "--", ticket_id, name, now=local("2026-11-26T09:05")).code == 0  # "-2" is no option
    result = edoc.run("report", "--format", "csv", "--group-by", "assignee", now=local("2026-11-26T10:00"))
    assert result.code == 0, result
    parsed = list(csv.reader(io.StringIO(result.out)))
    assert all(len(row) == len(parsed[0]) for row in parsed)
    keys = [row[0] for row in parsed[1:]]
    assert sorted(keys) == sorted(["'" + name for name in evil] + ["aida", "TOTAL"])
    # Only a text cell is touched: counts stay numbers.
    assert all(row[1] == "1" for row in parsed[1:-1]) and parsed[-1][1] == "6"


def test_a_table_in_a_pipe_is_tsv_without_colour(data) -> None:
    result = data.edoc.run("report", "--format", "table", now=NOW)
    assert result.code == 0, result
    assert "\x1b" not in result.out and "█" not in result.out   # no colour, no bar chart
    # Three TSV blocks, each with its header line: the groups, then the supervisor's two lists.
    groups, terminated, complaints = [
        [line.split("\t") for line in block.splitlines()] for block in result.out.split("\n\n")
    ]
    assert groups[0][0] == "group"
    assert all(len(cells) == len(groups[0]) for cells in groups)
    assert [cells[0] for cells in groups[1:]] == ["bug", "complaint", "consultation", "feature", "TOTAL"]
    assert groups[-1][1:8] == ["8", "5", "3", "1", "1", "1", "1"]
    assert terminated[0][0] == "terminated (clause 16)"
    assert [cells[0] for cells in terminated[1:]] == [data.ids["T7"]]
    assert complaints[0][0] == "complaint"
    assert [cells[0] for cells in complaints[1:]] == [data.ids["T6"]]
    # What the table covers is said on stderr, not mixed into the data.
    assert "2026-10-31 12:00" in result.err and "2026-11-30 12:00" in result.err


def test_the_human_table_on_a_terminal_has_the_bar_charts_and_the_supervisor_lists(data) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = data.edoc.proc_env(now=NOW, env={"NO_COLOR": None, "TERM": "xterm"})
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", "report"], env=env, encoding="utf-8",
                          dimensions=(60, 200), timeout=30)
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 0, output
    lines = output.splitlines()

    def line_of(start: str, after: str) -> str:
        begin = next(i for i, line in enumerate(lines) if after in line)
        return next(line for line in lines[begin:] if line.strip().startswith(start))

    # % met, 20 cells for 100 %: consultation 80 % -> 16 full, 4 empty; complaint 100 % first response;
    # a null (complaint's resolution) draws no bar.
    assert "█" * 16 + "·" * 4 in line_of("consultation", "% of SLA targets met")
    assert "█" * 20 in line_of("complaint", "% of SLA targets met")
    assert "·" * 20 in line_of("feature", "% of SLA targets met")   # 0 % first response
    # Backlog age, 30 cells for the oldest (T4, 1800 min = 30 h): complaint 960 min = 16 h -> 16 cells;
    # feature 1200 min = 20 h -> 20 cells; consultation has none.
    age = "backlog age, working hours"  # the chart's title (the table's heading says "backlog age" too)
    assert "█" * 30 in line_of("bug", age) and "30.0 h" in line_of("bug", age)
    assert "█" * 16 + "·" * 14 in line_of("complaint", age) and "16.0 h" in line_of("complaint", age)
    assert "█" * 20 + "·" * 10 in line_of("feature", age) and "20.0 h" in line_of("feature", age)
    assert "no backlog" in line_of("consultation", age)
    # The supervisor's lists (clause 16) follow.
    assert data.ids["T7"] in output and "terminated" in output
    assert data.ids["T6"] in output and "Грубость оператора" in output


def test_a_reopened_terminated_ticket_still_counts_as_terminated(edoc):
    # Terminated Thu 10:30, reopened 11:00: the abuse happened; count and list agree.
    tid = edoc.open_ticket()
    assert edoc.run("terminate", tid, "-m", "insults", now="2026-11-26T10:30:00+05:00").code == 0
    assert edoc.run("reopen", tid, "-m", "supervisor allowed", now="2026-11-26T11:00:00+05:00").code == 0
    report = edoc.run("report", "--json", now="2026-11-26T12:00:00+05:00").json()
    assert report["total"]["terminated"] == 1
    assert [t["id"] for t in report["terminated"]] == [tid]
    assert report["total"]["backlog"] == 1
