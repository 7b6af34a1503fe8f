"""Faults at every step of a commit and of a migration: exceptions and signals, not only kill -9.

The issue ("Nothing acknowledged is lost, and nothing lost is called unchanged"): before the
commit point nothing is visible; after it the change is done, whatever happens, and is reported
as done ("saved, but ..."), never as "nothing was changed".

Each scenario first runs once cleanly to count the write-side system calls it makes (creating,
writing, syncing, renaming, removing files and folders). Then, for every one of those calls and
every kind of fault, it runs again on a fresh copy of the same store with the fault injected at
that call: an I/O error, an EINVAL (what fsync of a folder gives on some filesystems), an
exception out of nowhere (KeyboardInterrupt raised in place), and a real SIGINT sent to the
process just before the call, as a terminal's Ctrl-C would. After each run the outcome must be
one of: the change is there and the exit code or message says it was saved, or the change is not
there and the message says nothing was changed. Then `edoc check` must pass, and the next write
must leave no staged or temporary file behind.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import faults
from conftest import Edoc

pytestmark = pytest.mark.json_only(reason="the JSON store's commit steps")


NOW = "2026-11-26T10:00:00+05:00"
LATER = "2026-11-26T12:00:00+05:00"
FAULTS = faults.KINDS
Injector = faults.Injector


@dataclass
class Scenario:
    build: Callable[[Edoc], dict]             # makes the store; what the change is about
    args: Callable[[dict], list[str]]         # the command that changes it
    done: Callable[[Edoc, dict], bool]        # whether the change is in the store
    now: str = LATER


def _export(edoc: Edoc) -> list[dict]:
    result = edoc.run("export", now=LATER)
    assert result.code == 0, result
    return [json.loads(line) for line in result.out.splitlines()]


def _status(edoc: Edoc, tid: str) -> str:
    return {t["id"]: t["status"] for t in _export(edoc)}[tid]


def _two_tickets(edoc: Edoc) -> dict:
    return {"keep": edoc.open_ticket(now=NOW), "tid": edoc.open_ticket(now=NOW)}


def _closed_pair(edoc: Edoc) -> dict:
    info = _two_tickets(edoc)
    assert edoc.run("close", info["tid"], "--resolution", "resolved", "-m", "Готово", now=NOW).code == 0
    return info


def _import_file(edoc: Edoc) -> dict:
    info = _closed_pair(edoc)
    (template,) = [t for t in _export(edoc) if t["id"] == info["tid"]]
    dump = edoc.tmp / "closed.jsonl"
    ids = ["ED-2025-000001", "ED-2025-001001", "ED-2025-002001"]
    dump.write_text("".join(json.dumps({**template, "id": i}, ensure_ascii=False) + "\n" for i in ids),
                    encoding="utf-8")
    return {**info, "dump": str(dump), "ids": ids}


def _schema_1(edoc: Edoc) -> dict:
    """A schema 1 store (one file, closed tickets in it): the first write migrates it."""
    info = _closed_pair(edoc)
    tickets = _export(edoc)
    data = {"meta": {"1": {"schema_version": 1, "sequences": {"ED-2026": 2}}},
            "tickets": {str(i): t for i, t in enumerate(tickets, 1)}}
    shutil.rmtree(edoc.store.parent)
    edoc.store.parent.mkdir(mode=0o700)
    edoc.store.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return {**info, "v1": edoc.store.read_bytes()}


def _noted(edoc: Edoc, info: dict) -> bool:
    history = [t for t in _export(edoc) if t["id"] == info["keep"]][0]["history"]
    return any(e.get("message") == "заметка при миграции" for e in history)


SCENARIOS = {
    "open": Scenario(_two_tickets, lambda i: ["open", "--no-input", *__import__("conftest").request_args()],
                     lambda e, i: len(_export(e)) == 3),
    "close": Scenario(_two_tickets, lambda i: ["close", i["tid"], "--resolution", "resolved", "-m", "Решено"],
                      lambda e, i: _status(e, i["tid"]) == "closed"),
    "reopen": Scenario(_closed_pair, lambda i: ["reopen", i["tid"], "-m", "Снова не работает"],
                       lambda e, i: _status(e, i["tid"]) == "open"),
    "import": Scenario(_import_file, lambda i: ["import", i["dump"]],
                       lambda e, i: set(i["ids"]) <= {t["id"] for t in _export(e)}),
    "migration": Scenario(_schema_1, lambda i: ["note", i["keep"], "-m", "заметка при миграции"], _noted),
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Each scenario's store, built once; every run works on a copy."""
    built = {}
    for name, scenario in SCENARIOS.items():
        root = tmp_path_factory.mktemp(f"template-{name}")
        edoc = Edoc(root)
        built[name] = (root, scenario.build(edoc))
    return built


def fresh(templates, name: str, tmp_path: Path, run: str) -> tuple[Edoc, dict]:
    source, info = templates[name]
    root = tmp_path / run
    shutil.copytree(source, root, symlinks=True)
    info = {k: (v.replace(str(source), str(root)) if isinstance(v, str) else v) for k, v in info.items()}
    return Edoc(root), info


