"""`edoc demo`: a realistic working day in a scratch store, never the configured one.

The expected lines were worked out by hand from the story in edoc_cli/demo.py and the built-in
defaults (basic consultation 4 h / 16 h, bug high 2 h / 16 h, auto-close after 8 working hours,
09:00-18:00): with EDOC_NOW on Thursday 2026-11-26 the day shown is Wednesday 2026-11-25 and
the day before it Tuesday 2026-11-24.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from conftest import request_args

AS_OF = "2026-11-25T17:30:00+05:00"


def tmpdir_env(edoc) -> dict[str, str]:
    """TMPDIR a folder of the test's own, to see that the scratch store is removed."""
    folder = edoc.tmp / "tmp"
    folder.mkdir(exist_ok=True)
    return {"TMPDIR": str(folder)}


def test_the_day_in_a_pipe_as_worked_out_by_hand(edoc) -> None:
    edoc.open_ticket()  # the real store holds a ticket of its own
    before = edoc.state()
    result = edoc.run("demo", env=tmpdir_env(edoc))
    assert result.code == 0, result
    out = result.out
    assert "2026-11-24 and 2026-11-25, on the built-in defaults" in out
    # The sweep's auto-close (clause 15): 10:30 + 8 working hours = 09:30 the next day; swept at 09:35,
    # with the regulation's wording and the actions done so far.
    assert ("2026-11-25 09:35\tED-2026-000001\tsweep\tclosed\tno_response\tответ от клиента не получен. "
            "Выполненные действия: - 24.11.2026 10:25 (aida) действие: Проверили журнал портала: запросов на "
            "подпись не было - 24.11.2026 10:30 (aida) запрошена информация: Пришлите, пожалуйста, скриншот "
            "ошибки NCALayer\n") in out
    # The breach: registered 09:15, no answer by 13:15; the sweep of 13:20 records it.
    assert "2026-11-25 13:20\tED-2026-000004\tsweep\tbreached\tfirst_response\t\n" in out
    assert "2026-11-25 09:40\tED-2026-000002\tmarat\tclient_replied\t\t" in out
    assert "2026-11-25 09:50\tED-2026-000003\taida\tclosed\tfaq\tКлиент нашёл письмо в папке «Спам»\n" in out
    # The list at 17:30: five open tickets, nearest deadline first; the closed two are not in it.
    listing = out.split("# Open work at 17:30")[1].split("\n# ")[0]
    assert listing.splitlines()[1:] == [
        "id\tstatus\tcategory\tlevel\tpriority\tassignee\tdue\tbreached\tsubject",
        "ED-2026-000004\tnew\tconsultation\tbasic\t\t\t2026-11-25 13:15\tfirst response\tКак сменить тариф организации",
        # 14:10 + 4 working hours: 50 min that day, 190 the next from 09:00
        "ED-2026-000006\tnew\tconsultation\tbasic\t\t\t2026-11-26 09:10\t\tСтатус документа не меняется на «Подписан»",
        # a feature: 8 h from 16:00 -> 2 h that day, 6 h the next
        "ED-2026-000007\tnew\tfeature\tbasic\t\t\t2026-11-26 15:00\t\tВыгрузка реестра документов в Excel",
        # 960 min, 480 counted (10 before the pause, 470 from 09:40): 8 h left -> 17:30 + 30 min, then 7.5 h
        "ED-2026-000002\topen\tbug\tbasic\thigh\tmarat\t2026-11-26 16:30\t\tОшибка 500 при отправке документа контрагенту",
        # a complaint, 40 h from 10:20: 430 min used that day, 1970 more = 3 days + 350 min
        "ED-2026-000005\topen\tcomplaint\tbasic\t\tmarat\t2026-12-01 14:20\t\tОператор не перезвонил, как обещал",
    ]
    # The SLA of the bug: 10 counted minutes, the pause overnight, 470 counted from the client's answer.
    assert "resolution SLA:\t480 of 960 working min, due 2026-11-26 16:30\n" in out
    assert "first response SLA:\t10 of 120 working min, met 2026-11-24 16:50\n" in out
    assert ("2026-11-24 16:40\t2026-11-24 16:50\tcounted\t\t10\n"
            "2026-11-24 16:50\t2026-11-25 09:40\tpaused\twaiting for the client\t\n"
            "2026-11-25 09:40\t2026-11-25 17:30\tcounted\t\t470\n") in out
    # The report: 7 opened, 2 closed (1 auto-closed, 1 with a FAQ link); first answers 4 met
    # (20, 25, 10 and 280 min), 1 breached; median over the consultations' 20 and 25 = 22.5.
    assert "consultation\t4\t2\t2\t1\t0\t1\t0\t2\t1\t66.7\t22.5\t2\t0\t100.0\t35\t347.5\t495\n" in out
    assert "TOTAL\t7\t2\t5\t1\t0\t1\t1\t4\t1\t80.0\t22.5\t2\t0\t100.0\t35\t430\t590\n" in out
    assert "ED-2026-000005\topen\t2026-11-25 10:20\tБекова Алия\tОператор не перезвонил, как обещал\tmarat\n" in out
    assert "'edoc demo --keep DIR' keeps it." in result.err
    # Nothing of the real store changed, and the scratch store is gone.
    assert edoc.state() == before
    assert list((edoc.tmp / "tmp").iterdir()) == []


