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
