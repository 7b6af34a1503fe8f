"""Fault injection through real processes: SIGKILL mid-write, a full disk, a hung lock holder, many writers.

The issue: "A support desk's records are evidence. edoc must keep them through
crashes, full disks, concurrent operators". After every fault here: the store
parses, `edoc check` passes, and every operation whose process exited 0 is in
it. SPEC.md: every write is a locked read-modify-write, the file is replaced
atomically (temporary file, fsync, rename), and two sweeps never close a
ticket twice.

What each test would catch: a store written in place instead of renamed
into place (the frozen writer, the SIGKILL rounds, the full tmpfs), a write
without the lock (the frozen writer's exit 6, the hammering), a failed write
that half-happened (the full tmpfs: bytes and numbering unchanged).
test_store.py already has the RLIMIT_FSIZE disk-full variant (it runs
everywhere) and a lock held by a foreign helper process; they are not repeated.
"""

from __future__ import annotations

import errno
import os
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import processes
from conftest import request_args

# Process states and open files are read from /proc.
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux /proc")

NOW = "2026-11-26T10:00:00+05:00"
LATER_SAME_DAY = "2026-11-26T12:00:00+05:00"
PYTHON = sys.executable


# -- helpers ------------------------------------------------------------------------


def temp_files(folder: Path) -> list[Path]:
    """Leftovers of writes: `.<file>.<random>.tmp` of atomic replaces in the store's folder or below
    it, and `.<file>.<token>.staged` archive files of a commit that never happened."""
    return sorted([*folder.rglob(".*.tmp"), *folder.rglob(".*.staged")]) if folder.is_dir() else []


