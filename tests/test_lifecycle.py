"""Every lifecycle command of SPEC.md through the CLI: statuses, history events, refusals.

The allowed-status table below is written by hand from SPEC.md ("Ticket",
"Commands") and REGULATION.md (clauses 9, 13, 15, 16, 17), not taken from
the code; the CLI is checked against it for all 5 x 12 combinations.
"""

from __future__ import annotations

import pytest

from conftest import BUG_FIELDS, Edoc, make_desk

OPENED = "2026-11-26T10:00:00+05:00"      # Thursday, a working day
PREPARED = "2026-11-26T10:10:00+05:00"    # when the template tickets got their status
ACT = "2026-11-26T10:30:00+05:00"         # when the action under test happens
ACT_UTC = "2026-11-26T05:30:00Z"          # the same instant, written in UTC

# The template: one bug ticket in each status (bugs, so that `diagnose` is possible).
TICKET_IN = {
    "new": "ED-2026-000001",
    "open": "ED-2026-000002",
    "waiting": "ED-2026-000003",
    "postponed": "ED-2026-000004",
    "closed": "ED-2026-000005",
}

# (action) -> the command's valid arguments after the ticket number
ACTION_ARGS = {
    "assign": ["petrov"],
    "reply": ["--message", "Ответ клиенту"],
    "request-info": ["--message", "Пришлите скриншот ошибки"],
    "client-reply": ["--message", "Скриншот во вложении"],
    "note": ["--message", "Проверил журнал сервера"],
    "diagnose": ["--priority", "high", "--message", "Ошибка в модуле входа"],
    "postpone": ["--reason", "third_party", "--message", "Ждём исправления NCALayer"],
    "resume": ["--message", "NCALayer обновлён"],
    "escalate": ["--third-party", "НУЦ РК", "--message", "Запрос в НУЦ"],
    "close": ["--resolution", "resolved", "--message", "Исправлено"],
    "reopen": ["--message", "Ошибка повторилась"],
    "terminate": ["--message", "Оскорбления в адрес оператора"],
}

EVENT_OF = {
    "assign": "assigned", "reply": "replied", "request-info": "info_requested",
    "client-reply": "client_replied", "note": "note", "diagnose": "diagnosed",
    "postpone": "postponed", "resume": "resumed", "escalate": "escalated",
    "close": "closed", "reopen": "reopened", "terminate": "terminated",
}

# The status each action leads to from each starting status; "-" = refused (exit 5).
# Why: a closed ticket accepts nothing but `reopen`; `resume` only ends a
# postponement; `postpone` and `request-info` pause a running or waiting
# ticket, not an already postponed one (resume first); the client's answer
# ends waiting (clause 15) but not a clause 9 postponement; work on a `new`
# ticket (assign, a reply) makes it `open`.
MATRIX = """
action        new        open       waiting    postponed  closed
assign        open       open       waiting    postponed  -
reply         open       open       waiting    postponed  -
request-info  waiting    waiting    waiting    -          -
client-reply  new        open       open       postponed  -
note          new        open       waiting    postponed  -
diagnose      new        open       waiting    postponed  -
postpone      postponed  postponed  postponed  -          -
resume        -          -          -          open       -
escalate      new        open       waiting    postponed  -
close         closed     closed     closed     closed     -
reopen        -          -          -          -          open
terminate     closed     closed     closed     closed     -
"""


