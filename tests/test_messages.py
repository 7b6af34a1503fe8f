"""Where a message comes from: -m TEXT, -m - (stdin), -F FILE, --template NAME, or $EDITOR in a
real pseudo-terminal with a real editor (a small script that writes into the file it is given)."""

from __future__ import annotations

import os
import stat
import sys

import pexpect
import pytest

NOW = "2026-11-26T10:00:00+05:00"

TEMPLATES = '''
[[templates]]
name = "thanks"
text = "Hello, {client}! {id} is solved. {operator}"
ru = "Здравствуйте, {client}! Обращение {id} решено. {operator}"

[[templates]]
name = "hostile"
text = "{0.__class__} {id.__class__} {client!r} {{id}} %s {unknown}"
'''


def last(edoc, tid):
    return edoc.ticket(tid)["history"][-1]


@pytest.fixture
def tid(edoc):
    return edoc.open_ticket(now=NOW)


def test_message_from_stdin_is_read_whole(edoc, tid):
    r = edoc.run("note", tid, "-m", "-", input="Строка один\nстрока два\n".encode())
    assert r.code == 0, r
    assert last(edoc, tid)["message"] == "Строка один\nстрока два"


@pytest.mark.parametrize("data,why", [
    (b"", "empty"), (b"  \n\n", "empty"), (b"\xff\xfeabc", "not UTF-8"), (b"text\x00more", "binary"),
    (b"x" * (80_000 + 1), "larger than"),
], ids=["empty", "blank", "invalid-utf8", "nul", "too-large"])
def test_bad_stdin_is_a_usage_error_and_changes_nothing(edoc, tid, data, why):
    before = edoc.state()
    r = edoc.run("note", tid, "-m", "-", input=data)
    assert r.code == 2, r
    assert why in r.err
    assert edoc.state() == before


def test_terminal_escapes_from_stdin_are_cleaned_as_any_message(edoc, tid):
    r = edoc.run("note", tid, "-m", "-", input="ok \x1b]0;pwned\x07\x1b[31m text\r\n".encode())
    assert r.code == 0, r
    assert last(edoc, tid)["message"] == "ok  text"


def test_message_from_a_file(edoc, tid, tmp_path):
    f = tmp_path / "reply.txt"
    f.write_text("Ответ клиенту\nиз файла\n", encoding="utf-8")
    r = edoc.run("reply", tid, "-F", str(f))
    assert r.code == 0, r
    assert last(edoc, tid)["message"] == "Ответ клиенту\nиз файла"
    r = edoc.run("note", tid, "-F", "-", input=b"from stdin via -F")
    assert r.code == 0 and last(edoc, tid)["message"] == "from stdin via -F"


def test_bad_files_are_usage_errors(edoc, tid, tmp_path):
    binary = tmp_path / "pic.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    big = tmp_path / "big.txt"
    big.write_text("я" * 40_001, encoding="utf-8")  # 80 002 bytes
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    before = edoc.state()
    cases = [(tmp_path / "missing.txt", "no such file or directory"), (tmp_path, "directory"), (binary, "binary"),
             (big, "larger than"), (fifo, "not a regular file")]
    if os.geteuid() != 0:
        cases.append((locked, "Permission denied"))
    for path, why in cases:
        r = edoc.run("note", tid, "-F", str(path))
        assert r.code == 2 and why in r.err, (path, r)
    assert edoc.state() == before


def test_message_and_file_together_and_neither_are_usage_errors(edoc, tid, tmp_path):
    f = tmp_path / "m.txt"
    f.write_text("x")
    before = edoc.state()
    both = edoc.run("note", tid, "-m", "text", "-F", str(f))
    assert both.code == 2 and "--message and --file" in both.err
    neither = edoc.run("note", tid)  # not a terminal: no editor either
    assert neither.code == 2 and "--message is required" in neither.err
    assert edoc.state() == before


def test_template_fills_its_placeholders_and_takes_the_language(edoc, tid):
    edoc.write_config(TEMPLATES)
    assert edoc.run("reply", tid, "--template", "thanks").code == 0
    assert last(edoc, tid)["message"] == f"Hello, Иванов Иван Иванович! {tid} is solved. tester"
    assert edoc.run("--lang", "ru", "note", tid, "--template", "thanks", "-m", "Дополнение").code == 0
    assert last(edoc, tid)["message"] == (f"Здравствуйте, Иванов Иван Иванович! Обращение {tid} решено. tester"
                                          "\n\nДополнение")


def test_a_template_is_never_a_format_string(edoc, tid):
    edoc.write_config(TEMPLATES)
    assert edoc.run("note", tid, "--template", "hostile").code == 0
    # Only the three words in braces are replaced; {{id}} is "{" + {id} + "}", not an escape.
    assert last(edoc, tid)["message"] == "{0.__class__} {id.__class__} {client!r} {" + tid + "} %s {unknown}"


def test_an_unknown_template_lists_the_known_ones(edoc, tid):
    edoc.write_config(TEMPLATES)
    before = edoc.state()
    r = edoc.run("close", tid, "--resolution", "resolved", "--template", "thank")
    assert r.code == 2, r
    assert "thanks, hostile" in r.err
    assert edoc.state() == before


