"""What edoc prints: pure JSON for scripts, TSV in a pipe, a Rich card on a terminal,
user text that is never markup nor terminal control, quiet ends on a closed pipe
and on Ctrl-C (SPEC.md "Commands", "Exit codes"; STYLE.md "Small things").
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUG_FIELDS, request_args

NOW = "2026-11-26T10:00:00+05:00"     # Thursday, a working day
HOUR = "2026-11-26T11:00:00+05:00"

OFFSET_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
# Anything a terminal could act on, except newline and tab.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SGR = re.compile(rb"\x1b\[([0-9;]*)m")

MARKUP = "[bold red]x[/bold red]"
HOSTILE = "до \x1b]0;pwned\x07 середина \x9b31m после \x1b[2J конец"


# -- shape of a ticket ------------------------------------------------------------------


def is_time(value) -> bool:
    return isinstance(value, str) and bool(OFFSET_TIME.match(value))


def opt(kind):
    return lambda v: v is None or isinstance(v, kind)


def assert_clock(clock: dict, where: str) -> None:
    assert set(clock) >= {"target_minutes", "due_at", "met_at", "elapsed_minutes", "breached"}, where
    assert clock["target_minutes"] is None or (
        isinstance(clock["target_minutes"], (int, float)) and not isinstance(clock["target_minutes"], bool)), where
    assert clock["due_at"] is None or is_time(clock["due_at"]), where
    assert clock["met_at"] is None or is_time(clock["met_at"]), where
    assert isinstance(clock["elapsed_minutes"], int) and not isinstance(clock["elapsed_minutes"], bool), where
    assert clock["elapsed_minutes"] >= 0, where
    assert isinstance(clock["breached"], bool), where


def assert_ticket_shape(t: dict, where: str = "") -> None:
    """Every key of SPEC.md's JSON shape, with the right type; times carry an offset."""
    assert isinstance(t, dict), where
    strings = ("id", "status", "category", "channel", "sla_level", "subject", "description")
    for key in strings:
        assert isinstance(t[key], str), (where, key)
    assert re.match(r"^ED-\d{4}-\d{6}$", t["id"]), where
    assert t["status"] in ("new", "open", "waiting", "postponed", "closed"), where
    assert t["category"] in ("consultation", "bug", "feature", "complaint"), where
    assert t["channel"] in ("phone", "email", "portal", "chat"), where
    assert t["sla_level"] in ("basic", "vip"), where
    assert t["priority"] in (None, "critical", "high", "normal", "low"), where
    client = t["client"]
    assert set(client) >= {"type", "name", "iin", "bin", "login", "email", "phone", "organization"}, where
    assert client["type"] in ("user", "guest") and isinstance(client["name"], str), where
    for key in ("iin", "bin", "login", "email", "phone", "organization"):
        assert opt(str)(client[key]), (where, key)
    assert opt(str)(t["assignee"]), where
    assert is_time(t["created_at"]) and is_time(t["received_at"]), where
    sla = t["sla"]
    assert_clock(sla["first_response"], where)
    assert_clock(sla["resolution"], where)
    assert isinstance(sla["paused"], bool), where
    if t["waiting"] is not None:
        assert is_time(t["waiting"]["since"]) and is_time(t["waiting"]["auto_close_at"]), where
    if t["resolution"] is not None:
        r = t["resolution"]
        assert r["code"] in ("resolved", "faq", "out_of_scope", "no_response", "abuse", "duplicate", "rejected")
        assert isinstance(r["message"], str) and opt(str)(r["faq_link"]), where
        assert is_time(r["closed_at"]) and isinstance(r["closed_by"], str), where
    assert isinstance(t["third_parties"], list), where
    for party in t["third_parties"]:
        assert isinstance(party["name"], str) and is_time(party["at"]) and isinstance(party["note"], str)
    assert isinstance(t["history"], list) and t["history"], where
    assert t["history"][0]["type"] == "opened", where
    for event in t["history"]:
        assert is_time(event["at"]) and isinstance(event["by"], str), where
        assert event["type"] in (
            "opened", "assigned", "replied", "info_requested", "client_replied", "note", "diagnosed",
            "postponed", "resumed", "escalated", "closed", "reopened", "terminated", "breached"), where


def pure_json(result, where: str):
    """stdout holds one JSON document and nothing else."""
    assert result.code == 0, (where, result)
    assert result.out.strip(), where
    return json.loads(result.out)


# -- JSON ---------------------------------------------------------------------------------