def _matrix() -> list[tuple[str, str, str | None]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    statuses = lines[0][1:]
    cases = []
    for row in lines[1:]:
        action, results = row[0], row[1:]
        assert len(results) == len(statuses)
        for status, result in zip(statuses, results):
            cases.append((status, action, None if result == "-" else result))
    return cases


CASES = _matrix()
assert len(CASES) == 5 * 12 and {a for _, a, _ in CASES} == set(ACTION_ARGS)


@pytest.fixture(scope="module")
def template(request, tmp_path_factory, store_kind) -> Edoc:
    """A store holding one bug ticket in each of the five statuses."""
    desk = make_desk(request, tmp_path_factory.mktemp("template"), store_kind)
    for _ in TICKET_IN:
        desk.open_ticket(now=OPENED, **BUG_FIELDS)
    steps = [
        ["assign", TICKET_IN["open"], "ivanova"],
        ["request-info", TICKET_IN["waiting"], "--message", "Уточните браузер"],
        ["postpone", TICKET_IN["postponed"], "--reason", "third_party", "--message", "Ждём банк"],
        ["close", TICKET_IN["closed"], "--resolution", "resolved", "--message", "Исправлено"],
    ]
    for step in steps:
        assert desk.run(*step, now=PREPARED).code == 0
    for status, tid in TICKET_IN.items():
        assert desk.ticket(tid, now=PREPARED)["status"] == status
    return desk


@pytest.fixture
def desk(edoc, template) -> Edoc:
    # The whole store (the JSON store: the file proper and its archive of closed tickets beside it).
    edoc.fill_from(template)
    return edoc


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- the status table ---------------------------------------------------------------


@pytest.mark.parametrize("status,action,leads_to", CASES,
                         ids=[f"{s}-{a}" for s, a, _ in CASES])
def test_action_in_status(desk, status, action, leads_to):
    tid = TICKET_IN[status]
    before = desk.ticket(tid, now=ACT)
    raw = desk.state()

    result = desk.run(action, tid, *ACTION_ARGS[action], "--json", now=ACT)

    if leads_to is None:
        assert result.code == 5, result
        assert result.out == ""
        line = one_line(result.err)
        assert tid in line and status in line
        assert desk.state() == raw
        return
    assert result.code == 0, result
    printed = result.json()
    assert printed["id"] == tid
    assert printed["status"] == leads_to
    assert printed["history"][:-1] == before["history"]
    event = printed["history"][-1]
    assert (event["type"], event["by"], event["at"]) == (EVENT_OF[action], "tester", ACT)
    assert desk.ticket(tid, now=ACT) == printed  # what was printed is what was stored


# -- each action's own effects ------------------------------------------------------


def test_assign_sets_the_assignee_and_opens_a_new_ticket(desk):
    tid = TICKET_IN["new"]
    t = desk.run("assign", tid, "petrov", "--json", now=ACT).json()
    assert (t["status"], t["assignee"]) == ("open", "petrov")
    assert t["history"][-1]["assignee"] == "petrov"
    # Reassigning an open ticket keeps it open.
    t = desk.run("assign", tid, "sidorova", "--json", now=ACT).json()
    assert (t["status"], t["assignee"]) == ("open", "sidorova")


def test_without_json_an_action_prints_nothing_on_stdout(desk):
    result = desk.run("note", TICKET_IN["open"], "--message", "Тест", now=ACT)
    assert result.code == 0 and result.out == ""
    assert TICKET_IN["open"] in result.err


def test_reply_is_the_first_response(desk):
    tid = TICKET_IN["new"]
    t = desk.run("reply", tid, "--message", "Ответ", "--faq-link", "https://help.example.kz/sign",
                 "--json", now=ACT).json()
    assert t["sla"]["first_response"]["met_at"] == ACT
    assert t["sla"]["first_response"]["elapsed_minutes"] == 30
    assert t["sla"]["resolution"]["met_at"] is None
    assert t["history"][-1]["message"] == "Ответ"
    assert t["history"][-1]["faq_link"] == "https://help.example.kz/sign"


def test_request_info_waits_with_an_auto_close_timer(desk):
    tid = TICKET_IN["open"]
    t = desk.run("request-info", tid, "--message", "Какой браузер?", "--json", now=ACT).json()
    assert t["status"] == "waiting"
    assert t["sla"]["paused"] is True
    assert t["sla"]["first_response"]["met_at"] == ACT
    # 8 working hours from Thu 10:30: 7.5 h on Thursday, 0.5 h on Friday morning.
    assert t["waiting"] == {"since": ACT, "auto_close_at": "2026-11-27T09:30:00+05:00"}


def test_client_reply_on_a_waiting_ticket_clears_waiting(desk):
    tid = TICKET_IN["waiting"]
    assert desk.ticket(tid, now=ACT)["waiting"] is not None
    t = desk.run("client-reply", tid, "--message", "Chrome 131", "--json", now=ACT).json()
    assert t["status"] == "open"
    assert t["waiting"] is None
    assert t["sla"]["paused"] is False
    assert t["history"][-1]["message"] == "Chrome 131"


def test_note_records_an_action_without_changing_anything_else(desk):
    tid = TICKET_IN["open"]
    before = desk.ticket(tid, now=ACT)
    t = desk.run("note", tid, "--message", "Перезапустил сервис", "--json", now=ACT).json()
    assert t["history"][-1]["message"] == "Перезапустил сервис"
    for key in ("status", "assignee", "priority", "waiting", "resolution", "third_parties"):
        assert t[key] == before[key]


def test_diagnose_sets_priority_and_the_targets_follow_from_receipt(desk):
    tid = TICKET_IN["open"]
    undiagnosed = desk.ticket(tid, now=ACT)
    # basic bug, undiagnosed = normal: 4 h first response, 40 h resolution
    assert undiagnosed["priority"] is None
    assert undiagnosed["sla"]["first_response"]["target_minutes"] == 240
    assert undiagnosed["sla"]["resolution"]["target_minutes"] == 2400
    t = desk.run("diagnose", tid, "--priority", "critical", "--json", now=ACT).json()
    assert t["priority"] == "critical"
    assert t["history"][-1]["priority"] == "critical"
    # basic bug critical: 1 h / 8 h, counted from received_at (Thu 10:00)
    assert t["sla"]["first_response"]["target_minutes"] == 60
    assert t["sla"]["first_response"]["due_at"] == "2026-11-26T11:00:00+05:00"
    assert t["sla"]["resolution"]["target_minutes"] == 480
    assert t["sla"]["resolution"]["due_at"] == "2026-11-26T18:00:00+05:00"


def test_diagnose_is_for_bugs_only(desk):
    tid = desk.open_ticket(now=OPENED)  # a consultation
    raw = desk.state()
    result = desk.run("diagnose", tid, "--priority", "high", now=ACT)
    assert result.code == 5
    assert "clause 13" in one_line(result.err)
    assert desk.state() == raw


def test_postpone_pauses_for_a_clause_9_reason_and_resume_ends_it(desk):
    tid = TICKET_IN["open"]
    t = desk.run("postpone", tid, "--reason", "development", "--message", "В релиз 5.2",
                 "--until", "2026-12-10T12:00:00+05:00", "--json", now=ACT).json()
    assert t["status"] == "postponed"
    assert t["sla"]["paused"] is True
    assert t["history"][-1]["reason"] == "development"
    assert t["history"][-1]["until"] == "2026-12-10T12:00:00+05:00"
    t = desk.run("resume", tid, "--json", now="2026-11-26T11:00:00+05:00").json()
    assert t["status"] == "open"
    assert t["sla"]["paused"] is False
    # 10:00-10:30 counted, 10:30-11:00 paused
    assert t["sla"]["resolution"]["elapsed_minutes"] == 30


def test_escalate_adds_the_third_party(desk):
    tid = TICKET_IN["open"]
    t = desk.run("escalate", tid, "--third-party", "НУЦ РК", "--message", "Проверка сертификата",
                 "--json", now=ACT).json()
    assert t["third_parties"] == [{"name": "НУЦ РК", "at": ACT, "note": "Проверка сертификата"}]
    assert t["status"] == "open"
    t = desk.run("escalate", tid, "--third-party", "Kaspi Bank", "--message", "Платёж",
                 "--json", now="2026-11-26T11:00:00+05:00").json()
    assert [p["name"] for p in t["third_parties"]] == ["НУЦ РК", "Kaspi Bank"]


def test_close_records_the_resolution(desk):
    tid = TICKET_IN["open"]
    t = desk.run("close", tid, "--resolution", "out_of_scope", "--message", "Вопрос бухгалтерии",
                 "--json", now=ACT).json()
    assert t["status"] == "closed"
    assert t["resolution"] == {"code": "out_of_scope", "message": "Вопрос бухгалтерии",
                               "faq_link": None, "closed_at": ACT, "closed_by": "tester"}
    assert t["sla"]["resolution"]["met_at"] == ACT


def test_reopen_gives_open_and_no_resolution(desk):
    tid = TICKET_IN["closed"]
    assert desk.ticket(tid, now=ACT)["resolution"]["code"] == "resolved"
    t = desk.run("reopen", tid, "--message", "Снова ошибка 500", "--json", now=ACT).json()
    assert t["status"] == "open"
    assert t["resolution"] is None
    assert t["history"][-1]["message"] == "Снова ошибка 500"


def test_terminate_closes_as_abuse_with_a_terminated_record(desk):
    tid = TICKET_IN["open"]
    t = desk.run("terminate", tid, "--message", "Нецензурная брань", "--json", now=ACT).json()
    assert t["status"] == "closed"
    assert t["resolution"]["code"] == "abuse"
    assert t["resolution"]["closed_by"] == "tester"
    assert t["resolution"]["closed_at"] == ACT
    assert t["terminated"] == {"at": ACT, "by": "tester", "message": "Нецензурная брань"}
    assert t["history"][-1]["type"] == "terminated"


def test_event_time_is_edoc_now_shown_in_astana_time(desk):
    t = desk.run("note", TICKET_IN["new"], "--message", "UTC", "--json", now=ACT_UTC).json()
    assert t["history"][-1]["at"] == ACT


# -- who acts -------------------------------------------------------------------------


@pytest.mark.json_only(reason="on PostgreSQL the operator is the database role (test_postgres)")
def test_operator_flag_overrides_the_environment(desk):
    t = desk.run("--operator", "akhmetova", "note", TICKET_IN["open"], "--message", "Позвонила",
                 "--json", now=ACT, env={"EDOC_OPERATOR": "tester"}).json()
    assert t["history"][-1]["by"] == "akhmetova"
    t = desk.run("note", TICKET_IN["open"], "--message", "Ещё раз", "--json", now=ACT,
                 env={"EDOC_OPERATOR": "bekova"}).json()
    assert t["history"][-1]["by"] == "bekova"


@pytest.mark.json_only(reason="SPEC: ignored on PostgreSQL, where the operator is the role")
@pytest.mark.parametrize("where", ["flag", "environment"])
@pytest.mark.parametrize("name", ["bad\x07name", "bad\x1b[31mname", "two\nlines", "c1\x9bname"])
def test_operator_name_with_a_control_character_is_a_usage_error(desk, where, name):
    raw = desk.state()
    if where == "flag":
        result = desk.run("--operator", name, "note", TICKET_IN["open"], "--message", "x", now=ACT)
    else:
        result = desk.run("note", TICKET_IN["open"], "--message", "x", now=ACT,
                          env={"EDOC_OPERATOR": name})
    assert result.code == 2, result
    line = one_line(result.err)
    assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line
    assert desk.state() == raw


# -- refusals: not found, usage ----------------------------------------------------


@pytest.mark.parametrize("action", list(ACTION_ARGS))
@pytest.mark.parametrize("number", ["ED-2026-000099", "ED-26-1", "42", "ED-2026-00000x"])
def test_an_unknown_ticket_is_exit_4_and_a_malformed_number_a_usage_error(desk, action, number):
    raw = desk.state()
    result = desk.run(action, number, *ACTION_ARGS[action], now=ACT)
    # A number the store lacks is exit 4; a text that is no registration number was mistyped (exit 2).
    assert result.code == (4 if number == "ED-2026-000099" else 2), result
    if result.code == 2:
        assert "is not a registration number like ED-2026-000042" in result.err
    assert result.out == ""
    one_line(result.err)
    assert desk.state() == raw


@pytest.mark.parametrize("args", [
    ["reply"], ["request-info"], ["client-reply"], ["note"], ["reopen"], ["terminate"],
    ["postpone", "--reason", "third_party"], ["escalate", "--third-party", "НУЦ РК"],
], ids=lambda a: a[0])
def test_missing_message_is_a_usage_error(desk, args):
    status = "closed" if args[0] == "reopen" else "open"
    raw = desk.state()
    result = desk.run(args[0], TICKET_IN[status], *args[1:], now=ACT)
    assert result.code == 2, result
    assert "--message" in result.err
    assert desk.state() == raw


@pytest.mark.parametrize("args,flag", [
    (["diagnose", TICKET_IN["open"], "--priority", "urgent"], "--priority"),
    (["diagnose", TICKET_IN["open"]], "--priority"),
    (["postpone", TICKET_IN["open"], "--reason", "holiday", "--message", "x"], "--reason"),
    (["postpone", TICKET_IN["open"], "--message", "x"], "--reason"),
    (["close", TICKET_IN["open"], "--resolution", "fixed"], "--resolution"),
    (["close", TICKET_IN["open"]], "--resolution"),
], ids=["bad-priority", "no-priority", "bad-reason", "no-reason", "bad-resolution", "no-resolution"])
def test_bad_or_missing_choice_is_a_usage_error(desk, args, flag):
    raw = desk.state()
    result = desk.run(*args, now=ACT)
    assert result.code == 2, result
    assert flag in result.err
    assert desk.state() == raw


# -- close rules -----------------------------------------------------------------


def test_close_as_faq_needs_the_link(desk):
    tid = TICKET_IN["open"]
    raw = desk.state()
    refused = desk.run("close", tid, "--resolution", "faq", now=ACT)
    assert refused.code == 2 and "--faq-link" in refused.err
    assert desk.state() == raw
    t = desk.run("close", tid, "--resolution", "faq", "--faq-link", "https://help.example.kz/sign",
                 "--json", now=ACT).json()
    assert t["resolution"]["code"] == "faq"
    assert t["resolution"]["faq_link"] == "https://help.example.kz/sign"


def test_close_as_duplicate_needs_another_existing_ticket(desk):
    tid, original = TICKET_IN["open"], TICKET_IN["new"]
    raw = desk.state()
    for extra, code in ([], 2), (["--duplicate-of", tid], 2), (["--duplicate-of", "ED-2026-000777"], 4):
        result = desk.run("close", tid, "--resolution", "duplicate", *extra, now=ACT)
        assert result.code == code, (extra, result)
        one_line(result.err)
        assert desk.state() == raw
    t = desk.run("close", tid, "--resolution", "duplicate", "--duplicate-of", original.lower(),
                 "--json", now=ACT).json()
    assert t["resolution"]["code"] == "duplicate"
    assert t["resolution"]["duplicate_of"] == original
    assert t["history"][-1]["duplicate_of"] == original


def test_close_as_abuse_is_refused_in_favour_of_terminate(desk):
    raw = desk.state()
    result = desk.run("close", TICKET_IN["open"], "--resolution", "abuse", "--message", "x", now=ACT)
    assert result.code == 2
    assert "terminate" in one_line(result.err)
    assert desk.state() == raw


@pytest.mark.parametrize("status", ["new", "open", "postponed"])
def test_no_response_closes_only_a_waiting_ticket(desk, status):
    raw = desk.state()
    result = desk.run("close", TICKET_IN[status], "--resolution", "no_response", now=ACT)
    assert result.code == 5, result
    assert "clause 15" in one_line(result.err)
    assert desk.state() == raw


def test_no_response_message_lists_the_actions_in_order(desk):
    tid = TICKET_IN["new"]
    steps = [
        ("2026-11-26T10:20:00+05:00", ["note", tid, "--message", "Шаг-1 журнал проверен"]),
        ("2026-11-26T10:25:00+05:00", ["assign", tid, "petrov"]),
        ("2026-11-26T10:30:00+05:00", ["reply", tid, "--message", "Шаг-2 ответ клиенту"]),
        ("2026-11-26T10:40:00+05:00", ["diagnose", tid, "--priority", "low", "--message", "Шаг-3 диагноз"]),
        ("2026-11-26T10:50:00+05:00", ["escalate", tid, "--third-party", "Шаг-4 НУЦ", "--message", "сертификат"]),
        ("2026-11-26T11:00:00+05:00", ["request-info", tid, "--message", "Шаг-5 пришлите лог"]),
    ]
    for at, args in steps:
        assert desk.run(*args, now=at).code == 0
    # The timer ran out (8 working hours: Friday 11:00); the operator closes.
    t = desk.run("close", tid, "--resolution", "no_response", "--json", now="2026-11-27T11:30:00+05:00").json()
    assert t["status"] == "closed"
    message = t["resolution"]["message"]
    assert message.startswith("ответ от клиента не получен")
    positions = [message.find(f"Шаг-{n}") for n in range(1, 6)]
    assert all(p > 0 for p in positions), message
    assert positions == sorted(positions), message
    assert "low" in message  # the diagnosis names the priority it set
    assert "petrov" not in message  # an assignment is not an action taken on the request
    assert t["waiting"] is None


# -- guards added with clause 15 and clock sanity ------------------------------------------------


def test_no_response_close_waits_for_the_8_working_hours(edoc):
    # Info requested Thu 2026-11-26 10:00; 8 working hours later is Thu 18:00.
    tid = edoc.open_ticket()
    assert edoc.run("request-info", tid, "-m", "screenshot?").code == 0
    before = edoc.state()
    early = edoc.run("close", tid, "--resolution", "no_response", now="2026-11-26T17:59:00+05:00")
    assert early.code == 5, early
    assert "2026-11-26T18:00:00+05:00" in early.err and "clause 15" in early.err
    assert edoc.state() == before
    on_time = edoc.run("close", tid, "--resolution", "no_response", "--json", now="2026-11-26T18:00:00+05:00")
    assert on_time.code == 0, on_time
    assert on_time.json()["resolution"]["message"].startswith("ответ от клиента не получен.")


def test_an_action_dated_before_the_last_event_is_refused(edoc):
    tid = edoc.open_ticket(now="2026-11-26T12:00:00+05:00")
    before = edoc.state()
    result = edoc.run("note", tid, "-m", "x", now="2026-11-26T11:59:00+05:00")
    assert result.code == 2, result
    assert "check the system clock or EDOC_NOW" in result.err
    assert edoc.state() == before