@pytest.mark.parametrize("body,key", [
    ('[[templates]]\nname = "a"\n', "templates[0]"),
    ('[[templates]]\nname = "Bad Name"\ntext = "x"\n', "templates[0].name"),
    ('[[templates]]\nname = "a"\ntext = "x"\n[[templates]]\nname = "a"\ntext = "y"\n', "templates[1].name"),
    ('[[templates]]\nname = "a"\ntext = "\\u001b[31mred"\n', "templates[0].text"),
    ('[[templates]]\nname = "a"\ntext = ""\n', "templates[0].text"),
    ('[[templates]]\nname = "a"\ntext = "x"\nde = "y"\n', "templates[0]"),
    ('templates = "x"\n', "templates"),
])
def test_bad_templates_are_configuration_errors(edoc, body, key):
    edoc.write_config(body)
    r = edoc.run("list")
    assert r.code == 2, r
    assert f"'{key}'" in r.err


def test_config_show_lists_the_templates(edoc):
    edoc.write_config(TEMPLATES)
    shown = edoc.run("config", "show", "--json").json()["config"]["templates"]
    assert [t["name"] for t in shown] == ["thanks", "hostile"]


# -- the editor, in a real terminal ------------------------------------------------

EDITOR = """#!{python}
import sys
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    seen = f.read()
with open(path, "w", encoding="utf-8") as f:
    f.write({text!r} + seen)
sys.exit({code})
"""


def editor(tmp_path, text: str, code: int = 0) -> str:
    path = tmp_path / f"editor-{abs(hash((text, code)))}.py"
    path.write_text(EDITOR.format(python=sys.executable, text=text, code=code), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def in_terminal(edoc, *args: str, editor_cmd: str) -> tuple[int, str]:
    env = edoc.proc_env(env={"EDITOR": editor_cmd, "VISUAL": None, "TERM": "xterm"})
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", *args], env=env, encoding="utf-8",
                          timeout=30, dimensions=(24, 80))
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_the_editor_opens_on_a_terminal_and_comment_lines_are_dropped(edoc, tid, tmp_path):
    code, out = in_terminal(edoc, "reply", tid, editor_cmd=editor(tmp_path, "Добрый день!\n# not this\nВторая строка\n"))
    assert code == 0, out
    assert last(edoc, tid)["message"] == "Добрый день!\nВторая строка"


def test_an_empty_message_or_a_failing_editor_changes_nothing(edoc, tid, tmp_path):
    before = edoc.state()
    code, out = in_terminal(edoc, "note", tid, editor_cmd=editor(tmp_path, "\n# only a comment\n"))
    assert code == 2 and "empty" in out and "nothing was changed" in out
    code, out = in_terminal(edoc, "note", tid, editor_cmd=editor(tmp_path, "text", code=1))
    assert code == 2 and "exited with code 1" in out
    code, out = in_terminal(edoc, "note", tid, editor_cmd=str(tmp_path / "no-such-editor"))
    assert code == 2 and "cannot start the editor" in out
    assert edoc.state() == before


def test_the_editor_shows_a_commented_hint_naming_the_ticket(edoc, tid, tmp_path):
    hint_copy = tmp_path / "hint.txt"
    script = tmp_path / "copy-editor.sh"
    script.write_text(f'#!/bin/sh\ncp "$1" {hint_copy}\nprintf "Заметка\\n" > "$1"\n')
    script.chmod(0o755)
    code, out = in_terminal(edoc, "note", tid, editor_cmd=str(script))
    assert code == 0, out
    hint = hint_copy.read_text(encoding="utf-8")
    assert tid in hint and all(line.startswith("#") for line in hint.splitlines() if line)
    assert last(edoc, tid)["message"] == "Заметка"


def test_the_shell_completes_template_names(edoc):
    edoc.write_config(TEMPLATES)
    words = "edoc reply ED-2026-000001 --template th"
    r = edoc.proc(env={"_EDOC_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "4"})
    assert r.code == 0, r
    assert r.out.split() == ["thanks"]
    broken = edoc.write_config("templates = 1\n")
    assert broken.exists()
    r = edoc.proc(env={"_EDOC_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "4"})
    assert r.code == 0 and r.out.split() == []


def test_the_card_shows_what_an_edit_changed(edoc, tid):
    assert edoc.run("edit", tid, "--subject", "Новая тема").code == 0
    card = edoc.run("show", tid)
    assert "subject: Смена e-mail в профиле -> Новая тема" in card.out


def test_several_tickets_take_one_message_from_the_editor(edoc, tmp_path):
    a, b = edoc.open_ticket(now=NOW), edoc.open_ticket(now=NOW)
    code, out = in_terminal(edoc, "note", a, b, editor_cmd=editor(tmp_path, "Общая заметка\n"))
    assert code == 0, out
    assert "done: 2, failed: 0" in out
    assert [last(edoc, t)["message"] for t in (a, b)] == ["Общая заметка", "Общая заметка"]


def test_a_message_given_on_the_command_line_is_checked_before_the_store_is_read(edoc, tmp_path):
    """docs/contract.md, "Which error comes first": the action's text given by -m or --file is checked
    before the ticket is looked up (one reading of the store, the action's own)."""
    tid = edoc.open_ticket(now=NOW)
    before = edoc.state()
    missing = "ED-2026-000099"
    assert edoc.run("reply", missing, "-m", "Готово", now=NOW).code == 4
    empty = edoc.run("reply", missing, "-m", "   ", now=NOW)
    assert empty.code == 3 and missing not in empty.err, empty
    unreadable = edoc.run("note", missing, "--file", str(tmp_path / "absent.txt"), now=NOW)
    assert unreadable.code == 2 and "absent.txt" in unreadable.err, unreadable
    assert edoc.run("note", tid, "--file", str(tmp_path / "absent.txt"), now=NOW).code == 2
    assert edoc.state() == before  # nothing written by any of them
