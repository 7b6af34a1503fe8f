"""SLA clocks against hand-computed cases (tests/data/sla_cases.toml), through the real CLI."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import BIN, BUG_FIELDS, assert_timelines_add_up, request_args

CASES = tomllib.loads((Path(__file__).parent / "data" / "sla_cases.toml").read_text("utf-8"))["case"]
OFFSET = "+05:00"


def local(text: str) -> str:
    """'2026-11-26T10:00' -> '2026-11-26T10:00:00+05:00' (Astana time)."""
    return f"{text}:00{OFFSET}"


def _open_args(kind: str, extra: dict[str, str]) -> list[str]:
    fields: dict = {}
    if kind == "open-bug":
        fields = dict(BUG_FIELDS)  # occurred 2026-11-26 09:30, before every bug case
    elif kind == "open-vip":
        fields = {"iin": None, "bin": BIN}
    elif kind == "open-feature":
        fields = {"category": "feature", "channel": "email"}
    fields.update(extra)
    return request_args(**fields)


def play(edoc, steps: list[str]) -> str:
    """Run the steps; return the ticket's number."""
    ticket = None
    for step in steps:
        when, action, *rest = step.split()
        now = local(when)
        extra = dict(item.split("=", 1) for item in rest if "=" in item)
        words = [item for item in rest if "=" not in item]
        if action.startswith("open"):
            result = edoc.run("open", *_open_args(action, extra), now=now)
            assert result.code == 0, result
            ticket = result.out.strip()
            continue
        args = {
            "reply": ["reply", ticket, "-m", "answer"],
            "request-info": ["request-info", ticket, "-m", "send a screenshot"],
            "client-reply": ["client-reply", ticket, "-m", "here it is"],
            "postpone": ["postpone", ticket, "--reason", "third_party", "-m", "waiting for the CA"],
            "resume": ["resume", ticket],
            "close": ["close", ticket, "--resolution", "resolved", "-m", "done"],
            "reopen": ["reopen", ticket, "-m", "again"],
            "diagnose": ["diagnose", ticket, "--priority", *words],
        }[action]
        result = edoc.run(*args, now=now)
        assert result.code == 0, (step, result)
    assert ticket
    return ticket


@pytest.mark.parametrize("case", CASES, ids=[c["reason"][:60] for c in CASES])
def test_sla_case(edoc, case: dict) -> None:
    if "config" in case:
        edoc.write_config(case["config"])
    ticket_id = play(edoc, case["steps"])
    at = local(case["at"])
    edoc.env["EDOC_NOW"] = at
    view = edoc.ticket(ticket_id)
    sla = view["sla"]
    checks = {
        "fr_elapsed": sla["first_response"]["elapsed_minutes"],
        "fr_due": sla["first_response"]["due_at"],
        "fr_met": sla["first_response"]["met_at"],
        "fr_breached": sla["first_response"]["breached"],
        "fr_target": sla["first_response"]["target_minutes"],
        "res_elapsed": sla["resolution"]["elapsed_minutes"],
        "res_due": sla["resolution"]["due_at"],
        "res_met": sla["resolution"]["met_at"],
        "res_breached": sla["resolution"]["breached"],
        "res_target": sla["resolution"]["target_minutes"],
        "paused": sla["paused"],
        "auto_close": (view["waiting"] or {}).get("auto_close_at"),
    }
    asserted = 0
    for key, actual in checks.items():
        if key not in case:
            continue
        expected = case[key]
        if key.endswith(("_due", "_met")) or key == "auto_close":
            expected = local(expected)
        if expected == "none":
            expected = None
        assert actual == expected, f"{key}: {case['reason']}"
        asserted += 1
    assert asserted, "a case must check something"
    assert assert_timelines_add_up(edoc) == 1
    assert_the_reports_figures_agree(edoc, ticket_id, at)