def outcome(result, changed: bool, where: str) -> None:
    """The exit code and message must tell the truth about whether the change was made."""
    assert "Traceback" not in result.err, (where, result)
    if changed:
        assert result.code in (0, 130), (where, result)
        assert "nothing was changed" not in result.err, (where, result)
        if result.code == 130:
            assert "saved" in result.err, (where, result)
    else:
        assert result.code in (1, 130), (where, result)
        assert "nothing was changed" in result.err, (where, result)


def leftovers(edoc: Edoc) -> list[str]:
    folder = edoc.store.parent
    return sorted(p.name for p in [*folder.rglob(".*.tmp"), *folder.rglob(".*.staged")])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_fault_at_any_step_of_a_commit_tells_the_truth_and_loses_nothing(templates, tmp_path, name):
    scenario = SCENARIOS[name]
    edoc, info = fresh(templates, name, tmp_path, "clean")
    counter = Injector()
    clean = counter.run(edoc, scenario.args(info), scenario.now)
    assert clean.code == 0 and scenario.done(edoc, info), clean
    steps = len(counter.calls)
    assert steps >= 4, counter.calls  # at least: the temporary file's create, write, fsync; the rename
    seen = {"done": 0, "not done": 0}
    for at in range(1, steps + 1):
        for kind in FAULTS:
            edoc, info = fresh(templates, name, tmp_path, f"{kind}-{at}")
            injector = Injector(at, kind)
            result = injector.run(edoc, scenario.args(info), scenario.now)
            where = f"{name}: {injector.fired} of {counter.calls}"
            changed = scenario.done(edoc, info)
            outcome(result, changed, where)
            seen["done" if changed else "not done"] += 1
            if name == "migration" and not changed:
                # The schema 1 file untouched, or migrated whole (the migration is a commit of its
                # own, before the command's change): the same tickets either way.
                v1 = sorted(json.loads(info["v1"])["tickets"].values(), key=lambda t: t["id"])
                assert _export(edoc) == v1, where
            checked = edoc.run("check", now=scenario.now)
            assert checked.code == 0, (where, checked)
            # The next writer finishes or removes what the fault left, and loses nothing.
            assert edoc.run("note", info["keep"], "-m", "следующая запись", now=scenario.now).code == 0, where
            assert leftovers(edoc) == [], where
            assert scenario.done(edoc, info) == changed, where
            assert edoc.run("check", now=scenario.now).code == 0, where
    # Both sides of the commit point were reached: faults before it undo, faults after it do not.
    assert seen["done"] and seen["not done"], seen


def test_a_failed_folder_sync_after_the_commit_point_is_a_warning_not_a_lie(edoc, monkeypatch):
    """The issue's case: fsync of the folder fails with EINVAL after tickets.json is replaced. The
    ticket was registered: the operator must be told so, or they register it twice."""
    real_fsync, real_replace = os.fsync, os.replace
    committed = []

    def replace(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        if os.path.basename(dst) == "tickets.json":
            committed.append(dst)

    def fsync(fd):
        if committed:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_fsync(fd)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    result = edoc.run("open", "--no-input", *__import__("conftest").request_args(), now=NOW)
    monkeypatch.undo()
    assert result.code == 0, result
    assert result.out.strip() == "ED-2026-000001"
    assert "saved" in result.err and "nothing was changed" not in result.err
    assert [t["id"] for t in _export(edoc)] == ["ED-2026-000001"]


# A real edoc that sends itself a signal at the commit point or at the first staged rename.
SIGNAL_AT = r"""
import os, runpy, signal, sys

point, signum = os.environ["SIGNAL_AT"], getattr(signal, os.environ["SIGNAL"])
real_replace = os.replace

def replace(src, dst, *args, **kwargs):
    src, dst = os.fsdecode(src), os.fsdecode(dst)
    hit = (point == "commit" and os.path.basename(dst) == "tickets.json") or \
          (point == "rename" and src.endswith(".staged") and os.path.exists(src))
    if hit:
        os.kill(os.getpid(), signum)
    return real_replace(src, dst, *args, **kwargs)

os.replace = replace
sys.argv = ["edoc", *sys.argv[1:]]
runpy.run_module("edoc_cli", run_name="__main__")
"""


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("point", ["commit", "rename"])
def test_a_signal_during_the_commit_is_held_until_the_change_stands(edoc, point, signame):
    """The issue's reproduction, with a real signal to a real process: Ctrl-C (or a service
    manager's SIGTERM, a closed terminal's SIGHUP) just as tickets.json changes must not leave
    the closed ticket nowhere and say 'nothing was changed'."""
    keep = edoc.open_ticket(now=NOW)
    tid = edoc.open_ticket(now=NOW)
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_AT, "close", tid, "--resolution", "resolved", "-m", "done"],
        capture_output=True, timeout=60,
        env=edoc.proc_env(now=LATER, env={"SIGNAL_AT": point, "SIGNAL": signame}))
    err = done.stderr.decode()
    assert done.returncode == 130, err
    assert "saved" in err and "nothing was changed" not in err, err
    assert leftovers(edoc) == []  # the staged files were renamed in before the signal took effect
    assert _status(edoc, tid) == "closed" and _status(edoc, keep) == "new"
    assert edoc.run("show", tid, now=LATER).code == 0
    assert edoc.run("check", now=LATER).code == 0
