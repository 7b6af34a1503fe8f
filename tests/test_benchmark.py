"""benchmarks/run.py still runs end to end (on a tiny workload): the README's figures come from it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.json_only(reason="the benchmark's JSON store")


ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_on_a_tiny_workload_and_prints_every_row(tmp_path):
    out = tmp_path / "table.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--closed", "120", "--open", "12", "--runs", "1",
         "--import-runs", "2", "--workdir", str(tmp_path / "work"), "--out", str(out), "--postgres"],
        capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text(encoding="utf-8")
    assert "workload: 12 open + 120 closed tickets" in table
    for label in ("| open |", "| assign (open ticket) |", "| list --json |", "| sweep |", "| show (open ticket) |",
                  "| search: client by IIN |", "| search: client by full name |",
                  "| search: free text (a note's document number) |", "| search, the first after the import (",
                  "| search: a word every ticket holds (the newest 50) |",
                  "| report over one year |",
                  "| import of the workload, median of 2 (", "| edoc list --json (empty store) |", "| edoc --help |"):
        assert label in table, label
    assert re.search(r"\| open \| \d+ ms \| \d+ ms \| \d+\.\d\d× \| \d+ MiB \|", table), table
    # and the same commands on the PostgreSQL store, against themselves and against the JSON store
    twice = ("| open |", "| assign (open ticket) |", "| list --json |", "| search: client by IIN |")
    for label in (*twice, "| report over five years |", "| import of the workload, timed once |"):
        assert table.count(label) == (2 if label in twice else 1), label
    assert re.search(r"\| open \| \d+ ms \| \d+ ms \| \d+\.\d\d× \| \d+\.\d\d× \| \d+ MiB \|", table), table
    # The store the benchmark built holds the whole workload, and the one ticket its timed `open` added.
    export = subprocess.run([sys.executable, "-m", "edoc_cli", "export"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                 "EDOC_STORE": str(tmp_path / "work" / "full" / "tickets.json")})
    assert export.returncode == 0 and len(export.stdout.splitlines()) == 120 + 12 + 1


def test_the_batch_registration_benchmark_runs_and_prints_a_row_per_size(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch_open.py"), "--sizes", "3", "7"],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if re.match(r"\| \d", line)]
    assert [row.split(" | ")[0] for row in rows] == ["| 3", "| 7"], done.stdout
