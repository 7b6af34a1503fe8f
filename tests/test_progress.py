"""Long work is not silent: a transient progress bar on stderr when stderr is a terminal (a real
pty, pexpect), and not one byte more in a pipe; Ctrl-C under the bar leaves the store as it was."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pexpect
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import workload  # noqa: E402

BAR = "━"
CURSOR_SHOWN = "\x1b[?25h"
CLEAR_LINE = "\x1b[2K"


@pytest.fixture(scope="module")
def export_file(tmp_path_factory) -> Path:
    """A few hundred tickets of a busy desk's history (280 closed over five years, 20 open)."""
    path = tmp_path_factory.mktemp("export") / "tickets.jsonl"
    workload.generate(path, closed=280, open_=20)
    return path


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    """Enough tickets that an import is still checking them a moment after it starts."""
    path = tmp_path_factory.mktemp("big") / "tickets.jsonl"
    workload.generate(path, closed=30_000, open_=200)
    return path


def spawn(edoc, *args: str, lang: str = "en", shell: str | None = None) -> pexpect.spawn:
    env = edoc.proc_env()
    env.update(TERM="xterm-256color", EDOC_LANG=lang)
    env.pop("NO_COLOR")  # without colour Rich leaves the bar's empty part blank
    if shell:  # a shell line: stdout may go elsewhere while stderr stays on the terminal
        return pexpect.spawn("/bin/sh", ["-c", shell], env=env, encoding="utf-8", dimensions=(24, 100), timeout=120)
    return pexpect.spawn(sys.executable, ["-m", "edoc_cli", *args], env=env, encoding="utf-8",
                         dimensions=(24, 100), timeout=120)


def finish(child: pexpect.spawn) -> tuple[int, str]:
    out = child.read()
    child.close()
    return (child.exitstatus if child.exitstatus is not None else 128 + child.signalstatus), out


def test_in_a_pipe_import_report_and_check_write_nothing_but_their_messages(edoc, export_file) -> None:
    result = edoc.proc("import", export_file)
    assert (result.code, result.out, result.err) == (0, "", "imported 300 tickets\n")
    result = edoc.proc("check")
    assert result.code == 0, result
    assert result.err.endswith(f"{edoc.where()}: 300 tickets, consistent\n") and result.err.count("\n") == 1
    result = edoc.proc("report", "--since", "2021-01-01", "--json")
    assert result.code == 0 and result.err == ""
    assert json.loads(result.out)["total"]["opened"] == 300
    result = edoc.proc("report", "--since", "2021-01-01")
    assert result.err.startswith("tickets registered 2021-01-01 00:00 .. 2026-11-26 10:00") and BAR not in result.err


def test_on_a_terminal_import_draws_a_bar_and_clears_it(edoc, export_file) -> None:
    code, out = finish(spawn(edoc, "import", str(export_file)))
    assert code == 0, out
    assert "import: reading and checking" in out and "import: filing" in out and BAR in out
    # The bar is gone before the result is said: its line cleared, the cursor shown again.
    last_bar = out.rindex(BAR)
    tail = out[last_bar:]
    assert CURSOR_SHOWN in tail and CLEAR_LINE in tail
    assert tail.rstrip().endswith("imported 300 tickets")
    assert len(edoc.run("list", "--all", "--json").json()) == 300


def test_the_bar_speaks_the_chosen_language(edoc, export_file) -> None:
    code, out = finish(spawn(edoc, "import", str(export_file), lang="ru"))
    assert code == 0, out
    assert "импорт: чтение и проверка" in out and "импорт: раскладка по архиву" in out
    assert "import:" not in out


def test_report_and_check_on_a_terminal_draw_a_bar_on_stderr_and_keep_stdout_pure(edoc, export_file) -> None:
    assert edoc.proc("import", export_file).code == 0
    data = edoc.tmp / "report.json"
    code, out = finish(spawn(edoc, shell=f"{sys.executable} -m edoc_cli report --since 2021-01-01 --json > {data}"))
    assert code == 0, out
    assert "report: tallying months" in out and BAR in out
    assert json.loads(data.read_text(encoding="utf-8"))["total"]["opened"] == 300
    code, out = finish(spawn(edoc, "check"))
    assert code == 0, out
    assert "check: verifying tickets" in out
    assert out.rstrip().endswith("300 tickets, consistent")


def test_ctrl_c_under_the_bar_changes_nothing(edoc, big_export) -> None:
    before = edoc.state()
    child = spawn(edoc, "import", str(big_export))
    child.expect_exact("import: reading and checking")
    child.sendintr()
    child.expect_exact("nothing was changed")
    assert CURSOR_SHOWN in child.before and CLEAR_LINE in child.before  # the bar went before the message
    code, out = finish(child)
    assert code == 130
    assert edoc.state() == before
    assert edoc.run("check").code == 0


def test_import_from_a_pipe_counts_without_a_total(edoc, export_file) -> None:
    """stdin of unknown size: the bar says what it does and how long it has taken, and the import is whole."""
    code, out = finish(spawn(edoc, shell=f"cat {export_file} | {sys.executable} -m edoc_cli import -"))
    assert code == 0, out
    assert "import: reading and checking" in out and "0:00:0" in out
    assert out.rstrip().endswith("imported 300 tickets")
    assert len(edoc.run("list", "--all", "--json").json()) == 300