def test_the_same_day_gives_the_same_output(edoc) -> None:
    first, second = edoc.run("demo"), edoc.run("demo")
    assert first.code == second.code == 0
    assert first.out == second.out and first.err == second.err


def test_the_real_store_is_never_opened_whatever_names_it(edoc) -> None:
    """--store, EDOC_STORE and a configuration with another prefix: the demo uses none of them."""
    edoc.write_config('[registration]\nprefix = "XX"\n')
    other = edoc.tmp / "other" / "tickets.json"
    for args in (("demo",), ("--store", str(other), "demo")):
        result = edoc.run(*args)
        assert result.code == 0, result
        assert "ED-2026-000001" in result.out and "XX-" not in result.out
    assert edoc.state() is None
    assert not other.parent.exists()


@pytest.mark.parametrize("now, previous, day", [
    ("2026-11-30T10:00:00+05:00", "2026-11-26", "2026-11-27"),   # a Monday: Thursday and Friday
    ("2026-12-17T08:00:00+05:00", "2026-12-14", "2026-12-15"),   # after Independence Day (Wed 16th)
    ("2027-01-05T12:00:00+05:00", "2026-12-30", "2026-12-31"),   # after the New Year days off
    ("2026-11-26T00:00:00+05:00", "2026-11-24", "2026-11-25"),   # midnight: today has not begun
])
def test_the_day_shown_is_the_last_working_day_before_today(edoc, now, previous, day) -> None:
    result = edoc.run("demo", now=now)
    assert result.code == 0, result
    assert f"{previous} and {day}, on the built-in defaults" in result.out
    assert f"{day} 17:30" in result.out


@pytest.mark.parametrize("now", ["2000-01-03T10:00:00+05:00", "yesterday", "2026-11-26T10:00:00"])
def test_a_clock_the_demo_cannot_use_is_a_usage_error(edoc, now) -> None:
    result = edoc.run("demo", now=now, env=tmpdir_env(edoc))
    assert result.code == 2, result
    assert result.out == ""
    assert list((edoc.tmp / "tmp").iterdir()) == []


def test_keep_leaves_a_store_check_accepts_and_says_how_to_explore_it(edoc) -> None:
    kept = edoc.tmp / "demo store"
    result = edoc.run("demo", "--keep", str(kept))
    assert result.code == 0, result
    store = kept.resolve() / "tickets.json"
    assert f"export EDOC_STORE='{store}' EDOC_NOW={AS_OF}" in result.err
    explore = {"EDOC_STORE": str(store), "EDOC_CONFIG": None}
    check = edoc.run("check", env=explore, now=AS_OF)
    assert check.code == 0, check
    assert "7 tickets, consistent" in check.err
    listed = edoc.run("list", "--json", env=explore, now=AS_OF)
    assert [t["id"] for t in listed.json()] == [f"ED-2026-00000{n}" for n in (4, 6, 7, 2, 5)]
    assert edoc.state() is None
    assert os.stat(kept).st_mode & 0o077 == 0


def test_keep_never_writes_into_a_folder_that_holds_something(edoc) -> None:
    kept = edoc.tmp / "kept"
    kept.mkdir()
    (kept / "tickets.json").write_text("mine", encoding="utf-8")
    result = edoc.run("demo", "--keep", str(kept))
    assert result.code == 2, result
    assert "is not empty" in result.err
    assert [p.name for p in kept.iterdir()] == ["tickets.json"]
    assert (kept / "tickets.json").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("name", ["evil\x1b]0;pwned\x07", "line\nbreak", "a" * 5000])
def test_keep_refuses_a_hostile_folder_name(edoc, name) -> None:
    result = edoc.run("demo", "--keep", str(edoc.tmp / name))
    assert result.code == 2, result
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert [p.name for p in edoc.tmp.iterdir() if p.name.startswith(name[:4])] == []


def test_keep_of_a_file_or_below_a_file_is_a_usage_error(edoc) -> None:
    plain = edoc.tmp / "plain"
    plain.write_text("x", encoding="utf-8")
    for target in (plain, plain / "below"):
        result = edoc.run("demo", "--keep", str(target))
        assert result.code == 2, result
        assert "--keep" in result.err
    assert plain.read_text(encoding="utf-8") == "x"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