def test_fresh_ticket_json_has_spec_keys_and_hand_computed_clocks(edoc):
    t = pure_json(edoc.run("open", *request_args(), "--json", now=NOW), "open --json")
    assert_ticket_shape(t, "open")
    assert t["id"] == "ED-2026-000001"
    assert (t["status"], t["category"], t["channel"], t["sla_level"]) == ("new", "consultation", "phone", "basic")
    assert (t["priority"], t["assignee"], t["waiting"], t["resolution"]) == (None, None, None, None)
    assert t["third_parties"] == []
    assert t["created_at"] == t["received_at"] == NOW
    # basic consultation: 4 h to first response, 16 h to resolution, from Thu 10:00
    assert t["sla"] == {
        **t["sla"],
        "first_response": {**t["sla"]["first_response"], "target_minutes": 240, "met_at": None,
                           "due_at": "2026-11-26T14:00:00+05:00", "elapsed_minutes": 0, "breached": False},
        "resolution": {**t["sla"]["resolution"], "target_minutes": 960, "met_at": None,
                       "due_at": "2026-11-27T17:00:00+05:00", "elapsed_minutes": 0, "breached": False},
        "paused": False,
    }
    later = edoc.ticket(t["id"], now=HOUR)
    assert later["sla"]["first_response"]["elapsed_minutes"] == 60


def test_received_at_given_in_utc_is_shown_with_the_astana_offset(edoc):
    t = pure_json(edoc.run("open", *request_args(received_at="2026-11-26T04:05:00Z"), "--json", now=NOW), "open")
    assert t["received_at"] == "2026-11-26T09:05:00+05:00"
    assert t["sla"]["first_response"]["elapsed_minutes"] == 55


# Every lifecycle action on one bug ticket, each printing the changed ticket.
CHAIN = [
    ("assign", ["petrov"]),
    ("reply", ["--message", "Смотрим"]),
    ("note", ["--message", "Журнал проверен"]),
    ("diagnose", ["--priority", "high"]),
    ("escalate", ["--third-party", "НУЦ РК", "--message", "сертификат"]),
    ("request-info", ["--message", "Версия браузера?"]),
    ("client-reply", ["--message", "Chrome 131"]),
    ("postpone", ["--reason", "development", "--message", "Релиз 5.2"]),
    ("resume", []),
    ("close", ["--resolution", "resolved", "--message", "Исправлено"]),
    ("reopen", ["--message", "Повторилось"]),
    ("terminate", ["--message", "Грубость"]),
]


def test_every_command_prints_pure_json_of_the_ticket(edoc):
    t = pure_json(edoc.run("open", *request_args(**BUG_FIELDS), "--json", now=NOW), "open")
    assert_ticket_shape(t, "open")
    tid = t["id"]
    for action, args in CHAIN:
        result = edoc.run(action, tid, *args, "--json", now=HOUR)
        t = pure_json(result, action)
        assert_ticket_shape(t, action)
        assert t["id"] == tid, action
        assert t["history"][-1]["type"] != "opened", action
    assert t["status"] == "closed" and t["third_parties"][0]["name"] == "НУЦ РК"
    shown = pure_json(edoc.run("show", tid, "--json", now=HOUR), "show")
    assert shown == t
    listed = pure_json(edoc.run("list", "--all", "--json", now=HOUR), "list --all")
    assert isinstance(listed, list) and [x["id"] for x in listed] == [tid]
    assert_ticket_shape(listed[0], "list")
    assert pure_json(edoc.run("list", "--json", now=HOUR), "list") == []  # closed is not listed by default


def test_open_from_a_json_array_prints_an_array(edoc, tmp_path):
    requests = tmp_path / "requests.json"
    base = {"client": {"type": "user", "name": "Иванов Иван", "iin": "900101301233", "email": "i@example.kz"},
            "category": "consultation", "channel": "email", "topic": "profile", "subject": "Вопрос",
            "description": "Текст", "faq_checked": True}
    requests.write_text(json.dumps([base, {**base, "subject": "Второй"}], ensure_ascii=False), encoding="utf-8")
    out = pure_json(edoc.run("open", "--from-json", str(requests), "--json", now=NOW), "open --from-json")
    assert [t["id"] for t in out] == ["ED-2026-000001", "ED-2026-000002"]
    for t in out:
        assert_ticket_shape(t, "open --from-json")


# -- the pipe: TSV, literal text, no control sequences ---------------------------------


def test_list_in_a_pipe_is_tsv_with_a_header(edoc):
    a = edoc.open_ticket(now=NOW, subject="Первый")
    b = edoc.open_ticket(now=HOUR, subject="Второй")
    result = edoc.run("list", now=HOUR)
    assert result.code == 0
    lines = result.out.splitlines()
    header = lines[0].split("\t")
    assert header[:2] == ["id", "status"] and "subject" in header
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(row) == len(header) for row in rows)
    # nearest due first: a (due 14:00) before b (due 15:00)
    assert [row[0] for row in rows] == [a, b]
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    assert by_id[a]["status"] == "new" and by_id[a]["subject"] == "Первый"
    assert "\x1b" not in result.out


