"""edoc sweep (clause 15, SPEC.md): the cron job, with a pinned clock and hand-computed instants.

Working time is 09:00-18:00 Astana (UTC+5), Monday to Friday, minus
Kazakhstan's public holidays. The auto-close timer is 8 working hours (480
working minutes) from the last information request.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import BUG_FIELDS

NO_RESPONSE = "ответ от клиента не получен."


def local(text: str) -> str:
    """'2026-11-26T10:00' -> '2026-11-26T10:00:00+05:00' (Astana time)."""
    return f"{text}:00+05:00"


def quiet(result) -> bool:
    """What cron needs when nothing happened: exit 0 and not a byte of output."""
    return (result.code, result.out, result.err) == (0, "", "")


def history_of(edoc, ticket_id: str, kind: str, now: str) -> list[dict]:
    return [e for e in edoc.ticket(ticket_id, now=now)["history"] if e["type"] == kind]


def waiting_ticket(edoc, opened: str, requested: str) -> str:
    """A consultation registered at `opened` whose operator asked the client for information at `requested`."""
    ticket_id = edoc.open_ticket(now=local(opened))
    result = edoc.run("request-info", ticket_id, "-m", "Пришлите скриншот ошибки", now=local(requested))
    assert result.code == 0, result
    return ticket_id


# -- when a ticket is closed ---------------------------------------------------------


def test_closes_at_the_eighth_working_hour_across_a_weekend_not_a_minute_before(edoc) -> None:
    # Request Fri 27 Nov 17:00. Fri 17:00-18:00 = 1 h; Sat 28 and Sun 29 are off;
    # Mon 30 09:00-16:00 = 7 h. 1 + 7 = 8 working hours: due Mon 30 Nov 16:00.
    ticket_id = waiting_ticket(edoc, "2026-11-27T16:00", "2026-11-27T17:00")
    view = edoc.ticket(ticket_id, now=local("2026-11-27T17:00"))
    assert view["waiting"]["auto_close_at"] == local("2026-11-30T16:00")

    # 8 wall-clock hours later (Sat 01:00), during the weekend, first thing Monday, and at 15:59:
    # the timer has not run out, and cron gets no output at all.
    for when in ("2026-11-28T01:00", "2026-11-29T12:00", "2026-11-30T09:00", "2026-11-30T15:59"):
        result = edoc.run("sweep", now=local(when))
        assert quiet(result), (when, result)
        assert edoc.ticket(ticket_id, now=local(when))["status"] == "waiting", when
    # The same as a real process, as cron runs it (no warning or banner on stderr either).
    assert quiet(edoc.proc("sweep", now=local("2026-11-30T15:59")))

    result = edoc.run("sweep", now=local("2026-11-30T16:00"))
    assert result.code == 0, result
    assert result.err == ""
    assert result.out == f"closed\t{ticket_id}\tno_response (timer ran out 2026-11-30 16:00)\n"
    view = edoc.ticket(ticket_id, now=local("2026-11-30T16:00"))
    assert view["status"] == "closed"
    assert view["waiting"] is None
    assert view["resolution"]["code"] == "no_response"
    assert view["resolution"]["closed_at"] == local("2026-11-30T16:00")
    closed = [e for e in view["history"] if e["type"] == "closed"]
    assert len(closed) == 1 and closed[0]["resolution"] == "no_response"
    assert closed[0]["at"] == local("2026-11-30T16:00")


def test_closes_at_the_eighth_working_hour_across_a_holiday(edoc) -> None:
    # Request Tue 15 Dec 15:00: Tue 15:00-18:00 = 3 h; Wed 16 Dec is Independence Day (off);
    # Thu 17 Dec 09:00-14:00 = 5 h. 3 + 5 = 8: due Thu 17 Dec 14:00 (Wed 14:00 if the holiday were missed).
    ticket_id = waiting_ticket(edoc, "2026-12-15T14:00", "2026-12-15T15:00")
    for when in ("2026-12-16T14:00", "2026-12-16T17:59", "2026-12-17T13:59"):
        assert quiet(edoc.run("sweep", now=local(when))), when
    assert edoc.ticket(ticket_id, now=local("2026-12-17T13:59"))["status"] == "waiting"

    result = edoc.run("sweep", "--json", now=local("2026-12-17T14:00"))
    assert result.code == 0, result
    assert [(c["id"], c["auto_close_at"]) for c in result.json()["closed"]] == [
        (ticket_id, local("2026-12-17T14:00"))
    ]
    view = edoc.ticket(ticket_id, now=local("2026-12-17T14:00"))
    assert view["status"] == "closed" and view["resolution"]["code"] == "no_response"


def test_a_client_reply_stops_the_timer_and_a_new_request_restarts_it(edoc) -> None:
    # Request Mon 30 Nov 10:00 -> would close Mon 18:00 (10:00 + 8 h, all on Monday).
    answered = waiting_ticket(edoc, "2026-11-30T09:00", "2026-11-30T10:00")
    asked_again = waiting_ticket(edoc, "2026-11-30T09:00", "2026-11-30T10:00")
    for ticket_id in (answered, asked_again):
        assert edoc.run("client-reply", ticket_id, "-m", "Скриншот во вложении",
                        now=local("2026-11-30T12:00")).code == 0
    # A new request Mon 14:00: Mon 14:00-18:00 = 4 h, Tue 1 Dec 09:00-13:00 = 4 h -> due Tue 13:00.
    assert edoc.run("request-info", asked_again, "-m", "Нужен ещё журнал NCALayer",
                    now=local("2026-11-30T14:00")).code == 0
    assert edoc.ticket(asked_again, now=local("2026-11-30T14:00"))["waiting"]["auto_close_at"] == \
        local("2026-12-01T13:00")

    # Mon 18:00, the first request's deadline: neither is closed.
    assert quiet(edoc.run("sweep", now=local("2026-11-30T18:00")))
    assert quiet(edoc.run("sweep", now=local("2026-12-01T12:59")))
    assert edoc.ticket(answered, now=local("2026-12-01T12:59"))["status"] == "open"
    assert edoc.ticket(asked_again, now=local("2026-12-01T12:59"))["status"] == "waiting"

    result = edoc.run("sweep", "--json", now=local("2026-12-01T13:00"))
    assert result.code == 0, result
    assert [c["id"] for c in result.json()["closed"]] == [asked_again]
    # The answered ticket has no timer any more: it is never auto-closed.
    assert edoc.ticket(answered, now=local("2026-12-01T13:00"))["status"] == "open"
    assert edoc.ticket(answered, now=local("2026-12-01T13:00"))["waiting"] is None


def test_the_closing_text_is_the_regulation_wording_then_the_actions_in_order(edoc) -> None:
    bug = {**BUG_FIELDS, "occurred_at": local("2026-11-25T08:30")}
    ticket_id = edoc.open_ticket(now=local("2026-11-25T09:00"), **bug)
    aida = edoc.as_operator("aida")
    steps = [
        ("2026-11-25T09:05", ["assign", ticket_id, "aida"]),
        ("2026-11-25T09:10", ["note", ticket_id, "-m", "Воспроизвели ошибку на тестовом стенде"]),
        ("2026-11-25T09:20", ["diagnose", ticket_id, "--priority", "high", "-m", "Падает сервис авторизации"]),
        ("2026-11-25T09:30", ["escalate", ticket_id, "--third-party", "NCALayer", "-m", "Запрос в поддержку NCALayer"]),
        ("2026-11-25T09:40", ["reply", ticket_id, "-m", "Мы работаем над ошибкой"]),
        ("2026-11-25T09:50", ["request-info", ticket_id, "-m", "Пришлите версию NCALayer"]),
        ("2026-11-25T10:00", ["client-reply", ticket_id, "-m", "Версия 1.4"]),
        ("2026-11-25T10:30", ["request-info", ticket_id, "-m", "Пришлите журнал NCALayer"]),
    ]
    for when, args in steps:
        result = edoc.run(*args, now=local(when), env=aida)
        assert result.code == 0, (args, result)

    # Last request Wed 25 Nov 10:30: Wed 10:30-18:00 = 7.5 h, Thu 26 09:00-09:30 = 0.5 h -> due Thu 09:30.
    result = edoc.run("sweep", "--json", now=local("2026-11-26T09:30"), env=edoc.as_operator("cron"))
    assert result.code == 0, result
    # Written by hand: the wording, then every action (notes, diagnoses, escalations, replies, requests)
    # in the order they happened, each with when and who; the assignment and the client's answer are
    # not support's actions and are not listed.
    expected = "\n".join([
        "ответ от клиента не получен.",
        "Выполненные действия:",
        "- 25.11.2026 09:10 (aida) действие: Воспроизвели ошибку на тестовом стенде",
        "- 25.11.2026 09:20 (aida) диагностика: приоритет high; Падает сервис авторизации",
        "- 25.11.2026 09:30 (aida) привлечена третья сторона: NCALayer: Запрос в поддержку NCALayer",
        "- 25.11.2026 09:40 (aida) ответ клиенту: Мы работаем над ошибкой",
        "- 25.11.2026 09:50 (aida) запрошена информация: Пришлите версию NCALayer",
        "- 25.11.2026 10:30 (aida) запрошена информация: Пришлите журнал NCALayer",
    ])
    assert result.json()["closed"] == [
        {"id": ticket_id, "auto_close_at": local("2026-11-26T09:30"), "message": expected}
    ]
    view = edoc.ticket(ticket_id, now=local("2026-11-26T09:30"))
    assert view["resolution"]["message"] == expected
    assert view["resolution"]["message"].splitlines()[0] == NO_RESPONSE
    assert view["resolution"]["closed_by"] == "cron"
    assert view["status"] == "closed"
    last = view["history"][-1]
    assert (last["type"], last["resolution"], last["by"], last["message"]) == ("closed", "no_response", "cron", expected)
    # The ticket kept its assignee and the store is still consistent.
    assert view["assignee"] == "aida"
    assert edoc.run("check").code == 0


# -- dry run, JSON, idempotence -----------------------------------------------------------


def test_dry_run_shows_what_would_happen_and_leaves_the_store_byte_for_byte(edoc) -> None:
    due = waiting_ticket(edoc, "2026-11-26T09:00", "2026-11-26T09:30")  # due Thu 17:30
    unanswered = edoc.open_ticket(now=local("2026-11-26T09:00"))        # first response due Thu 13:00
    before = edoc.state()
    now = local("2026-11-26T17:30")
    # 09:00-17:30 = 510 working minutes > 240: the first response is breached.
    human = edoc.run("sweep", "--dry-run", now=now)
    assert human.code == 0, human
    assert human.out.splitlines() == [
        f"would close\t{due}\tno_response (timer ran out 2026-11-26 17:30)",
        f"would record breach\t{unanswered}\tfirst response (due 2026-11-26 13:00, 510 of 240 min)",
    ]
    as_json = edoc.run("sweep", "--dry-run", "--json", now=now)
    assert as_json.code == 0, as_json
    data = as_json.json()
    assert data["dry_run"] is True
    assert [c["id"] for c in data["closed"]] == [due]
    assert [(b["id"], b["target"]) for b in data["breached"]] == [(unanswered, "first_response")]
    assert edoc.state() == before
    assert edoc.ticket(due, now=now)["status"] == "waiting"
    assert history_of(edoc, unanswered, "breached", now) == []

    # The real sweep afterwards does what the dry run announced.
    real = edoc.run("sweep", "--json", now=now).json()
    assert [c["id"] for c in real["closed"]] == [due]
    assert [(b["id"], b["target"]) for b in real["breached"]] == [(unanswered, "first_response")]
    # Nothing left to do: a dry run says so on stderr, and prints no data.
    idle = edoc.run("sweep", "--dry-run", now=now)
    assert idle.code == 0 and idle.out == "" and "nothing to do" in idle.err


def test_json_shape(edoc) -> None:
    due = waiting_ticket(edoc, "2026-11-26T09:00", "2026-11-26T09:30")
    now = local("2026-11-26T17:30")
    data = edoc.run("sweep", "--json", now=now).json()
    assert {"at", "closed", "breached", "at_risk"} <= set(data)
    assert data["at"] == now
    assert data["closed"][0]["id"] == due
    assert data["breached"] == [] and data["at_risk"] == []
    # --json is for scripts: the object is printed also when nothing happened.
    again = edoc.run("sweep", "--json", now=now)
    assert again.code == 0 and again.err == ""
    assert again.json()["closed"] == again.json()["breached"] == []


def test_a_second_sweep_at_the_same_instant_does_nothing_and_prints_nothing(edoc) -> None:
    due = waiting_ticket(edoc, "2026-11-26T09:00", "2026-11-26T09:30")  # due Thu 17:30
    # Registered Thu 14:00; first response 240 min, at risk from 0.8 x 240 = 192 min:
    # Thu 14:00-18:00 = 240 min is over that, so at 17:30 (210 min) it is at risk, not breached.
    risky = edoc.open_ticket(now=local("2026-11-26T14:00"))
    now = local("2026-11-26T17:30")
    first = edoc.run("sweep", now=now)
    assert first.code == 0, first
    assert first.out.splitlines() == [
        f"closed\t{due}\tno_response (timer ran out 2026-11-26 17:30)",
        f"at risk\t{risky}\tfirst response due 2026-11-26 18:00 (210 of 240 min)",
    ]
    stored = edoc.state()
    second = edoc.run("sweep", now=now)
    assert quiet(second), second
    assert edoc.state() == stored
    assert len(history_of(edoc, due, "closed", now)) == 1
    # Still at risk a minute later, but not newly: cron stays quiet.
    assert quiet(edoc.run("sweep", now=local("2026-11-26T17:31")))


# -- breaches and risks -----------------------------------------------------------------


def test_a_breach_is_recorded_once_over_repeated_sweeps(edoc) -> None:
    # A consultation registered Thu 26 Nov 10:00, never answered. First response: 4 h = 240 working
    # minutes -> due 14:00. At 14:00 exactly 240 minutes have run (met the limit, not over it);
    # at 14:01, 241 > 240: breached.
    ticket_id = edoc.open_ticket(now=local("2026-11-26T10:00"))
    at_two = edoc.run("sweep", "--json", now=local("2026-11-26T14:00")).json()
    assert at_two["breached"] == []
    result = edoc.run("sweep", "--json", now=local("2026-11-26T14:01"))
    assert result.code == 0, result
    assert result.json()["breached"] == [{
        "id": ticket_id, "target": "first_response", "due_at": local("2026-11-26T14:00"),
        "elapsed_minutes": 241, "target_minutes": 240,
    }]
    human_later = edoc.run("sweep", now=local("2026-11-26T14:05"))
    assert quiet(human_later), human_later
    json_later = edoc.run("sweep", "--json", now=local("2026-11-26T15:00")).json()
    assert json_later["breached"] == []
    events = history_of(edoc, ticket_id, "breached", local("2026-11-26T15:00"))
    assert len(events) == 1
    assert (events[0]["target"], events[0]["at"]) == ("first_response", local("2026-11-26T14:01"))
    # Even answering late (which ends the clock as breached) records nothing new.
    assert edoc.run("reply", ticket_id, "-m", "Ответ", now=local("2026-11-26T15:10")).code == 0
    assert quiet(edoc.run("sweep", now=local("2026-11-26T15:15")))
    assert len(history_of(edoc, ticket_id, "breached", local("2026-11-26T15:15"))) == 1
    assert edoc.run("check", now=local("2026-11-26T15:15")).code == 0


def test_the_human_output_reports_a_new_breach(edoc) -> None:
    ticket_id = edoc.open_ticket(now=local("2026-11-26T10:00"))
    # 10:00-14:01 = 241 working minutes, over the 240 of a basic consultation.
    result = edoc.run("sweep", now=local("2026-11-26T14:01"))
    assert result.code == 0 and result.err == ""
    assert result.out == f"breached\t{ticket_id}\tfirst response (due 2026-11-26 14:00, 241 of 240 min)\n"


def test_at_risk_from_warn_at_in_working_minutes(edoc) -> None:
    # Registered Thu 26 Nov 10:00; warn_at 0.8 x 240 = 192 working minutes -> 13:12.
    ticket_id = edoc.open_ticket(now=local("2026-11-26T10:00"))
    before = edoc.run("sweep", "--json", now=local("2026-11-26T13:11")).json()
    assert before["at_risk"] == [] and before["breached"] == []
    after = edoc.run("sweep", "--json", now=local("2026-11-26T13:12")).json()
    risk = [r for r in after["at_risk"] if r["id"] == ticket_id]
    assert len(risk) == 1
    assert (risk[0]["target"], risk[0]["elapsed_minutes"], risk[0]["target_minutes"], risk[0]["due_at"]) == \
        ("first_response", 192, 240, local("2026-11-26T14:00"))
    # The resolution clock (960 min, warn at 768) is far from its warning.
    assert [r["target"] for r in after["at_risk"]] == ["first_response"]


def test_at_risk_counts_working_time_not_the_wall_clock(edoc) -> None:
    # Registered Fri 27 Nov 16:00: 120 working minutes by Fri 18:00, none over the weekend.
    # 192 minutes are reached Mon 30 Nov 09:00 + 72 min = 10:12.
    ticket_id = edoc.open_ticket(now=local("2026-11-27T16:00"))
    for when in ("2026-11-28T12:00", "2026-11-30T10:11"):
        data = edoc.run("sweep", "--json", now=local(when)).json()
        assert data["at_risk"] == [], when
    data = edoc.run("sweep", "--json", now=local("2026-11-30T10:12")).json()
    assert [(r["id"], r["elapsed_minutes"]) for r in data["at_risk"]] == [(ticket_id, 192)]


def test_a_configured_auto_close_and_warn_at_are_honoured(edoc) -> None:
    edoc.write_config("[sla]\nwarn_at = 0.5\nauto_close_after_hours = 2\n")
    # Request Thu 10:00 + 2 working hours -> due 12:00.
    due = waiting_ticket(edoc, "2026-11-26T09:00", "2026-11-26T10:00")
    # Registered Thu 10:00: at risk from 0.5 x 240 = 120 min -> 12:00.
    risky = edoc.open_ticket(now=local("2026-11-26T10:00"))
    early = edoc.run("sweep", "--json", now=local("2026-11-26T11:59")).json()
    assert early["closed"] == [] and early["at_risk"] == []
    data = edoc.run("sweep", "--json", now=local("2026-11-26T12:00")).json()
    assert [c["id"] for c in data["closed"]] == [due]
    assert [r["id"] for r in data["at_risk"]] == [risky]


# -- cron safety -------------------------------------------------------------------------


def test_parallel_sweeps_close_and_record_everything_exactly_once(edoc, tmp_path) -> None:
    # 20 consultations registered Thu 26 Nov 09:00 and put on hold at 09:30 (auto-close due 17:30),
    # and 2 more never answered (first response due 13:00, breached by 10:00 on Friday).
    requests = [
        {"client_type": "user", "name": f"Клиент {i}", "iin": "900101301233", "email": f"c{i}@example.kz",
         "category": "consultation", "channel": "phone", "topic": "profile",
         "subject": f"Вопрос {i}", "description": "Как сменить e-mail в профиле", "faq_checked": True}
        for i in range(22)
    ]
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    opened = edoc.run("open", "--from-json", str(batch), "--json", now=local("2026-11-26T09:00"))
    assert opened.code == 0, opened
    ids = [t["id"] for t in opened.json()]
    waiting, unanswered = ids[:20], ids[20:]
    for ticket_id in waiting:
        assert edoc.run("request-info", ticket_id, "-m", "?", now=local("2026-11-26T09:30")).code == 0

    env = edoc.proc_env(now=local("2026-11-27T10:00"), env={"EDOC_LOCK_TIMEOUT": "30"})
    procs = [subprocess.Popen([sys.executable, "-m", "edoc_cli", "sweep", "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [p.communicate(timeout=60) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, (p.returncode, out, err)
        assert err == b""
    results = [json.loads(out) for out, _ in outputs]
    closed = [c["id"] for r in results for c in r["closed"]]
    assert sorted(closed) == sorted(waiting)              # each one exactly once, over all four
    breached = [(b["id"], b["target"]) for r in results for b in r["breached"]]
    assert sorted(breached) == sorted((i, "first_response") for i in unanswered)

    tickets = {t["id"]: t for t in edoc.run("list", "--all", "--json", now=local("2026-11-27T10:00")).json()}
    for ticket_id in waiting:
        kinds = [e["type"] for e in tickets[ticket_id]["history"]]
        assert kinds.count("closed") == 1, ticket_id
        assert tickets[ticket_id]["resolution"]["code"] == "no_response"
    for ticket_id in unanswered:
        kinds = [e["type"] for e in tickets[ticket_id]["history"]]
        assert kinds.count("breached") == 1 and kinds.count("closed") == 0, ticket_id
    check = edoc.run("check", now=local("2026-11-27T10:00"))
    assert check.code == 0, check


def test_a_busy_store_is_exit_6_with_one_line_and_changes_nothing(edoc) -> None:
    due = waiting_ticket(edoc, "2026-11-26T09:00", "2026-11-26T09:30")
    before = edoc.state()
    with edoc.lock_held():  # an operator's command in the middle of a write
        result = edoc.run("sweep", now=local("2026-11-26T17:30"), env={"EDOC_LOCK_TIMEOUT": "0.2"})
    assert result.code == 6, result
    assert result.out == "" and len(result.err.strip().splitlines()) == 1 and "busy" in result.err
    assert edoc.state() == before
    # The next run (cron, five minutes later) catches up.
    assert edoc.run("sweep", "--json", now=local("2026-11-26T17:35")).json()["closed"][0]["id"] == due


@pytest.mark.json_only(reason="a torn file")
def test_a_corrupt_store_is_exit_7_and_left_alone(edoc) -> None:
    edoc.open_ticket()
    edoc.store.write_bytes(b'{"tickets": {"1": ')
    result = edoc.run("sweep")
    assert result.code == 7, result
    assert result.out == "" and len(result.err.strip().splitlines()) == 1
    assert edoc.state() == b'{"tickets": {"1": '


@pytest.mark.json_only(reason="a mistyped path; a database without the schema: test_postgres")
def test_sweep_on_a_missing_store_says_so_and_creates_nothing(edoc):
    # A mistyped EDOC_STORE in a crontab: cron must mail an error, not sweep nothing forever.
    result = edoc.run("sweep")
    assert result.code == 7, result
    assert str(edoc.store) in result.err and "nothing to sweep" in result.err
    assert not edoc.store.exists() and not edoc.store.parent.exists()
