"""Heavy modules stay off the paths that do not need them (startup is felt on every command)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("questionary", "prompt_toolkit", "holidays", "rich")
PROBE = """
import json, sys
from edoc_cli.app import run
code = run(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules})}), file=sys.stderr)
"""


def imported(edoc, *args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env=edoc.proc_env(), timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


@pytest.mark.parametrize("args", [["list", "--json"], ["--help"], ["show", "--help"], ["list"]])
def test_everyday_paths_do_not_import_heavy_modules(edoc, args):
    # An empty store: no clock needs the holiday calendar, no terminal needs Rich,
    # and only `open` on a terminal needs the wizard's questionary and prompt_toolkit.
    assert not (imported(edoc, *args) & set(HEAVY))


def test_open_by_flags_needs_no_wizard(edoc):
    from conftest import request_args

    modules = imported(edoc, "open", "--no-input", *request_args())
    assert not (modules & {"questionary", "prompt_toolkit", "rich"})


# -- the end: at once, once the exit handlers ran and the output is out (app._end) ---------------------

ENDING = """
import atexit, sys, threading
atexit.register(lambda: print("exit handler ran", file=sys.stderr, flush=True))
if sys.argv[1] == "thread":  # a thread still at work when the command is done: waited for
    done = threading.Event()
    threading.Thread(target=lambda: (done.wait(0.3), print("thread finished", flush=True))).start()
sys.argv = ["edoc", *sys.argv[2:]]
from edoc_cli.app import main
main()
"""


@pytest.mark.parametrize("mode", ["plain", "thread"])
@pytest.mark.parametrize("args, code", [(["list", "--json"], 0), (["show", "ED-2026-999999"], 4), (["list", "--limit", "0"], 2)])
def test_the_process_ends_with_its_exit_handlers_run_and_its_output_out(edoc, mode, args, code):
    edoc.open_ticket()
    done = subprocess.run([sys.executable, "-c", ENDING, mode, *args], capture_output=True, text=True,
                          env=edoc.proc_env(), timeout=60)
    assert done.returncode == code, done.stderr
    assert "exit handler ran" in done.stderr
    assert ("thread finished" in done.stdout) == (mode == "thread")
    if code == 0:
        assert json.loads(done.stdout.replace("thread finished\n", ""))[0]["id"].startswith("ED-")


def test_a_write_ends_at_once_with_its_change_saved(edoc):
    tid = edoc.open_ticket()
    done = edoc.proc("note", tid, "-m", "Записано перед выходом")
    assert done.code == 0 and "note recorded" in done.err
    notes = [e for e in edoc.ticket(tid)["history"] if e["type"] == "note"]
    assert [n["message"] for n in notes] == ["Записано перед выходом"]
