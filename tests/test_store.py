"""The ticket store through the CLI and real files: modes, format, corruption, locking, concurrency.

Every expectation comes from SPEC.md ("Where things are kept", the store
paragraph, exit codes 6 and 7): the store is a TinyDB JSON file, writes are
locked and atomic, and a store that does not parse is never overwritten.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

import processes
from conftest import IIN, request_args

NOW = "2026-11-26T10:00:00+05:00"
LATER = "2026-11-26T11:00:00+05:00"


# -- helpers ------------------------------------------------------------------------


def real(path: Path) -> str:
    """The path as edoc names it in messages (it resolves symlinks)."""
    return os.path.realpath(path)


def temp_files(folder: Path) -> list[str]:
    """Leftovers of an atomic replace: `.tickets.json.<random>.tmp`."""
    return sorted(p.name for p in folder.glob(".tickets.json.*.tmp")) if folder.is_dir() else []


def one_line_error(err: str) -> str:
    """stderr must be exactly one line of explanation, never a traceback."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def lock_held(store: Path):
    """A real separate process holding `<store>.lock` until the block ends."""
    return processes.lock_held(Path(real(store.parent)) / (store.name + ".lock"))


def valid_store(edoc) -> tuple[str, bytes]:
    """A store with one registered ticket; its number and the file's bytes."""
    tid = edoc.open_ticket(now=NOW)
    return tid, edoc.store.read_bytes()


# -- creation and format --------------------------------------------------------------


