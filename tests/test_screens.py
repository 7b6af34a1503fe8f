"""What an operator sees in a real terminal (a pty, pexpect) at 80 and 120 columns, in English
and Russian: golden screens, read and checked by hand, in tests/data/screens/.

Nothing in a table wraps: registration numbers, codes, times and numbers are whole or not shown;
columns give way by priority as the terminal narrows (`--wide` shows all); the subject is cut
with "…". Breached and at-risk tickets carry a mark that reads without colour, and colour on a
terminal that has it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pexpect
import pytest
from rich.cells import cell_len

from conftest import BUG_FIELDS

SCREENS = Path(__file__).parent / "data" / "screens"
NOW = "2026-11-26T14:30:00+05:00"  # Thursday, a working day
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
IDS = [f"ED-2026-00000{n}" for n in range(1, 5)]


@pytest.fixture
def day(edoc):
    """Four tickets at 14:30: first response (4 h) breached, at risk, in time; a bug assigned."""
    edoc.open_ticket(now="2026-11-26T09:00:00+05:00")                       # due 13:00: breached
    edoc.open_ticket(now="2026-11-26T11:00:00+05:00",                       # due 15:00: 210 of 240 min
                     subject="Не приходит SMS с кодом подтверждения при входе в личный кабинет")
    edoc.open_ticket(now="2026-11-26T14:00:00+05:00", subject="Смена e-mail")  # due 18:00
    edoc.open_ticket(now="2026-11-26T14:10:00+05:00",
                     **{**BUG_FIELDS, "occurred_at": "2026-11-26T14:00:00+05:00"})
    assert edoc.run("assign", IDS[3], "Айгерим", now="2026-11-26T14:15:00+05:00").code == 0
    return edoc


def screen(edoc, columns: int, *args: str, lang: str = "en", color: bool = False) -> str:
    env = edoc.proc_env(now=NOW)
    env.update(TERM="xterm-256color", EDOC_LANG=lang)
    for name in ("COLUMNS", "LINES") + (("NO_COLOR",) if color else ()):
        env.pop(name, None)
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", *args], env=env, encoding="utf-8",
                          dimensions=(50, columns), timeout=30)
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    return out.replace("\r\n", "\n")


MOTION = re.compile(r"(\r|\n|\x1b\[2K|\x1b\[1A)")  # return, new line, erase the line, one line up


def plain(text: str) -> str:
    """What the terminal shows, colours stripped: a transient progress bar's frames (`report` draws
    one on stderr) overwritten and erased as Rich erases them, with a return, an erase and a line up."""
    rows, row, col = [""], 0, 0
    for token in MOTION.split(text):
        if token == "\n":
            row, col = row + 1, 0
            rows += [""] * (row + 1 - len(rows))
        elif token == "\r":
            col = 0
        elif token == "\x1b[2K":
            rows[row] = ""
        elif token == "\x1b[1A":
            row = max(row - 1, 0)
        else:
            shown = ANSI.sub("", token)
            line = rows[row].ljust(col)
            rows[row] = line[:col] + shown + line[col + len(shown):]
            col += len(shown)
    if rows[-1] == "":
        rows.pop()
    return "\n".join(line.rstrip() for line in rows) + "\n"


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("columns", [80, 120])
def test_list_fits_the_terminal_and_matches_its_golden_screen(day, columns, lang):
    shown = plain(screen(day, columns, "list", lang=lang))
    assert shown == (SCREENS / f"list-{columns}-{lang}.txt").read_text(encoding="utf-8")
    lines = shown.splitlines()
    assert all(cell_len(line) <= columns for line in lines), max(map(cell_len, lines))
    body = lines[2:]
    assert len(body) == 4  # one line a ticket: nothing wrapped
    # nearest deadline first: 13:00 (breached), 15:00, 18:00, and the bug's 09:10 the next working day
    assert [re.search(r"ED-\d{4}-\d{6}", line).group() for line in body] == IDS
    assert [line[:2].strip() for line in body] == ["!!", "!", "", ""]  # breached, at risk


def test_wide_shows_every_column_whole_however_narrow_the_terminal(day):
    shown = plain(screen(day, 80, "list", "--wide"))
    head = shown.splitlines()[0].split()
    assert head == ["id", "status", "category", "level", "priority", "assignee", "due", "breached", "subject"]
    assert "Не приходит SMS с кодом подтверждения при входе в личный кабинет" in shown
    assert "…" not in shown


def test_breached_is_red_and_at_risk_yellow_where_the_terminal_has_colour(day):
    lines = screen(day, 120, "list", color=True).splitlines()
    breached = next(line for line in lines if IDS[0] in line)
    at_risk = next(line for line in lines if IDS[1] in line)
    in_time = next(line for line in lines if IDS[2] in line)
    assert "\x1b[31m" in breached and "\x1b[33m" in at_risk
    assert "\x1b[31m" not in in_time and "\x1b[33m" not in in_time


def test_in_a_pipe_the_list_keeps_every_column_for_scripts(day):
    result = day.run("list", now=NOW)
    lines = result.out.splitlines()
    assert lines[0].split("\t") == ["id", "status", "category", "level", "priority", "assignee", "due",
                                    "breached", "subject"]
    assert lines[1].split("\t")[-1] == "Смена e-mail в профиле"


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("columns", [80, 120])
def test_report_fits_the_terminal_and_matches_its_golden_screen(day, columns, lang):
    shown = plain(screen(day, columns, "report", "--since", "2026-11-01", lang=lang))
    table = shown.split("\n\n")[0]  # the charts below are a screen of their own
    assert table + "\n" == (SCREENS / f"report-{columns}-{lang}.txt").read_text(encoding="utf-8")
    lines = table.splitlines()
    assert all(cell_len(line) <= columns for line in lines), max(map(cell_len, lines))  # the title too
    rule = next(n for n, line in enumerate(lines) if line.startswith("─"))
    body = lines[rule + 1:]
    groups = {"en": ["bug", "consultation", "TOTAL"],
              "ru": ["ошибка", "консультация" if columns > 80 else "консульта…", "ИТОГО"]}[lang]
    assert [line.split()[0] for line in body] == groups  # one line a group, in the run's language
    assert [line.split()[1:4] for line in body] == [["1", "0", "1"], ["3", "0", "3"], ["4", "0", "4"]]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_supervisors_lists_keep_numbers_whole_at_80_columns(day, lang):
    """The report's complaints and terminations (clause 16) fit too: a number or a time never folds."""
    complaint = day.open_ticket(now="2026-11-26T12:00:00+05:00", category="complaint", channel="email",
                                topic=None, subject="Оператор не перезвонил, как обещал, хотя обещал дважды")
    assert day.run("terminate", IDS[2], "-m", "Клиент оскорблял оператора в чате, " * 3,
                   now="2026-11-26T14:20:00+05:00").code == 0
    shown = plain(screen(day, 80, "report", "--since", "2026-11-01", lang=lang))
    lines = shown.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), max(map(cell_len, lines))
    for number in (complaint, IDS[2]):
        rows = [line for line in lines if number in line]
        assert rows and all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row) for row in rows), (number, shown)
    # Nothing folded onto a line of its own: every line of the two lists starts with a number.
    lists = shown[shown.index("terminated (clause 16)" if lang == "en" else "прекращено (пункт 16)"):]
    body = [line for line in lists.splitlines() if line.strip() and not line.startswith(("─", " ", "terminated",
                                                                                         "complaint", "прекращ", "жалоба"))]
    assert all(line.startswith("ED-2026-") for line in body), body
