"""Random sequences of commands, faults and reads against a model of what was acknowledged.

The issue's closing test: "a property-based test drives random sequences of commands, faults and
reads and checks after each that every acknowledged change is there, nothing unacknowledged is,
and check agrees". The model is a dict of ticket -> (status, number of history events), moved by
the regulation's state machine written out again here, by hand, independently of the code. A
command is acknowledged when it exits 0, or exits 130 saying the change was saved; it is not
when it says nothing was changed (exit 1, 5, 130). Any other outcome fails. A fault is one of
tests/faults.py's kinds at a random write-side call of the command, or none.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import faults
from conftest import Edoc, request_args

NOW = "2026-11-26T12:00:00+05:00"
ACTIVE = ("new", "open", "waiting", "postponed")

# action -> (statuses it is allowed in, the status it leaves; None: unchanged but for new -> open)
ACTIONS = {
    "assign": (ACTIVE, "assign"),
    "note": (ACTIVE, None),
    "request-info": (("new", "open", "waiting"), "waiting"),
    "client-reply": (ACTIVE, "client-reply"),
    "close": (ACTIVE, "closed"),
    "reopen": (("closed",), "open"),
}


def next_status(action: str, status: str) -> str:
    allowed, leaves = ACTIONS[action]
    assert status in allowed
    if leaves == "assign":
        return "open" if status == "new" else status
    if leaves == "client-reply":
        return "open" if status == "waiting" else status
    return leaves or status


def args_of(action: str, tid: str) -> list[str]:
    return {
        "assign": ["assign", tid, "petrov"],
        "note": ["note", tid, "-m", "Проверили журнал"],
        "request-info": ["request-info", tid, "-m", "Пришлите скриншот"],
        "client-reply": ["client-reply", tid, "-m", "Скриншот во вложении"],
        "close": ["close", tid, "--resolution", "resolved", "-m", "Решено"],
        "reopen": ["reopen", tid, "-m", "Снова не работает"],
    }[action]


class Desk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="edoc-model-"))
        self.edoc = Edoc(self.root)
        self.model: dict[str, tuple[str, int]] = {}
        self.steps = 0

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, args: list[str], at: int, kind: str):
        injector = faults.Injector(at or None, kind)
        result = injector.run(self.edoc, args, NOW)
        assert "Traceback" not in result.err, result
        if result.code == 0:
            return True, result
        if result.code == 130 and "saved" in result.err:
            return True, result
        assert result.code in (1, 5, 130), (injector.fired, result)
        assert result.code == 5 or "nothing was changed" in result.err, (injector.fired, result)
        return False, result

    @rule(at=st.integers(0, 12), kind=st.sampled_from(faults.KINDS))
    def register(self, at: int, kind: str) -> None:
        done, result = self._run(["open", "--no-input", *request_args()], at, kind)
        if done:
            number = f"ED-2026-{len(self.model) + 1:06d}"  # never reused, never skipped: the model's own count
            if result.code == 0:
                assert result.out.strip() == number, result
            self.model[number] = ("new", 1)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), action=st.sampled_from(sorted(ACTIONS)), at=st.integers(0, 25),
          kind=st.sampled_from(faults.KINDS))
    def act(self, data, action: str, at: int, kind: str) -> None:
        tid = data.draw(st.sampled_from(sorted(self.model)))
        status, events = self.model[tid]
        done, result = self._run(args_of(action, tid), at, kind)
        if status not in ACTIONS[action][0]:
            assert not done, result  # refused (exit 5), or stopped by the fault before that
            return
        if done:
            self.model[tid] = (next_status(action, status), events + 1)

    @rule()
    def read_one(self) -> None:
        for tid, (status, events) in self.model.items():
            shown = self.edoc.run("show", tid, "--json", now=NOW)
            assert shown.code == 0, shown
            assert (shown.json()["status"], len(shown.json()["history"])) == (status, events), tid
            break

    @invariant()
    def the_store_is_the_model(self) -> None:
        exported = self.edoc.run("export", now=NOW)
        assert exported.code == 0, exported
        found = {t["id"]: (t["status"], len(t["history"])) for t in map(json.loads, exported.out.splitlines())}
        assert found == self.model
        listed = self.edoc.run("list", "--json", now=NOW)
        assert sorted(t["id"] for t in listed.json()) == sorted(t for t, (s, _n) in self.model.items() if s != "closed")
        if self.model:
            checked = self.edoc.run("check", now=NOW)
            assert checked.code == 0, checked


TestDeskAgainstItsModel = Desk.TestCase
TestDeskAgainstItsModel.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
