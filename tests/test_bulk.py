"""`assign` without a name (me), and `assign`, `note`, `postpone` on several tickets or ids on stdin:
each ticket all or nothing, a summary, the first failure's exit code."""

from __future__ import annotations

import subprocess
import sys

NOW = "2026-11-26T10:00:00+05:00"
LATER = "2026-11-26T11:00:00+05:00"


def three(edoc) -> list[str]:
    return [edoc.open_ticket(now=NOW) for _ in range(3)]


def test_assign_without_a_name_assigns_to_the_operator_running_it(edoc):
    tid = edoc.open_ticket(now=NOW)
    r = edoc.run("assign", tid, now=LATER, env=edoc.as_operator("aida"))
    assert r.code == 0, r
    t = edoc.ticket(tid)
    assert t["assignee"] == "aida" and t["status"] == "open"
    assert t["history"][-1]["by"] == "aida"


def test_assign_id_operator_keeps_working_and_several_ids_take_one_operator(edoc):
    a, b, c = three(edoc)
    assert edoc.run("assign", a, "bolat", now=LATER).code == 0
    r = edoc.run("assign", b, c.lower(), "aida", now=LATER)   # a number in lower case is still a number
    assert r.code == 0, r
    assert "done: 2, failed: 0" in r.err
    assert [edoc.ticket(t)["assignee"] for t in (a, b, c)] == ["bolat", "aida", "aida"]


def test_several_ids_and_no_operator_assign_them_to_me(edoc):
    a, b, _c = three(edoc)
    r = edoc.run("assign", a, b, now=LATER)
    assert r.code == 0, r
    assert [edoc.ticket(t)["assignee"] for t in (a, b)] == ["tester", "tester"]


def test_to_names_the_operator_explicitly(edoc):
    a, b, _c = three(edoc)
    r = edoc.run("assign", a, b, "--to", "bolat", now=LATER)
    assert r.code == 0, r
    assert [edoc.ticket(t)["assignee"] for t in (a, b)] == ["bolat", "bolat"]


def test_each_ticket_is_done_or_not_and_the_first_failure_gives_the_exit_code(edoc):
    a, b, c = three(edoc)
    assert edoc.run("close", b, "--resolution", "resolved", "-m", "done", now=NOW).code == 0
    r = edoc.run("note", a, b, "ED-2026-000099", "nonsense", c, "-m", "Проверили логи", "--json", now=LATER)
    assert r.code == 5, r   # b is closed: the first failure
    out = r.json()
    assert out["done"] == 2 and out["failed"] == 3
    by_id = {x["id"]: x for x in out["results"]}
    assert by_id[a]["ok"] and by_id[c]["ok"]
    assert by_id[b]["exit_code"] == 5 and by_id["ED-2026-000099"]["exit_code"] == 4
    assert by_id["nonsense"]["exit_code"] == 2 and "registration number" in by_id["nonsense"]["error"]
    assert [e["message"] for e in edoc.ticket(a)["history"] if e["type"] == "note"] == ["Проверили логи"]
    assert not [e for e in edoc.ticket(b)["history"] if e["type"] == "note"]


def test_postpone_several(edoc):
    a, b, _c = three(edoc)
    r = edoc.run("postpone", a, b, "--reason", "third_party", "-m", "Ждём НУЦ", now=LATER)
    assert r.code == 0, r
    assert "done: 2, failed: 0" in r.err
    assert [edoc.ticket(t)["status"] for t in (a, b)] == ["postponed", "postponed"]


def test_ids_on_stdin_blank_lines_skipped_hostile_lines_reported(edoc):
    a, b, c = three(edoc)
    ids = f"\n{a}\n\n  {b}  \n\x1b[31mED-2026-000003\n{'9' * 5000}\n"
    r = edoc.run("assign", "-", "bolat", "--json", input=ids.encode(), now=LATER)
    assert r.code == 2, r
    out = r.json()
    assert out["done"] == 2 and out["failed"] == 2
    assert [edoc.ticket(t)["assignee"] for t in (a, b, c)] == ["bolat", "bolat", None]
    plain = edoc.run("note", "-", "-m", "x", input=f"\x1b[31m{c}\n".encode(), now=LATER)
    assert plain.code == 2 and "\x1b" not in plain.err
    assert "done: 0, failed: 1" in plain.err


def test_empty_stdin_does_nothing_and_succeeds(edoc):
    r = edoc.run("assign", "-", "bolat", "--json", input=b"\n\n", now=LATER)
    assert r.code == 0, r
    assert r.json() == {"done": 0, "failed": 0, "results": []}


def test_stdin_cannot_carry_both_the_ids_and_the_message(edoc):
    a, _b, _c = three(edoc)
    before = edoc.state()
    r = edoc.run("note", "-", "-m", "-", input=f"{a}\n".encode(), now=LATER)
    assert r.code == 2 and "stdin" in r.err
    assert edoc.run("assign", "-", "-", "bolat", input=b"", now=LATER).code == 2
    assert edoc.state() == before


def test_the_pipe_from_list_to_assign_with_real_processes(edoc):
    a, b, c = three(edoc)
    assert edoc.run("assign", c, "aida", now=NOW).code == 0
    env = edoc.proc_env(now=LATER)
    lister = subprocess.Popen([sys.executable, "-m", "edoc_cli", "list", "--assignee", "aida", "--json"],
                              stdout=subprocess.PIPE, env=env)
    # jq -r '.[].id', in Python: the test machine need not have jq.
    ids = subprocess.Popen([sys.executable, "-c", "import json, sys\nfor t in json.load(sys.stdin): print(t['id'])"],
                           stdin=lister.stdout, stdout=subprocess.PIPE)
    lister.stdout.close()
    assign = subprocess.run([sys.executable, "-m", "edoc_cli", "assign", "-", "bolat"], stdin=ids.stdout,
                            capture_output=True, env=env, timeout=60)
    ids.stdout.close()
    assert lister.wait(timeout=60) == 0 and ids.wait(timeout=60) == 0
    assert assign.returncode == 0, assign
    assert assign.stderr.decode().strip().splitlines() == [
        f"{c}: assigned to bolat; status open", "done: 1, failed: 0"]
    assert [edoc.ticket(t)["assignee"] for t in (a, b, c)] == [None, None, "bolat"]