# Identifiers, the clients' data, and the commands to try next.
CODES = {"aida", "marat", "sweep", "SLA", "FAQ", "NCALayer", "Excel", "edoc", "demo", "list", "sla", "report",
         "keep", "DIR"}


def pty_demo(edoc, columns: int, lang: str) -> str:
    env = edoc.proc_env()
    env.update(TERM="xterm-256color", EDOC_LANG=lang)
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", "demo"], env=env, encoding="utf-8",
                          dimensions=(50, columns), timeout=60)
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    return ANSI.sub("", out).replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 120])
def test_on_a_terminal_in_russian_it_fits_and_speaks_russian(edoc, columns) -> None:
    screen = pty_demo(edoc, columns, "ru")
    from rich.cells import cell_len

    assert max(cell_len(line) for line in screen.splitlines()) <= columns
    assert "Рабочий день службы поддержки E-DOC: 2026-11-24 и 2026-11-25" in screen
    assert "!!  ED-2026-000004" in screen and "!   ED-2026-000006" in screen
    assert "ответ от клиента не получен" in screen
    assert "Временное хранилище удалено" in screen
    text = re.sub(r"\S+@\S+|https?://\S+|sla\.basic\.bug\.high|ED-[\d-]+|E-DOC|\w+…", " ", screen)
    english = {w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text)} - CODES
    assert english == set(), english


@pytest.mark.json_only(reason="the demo's terminal output does not depend on the store it leaves alone")
def test_on_a_terminal_in_english_it_marks_breached_and_at_risk(edoc) -> None:
    screen = pty_demo(edoc, 120, "en")
    assert "A working day at the E-DOC support desk: 2026-11-24 and 2026-11-25" in screen
    assert "!!  ED-2026-000004" in screen
    assert "480 of 960 working min" in screen


def test_help_names_the_demo(edoc) -> None:
    result = edoc.run("--help")
    assert result.code == 0
    assert re.search(r"^\s+demo\s+Show a realistic working day", result.out, re.M), result.out
    assert edoc.run("demo", "--help").out.count("--keep") == 1


def test_request_args_still_register_beside_a_demo(edoc) -> None:
    """The demo leaves the real desk's numbering alone: its first registration is still 000001."""
    assert edoc.run("demo").code == 0
    assert edoc.run("open", *request_args()).out.strip() == "ED-2026-000001"


# -- README: the first command leaves edoc where the later examples (and cron) find it -------------

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_demo_and_the_command_ci_runs() -> None:
    first, second = re.findall(r"```sh\n(.*?)\n```", README, re.S)[:2]
    assert first.startswith("python3 -m venv ") and first.endswith(' && export PATH="$HOME/.local/bin:$PATH" '
                                                                   "&& edoc demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert second == ci


def test_every_cron_and_systemd_line_names_edoc_where_the_first_command_links_it() -> None:
    first = re.findall(r"```sh\n(.*?)\n```", README, re.S)[0]
    link = re.search(r"ln -sf (\S+) (\S+)", first).group(2)
    assert link == "~/.local/bin/edoc"
    crons = re.findall(r"^\s*\*/5 \* \* \* \* (.*)$", README, re.M)
    assert len(crons) == 3  # the sweep's section, PostgreSQL's, and mail's beside its fetch
    for line in crons:
        assert line.split()[-2:] == ["$HOME/.local/bin/edoc", "sweep"], line
    fetch = re.findall(r"^\* \* \* \* \* (.*)$", README, re.M)
    assert [line.split()[-4:] for line in fetch] == [["$HOME/.local/bin/edoc", "mail", "fetch", ">/dev/null"]]
    assert re.findall(r"^ExecStart=(\S+)", README, re.M) == ["/home/edoc/.local/bin/edoc"]


@pytest.mark.json_only(reason="the cron line names a JSON store")
def test_readmes_cron_line_runs_in_crons_environment(edoc) -> None:
    """As cron runs it: /bin/sh, PATH=/usr/bin:/bin, HOME the cron user's, edoc linked where the
    first command links it; on a store the demo kept."""
    kept = edoc.tmp / "srv"
    assert edoc.run("demo", "--keep", str(kept)).code == 0
    home = edoc.tmp / "cron-home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "edoc").symlink_to(Path(sys.executable).parent / "edoc")
    line = re.search(r"^\*/5 \* \* \* \* (EDOC_STORE=/srv/.*)$", README, re.M).group(1)
    command = line.replace("/srv/edoc/tickets.json", str(kept / "tickets.json"))
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/sh", "LANG": "C.UTF-8",
                               "EDOC_NOW": "2026-11-26T10:00:00+05:00"})
    assert done.returncode == 0, done.stderr
    # The at-risk chat of 14:10 the day before is breached by 10:00 (240 min ran out at 09:10).
    assert "breached\tED-2026-000006\tfirst response (due" in done.stdout