@pytest.mark.json_only(reason="the JSON store's file")
def test_new_store_is_private_file_in_private_folder(edoc):
    assert not edoc.store.parent.exists()
    edoc.open_ticket(now=NOW)
    assert stat.S_IMODE(edoc.store.stat().st_mode) == 0o600
    assert stat.S_IMODE(edoc.store.parent.stat().st_mode) == 0o700
    lock = edoc.store.with_name("tickets.json.lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


@pytest.mark.json_only(reason="the JSON store's file")
def test_existing_folder_mode_is_left_alone_but_file_is_private(edoc):
    edoc.store.parent.mkdir(mode=0o755)
    os.chmod(edoc.store.parent, 0o755)
    edoc.open_ticket(now=NOW)
    assert stat.S_IMODE(edoc.store.parent.stat().st_mode) == 0o755
    assert stat.S_IMODE(edoc.store.stat().st_mode) == 0o600


@pytest.mark.json_only(reason="the JSON store's file")
def test_store_is_a_tinydb_document_with_schema_and_sequence(edoc):
    first = edoc.open_ticket(now=NOW)
    second = edoc.open_ticket(now=LATER)
    assert (first, second) == ("ED-2026-000001", "ED-2026-000002")
    raw = edoc.store.read_bytes()
    data = json.loads(raw.decode("utf-8"))
    assert set(data) == {"meta", "tickets"}
    assert data["meta"]["1"]["schema_version"] == 3 and data["meta"]["1"]["sequences"] == {"ED-2026": 2}
    # numbers.json beside the archive notes every number issued (written staged, then noted in meta)
    numbers = json.loads(edoc.store.with_name("tickets.json.archive").joinpath("numbers.json").read_bytes())
    assert list(numbers["numbers"].values()) == [{"id": "ED-2026", "highest": 2}]
    assert sorted(t["id"] for t in data["tickets"].values()) == [first, second]

    # TinyDB itself reads it as its own document (read-only: nothing written back).
    from tinydb import TinyDB

    with TinyDB(edoc.store, access_mode="r") as db:
        assert db.table("meta").get(doc_id=1)["schema_version"] == 3
        assert sorted(doc["id"] for doc in db.table("tickets").all()) == [first, second]
    assert edoc.store.read_bytes() == raw


@pytest.mark.json_only(reason="the JSON store's file")
def test_successful_writes_leave_no_temporary_files(edoc):
    tid = edoc.open_ticket(now=NOW)
    assert edoc.run("assign", tid, "petrov", now=LATER).code == 0
    assert edoc.run("note", tid, "--message", "Проверил журнал", now=LATER).code == 0
    assert edoc.run("close", tid, "--resolution", "resolved", "--message", "Готово", now=LATER).code == 0
    assert temp_files(edoc.store.parent) == []
    archive = edoc.store.parent / "tickets.json.archive"
    assert sorted(p.name for p in archive.glob(".*.tmp")) == []
    assert sorted(p.name for p in edoc.store.parent.iterdir()) == [
        "tickets.json", "tickets.json.archive", "tickets.json.lock"]
    # The closed ticket moved to its bucket of 1000 numbers, and its report summary beside it.
    assert sorted(p.name for p in archive.iterdir()) == ["ED-2026-000.json", "numbers.json", "summary-2026-11.json"]


# -- stores that must not be touched -------------------------------------------------


def _newer_schema(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["meta"]["1"]["schema_version"] = 99
    return json.dumps(data).encode()


def _edit_ticket(change: Callable[[dict], None]) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        data = json.loads(raw)
        change(data["tickets"])
        return json.dumps(data, ensure_ascii=False).encode()
    return edit


def _edit_meta(change: Callable[[dict], None]) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        data = json.loads(raw)
        change(data["meta"]["1"])
        return json.dumps(data, ensure_ascii=False).encode()
    return edit


CORRUPTIONS = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "whitespace only": lambda raw: b"  \n",
    "invalid utf-8": lambda raw: raw.replace(b'"tester"', b'"te\xff\xfester"'),
    "json array": lambda raw: json.dumps([json.loads(raw)]).encode(),
    "json string": lambda raw: b'"tickets"',
    "tickets table is a list": lambda raw: json.dumps({**json.loads(raw), "tickets": ["x"]}).encode(),
    "record with a bad document id": _edit_ticket(lambda t: t.update({"one": t.pop("1")})),
    "newer schema version": _newer_schema,
    "no schema version": lambda raw: json.dumps({**json.loads(raw), "meta": {}}).encode(),
    "nested 100,000 levels deep": lambda raw: b"[" * 100_000 + b"]" * 100_000,
    "counter that is a fraction": _edit_meta(lambda m: m["sequences"].update({"ED-2026": 1.5})),
    "counter that is true": _edit_meta(lambda m: m["sequences"].update({"ED-2026": True})),
    "counter below zero": _edit_meta(lambda m: m["sequences"].update({"ED-2026": -5})),
    "counter key that is no prefix and year": _edit_meta(lambda m: m["sequences"].update({"ed 2026": 1})),
    "last sweep time that is garbage": _edit_meta(lambda m: m.update(last_sweep_at="вчера")),
    "last sweep time past 2100": _edit_meta(lambda m: m.update(last_sweep_at="2101-01-01T01:00:00+05:00")),
}

# Damage inside one ticket record (the file itself is sound): the record is left as it is,
# skipped by every command that reads tickets (named on stderr) and refused to a command
# addressed to it, so one bad record never stops the cron sweep or the rest of the desk.
RECORD_DAMAGE = {
    "not an object": lambda t: "broken by hand",
    "no status": lambda t: t.pop("status"),
    "an unknown status": lambda t: t.update(status="done"),
    "a history that is not a list": lambda t: t.update(history="opened"),
    "a history event that is not an object": lambda t: t["history"].append(7),
    "an empty history": lambda t: t.update(history=[]),
    "an assignment without an assignee": lambda t: t["history"].append(
        {"at": "2026-11-26T10:30:00+05:00", "by": "x", "type": "assigned"}),
    "a reopening of a new ticket": lambda t: t["history"].append(
        {"at": "2026-11-26T10:30:00+05:00", "by": "x", "type": "reopened", "message": "?"}),
    "a garbage waiting.since": lambda t: t.update(waiting={"since": "скоро"}),
    "a clock past 2100": lambda t: t["history"].append(
        {"at": "2101-01-01T01:00:00+05:00", "by": "x", "type": "note", "message": "из будущего"}),
    "a target of 0 minutes": lambda t: t["sla_rules"].update(first_response=0),
}


def _commands(tid: str) -> dict[str, list[str]]:
    return {
        "list": ["list", "--all"],
        "show": ["show", tid],
        "open": ["open", *request_args()],
        "assign": ["assign", tid, "petrov"],
        "check": ["check"],
        "export": ["export"],
    }


@pytest.mark.json_only(reason="the JSON store's file")
@pytest.mark.parametrize("command", ["list", "show", "open", "assign", "check", "export"])
@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_unreadable_store_stops_every_command_and_is_never_overwritten(edoc, corruption, command):
    tid, raw = valid_store(edoc)
    broken = CORRUPTIONS[corruption](raw)
    assert broken != raw
    edoc.store.write_bytes(broken)

    result = edoc.run(*_commands(tid)[command], now=LATER)

    assert result.code == 7, result
    if command == "check" and corruption.startswith(("counter", "last sweep")):
        # check reads a store with a bad meta record to list what is wrong (--repair mends it)
        assert "meta" in result.err and real(edoc.store) in result.err, result
    else:
        assert real(edoc.store) in one_line_error(result.err)
        assert "repair" in result.err or not corruption.startswith(("counter", "last sweep"))
    assert result.out == ""
    assert edoc.store.read_bytes() == broken
    assert temp_files(edoc.store.parent) == []


@pytest.mark.json_only(reason="the JSON store's file")
@pytest.mark.parametrize("damage", list(RECORD_DAMAGE))
def test_a_damaged_record_is_skipped_by_readers_refused_to_its_commands_and_kept(edoc, damage):
    bad = edoc.open_ticket(now=NOW)
    good = edoc.open_ticket(now=NOW)
    data = json.loads(edoc.store.read_bytes())
    (doc_id,) = [k for k, t in data["tickets"].items() if t["id"] == bad]
    replaced = RECORD_DAMAGE[damage](data["tickets"][doc_id])
    if isinstance(replaced, str):
        data["tickets"][doc_id] = replaced
    damaged = data["tickets"][doc_id]
    edoc.store.write_bytes(json.dumps(data, ensure_ascii=False).encode())

    def stored_damaged():
        return json.loads(edoc.store.read_bytes())["tickets"][doc_id]

    named = isinstance(damaged, dict) and damaged.get("id") == bad  # a record that still says its number
    name = bad if named else f"#{doc_id}"
    listed = edoc.run("list", "--all", "--json", now=LATER)
    assert listed.code == 0, listed
    assert [t["id"] for t in listed.json()] == [good]
    assert name in one_line_error(listed.err) and "edoc check" in listed.err
    swept = edoc.run("sweep", now=LATER)
    assert swept.code == 0 and name in one_line_error(swept.err), swept
    report = edoc.run("report", "--json", now=LATER)
    assert report.code == 0 and report.json()["total"]["opened"] == 1, report

    for args in (["show", bad], ["assign", bad, "petrov"], ["note", bad, "-m", "x"]):
        refused = edoc.run(*args, now=LATER)
        assert refused.code == (7 if named else 4), refused
        assert bad in refused.err and ("damaged" in refused.err or not named)
    assert edoc.run("assign", good, "petrov", now=LATER).code == 0
    third = edoc.open_ticket(now=LATER)
    assert third == "ED-2026-000003"
    assert stored_damaged() == damaged  # left exactly as it was, through every write

    checked = edoc.run("check", "--json", now=LATER)
    assert checked.code == 7 and checked.json()["problems"], checked
    exported = edoc.run("export", now=LATER)
    assert exported.code == 0, exported
    records = [json.loads(line) for line in exported.out.splitlines()]
    assert [r.get("id") if isinstance(r, dict) else r for r in records] == [bad if named else damaged, good, third]


@pytest.mark.json_only(reason="the JSON store's file")
def test_newer_schema_asks_for_an_upgrade(edoc):
    _, raw = valid_store(edoc)
    broken = _newer_schema(raw)
    edoc.store.write_bytes(broken)
    result = edoc.run("open", *request_args(), now=LATER)
    assert result.code == 7
    line = one_line_error(result.err)
    assert "99" in line and "upgrade" in line
    assert edoc.store.read_bytes() == broken


@pytest.mark.json_only(reason="the JSON store's file")
def test_store_path_that_is_a_directory(edoc):
    edoc.store.mkdir(parents=True)
    for args in (["list"], ["open", *request_args()], ["show", "ED-2026-000001"]):
        result = edoc.run(*args, now=NOW)
        assert result.code == 7, result
        assert real(edoc.store) in one_line_error(result.err)
    assert edoc.store.is_dir() and list(edoc.store.iterdir()) == []


# -- write failures -------------------------------------------------------------------


@pytest.mark.json_only(reason="the JSON store's file")
@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_is_a_clear_error_and_the_store_survives(edoc):
    tid, raw = valid_store(edoc)
    folder = edoc.store.parent
    os.chmod(folder, 0o500)
    try:
        result = edoc.run("assign", tid, "petrov", now=LATER)
    finally:
        os.chmod(folder, 0o700)
    assert result.code not in (0, 7)
    assert real(edoc.store) in one_line_error(result.err)
    assert edoc.store.read_bytes() == raw
    assert temp_files(folder) == []


@pytest.mark.json_only(reason="the JSON store's file")
def test_store_under_a_regular_file_is_a_clear_error(edoc):
    blocker = edoc.tmp / "not-a-folder"
    blocker.write_bytes(b"keep me")
    store = blocker / "tickets.json"
    env = {"EDOC_STORE": str(store)}

    wrote = edoc.run("open", *request_args(), now=NOW, env=env)
    assert wrote.code != 0
    line = one_line_error(wrote.err)
    assert real(blocker) in line and "unexpected" not in line

    read = edoc.run("list", now=NOW, env=env)
    assert read.code == 7
    assert real(blocker) in one_line_error(read.err)
    assert blocker.read_bytes() == b"keep me"


# The file-size limit makes the write of a grown store fail as a full disk would
# (Python ignores SIGXFSZ, so write() gets EFBIG); it works for root too.
LIMITED_EDOC = r"""
import resource, runpy, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["edoc", *sys.argv[2:]]
runpy.run_module("edoc_cli", run_name="__main__")
"""


@pytest.mark.json_only(reason="the JSON store's file")
def test_failed_write_keeps_the_old_store_and_leaves_no_temporary_file(edoc):
    tid, raw = valid_store(edoc)
    args = ["note", tid, "--message", "Длинная заметка " * 20]
    done = subprocess.run(
        [sys.executable, "-c", LIMITED_EDOC, str(len(raw)), *args],
        capture_output=True, timeout=60, env=edoc.proc_env(now=LATER),
    )
    err = done.stderr.decode()
    assert done.returncode not in (0, 7), err
    line = one_line_error(err)
    assert real(edoc.store) in line and "nothing was changed" in line
    assert edoc.store.read_bytes() == raw
    assert temp_files(edoc.store.parent) == []
    # The store is still whole and usable afterwards.
    assert edoc.run("check", now=LATER).code == 0
    assert edoc.ticket(tid, now=LATER)["history"][-1]["type"] == "opened"


# -- the lock -------------------------------------------------------------------------


def test_held_lock_makes_writers_give_up_in_time_while_readers_go_on(edoc):
    tid = edoc.open_ticket(now=NOW)
    raw = edoc.state()
    env = {"EDOC_LOCK_TIMEOUT": "0.5"}
    with edoc.lock_held():
        for args in (["open", *request_args()], ["assign", tid, "petrov"]):
            started = time.monotonic()
            result = edoc.run(*args, now=LATER, env=env)
            waited = time.monotonic() - started
            assert result.code == 6, result
            assert 0.45 <= waited < 5, waited
            line = one_line_error(result.err)
            assert edoc.where() in line and "EDOC_LOCK_TIMEOUT" in line
            assert edoc.state() == raw

        # Readers take no lock.
        listed = edoc.run("list", now=LATER, env=env)
        assert listed.code == 0 and tid in listed.out
        shown = edoc.run("show", tid, "--json", now=LATER, env=env)
        assert shown.code == 0 and shown.json()["id"] == tid
        assert edoc.state() == raw
        if edoc.kind == "json":
            assert temp_files(edoc.store.parent) == []

    # Once the other process is gone, the same write goes through.
    assert edoc.run("assign", tid, "petrov", now=LATER, env=env).code == 0
    assert edoc.ticket(tid, now=LATER)["assignee"] == "petrov"


# -- concurrency ----------------------------------------------------------------------

# Each worker waits for "go" on stdin, then registers 10 tickets, each one a
# separate edoc run (its own Environment, Store and locked transaction).
WORKER = r"""
import sys
from edoc_cli.app import run
args = sys.argv[1:]
print("ready", flush=True)
sys.stdin.readline()
codes = [run(["open", *args]) for _ in range(10)]
sys.stdout.flush()
sys.exit(0 if codes == [0] * 10 else 1)
"""


def test_four_processes_registering_at_once_get_forty_distinct_numbers(edoc):
    env = edoc.proc_env(now=NOW)
    workers = []
    for n in range(4):
        args = request_args(subject=f"Параллельная регистрация {n}", iin=IIN)
        workers.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, "--no-input", *args], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))
    outputs = processes.release_together(workers, 60)
    acknowledged = []
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0, err
        assert "Traceback" not in err
        numbers = out.split()
        assert len(numbers) == 10, out
        acknowledged += numbers

    expected = [f"ED-2026-{n:06d}" for n in range(1, 41)]
    assert sorted(acknowledged) == expected
    stored = [json.loads(line) for line in edoc.run("export", now=NOW).out.splitlines()]
    assert [t["id"] for t in stored] == expected
    assert edoc.meta()["sequences"] == {"ED-2026": 40}
    # Every worker's tickets are all there, with the worker's own subject.
    subjects = sorted(t["subject"] for t in stored)
    assert subjects == sorted(f"Параллельная регистрация {n}" for n in range(4) for _ in range(10))
    check = edoc.run("check", "--json", now=NOW)
    assert check.code == 0, check
    assert check.json()["ok"] is True and check.json()["tickets"] == 40
    if edoc.kind == "json":
        assert temp_files(edoc.store.parent) == []