def one_line_error(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def store_files(folder: Path, but: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file in the store's folder (the store proper and whatever edoc keeps beside it), but the lock."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock") and p.name not in but}


def read_meta(path: Path) -> dict[str, Any]:
    """The store file must parse, whole, as a TinyDB document; its meta record (schema, sequences)."""
    data = json.loads(path.read_bytes().decode("utf-8"))
    assert isinstance(data, dict) and {"meta", "tickets"} <= set(data), repr(data)[:200]
    return data["meta"]["1"]


def all_tickets(edoc, now: str) -> list[dict[str, Any]]:
    """Every ticket, wherever the store keeps it (`edoc export` reads every file of the store)."""
    result = edoc.run("export", now=now)
    assert result.code == 0, result
    return [json.loads(line) for line in result.out.splitlines()]


def assert_check_passes(edoc, now: str) -> None:
    result = edoc.run("check", "--json", now=now)
    assert result.code == 0, result
    assert result.json()["ok"] is True, result


def assert_numbers_unique(tickets: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    ids = [t["id"] for t in tickets]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    highest = max(int(i.rsplit("-", 1)[1]) for i in ids)
    assert meta["sequences"]["ED-2026"] >= highest


def assert_never_closed_twice(ticket: dict[str, Any]) -> None:
    """Between two `closed` events of a ticket there is always a `reopened`."""
    closed = False
    for event in ticket["history"]:
        if event["type"] in ("closed", "terminated"):
            assert not closed, (ticket["id"], [e["type"] for e in ticket["history"]])
            closed = True
        elif event["type"] == "reopened":
            closed = False
    breaches = Counter(e["target"] for e in ticket["history"] if e["type"] == "breached")
    assert all(n == 1 for n in breaches.values()), (ticket["id"], breaches)


def event_values(tickets: list[dict[str, Any]]) -> Counter:
    """How often each string appears as a value of some history event (messages, assignees)."""
    seen: Counter = Counter()
    for ticket in tickets:
        for event in ticket["history"]:
            for key, value in event.items():
                if key not in ("at", "by", "type") and isinstance(value, str):
                    seen[value] += 1
    return seen


def process_state(pid: int) -> str:
    """The one-letter state in /proc/PID/stat (R, S, T for stopped, Z ...)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def wait_until_stopped(proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(
                "the writer finished without ever writing the store through a Python file object "
                f"(exit {proc.returncode}; the stop hook never fired): {err.decode()[-2000:]}")
        if process_state(proc.pid) == "T":
            return
        time.sleep(0.01)
    raise AssertionError(f"the writer did not reach the store's write within {timeout} s")


def at(base: str, minutes: int) -> str:
    return (datetime.fromisoformat(base) + timedelta(minutes=minutes)).isoformat()


def edoc_popen(edoc, args: list[str], now: str, env: dict[str, str] | None = None,
               wrapper: str | None = None) -> subprocess.Popen:
    """A real `python -m edoc_cli` (or the same under a wrapper script) on the test's store."""
    prefix = [PYTHON, "-c", wrapper] if wrapper else [PYTHON, "-m", "edoc_cli"]
    return subprocess.Popen(prefix + list(args), env=edoc.proc_env(now=now, env=env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# A real edoc that stops itself (SIGSTOP) half-way through writing a file in
# the store's folder, as a process frozen or killed in the middle of a write:
# the first write() on any file opened for writing there (other than the lock)
# puts half its bytes on disk, flushes and fsyncs them, then stops. Whatever the
# way the store is written (a temporary file or in place, open(), os.fdopen()
# or os.write()), the half-written bytes are really on disk when the test kills it.
STOP_MID_WRITE = r"""
import builtins, io, os, runpy, signal, sys

folder = os.path.realpath(os.path.dirname(os.environ["EDOC_STORE"]))

def ours(path):
    path = os.path.realpath(path)
    return os.path.dirname(path) == folder and not path.endswith(".lock")

class HalfThenStop:
    def __init__(self, handle):
        self._handle = handle
    def write(self, data):
        half = len(data) // 2
        self._handle.write(data[:half])
        self._handle.flush()
        os.fsync(self._handle.fileno())
        os.kill(os.getpid(), signal.SIGSTOP)
        return half + self._handle.write(data[half:])
    def __enter__(self):
        self._handle.__enter__()
        return self
    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)
    def __getattr__(self, name):
        return getattr(self._handle, name)

def writing(mode):
    return any(flag in mode for flag in "wax+")

real_open, real_fdopen = io.open, os.fdopen

def hooked_open(file, mode="r", *args, **kwargs):
    handle = real_open(file, mode, *args, **kwargs)
    if writing(mode) and isinstance(file, (str, bytes, os.PathLike)) and ours(os.fsdecode(file)):
        return HalfThenStop(handle)
    return handle

def hooked_fdopen(fd, mode="r", *args, **kwargs):
    handle = real_fdopen(fd, mode, *args, **kwargs)
    if writing(mode) and ours(os.readlink(f"/proc/self/fd/{fd}")):
        return HalfThenStop(handle)
    return handle

real_write = os.write

def hooked_write(fd, data):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return real_write(fd, data)
    if not ours(target):
        return real_write(fd, data)
    half = len(data) // 2
    written = real_write(fd, bytes(data[:half]))
    os.fsync(fd)
    os.kill(os.getpid(), signal.SIGSTOP)
    return written

builtins.open = io.open = hooked_open
os.fdopen = hooked_fdopen
os.write = hooked_write
sys.argv = ["edoc", *sys.argv[1:]]
runpy.run_module("edoc_cli", run_name="__main__")
"""


# -- a writer frozen, then killed, in the middle of its write -------------------------


def _writer_args(kind: str, tid: str) -> list[str]:
    return {
        "open": ["open", "--no-input", *request_args(subject="frozen-open")],
        "note": ["note", tid, "--message", "frozen-note"],
        "sweep": ["sweep"],
    }[kind]


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
@pytest.mark.parametrize("kind", ["open", "note", "sweep"])
def test_a_writer_frozen_mid_write_holds_the_lock_and_its_death_frees_it(edoc, kind):
    """A real edoc stopped half-way through its write: the store is untouched, readers see it whole,
    other writers get exit 6 after the timeout; once it is SIGKILLed the next writer gets the lock at once."""
    tid = edoc.open_ticket(now=NOW)
    assert edoc.run("request-info", tid, "--message", "Уточните ИИН", now=NOW).code == 0
    later = "2026-11-27T12:00:00+05:00"  # past the 8 working hours: the sweep has work to do
    before = edoc.store.read_bytes()

    frozen = edoc_popen(edoc, _writer_args(kind, tid), now=later, wrapper=STOP_MID_WRITE)
    try:
        wait_until_stopped(frozen)

        # Half of the new bytes are on disk, but never in the store.
        assert edoc.store.read_bytes() == before
        # (The sweep's close has staged its archive files whole before: they are not committed either.)
        half_written = [p for p in temp_files(edoc.store.parent) if p.parent == edoc.store.parent]
        assert len(half_written) == 1, half_written
        with pytest.raises(ValueError):
            json.loads(half_written[0].read_bytes())

        # Readers take no lock and see the whole old store.
        shown = edoc.run("show", tid, "--json", now=later)
        assert shown.code == 0, shown
        assert [e["type"] for e in shown.json()["history"]] == ["opened", "info_requested"]

        # A hung holder: writers give up after the timeout with exit 6 and change nothing.
        started = time.monotonic()
        busy = edoc.run("note", tid, "--message", "while frozen", now=later, env={"EDOC_LOCK_TIMEOUT": "0.5"})
        assert busy.code == 6, busy
        assert 0.45 <= time.monotonic() - started < 5
        assert "EDOC_LOCK_TIMEOUT" in one_line_error(busy.err)
        assert edoc.store.read_bytes() == before
    finally:
        frozen.kill()  # SIGKILL, even to a stopped process
        frozen.communicate(timeout=30)
    assert frozen.returncode == -signal.SIGKILL

    # The kernel released the flock with the process: the next writer gets it at once.
    started = time.monotonic()
    after = edoc.run("note", tid, "--message", "after the crash", now=later, env={"EDOC_LOCK_TIMEOUT": "0.5"})
    assert after.code == 0, after
    assert time.monotonic() - started < 2
    meta = read_meta(edoc.store)
    (ticket,) = all_tickets(edoc, later)  # the frozen open never landed
    messages = [e.get("message") for e in ticket["history"]]
    assert "frozen-note" not in messages and "after the crash" in messages
    assert not meta.get("last_sweep_at")  # nor did the frozen sweep
    assert ticket["status"] == "waiting"
    assert_check_passes(edoc, later)


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
def test_a_killed_writers_temporary_file_does_not_outlive_the_next_write(edoc):
    """Leftovers of killed writers must not pile up: each is a full copy of the store (disk, personal data).

    Under the lock no other writer is between mkstemp and rename, so any
    `.tickets.json.*.tmp` found then is a dead writer's and can be removed.
    """
    tid = edoc.open_ticket(now=NOW)
    for n in range(3):
        frozen = edoc_popen(edoc, ["note", tid, "--message", f"frozen {n}"], now=NOW, wrapper=STOP_MID_WRITE)
        try:
            wait_until_stopped(frozen)
        finally:
            frozen.kill()
            frozen.communicate(timeout=30)
    assert temp_files(edoc.store.parent), "each frozen writer had half-written its temporary file"

    assert edoc.run("note", tid, "--message", "a clean write", now=NOW).code == 0
    assert temp_files(edoc.store.parent) == []


# -- SIGKILL at random moments, many rounds --------------------------------------------

# Plain consultations registered at 10:00 and, on every fourth ticket, an
# information request made at one of 11:00 ... 17:00: those come due for the
# sweep at 10:00 ... 16:00 the next day, so sweeps during the rounds keep
# finding work.
BULK = 800
ROUND_BASE = "2026-11-27T09:30:00+05:00"  # Friday; round i acts at ROUND_BASE + 10 i minutes
ROUNDS = 40


def _templates(edoc) -> list[dict[str, Any]]:
    """One plain and seven waiting tickets, made by the CLI in a scratch store, as exported records."""
    scratch = {"EDOC_STORE": str(edoc.tmp / "templates" / "tickets.json")}
    description = "Клиент не может сменить адрес почты в профиле; ошибка повторяется. " * 6
    for _ in range(8):
        opened = edoc.run("open", *request_args(description=description), now=NOW, env=scratch)
        assert opened.code == 0, opened
    for n in range(2, 9):
        asked = edoc.run("request-info", f"ED-2026-{n:06d}", "--message", "Уточните ИИН и логин",
                         now=f"2026-11-26T{9 + n:02d}:00:00+05:00", env=scratch)
        assert asked.code == 0, asked
    exported = edoc.run("export", now=NOW, env=scratch)
    assert exported.code == 0, exported
    return [json.loads(line) for line in exported.out.splitlines()]


def build_bulk_store(edoc, count: int = BULK) -> None:
    """`count` tickets in the test's store, through `edoc import` of generated JSON Lines."""
    plain, *waiting = _templates(edoc)
    lines = []
    for n in range(1, count + 1):
        template = waiting[(n // 4) % len(waiting)] if n % 4 == 0 else plain
        lines.append(json.dumps({**template, "id": f"ED-2026-{n:06d}", "subject": f"Обращение {n}"},
                                ensure_ascii=False))
    dump = edoc.tmp / "bulk.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = edoc.run("import", str(dump), now=NOW)
    assert imported.code == 0, imported


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
def test_sigkill_at_random_moments_never_loses_an_acknowledged_write(edoc):
    build_bulk_store(edoc)
    rng = random.Random(20261127)
    durations: dict[str, float] = {}  # how long each kind of write runs, measured in its first round
    writes_at: dict[str, float] = {}  # when, in that run, the new store's bytes were written
    acked_opens: list[str] = []
    acked_events: list[tuple[str, str]] = []  # (ticket, message) of acknowledged notes and closes
    killed = landed_anyway = 0
    leftovers: list[int] = []

    tickets = all_tickets(edoc, ROUND_BASE)
    for i in range(ROUNDS):
        now = at(ROUND_BASE, 10 * i)
        active = sorted(t["id"] for t in tickets if t["status"] != "closed")
        # The first round of each kind runs to the end: it measures how long that write takes.
        kind = ["open", "note", "close", "sweep"][i] if i < 4 else rng.choice(["open", "note", "close", "sweep"])
        marker = f"kill-{kind}-{i}"
        target = rng.choice(active)
        args = {
            "open": ["open", "--no-input", *request_args(subject=marker)],
            "note": ["note", target, "--message", marker],
            "close": ["close", target, "--resolution", "resolved", "--message", marker],
            "sweep": ["sweep", "--json"],
        }[kind]

        started, wall = time.monotonic(), time.time()
        proc = edoc_popen(edoc, args, now=now)
        if kind not in durations:
            delay = None
        elif i % 2:  # anywhere in the run
            delay = rng.uniform(0.25, 1.1) * durations[kind]
        else:  # around the moment the store was written when this kind was measured
            delay = max(0.0, writes_at[kind] + rng.uniform(-0.03, 0.01))
        try:  # communicate, not wait: a sweep's JSON can fill the pipe
            out, err = proc.communicate(timeout=delay if delay is not None else 120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=60)
        if kind not in durations:
            assert proc.returncode == 0, err
            durations[kind] = time.monotonic() - started
            writes_at[kind] = edoc.store.stat().st_mtime - wall
        assert b"Traceback" not in err, err

        # Whatever the moment of death: the store parses, passes check, holds no duplicates.
        meta = read_meta(edoc.store)
        assert_check_passes(edoc, now)
        tickets = all_tickets(edoc, now)
        assert_numbers_unique(tickets, meta)
        for ticket in tickets:
            assert_never_closed_twice(ticket)
        values = event_values(tickets)
        subjects = Counter(t["subject"] for t in tickets)
        assert all(n == 1 for v, n in values.items() if v.startswith("kill-")), values
        assert all(n == 1 for s, n in subjects.items() if s.startswith("kill-")), subjects
        leftovers.append(len(temp_files(edoc.store.parent)))
        assert edoc.store.name == "tickets.json" and edoc.store.is_file()

        if proc.returncode == 0:
            if kind == "open":
                acked_opens.append(marker)
                assert out.decode().strip() in {t["id"] for t in tickets if t["subject"] == marker}
            elif kind in ("note", "close"):
                acked_events.append((target, marker))
            else:
                swept = json.loads(out)
                assert meta["last_sweep_at"] == swept["at"]
                waiting = edoc.run("list", "--status", "waiting", "--json", now=now)
                assert waiting.code == 0, waiting
                overdue = [t["id"] for t in waiting.json()
                           if datetime.fromisoformat(t["waiting"]["auto_close_at"]) <= datetime.fromisoformat(now)]
                assert overdue == [], overdue
        else:
            assert proc.returncode == -signal.SIGKILL, (proc.returncode, err)
            killed += 1
            landed_anyway += values[marker] + subjects[marker]

        # Every acknowledged operation so far is still there, exactly once.
        by_id = {t["id"]: t for t in tickets}
        for subject in acked_opens:
            assert subjects[subject] == 1, subject
        for tid, message in acked_events:
            assert [e.get("message") for e in by_id[tid]["history"]].count(message) == 1, (tid, message)
            if message.startswith("kill-close-"):
                assert by_id[tid]["status"] == "closed", tid

    # A following ordinary write still works on whatever the kills left behind.
    last = at(ROUND_BASE, 10 * ROUNDS)
    final = edoc.proc("note", "ED-2026-000001", "--message", "after the rounds", now=last)
    assert final.code == 0, final
    assert_check_passes(edoc, last)
    assert killed >= ROUNDS // 3, (killed, durations)
    print(f"\nSIGKILL rounds: {ROUNDS}, killed {killed}, killed but landed {landed_anyway}; "
          f"durations {({k: round(v, 3) for k, v in durations.items()})}, "
          f"written at {({k: round(v, 3) for k, v in writes_at.items()})}; "
          f"temporary files left after each round: {leftovers}")


# -- a full disk: a small tmpfs --------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 256 KiB tmpfs mounted for the test (root and CAP_SYS_ADMIN needed; skipped otherwise)."""
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mountpoint
    finally:
        if subprocess.run(["umount", str(mountpoint)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)


def fill_up(folder: Path) -> Path:
    """Fill the file system holding `folder` until a write fails with ENOSPC."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:  # unbuffered: nothing left to flush on close
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
def test_a_full_disk_refuses_the_write_and_keeps_the_old_store_byte_for_byte(edoc, small_tmpfs):
    edoc.store = small_tmpfs / "tickets.json"
    edoc.env["EDOC_STORE"] = str(edoc.store)
    first = edoc.open_ticket(now=NOW)
    edoc.open_ticket(now=NOW)
    before = store_files(small_tmpfs)
    filler = fill_up(small_tmpfs)

    attempts = [
        ["note", first, "--message", "Длинная заметка оператора " * 20],
        ["open", "--no-input", *request_args(subject="на полный диск")],
        ["sweep"],
    ]
    for args in attempts:
        result = edoc.proc(*args, now=LATER_SAME_DAY)
        assert result.code not in (0, 6, 7), result
        line = one_line_error(result.err)
        assert str(edoc.store) in line and "disk is full" in line and "nothing was changed" in line, line
        assert result.out == ""
        assert store_files(small_tmpfs, but=("filler",)) == before
        assert temp_files(small_tmpfs) == []

    # Reading needs no space: the store is whole and usable.
    assert_check_passes(edoc, LATER_SAME_DAY)
    listed = edoc.run("list", "--json", now=LATER_SAME_DAY)
    assert listed.code == 0 and len(listed.json()) == 2

    # With room again, the same writes go through, and no number was used up by the failures.
    filler.unlink()
    assert edoc.run(*attempts[0], now=LATER_SAME_DAY).code == 0
    assert edoc.open_ticket(now=LATER_SAME_DAY, subject="после очистки диска") == "ED-2026-000003"
    assert_check_passes(edoc, LATER_SAME_DAY)


# -- operators and sweeps hammering one store -------------------------------------------

HAMMER_NOW = "2026-11-27T12:00:00+05:00"  # the information requests of 11:00 yesterday are overdue
OPERATORS = 3
ACTIONS = 15
SWEEPERS = 2
SWEEPS_EACH = 10

# Runs its plan of edoc commands (each its own Environment, Store and locked
# transaction) after "go" on stdin; prints [{"args", "code", "out", "err"}].
RUNNER = r"""
import contextlib, io, json, sys
from edoc_cli.app import run
plan = json.loads(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
results = []
for args in plan:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args)
    results.append({"args": args, "code": code, "out": out.getvalue(), "err": err.getvalue()})
sys.stdout.write(json.dumps(results) + "\n")
"""


def operator_plan(n: int, shared: list[str]) -> list[dict[str, Any]]:
    """15 mixed lifecycle actions on the shared tickets, each marked with a unique text."""
    rng = random.Random(1000 + n)
    plan = []
    for k in range(ACTIONS):
        marker = f"op{n}-{k}"
        tid = rng.choice(shared)
        kind = "open" if k in (0, 8) else rng.choice(
            ["note", "reply", "assign", "request-info", "client-reply", "close", "reopen", "escalate"])
        args = {
            "open": ["open", "--no-input", *request_args(subject=marker)],
            "note": ["note", tid, "--message", marker],
            "reply": ["reply", tid, "--message", marker],
            "assign": ["assign", tid, marker],
            "request-info": ["request-info", tid, "--message", marker],
            "client-reply": ["client-reply", tid, "--message", marker],
            "close": ["close", tid, "--resolution", "resolved", "--message", marker],
            "reopen": ["reopen", tid, "--message", marker],
            "escalate": ["escalate", tid, "--third-party", "НУЦ РК", "--message", marker],
        }[kind]
        plan.append({"kind": kind, "marker": marker, "args": args})
    return plan


def test_operators_and_sweeps_hammering_one_store(edoc):
    shared = [edoc.open_ticket(now=NOW) for _ in range(6)]
    for tid in shared[:3]:  # waiting since 11:00: due for the sweep at 10:00 the next day
        assert edoc.run("request-info", tid, "--message", "Уточните ИИН", now="2026-11-26T11:00:00+05:00").code == 0
    for tid in shared[3:]:
        assert edoc.run("assign", tid, "petrov", now="2026-11-26T10:30:00+05:00").code == 0

    plans = [operator_plan(n, shared) for n in range(OPERATORS)]
    jobs = [([p["args"] for p in plan], edoc.as_operator(f"op{n}")) for n, plan in enumerate(plans)]
    jobs += [([["sweep", "--json"]] * SWEEPS_EACH, edoc.as_operator("cron")) for _ in range(SWEEPERS)]
    workers = [subprocess.Popen(
        [PYTHON, "-c", RUNNER, json.dumps(args)],
        env=edoc.proc_env(now=HAMMER_NOW, env={**env, "EDOC_LOCK_TIMEOUT": "60"}),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) for args, env in jobs]
    outputs = processes.release_together(workers, 120)
    results = []
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0 and "Traceback" not in err, err
        results.append(json.loads(out))

    meta = edoc.meta()
    assert_check_passes(edoc, HAMMER_NOW)
    tickets = all_tickets(edoc, HAMMER_NOW)
    assert_numbers_unique(tickets, meta)
    values = event_values(tickets)
    subjects = Counter(t["subject"] for t in tickets)
    acknowledged = 0
    for plan, outcome in zip(plans, results[:OPERATORS]):
        for step, done in zip(plan, outcome):
            assert "Traceback" not in done["err"] and "unexpected" not in done["err"], done
            found = subjects[step["marker"]] if step["kind"] == "open" else values[step["marker"]]
            if done["code"] == 0:
                acknowledged += 1
                assert found == 1, (step, done)  # reported done: there, exactly once
            else:
                assert done["code"] == 5, done  # only "not allowed in this status" may refuse
                assert found == 0, (step, done)  # refused: no trace of it
    assert acknowledged >= OPERATORS * ACTIONS // 3
    refused = OPERATORS * ACTIONS - acknowledged

    opened = [r["out"].strip() for outcome in results[:OPERATORS] for r in outcome if r["args"][0] == "open"]
    assert len(opened) == 2 * OPERATORS and len(set(opened)) == len(opened)

    for ticket in tickets:
        assert_never_closed_twice(ticket)
    auto_closed = Counter()
    for outcome in results[OPERATORS:]:
        for run in outcome:
            assert run["code"] == 0, run
            auto_closed.update(c["id"] for c in json.loads(run["out"])["closed"])
    assert all(n == 1 for n in auto_closed.values()), auto_closed
    by_id = {t["id"]: t for t in tickets}
    for tid in auto_closed:
        assert sum(1 for e in by_id[tid]["history"] if e.get("auto")) == 1, by_id[tid]["history"]
    print(f"\nhammering: {acknowledged} actions acknowledged, {refused} refused (status changed first), "
          f"{len(auto_closed)} tickets auto-closed by {SWEEPERS}x{SWEEPS_EACH} sweeps")
    # The sweeps did their job: no ticket is left waiting past its auto-close time.
    waiting = edoc.run("list", "--status", "waiting", "--json", now=HAMMER_NOW)
    assert waiting.code == 0, waiting
    assert all(datetime.fromisoformat(t["waiting"]["auto_close_at"]) > datetime.fromisoformat(HAMMER_NOW)
               for t in waiting.json()), waiting.json()


def closed_dump(edoc, path: Path, buckets: int, per_bucket: int) -> list[str]:
    """JSON Lines of closed tickets spread over `buckets` archive buckets (numbers 1000 apart); their ids."""
    tid = edoc.open_ticket(now=NOW)
    assert edoc.run("close", tid, "--resolution", "resolved", "--message", "Решено по телефону.",
                    now=LATER_SAME_DAY).code == 0
    (template,) = all_tickets(edoc, LATER_SAME_DAY)
    ids = [f"ED-2025-{b * 1000 + k + 1:06d}" for b in range(buckets) for k in range(per_bucket)]
    path.write_text("".join(json.dumps({**template, "id": i}, ensure_ascii=False) + "\n" for i in ids),
                    encoding="utf-8")
    return ids


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
def test_an_import_that_fills_the_disk_half_way_imports_nothing(edoc, small_tmpfs):
    """An import writes many archive files: the disk filling after some of them must not leave
    those tickets in the store, nor make the message 'nothing was changed' a lie."""
    edoc.store = small_tmpfs / "tickets.json"
    edoc.env["EDOC_STORE"] = str(edoc.store)
    dump = edoc.tmp / "closed.jsonl"
    ids = closed_dump(edoc, dump, buckets=12, per_bucket=4)
    before = store_files(small_tmpfs)
    room = 24 * 1024  # room for some buckets of about 9 KiB, not for all twelve
    free = lambda: (lambda s: s.f_bavail * s.f_frsize)(__import__("os").statvfs(small_tmpfs))  # noqa: E731
    with open(small_tmpfs / "filler", "wb") as handle:
        handle.write(b"\0" * (free() - room))
    assert 16 * 1024 <= free() <= 32 * 1024

    result = edoc.proc("import", str(dump), now=LATER_SAME_DAY)
    assert result.code not in (0, 6, 7), result
    line = one_line_error(result.err)
    assert "disk is full" in line and "nothing was changed" in line, line
    assert store_files(small_tmpfs, but=("filler",)) == before
    assert temp_files(small_tmpfs) == []
    exported = {t["id"] for t in all_tickets(edoc, LATER_SAME_DAY)}
    assert exported.isdisjoint(ids)
    assert_check_passes(edoc, LATER_SAME_DAY)

    # With room again the same import goes through whole.
    (small_tmpfs / "filler").unlink()
    again = edoc.run("import", str(dump), now=LATER_SAME_DAY)
    assert again.code == 0, again
    assert {t["id"] for t in all_tickets(edoc, LATER_SAME_DAY)} >= set(ids)
    assert_check_passes(edoc, LATER_SAME_DAY)


# -- a writer killed between staging the archive and the last rename -------------------

# A real edoc that SIGKILLs itself at one rename of its commit: "commit" just before the
# store proper is replaced (the archive files are staged), "rename" just after it (the
# staged archive files not yet in place).
KILL_AT_RENAME = r"""
import os, runpy, signal, sys

point = os.environ["KILL_AT"]
real_replace = os.replace

def replace(src, dst, *args, **kwargs):
    src, dst = os.fsdecode(src), os.fsdecode(dst)
    if (point == "commit" and os.path.basename(dst) == "tickets.json") or \
            (point == "rename" and src.endswith(".staged") and os.path.exists(src)):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)

os.replace = replace
sys.argv = ["edoc", *sys.argv[1:]]
runpy.run_module("edoc_cli", run_name="__main__")
"""


def staged_files(edoc) -> list[Path]:
    return sorted(edoc.store.parent.rglob("*.staged"))


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
@pytest.mark.parametrize("point", ["commit", "rename"])
def test_a_close_killed_around_its_commit_is_all_or_nothing(edoc, point):
    keep = edoc.open_ticket(now=NOW)
    tid = edoc.open_ticket(now=NOW)
    killed = edoc_popen(edoc, ["close", tid, "--resolution", "resolved", "--message", "Решено."],
                        now=LATER_SAME_DAY, env={"KILL_AT": point}, wrapper=KILL_AT_RENAME)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert staged_files(edoc), "the archive files were staged before the kill"

    shown = edoc.run("show", tid, "--json", now=LATER_SAME_DAY)
    assert shown.code == 0, shown
    listed = {t["id"] for t in edoc.run("list", "--json", now=LATER_SAME_DAY).json()}
    if point == "commit":  # killed before the store proper was replaced: nothing happened
        assert shown.json()["status"] == "new" and listed == {keep, tid}
    else:  # killed after: the close is committed and readers see it whole, from the staged files
        assert shown.json()["status"] == "closed" and listed == {keep}
        report = edoc.run("report", "--since", "2026-11-01", "--until", "2026-12-01", "--json",
                          now=LATER_SAME_DAY)
        assert report.code == 0, report
        assert (report.json()["total"]["opened"], report.json()["total"]["closed"]) == (2, 1), report
    assert_check_passes(edoc, LATER_SAME_DAY)

    # The next writer finishes the renames (or drops the uncommitted files), and nothing is lost.
    assert edoc.run("note", keep, "--message", "следующая запись", now=LATER_SAME_DAY).code == 0
    assert staged_files(edoc) == [] and temp_files(edoc.store.parent) == []
    status = {t["id"]: t["status"] for t in all_tickets(edoc, LATER_SAME_DAY)}
    assert status == {keep: "new", tid: "new" if point == "commit" else "closed"}
    assert_check_passes(edoc, LATER_SAME_DAY)


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
@pytest.mark.parametrize("point", ["commit", "rename"])
def test_an_import_killed_around_its_commit_is_all_or_nothing(edoc, point):
    dump = edoc.tmp / "closed.jsonl"
    ids = closed_dump(edoc, dump, buckets=3, per_bucket=2)
    before = {t["id"] for t in all_tickets(edoc, LATER_SAME_DAY)}
    killed = edoc_popen(edoc, ["import", str(dump)], now=LATER_SAME_DAY, env={"KILL_AT": point},
                        wrapper=KILL_AT_RENAME)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL

    expected = before if point == "commit" else before | set(ids)
    assert {t["id"] for t in all_tickets(edoc, LATER_SAME_DAY)} == expected
    assert_check_passes(edoc, LATER_SAME_DAY)
    again = edoc.run("import", str(dump), now=LATER_SAME_DAY)
    if point == "commit":  # nothing was imported, so the same import now goes through
        assert again.code == 0, again
    else:
        assert again.code == 3 and "already in the store" in again.err, again
    assert staged_files(edoc) == [] and temp_files(edoc.store.parent) == []
    assert {t["id"] for t in all_tickets(edoc, LATER_SAME_DAY)} == before | set(ids)
    assert_check_passes(edoc, LATER_SAME_DAY)


# -- Ctrl-C in the middle of a big import -----------------------------------------------


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def processes_in_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
def test_ctrl_c_during_a_big_import_stops_every_worker_and_imports_nothing(edoc):
    """A terminal's Ctrl-C reaches the whole process group: the workers must not print tracebacks
    or live on, and the import, still checking, must write nothing."""
    dump = edoc.tmp / "big.jsonl"
    tid = edoc.open_ticket(now=NOW)
    (template,) = all_tickets(edoc, NOW)
    dump.write_text("".join(json.dumps({**template, "id": f"ED-2025-{n:06d}"}, ensure_ascii=False) + "\n"
                            for n in range(1, 40_001)), encoding="utf-8")
    before = store_files(edoc.store.parent)
    proc = subprocess.Popen([PYTHON, "-m", "edoc_cli", "import", str(dump)], env=edoc.proc_env(now=NOW),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True,
                            # As from a terminal, whatever this test runs under (a shell's background
                            # job inherits Ctrl-C ignored, and so would edoc).
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 30
        while len(children_of(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(children_of(proc.pid)) >= 2, "the import never started its workers"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and out == b""
    deadline = time.monotonic() + 10
    while processes_in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in_group(proc.pid) == []
    assert store_files(edoc.store.parent) == before
    assert [t["id"] for t in all_tickets(edoc, NOW)] == [tid]


@pytest.mark.json_only(reason="the JSON store's files under faults (PostgreSQL's own: test_postgres)")
def test_a_committed_change_whose_files_cannot_be_renamed_in_is_kept_and_blocks_writes(edoc):
    """The staged files of a committed change are the only copies: a writer that cannot rename them
    into place must stop there, not remove them as leftovers and write over the note of them."""
    keep = edoc.open_ticket(now=NOW)
    tid = edoc.open_ticket(now=NOW)
    killed = edoc_popen(edoc, ["close", tid, "--resolution", "resolved", "--message", "Решено."],
                        now=LATER_SAME_DAY, env={"KILL_AT": "rename"}, wrapper=KILL_AT_RENAME)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    staged = staged_files(edoc)
    bucket = edoc.store.parent / "tickets.json.archive" / "ED-2026-000.json"
    assert any(p.name.startswith(".ED-2026-000.json.") for p in staged) and not bucket.exists()
    (bucket / "in the way").mkdir(parents=True)  # the rename into place fails (a folder is there)

    result = edoc.run("note", keep, "--message", "не пройдёт", now=LATER_SAME_DAY)
    assert result.code not in (0, 6, 7), result
    assert "ED-2026-000.json" in one_line_error(result.err) and "nothing was changed" in result.err
    assert staged_files(edoc) == staged
    assert edoc.ticket(tid, now=LATER_SAME_DAY)["status"] == "closed"  # read from the staged copy

    (bucket / "in the way").rmdir()
    bucket.rmdir()
    assert edoc.run("note", keep, "--message", "теперь можно", now=LATER_SAME_DAY).code == 0
    assert staged_files(edoc) == [] and bucket.is_file()
    assert {t["id"]: t["status"] for t in all_tickets(edoc, LATER_SAME_DAY)} == {keep: "new", tid: "closed"}
    assert_check_passes(edoc, LATER_SAME_DAY)
