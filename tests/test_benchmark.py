"""benchmarks/run.py still runs end to end (on a tiny workload): the README's figures come from it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.json_only(reason="the benchmark's JSON store")


ROOT = Path(__file__).resolve().parent.parent


CELL = r"\d+ / \d+ ms"  # CPU / wall
RATIO = r"\d+\.\d\d×"
HEADER = ("| command | 10 open | no history | full history | no history / 10 open | full / 10 open | full / no history "
          "| 10 open / floor "
          "| Taskwarrior peer | Taskwarrior, 10 pending | Taskwarrior, 12 pending | full / Taskwarrior "
          "| peak memory (full) |")


def edoc_store_lines(store, tmp_path) -> int:
    export = subprocess.run([sys.executable, "-m", "edoc_cli", "export"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "EDOC_STORE": str(store)})
    assert export.returncode == 0, export.stderr
    return len(export.stdout.splitlines())


def test_the_benchmark_runs_on_a_tiny_workload_and_prints_every_row(tmp_path):
    out = tmp_path / "table.md"
    path = "/usr/bin:/bin"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--closed", "120", "--open", "12", "--runs", "1",
         "--import-runs", "2", "--workdir", str(tmp_path / "work"), "--out", str(out), "--postgres"],
        capture_output=True, text=True, timeout=300, env={"PATH": path, "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text(encoding="utf-8")
    assert "workload: 12 open + 120 closed tickets" in table
    assert HEADER in table
    for label in ("| open |", "| assign (open ticket) |", "| reply (open ticket) |", "| note (open ticket) |",
                  "| list --json |", "| list |", "| sweep |",
                  "| show (open ticket) |", '| floor: `python -c "import typer"` |',
                  "| search: client by IIN |", "| search: client by full name |",
                  "| search: free text (a note's document number) |", "| search, the first after the import (",
                  "| search: a word every ticket holds (the newest 50) |",
                  "| report over one year |",
                  "| import of the workload, median of 2 (", "| edoc list --json (empty store) |", "| edoc --help |"):
        assert label in table, label
    # Taskwarrior's figures when `task` is on PATH (Debian's taskwarrior package), else "not installed".
    if shutil.which("task", path=path):
        peer = rf"{CELL} \| {CELL} \| {RATIO}"
        assert "taskwarrior 2." in table
        folder = tmp_path / "work" / "taskwarrior" / "12"  # (task 2.6 crashes without a HOME)
        pending = subprocess.run(["task", "status:pending", "count"], capture_output=True, text=True,
                                 env={"PATH": path, "HOME": str(folder), "TASKRC": str(folder / "taskrc")})
        assert pending.stdout.strip() == "13"  # the 12 imported and the one its timed `task add` added
    else:
        peer = r"not installed \| not installed \| "
    for label, command in (("open", "task add"), (r"assign \(open ticket\)", "task N modify"),
                           (r"note \(open ticket\)", "task N annotate"),
                           (r"show \(open ticket\)", "task N info"), ("list --json", "task export"),
                           ("list", "task list")):
        assert re.search(rf"\| {label} \| {CELL} \| {CELL} \| {CELL} \| {RATIO} \| {RATIO} \| {RATIO} \| {RATIO} \| "
                         rf"`{command}` \| {peer} \| \d+ MiB \|", table), (label, table)
    assert re.search(rf"\| sweep \| {CELL} \| {CELL} \| {CELL} \| {RATIO} \| {RATIO} \| {RATIO} \| {RATIO} \|  \|  \|  \|  \| "
                     r"\d+ MiB \|", table), table
    assert re.search(rf'\| floor: `python -c "import typer"` \| {CELL} \|  \|  \|  \|  \|  \| 1\.00× \|', table), table
    # and the same commands on the PostgreSQL store, against themselves and against the JSON store
    twice = ("| open |", "| assign (open ticket) |", "| list --json |", "| list |", "| search: client by IIN |")
    for label in (*twice, "| report over five years |", "| import of the workload, timed once |"):
        assert table.count(label) == (2 if label in twice else 1), label
    assert re.search(r"\| open \| \d+ ms \| \d+ ms \| \d+ ms \| \d+\.\d\d× \| \d+\.\d\d× \| \d+\.\d\d× \| \d+ MiB \|",
                     table), table
    # The store the benchmark built holds the whole workload, and the one ticket its timed `open` added.
    assert edoc_store_lines(tmp_path / "work" / "full" / "tickets.json", tmp_path) == 120 + 12 + 1
    # and the small store its ten open tickets and that one
    assert edoc_store_lines(tmp_path / "work" / "ten" / "tickets.json", tmp_path) == 10 + 1


def test_without_taskwarrior_the_peer_column_says_not_installed(tmp_path):
    bin_ = tmp_path / "bin"  # a PATH without `task` on it
    bin_.mkdir()
    out = tmp_path / "table.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--closed", "30", "--open", "12", "--runs", "1",
         "--import-runs", "1", "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=300, env={"PATH": str(bin_), "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text(encoding="utf-8")
    assert "taskwarrior not installed" in table and HEADER in table
    assert re.search(r"\| list \| .*\| `task list` \| not installed \| not installed \|  \| \d+ MiB \|", table), table
    assert not (tmp_path / "work" / "taskwarrior").exists()


def test_the_batch_registration_benchmark_runs_and_prints_a_row_per_size(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch_open.py"), "--sizes", "3", "7"],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if re.match(r"\| \d", line)]
    assert [row.split(" | ")[0] for row in rows] == ["| 3", "| 7"], done.stdout


def test_the_benchmark_writes_edoc_s_byte_code_first(monkeypatch):
    """Even where PYTHONDONTWRITEBYTECODE is set: a timed process must not compile what it loads."""
    import importlib.util

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    sources = sorted((ROOT / "edoc_cli").rglob("*.py"))
    compiled = Path(importlib.util.cache_from_source(str(ROOT / "edoc_cli" / "store" / "jsonfiles" / "lined.py")))
    compiled.unlink(missing_ok=True)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    run.compile_edoc()
    assert compiled.exists()
    missing = [p for p in sources if not Path(importlib.util.cache_from_source(str(p))).exists()]
    assert missing == []