def test_rich_markup_in_user_text_is_printed_literally(edoc):
    tid = edoc.open_ticket(now=NOW, name=MARKUP, subject=f"Тема {MARKUP}")
    shown = edoc.run("show", tid, now=NOW)
    assert shown.code == 0
    assert MARKUP in shown.out
    assert f"Тема {MARKUP}" in shown.out
    listed = edoc.run("list", now=NOW)
    assert f"Тема {MARKUP}" in listed.out
    assert edoc.ticket(tid, now=NOW)["client"]["name"] == MARKUP


def test_control_sequences_typed_into_a_description_never_reach_the_output(edoc):
    tid = edoc.open_ticket(now=NOW, description=HOSTILE)
    for args in (["show", tid], ["list"]):
        out = edoc.run(*args, now=NOW).out
        assert not CONTROL.search(out), (args, out)
        assert "pwned" not in out
    t = edoc.ticket(tid, now=NOW)
    assert not CONTROL.search(t["description"])
    assert "до" in t["description"] and "конец" in t["description"]


@pytest.fixture
def hostile_ticket(edoc) -> str:
    """A ticket whose stored texts hold raw control sequences (as an import may bring)."""
    scratch = {"EDOC_STORE": str(edoc.tmp / "scratch" / "tickets.json")}
    assert edoc.run("open", *request_args(), now=NOW, env=scratch).code == 0
    record = json.loads(edoc.run("export", now=NOW, env=scratch).out)
    record["description"] = HOSTILE
    record["subject"] = "Тема \x1b[31mкрасная\x1b[0m \x9d8;;http://evil\x9c"
    record["client"]["name"] = f"{MARKUP}\x07"
    dump = edoc.tmp / "hostile.jsonl"
    dump.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert edoc.run("import", str(dump), now=NOW).code == 0
    return record["id"]


def test_stored_control_sequences_are_stripped_in_show_and_list(edoc, hostile_ticket):
    for args in (["show", hostile_ticket], ["list"]):
        result = edoc.run(*args, now=NOW)
        assert result.code == 0
        assert not CONTROL.search(result.out), (args, result.out)
        assert "pwned" not in result.out and "evil" not in result.out
        assert "красная" in result.out
    assert MARKUP in edoc.run("show", hostile_ticket, now=NOW).out


def test_stored_control_sequences_are_escaped_in_json(edoc, hostile_ticket):
    for args in (["show", hostile_ticket, "--json"], ["list", "--json"]):
        result = edoc.run(*args, now=NOW)
        assert not CONTROL.search(result.out), args  # escaped as \u001b, \u0007, \u009b ...
        assert "\\u001b]0;pwned\\u0007" in result.out
        assert "\\u009b31m" in result.out
        data = result.json()
        ticket = data[0] if isinstance(data, list) else data
        assert ticket["description"] == HOSTILE  # the data itself is kept as it was
    exported = edoc.run("export", now=NOW).out
    assert not CONTROL.search(exported.replace("\n", ""))
    assert json.loads(exported)["description"] == HOSTILE


# -- a real terminal --------------------------------------------------------------------


def run_in_pty(edoc, *args: str, no_color: bool) -> tuple[int, bytes]:
    pexpect = pytest.importorskip("pexpect")
    env = edoc.proc_env(now=NOW, env={"NO_COLOR": "1" if no_color else None, "TERM": "xterm-256color",
                                      "COLUMNS": None, "LINES": None})
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", *args], env=env,
                          dimensions=(80, 220), timeout=30)
    try:
        out = child.read()
    finally:
        child.close()
    return child.exitstatus, out


def colour_codes(out: bytes) -> list[str]:
    """SGR parameters that set a colour (30-49, 90-107); bold or italic are not colour."""
    found = []
    for params in SGR.findall(out):
        codes = [int(p) for p in params.split(b";") if p]
        found += [str(c) for c in codes if 30 <= c <= 49 or 90 <= c <= 107]
    return found


def test_terminal_shows_the_card_with_user_text_literal_and_inert(edoc, hostile_ticket):
    code, out = run_in_pty(edoc, "show", hostile_ticket, no_color=False)
    assert code == 0, out
    text = out.decode("utf-8")
    assert hostile_ticket in text
    assert "status:\t" not in text  # not the pipe format: a card drawn by Rich
    assert "─" in text or "━" in text
    assert MARKUP in text  # literal, with no style codes spliced inside
    without_styles = SGR.sub(b"", out)
    assert b"\x1b" not in without_styles  # every ESC is edoc's own styling, none from user text
    assert b"\x07" not in out
    assert not re.search("[\x80-\x9f]", text)
    assert "pwned" not in text and "evil" not in text