def assert_the_reports_figures_agree(edoc, ticket_id: str, at: str) -> None:
    """sla.clock_figures (what the report keeps, without deadlines) gives what sla.clocks gives,
    at the case's instant and around it: two functions, one answer."""
    from datetime import datetime, timedelta

    from edoc_cli.sla import clock_figures, clocks
    from edoc_cli.ticket import TARGETS

    env = edoc.environment()
    ticket = env.desk.get(ticket_id)
    base = datetime.fromisoformat(at)
    for shift in (timedelta(0), timedelta(minutes=-30), timedelta(hours=1), timedelta(days=1), timedelta(days=9)):
        now = (base + shift).astimezone(env.tz)
        full, figures = clocks(ticket, env.calendar, now, env.tz), clock_figures(ticket, env.calendar, now, env.tz)
        for name in TARGETS:
            clock = full[name]
            assert tuple(figures[name]) == (clock["target_minutes"], clock["met_at"] is not None,
                                            clock["elapsed_minutes"], clock["breached"]), (name, now)


def test_at_least_thirty_hand_computed_cases() -> None:
    assert len(CASES) >= 30
    assert all(c.get("reason") for c in CASES)


def test_targets_stay_as_registered_when_config_changes(edoc) -> None:
    ticket_id = edoc.open_ticket()
    edoc.write_config("[sla.basic]\nconsultation = [1, 2]\n")
    sla = edoc.ticket(ticket_id)["sla"]
    assert sla["first_response"]["target_minutes"] == 240
    assert sla["resolution"]["target_minutes"] == 960
    # A new ticket takes the new targets (1 h = 60 min, 2 h = 120 min).
    newer = edoc.open_ticket()
    assert edoc.ticket(newer)["sla"]["first_response"]["target_minutes"] == 60


def test_sla_command_explains_intervals(edoc) -> None:
    # Registered Fri 17:00; waiting from Mon 10:00 to Mon 11:00; read Mon 12:00.
    ticket_id = edoc.open_ticket(now="2026-11-27T17:00:00+05:00")
    assert edoc.run("request-info", ticket_id, "-m", "?", now="2026-11-30T10:00:00+05:00").code == 0
    assert edoc.run("client-reply", ticket_id, "-m", "!", now="2026-11-30T11:00:00+05:00").code == 0
    result = edoc.run("sla", ticket_id, "--json", now="2026-11-30T12:00:00+05:00")
    assert result.code == 0, result
    report = result.json()
    kinds = [(r["kind"], r["start"][11:16], r["end"][11:16]) for r in report["intervals"]]
    # Fri 17-18 counted, Fri 18:00-Mon 09:00 off (off-hours then weekend), Mon 09-10 counted,
    # Mon 10-11 paused, Mon 11-12 counted: 60 + 60 + 60 = 180 minutes.
    assert kinds[0] == ("counted", "17:00", "18:00")
    assert ("paused", "10:00", "11:00") in kinds
    assert kinds[-1] == ("counted", "11:00", "12:00")
    assert {k for k, _, _ in kinds} >= {"counted", "off_hours", "weekend", "paused"}
    assert report["counted_minutes"] == 180 == report["resolution"]["elapsed_minutes"]
    assert sum(r["seconds"] for r in report["intervals"]) == 180 * 60
    assert report["rule"] == "sla.basic.consultation"
    paused = [r for r in report["intervals"] if r["kind"] == "paused"][0]
    assert paused["reason"] == "waiting for the client"
    human = edoc.run("sla", ticket_id, now="2026-11-30T12:00:00+05:00")
    assert human.code == 0 and "180 working minutes" in human.out


def test_stale_system_zone_database_does_not_shift_clocks(edoc, tmp_path) -> None:
    """A system zone database from before 2024 says Almaty is UTC+6; edoc must not care."""
    import shutil

    from importlib import resources

    fake = tmp_path / "zoneinfo" / "Asia"
    fake.mkdir(parents=True)
    # Asia/Dhaka is UTC+6 all year: exactly what a stale Asia/Almaty looks like.
    with resources.as_file(resources.files("tzdata.zoneinfo").joinpath("Asia/Dhaka")) as dhaka:
        shutil.copy(dhaka, fake / "Almaty")
    env = {"PYTHONTZPATH": str(tmp_path / "zoneinfo"), "EDOC_NOW": "2026-11-26T05:00:00Z"}
    opened = edoc.proc("open", *request_args(), "--json", env=env)
    assert opened.code == 0, opened
    ticket = opened.json()
    # 05:00Z is 10:00 in Astana (UTC+5), not 11:00 (stale UTC+6).
    assert ticket["created_at"] == "2026-11-26T10:00:00+05:00"
    assert ticket["sla"]["first_response"]["due_at"] == "2026-11-26T14:00:00+05:00"
