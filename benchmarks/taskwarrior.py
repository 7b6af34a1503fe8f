"""Taskwarrior (the command-line tracker our operators know) as a peer of edoc's everyday commands.

Builds a private Taskwarrior (its own rc file and data folder, nothing read from the user's) holding
a given number of pending tasks, imported in bulk with one `task import` of a JSON file, and names
the peer of each edoc command. Debian's `taskwarrior` package (2.6) is what the README's figures use;
without `task` on PATH, installed() is None and the benchmark prints "not installed".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

# edoc's command label (run.everyday) -> (how the README names the peer, its arguments after `task`);
# "{id}" is the pending task every peer touches, "{run}" the run's number (a modify that changes something).
PEERS = {
    "open": ("`task add`", ["add", "Смена e-mail", "project:profile", "+consultation"]),
    "assign (open ticket)": ("`task N modify`", ["{id}", "modify", "project:bench{run}"]),
    "note (open ticket)": ("`task N annotate`", ["{id}", "annotate", "Проверил журнал"]),
    "show (open ticket)": ("`task N info`", ["{id}", "info"]),
    "list --json": ("`task export`", ["export"]),
    "list": ("`task list`", ["list"]),
    "list, after a change (a note before each run, not timed)": ("`task list` (an annotation before)", ["list"]),
}
# What runs, not timed, before each timed run of a peer: the same change as edoc's.
BEFORE = {"list, after a change (a note before each run, not timed)": ["1", "annotate", "Запись перед списком"]}

RC = """\
data.location={data}
confirmation=off
verbose=nothing
hooks=off
color=off
recurrence=off
news.version=99.0.0
gc=on
"""


def installed() -> str | None:
    """The `task` executable's version, or None when it is absent (or does not run)."""
    task = shutil.which("task")
    if task is None:
        return None
    try:
        done = subprocess.run([task, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def env_for(folder: Path, base: dict[str, str]) -> dict[str, str]:
    """The environment of a private Taskwarrior in `folder` (its rc file and data there, not the user's)."""
    return {**base, "TASKRC": str(folder / "taskrc"), "TASKDATA": str(folder / "data"), "HOME": str(folder)}


def build(folder: Path, pending: int, base: dict[str, str]) -> dict[str, str]:
    """A private Taskwarrior in `folder` holding `pending` pending tasks (one `task import`); its environment."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    (folder / "taskrc").write_text(RC.format(data=folder / "data"), encoding="utf-8")
    tasks = [{"uuid": str(uuid.UUID(int=n + 1)), "status": "pending", "entry": "20261123T050000Z",
              "description": f"Не удаётся подписать документ (ED-2026-{n + 1:06d})", "project": "documents",
              "tags": ["bug"] if n % 5 == 0 else ["consultation"], "priority": "M" if n % 3 else "H",
              "annotations": [{"entry": "20261123T060000Z", "description": "Проверяем ваше обращение."}]}
             for n in range(pending)]
    source = folder / "tasks.json"
    source.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    env = env_for(folder, base)
    done = subprocess.run(["task", "import", str(source)], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"task import exited {done.returncode}: {done.stderr[-500:]}")
    count = subprocess.run(["task", "status:pending", "count"], env=env, capture_output=True, text=True, timeout=60)
    if count.stdout.strip() != str(pending):
        raise SystemExit(f"task import left {count.stdout.strip()!r} pending tasks, not {pending}")
    return env


def before(label: str) -> list[str] | None:
    """The whole command run, not timed, before each timed run of `label`'s peer (None: nothing)."""
    return ["task", *BEFORE[label]] if label in BEFORE else None


def arguments(label: str, run: int, task_id: int = 1) -> list[str] | None:
    """The whole command of `label`'s peer for run number `run`, or None when it has no peer."""
    if label not in PEERS:
        return None
    return ["task", *(a.format(id=task_id, run=run) for a in PEERS[label][1])]