def test_terminal_with_no_color_has_no_colour(edoc):
    tid = edoc.open_ticket(now=NOW, name=MARKUP)
    code, out = run_in_pty(edoc, "show", tid, no_color=True)
    assert code == 0, out
    assert MARKUP in out.decode("utf-8")
    assert colour_codes(out) == []
    assert b"\x1b]" not in out  # no OSC (hyperlinks, titles) either


# -- closed pipe and Ctrl-C ----------------------------------------------------------


@pytest.mark.parametrize("args", [["list"], ["export"], ["list", "--json"]], ids=" ".join)
def test_a_reader_that_goes_away_is_not_an_error(edoc, args):
    for n in range(3):
        edoc.open_ticket(now=NOW, subject=f"Обращение {n}")
    child = subprocess.Popen([sys.executable, "-m", "edoc_cli", *args], env=edoc.proc_env(now=NOW),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # like `edoc list | head -0`: nobody reads
    err = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=30) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_a_real_pipe_into_head(edoc):
    for n in range(3):
        edoc.open_ticket(now=NOW, subject=f"Обращение {n}")
    done = subprocess.run(
        f"'{sys.executable}' -m edoc_cli list | head -1", shell=True, capture_output=True,
        env=edoc.proc_env(now=NOW), timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout.decode().split("\t")[0] == "id"
    assert b"Traceback" not in done.stderr


def wait_until_file_is_open(pid: int, path: Path, timeout: float) -> None:
    """Until process `pid` holds `path` open (it is then in the lock's retry loop)."""
    deadline = time.monotonic() + timeout
    fds = Path(f"/proc/{pid}/fd")
    while time.monotonic() < deadline:
        try:
            if any(os.readlink(fd) == str(path) for fd in fds.iterdir()):
                return
        except OSError:
            pass  # a descriptor closed while we looked
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not open {path} within {timeout} s")


def wait_until_waiting_for_the_lock(edoc, pid: int, timeout: float) -> None:
    """Until process `pid` waits for the desk's write lock: holds the lock file open, or (PostgreSQL)
    asks the server for the advisory lock another session holds."""
    if edoc.kind == "json":
        return wait_until_file_is_open(pid, Path(os.path.realpath(edoc.store.parent)) / "tickets.json.lock", timeout)
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(edoc.url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone():
                return
            time.sleep(0.01)
    raise AssertionError(f"process {pid} did not wait for the advisory lock within {timeout} s")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the lock being waited for")
def test_interrupt_while_waiting_for_the_lock_is_exit_130_and_changes_nothing(edoc):
    tid = edoc.open_ticket(now=NOW)
    before = edoc.state()
    with edoc.lock_held():
        child = subprocess.Popen([sys.executable, "-m", "edoc_cli", "assign", tid, "petrov"],
                                 env=edoc.proc_env(now=HOUR, env={"EDOC_LOCK_TIMEOUT": "30"}),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_until_waiting_for_the_lock(edoc, child.pid, timeout=20)
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=20)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 130, err
    err_text = err.decode()
    assert "Traceback" not in err_text
    assert "interrupted" in err_text
    assert out == b""
    assert edoc.state() == before
    assert edoc.ticket(tid, now=HOUR)["assignee"] is None


VIEWISH = [{"id": "ED-2026-000001", "client": {"name": "Әлия Қасымова", "phone": None}, "third_parties": [],
            "sla": {"paused": False, "breached": True, "elapsed_minutes": 540, "ratio": 0.75},
            "history": [{"message": "строка\nвторая \"в кавычках\" \\ и\u0085C1 \u2028 \x7f конец", "n": [1, {}]}]}]


def test_json_for_a_person_and_for_a_pipe_is_the_json_module_s_indented_and_compact():
    """Output JSON is written by orjson; it reads as the json module's, and C1 controls and line
    separators are escaped in both (a terminal, a JavaScript reader chokes on them)."""
    from edoc_cli.render import to_json

    pretty, compact = to_json(VIEWISH, pretty=True), to_json(VIEWISH, pretty=False)
    assert json.loads(pretty) == json.loads(compact) == VIEWISH
    escape = {"\x85": "\\u0085", "\u2028": "\\u2028", "\x7f": "\\u007f"}
    for raw, escaped in escape.items():
        assert raw not in pretty + compact and escaped in pretty and escaped in compact
    by_hand = json.dumps(VIEWISH, ensure_ascii=False, indent=2)
    for raw, escaped in escape.items():
        by_hand = by_hand.replace(raw, escaped)
    assert pretty == by_hand
    assert compact == by_hand.replace("\n", "").replace("  ", "").replace('": ', '":') and ", " not in compact[:40]
    # a lone surrogate (only a damaged record holds one) cannot go through orjson: escaped all the same
    assert to_json({"s": "a\udc80b"}, pretty=False) == '{"s":"a\\udc80b"}'
