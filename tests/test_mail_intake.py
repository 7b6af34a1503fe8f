"""The intake queue (edoc_cli/intake.py, commands/intake.py) and `open --from-mail`, on both stores.

Rows are made by hand through the store, as `edoc mail receive` would write them: a message that
names no ticket, its attachments kept under "intake-N". Expected values are worked out by hand:
arrival 04:12 UTC is 09:12 in Astana; 1536 bytes are 1.5 KB.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pexpect
import pytest

import processes
from test_screens import screen
from edoc_cli.store.commit import RUN

NOW = "2026-11-26T10:00:00+05:00"
PNG = bytes(range(256)) * 6  # 1536 bytes
# A client's message: Outlook's Russian prefixes on the subject, a name and a text.
MAIL = {"message_id": "<m1@mail.ru>", "at": "2026-11-26T04:12:00Z", "sender": "aigul@mail.ru",
        "sender_name": "Айгуль Касымова", "subject": "Re: Fwd: Ответ: Не могу подписать договор",
        "text": "Здравствуйте!\nДоговор не подписывается, скриншот во вложении.", "attachments": ["scan.png"],
        "automatic": None, "state": "waiting"}
BOUNCE = {"message_id": None, "at": "2026-11-26T09:00:00+05:00", "sender": "mailer-daemon@relay.kz",
          "sender_name": "", "subject": "Письмо не доставлено", "text": "Адрес не существует",
          "attachments": [], "automatic": "bounce", "state": "waiting"}
# What a hostile sender puts in: a colour, a screen clear, a window title, a CSI by its C1 byte, a blink.
HOSTILE = {**MAIL, "message_id": "<h@x>", "sender_name": "Айгуль \x1b[31mК\x1b]0;pwned\x07",
           "subject": "Срочно \x1b[2Jподписать\x9b31m", "text": "Текст\x1b[5m мигает\x1b]52;c;ZXZpbA==\x07"}
INJECTED = ("\x1b[31m", "\x1b]0;", "\x1b[2J", "\x9b", "\x1b[5m", "\x1b]52", "\x07")
# What the flags add for a bug (clause 12) that the message cannot say.
BUG_FLAGS = ("--client-type", "guest", "--category", "bug", "--topic", "portal_errors", "--faq-checked",
             "--steps", "1. Открыть договор 2. Подписать", "--occurred-at", "2026-11-26T09:00:00+05:00",
             "--browser", "Chrome 131", "--os", "Windows 11")


def add(edoc, *rows: dict, files: dict[int, dict[str, bytes]] | None = None) -> list[int]:
    """Put intake rows (and their kept files, by the row's place in `rows`) in the store; their numbers."""
    store = edoc.environment().store
    numbers = []
    with store.transaction() as snap:
        for i, row in enumerate(rows):
            n = snap.put_mail_row("intake", dict(row))
            for name, content in (files or {}).get(i, {}).items():
                snap.keep_file(f"intake-{n}", name, content)
            numbers.append(n)
    RUN.close()
    return numbers


def rows(edoc) -> dict[int, dict]:
    try:
        return edoc.environment().store.snapshot().mail_rows("intake")
    finally:
        RUN.close()


def kept(edoc, owner: str, name: str) -> bytes | None:
    try:
        return edoc.environment().store.snapshot().kept_file(owner, name)
    finally:
        RUN.close()


# -- list, show, dismiss ----------------------------------------------------------------------------

def test_list_in_a_pipe_is_tsv_of_the_waiting_messages_in_astana_time(edoc):
    add(edoc, MAIL, BOUNCE, {**MAIL, "message_id": "<old@x>", "state": "dismissed", "dismissed_by": "aida",
                             "dismissed_at": "2026-11-26T09:30:00+05:00", "dismissed_reason": "спам"})
    result = edoc.run("intake", "list", now=NOW)
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "automatic\tn\tat\tsender\tsubject",
        "\t1\t2026-11-26 09:12\taigul@mail.ru\tRe: Fwd: Ответ: Не могу подписать договор",
        "bounce\t2\t2026-11-26 09:00\tmailer-daemon@relay.kz\tПисьмо не доставлено",
    ]
    every = edoc.run("intake", "list", "--all", now=NOW)
    assert every.out.splitlines()[0] == "automatic\tn\tat\tsender\tstate\tsubject\tticket"
    assert every.out.splitlines()[3] == ("\t3\t2026-11-26 09:12\taigul@mail.ru\tdismissed\t"
                                         "Re: Fwd: Ответ: Не могу подписать договор\t")


def test_list_json_is_the_rows_with_their_number(edoc):
    add(edoc, MAIL, BOUNCE)
    listed = edoc.run("intake", "list", "--json", now=NOW).json()
    assert [r["n"] for r in listed] == [1, 2]
    assert set(listed[0]) == {"n", "message_id", "at", "sender", "sender_name", "subject", "text", "attachments",
                              "automatic", "state"}
    assert listed[1]["automatic"] == "bounce" and listed[0]["at"] == "2026-11-26T04:12:00Z"


def test_an_empty_intake_says_so_on_stderr(edoc):
    result = edoc.run("intake", "list", now=NOW)
    assert (result.code, result.out) == (0, "")
    assert "no mail is waiting" in result.err


def test_show_gives_the_whole_message_with_its_attachments_sizes(edoc):
    add(edoc, MAIL, files={0: {"scan.png": PNG, "note.txt": b"hello"}})
    result = edoc.run("intake", "show", "1", now=NOW)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == "Message 1 of the intake"
    assert "sender:\tАйгуль Касымова <aigul@mail.ru>" in lines
    assert "arrived:\t2026-11-26 09:12" in lines
    assert "state:\twaiting" in lines
    assert "subject:\tRe: Fwd: Ответ: Не могу подписать договор" in lines
    assert "attachments:\tnote.txt (5 B)" in lines and "\tscan.png (1.5 KB)" in lines
    assert "text:\tЗдравствуйте!" in lines and "\tДоговор не подписывается, скриншот во вложении." in lines
    shown = edoc.run("intake", "show", "1", "--json", now=NOW).json()
    assert shown["n"] == 1 and shown["message_id"] == "<m1@mail.ru>"
    assert shown["files"] == [{"name": "note.txt", "size": 5}, {"name": "scan.png", "size": 1536}]


def test_a_missing_message_is_exit_4(edoc):
    add(edoc, MAIL)
    for args in (("intake", "show", "7"), ("intake", "dismiss", "7")):
        result = edoc.run(*args, now=NOW)
        assert result.code == 4, result
        assert "no message 7 in the intake" in result.err


def test_dismiss_records_who_when_why_and_hides_the_message(edoc):
    add(edoc, MAIL, BOUNCE)
    result = edoc.run("intake", "dismiss", "2", "-m", "уведомление о недоставке", now=NOW)
    assert result.code == 0, result
    assert "dismissed 1 message" in result.err
    row = rows(edoc)[2]
    assert (row["state"], row["dismissed_by"], row["dismissed_at"], row["dismissed_reason"]) == (
        "dismissed", "tester", NOW, "уведомление о недоставке")
    assert [r["n"] for r in edoc.run("intake", "list", "--json", now=NOW).json()] == [1]
    assert [r["n"] for r in edoc.run("intake", "list", "--all", "--json", now=NOW).json()] == [1, 2]
    again = edoc.run("intake", "dismiss", "2", now=NOW)
    assert again.code == 5 and "was dismissed by tester" in again.err


def test_dismiss_is_all_or_none(edoc):
    add(edoc, MAIL, BOUNCE)
    before = edoc.state()
    result = edoc.run("intake", "dismiss", "2", "1", "9", now=NOW)
    assert result.code == 4, result
    assert edoc.state() == before
    assert {r["state"] for r in rows(edoc).values()} == {"waiting"}


def test_dismissed_messages_are_pruned_30_days_later_by_the_next_write(edoc):
    add(edoc, MAIL, BOUNCE, {**BOUNCE, "message_id": "<b2@x>"}, files={0: {"scan.png": PNG}, 1: {"dsn.txt": b"x"}})
    assert edoc.run("intake", "dismiss", "2", now=NOW).code == 0
    # 29 days later: a write keeps it; 31 days later, the next write empties it.
    assert edoc.run("intake", "dismiss", "3", now="2026-12-25T10:00:00+05:00").code == 0
    assert not any(r.get("pruned") for r in rows(edoc).values())
    assert edoc.run("open", "--from-mail", "1", "--no-input", *BUG_FLAGS,
                    now="2026-12-27T10:00:00+05:00").code == 0
    got = rows(edoc)
    # 2 was dismissed 31 days before: a stub without the message and its files; 3 only 2 days before
    assert (got[2]["pruned"], got[2]["text"], got[2]["subject"], got[2]["sender"]) == (True, "", "", "")
    assert kept(edoc, "intake-2", "dsn.txt") is None and not got[3].get("pruned")
    # the stub keeps its number: the next message is 4, never a second 2 (whose files were another's)
    assert add(edoc, {**MAIL, "message_id": "<new@x>"}) == [4]
    assert [m["n"] for m in edoc.run("intake", "list", "--json", now="2026-12-27T10:00:00+05:00").json()] == [4]


def test_escape_sequences_from_a_client_never_reach_the_output_raw(edoc):
    add(edoc, HOSTILE, files={0: {"scan.png": PNG}})
    outputs = [edoc.run("intake", "list", now=NOW), edoc.run("intake", "list", "--json", now=NOW),
               edoc.run("intake", "show", "1", now=NOW), edoc.run("intake", "show", "1", "--json", now=NOW)]
    for result in outputs:
        assert result.code == 0, result
        assert not any(seq in result.out + result.err for seq in INJECTED), result
    assert "\tСрочно подписать\n" in outputs[0].out
    assert "sender:\tАйгуль К <aigul@mail.ru>" in outputs[2].out
    assert json.loads(outputs[1].out)[0]["subject"] == HOSTILE["subject"]  # JSON keeps the data, escaped
    shown = on_terminal(edoc, "intake", "show", "1") + on_terminal(edoc, "intake", "list")
    assert not any(seq in shown for seq in INJECTED)
    assert "Срочно подписать" in shown


# -- a real terminal, in Russian, at 80 columns ------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(edoc, *args: str, lang: str = "en", columns: int = 120) -> str:
    """The screen edoc prints in a real pty of `columns` (test_screens.screen)."""
    return screen(edoc, columns, *args, lang=lang)


def test_intake_list_fits_80_columns_in_russian(edoc):
    from rich.cells import cell_len

    from test_russian import CODES, english_words

    add(edoc, {**MAIL, "sender": "very.long.address.of.a.client.department@organisation-example.kz",
               "subject": "Ответ: " + "очень длинный заголовок письма клиента " * 4}, BOUNCE,
        {**MAIL, "sender": "auto@x.kz", "automatic": "auto_reply", "subject": "Автоответ: я в отпуске"})
    screen = ANSI.sub("", on_terminal(edoc, "intake", "list", lang="ru", columns=80))
    lines = [line for line in screen.replace("\r", "").split("\n") if line.strip()]
    assert lines and all(cell_len(line) <= 80 for line in lines), lines
    head = lines[0].split()
    assert head == ["№", "пришло", "отправитель", "заголовок"]
    # Numbers, times and the mark whole; the long address and subject cut with "…".
    assert re.match(r"^\s+1\s+2026-11-26 09:12\s+very\.long\.address\.of\.a\.…\s+Ответ: очень", lines[2])
    assert lines[2].rstrip().endswith("…")
    assert lines[4].startswith("авто  3  2026-11-26 09:12  auto@x.kz")
    assert english_words(screen, CODES) == []
    card = on_terminal(edoc, "intake", "show", "2", lang="ru", columns=80)
    for label in ("Входящее письмо 2", "отправитель", "пришло", "состояние", "ожидает", "автоматическое",
                  "уведомление о недоставке", "вложения", "текст"):
        assert label in card, label
    assert english_words(ANSI.sub("", card), CODES) == []


# -- open --from-mail ---------------------------------------------------------------------------------

def test_open_from_mail_registers_the_message_in_one_transaction(edoc):
    add(edoc, BOUNCE, MAIL, files={1: {"scan.png": PNG, "log.txt": b"error 500\n"}})
    result = edoc.run("open", "--from-mail", "2", "--no-input", *BUG_FLAGS, now=NOW)
    assert result.code == 0, result
    assert result.out == "ED-2026-000001\n"
    ticket = edoc.ticket("ED-2026-000001")
    assert ticket["client"]["email"] == "aigul@mail.ru" and ticket["client"]["name"] == "Айгуль Касымова"
    assert ticket["channel"] == "email"
    assert ticket["subject"] == "Не могу подписать договор"           # Re: Fwd: Ответ: stripped
    assert ticket["description"] == MAIL["text"]
    assert ticket["received_at"] == "2026-11-26T09:12:00+05:00"         # the mail's arrival, not now
    assert ticket["details"]["attachments"] == ["log.txt", "scan.png"]
    opened = ticket["history"][0]
    assert (opened["type"], opened["message_id"], opened["from_mail"]) == ("opened", "<m1@mail.ru>", 2)
    assert kept(edoc, "ED-2026-000001", "scan.png") == PNG
    assert kept(edoc, "ED-2026-000001", "log.txt") == b"error 500\n"
    row = rows(edoc)[2]
    assert (row["state"], row["ticket"], row["registered_by"], row["registered_at"]) == (
        "registered", "ED-2026-000001", "tester", NOW)
    assert rows(edoc)[1]["state"] == "waiting"
    assert [r["n"] for r in edoc.run("intake", "list", "--json", now=NOW).json()] == [1]


def test_flags_given_beat_the_mails_values(edoc):
    add(edoc, MAIL)
    result = edoc.run("open", "--from-mail", "1", "--no-input", *BUG_FLAGS, "--subject", "Ошибка подписи",
                      "--name", "Касымова Айгуль", "--attachment", "screen-2.png", now=NOW)
    assert result.code == 0, result
    ticket = edoc.ticket("ED-2026-000001")
    assert (ticket["subject"], ticket["client"]["name"]) == ("Ошибка подписи", "Касымова Айгуль")
    assert ticket["description"] == MAIL["text"]
    assert ticket["details"]["attachments"] == ["screen-2.png"]  # no kept files: the flag's alone


def test_a_message_registered_once_is_refused_the_second_time(edoc):
    add(edoc, MAIL, files={0: {"scan.png": PNG}})
    assert edoc.run("open", "--from-mail", "1", "--no-input", *BUG_FLAGS, now=NOW).code == 0
    before = edoc.state()
    again = edoc.run("open", "--from-mail", "1", "--no-input", *BUG_FLAGS, now=NOW)
    assert again.code == 5, again
    assert "already registered as ED-2026-000001" in again.err
    assert edoc.state() == before


def test_missing_dismissed_and_incomplete_register_nothing(edoc):
    add(edoc, MAIL, BOUNCE)
    assert edoc.run("intake", "dismiss", "2", now=NOW).code == 0
    before = edoc.state()
    missing = edoc.run("open", "--from-mail", "5", "--no-input", *BUG_FLAGS, now=NOW)
    assert missing.code == 4 and "no message 5 in the intake" in missing.err
    dismissed = edoc.run("open", "--from-mail", "2", "--no-input", *BUG_FLAGS, now=NOW)
    assert dismissed.code == 5 and "was dismissed by tester" in dismissed.err
    # The mail gives the contact, subject and text; the flags not the rest: exit 3 naming them.
    incomplete = edoc.run("open", "--from-mail", "1", "--no-input", now=NOW)
    assert incomplete.code == 3, incomplete
    assert "--client-type" in incomplete.err and "--category" in incomplete.err
    assert "--subject" not in incomplete.err and "--email" not in incomplete.err
    both = edoc.run("open", "--from-mail", "1", "--from-json", "-", input="{}", now=NOW)
    assert both.code == 2
    assert edoc.state() == before


def test_the_waiting_check_is_inside_the_registration_transaction(edoc):
    """Operator A reads the message (waiting), B registers it, then A registers: refused, one ticket."""
    from edoc_cli.errors import NotAllowed
    from edoc_cli.rules.registration import RegistrationRequest

    add(edoc, MAIL)
    first, second = edoc.environment().desk, edoc.environment().desk
    answers = first.mail_answers(1)          # A: waiting
    request = RegistrationRequest(**{**answers, "client_type": "guest", "category": "consultation",
                                     "topic": "documents", "faq_checked": True})
    assert [t["id"] for t in second.register_mail(1, request)] == ["ED-2026-000001"]
    with pytest.raises(NotAllowed):
        first.register_mail(1, request)
    RUN.close()
    assert edoc.run("list", "--all", "--json", now=NOW).json()[0]["id"] == "ED-2026-000001"
    assert len(edoc.run("list", "--all", "--json", now=NOW).json()) == 1


WORKER = r"""
import sys
from edoc_cli.app import run
print("ready", flush=True)
sys.stdin.readline()
sys.exit(run(["open", *sys.argv[1:]]))
"""


def test_four_operators_registering_one_message_at_once_make_one_ticket(edoc):
    add(edoc, MAIL, files={0: {"scan.png": PNG}})
    env = edoc.proc_env(now=NOW)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, "--from-mail", "1", "--no-input", *BUG_FLAGS],
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(4)]
    outputs = processes.release_together(workers, 60)
    codes = sorted(w.returncode for w in workers)
    assert codes == [0, 5, 5, 5], outputs
    assert [out for out, _err in outputs if out] == ["ED-2026-000001\n"]
    assert [t["id"] for t in edoc.run("list", "--all", "--json", now=NOW).json()] == ["ED-2026-000001"]
    assert rows(edoc)[1]["ticket"] == "ED-2026-000001"


# -- the wizard, pre-filled from the message, in a real terminal -----------------------------------

DOWN = "\x1b[B"


def spawn_open(edoc, *args: str) -> tuple[pexpect.spawn, list[str]]:
    environ = edoc.proc_env(now=NOW)
    environ["TERM"] = "xterm-256color"
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", "open", *args], env=environ, encoding="utf-8",
                          timeout=20, dimensions=(40, 120))
    seen: list[str] = []

    class Tee:  # everything the operator saw, to check what was never asked
        def write(self, text: str) -> None:
            seen.append(text)

        def flush(self) -> None:
            pass

    child.logfile_read = Tee()
    return child, seen


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + child.signalstatus



def register_with_the_first_topic(child) -> None:
    """The wizard's last questions answered: the first topic, the Help Centre studied, registered."""
    child.expect_exact("What is it about?")
    child.send("\r")                                            # the first topic
    child.expect_exact("studied the Help Centre")
    child.send("y")
    child.expect_exact("Register this request?")
    child.send("\r")
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0


def test_the_wizard_from_mail_asks_only_what_the_message_does_not_say(edoc):
    add(edoc, {**MAIL, "subject": "Fwd: Вопрос по работе портала", "text": "Подскажите, как добавить сотрудника"})
    child, seen = spawn_open(edoc, "--from-mail", "1")
    child.expect_exact("Who is asking?")
    child.send(DOWN + "\r")                                     # a portal guest
    child.expect_exact("write to the client in?")               # the sender's address is an e-mail to write to
    child.send(DOWN + "\r")                                     # Kazakh
    child.expect_exact("Category")
    child.send("\r")                                            # consultation (e-mail is allowed for it)
    register_with_the_first_topic(child)
    screen = "".join(seen)
    # The message gave the name, the address, the channel, the subject, the text and the time.
    for question in ("full name", "E-mail to answer", "How did it arrive?", "Subject (one line)",
                     "Description in the client's words", "reach support"):
        assert question not in screen, question
    assert "Subject: Вопрос по работе портала" in screen        # the summary: Fwd: stripped
    ticket = edoc.ticket("ED-2026-000001")
    assert (ticket["client"]["type"], ticket["client"]["email"], ticket["channel"]) == ("guest", "aigul@mail.ru",
                                                                                       "email")
    assert ticket["client"]["lang"] == "kk"
    assert ticket["history"][0]["from_mail"] == 1 and rows(edoc)[1]["ticket"] == "ED-2026-000001"


def test_a_stopped_wizard_from_mail_resumes_as_that_message(edoc):
    add(edoc, {**MAIL, "subject": "Вопрос по работе портала", "text": "Подскажите, как добавить сотрудника"})
    child, _seen = spawn_open(edoc, "--from-mail", "1")
    child.expect_exact("Who is asking?")
    child.send(DOWN + "\r")
    child.expect_exact("write to the client in?")
    child.send("\r")                                            # Russian
    child.expect_exact("Category")
    child.send("\x1b")                                          # Esc, then yes: stop, answers saved
    child.expect_exact("Stop?")
    child.send("y")
    child.expect_exact("edoc open --resume")
    assert finish(child) == 130
    assert rows(edoc)[1]["state"] == "waiting"
    child, _seen = spawn_open(edoc, "--resume")                 # no --from-mail: the saved answers name it
    child.expect_exact("Category")
    child.send("\r")
    register_with_the_first_topic(child)
    assert edoc.ticket("ED-2026-000001")["history"][0]["from_mail"] == 1
    assert rows(edoc)[1]["state"] == "registered"


def test_resuming_answers_for_a_message_dismissed_since_deletes_them(edoc):
    from edoc_cli import wizard_resume

    add(edoc, MAIL)
    child, _seen = spawn_open(edoc, "--from-mail", "1")
    child.expect_exact("Who is asking?")
    child.send(DOWN + "\r")
    child.expect_exact("write to the client in?")
    child.send("\r")                                            # Russian
    child.expect_exact("Category")
    child.send("\x03")                                          # Ctrl-C, then yes: stop, answers saved
    child.expect_exact("Stop?")
    child.send("y")
    assert finish(child) == 130
    saved = wizard_resume.resume_path(edoc.proc_env(), edoc.url or edoc.store)
    assert json.loads(saved.read_text(encoding="utf-8"))["from_mail"] == 1
    assert edoc.run("intake", "dismiss", "1", "-m", "спам", now=NOW).code == 0   # another operator
    child, seen = spawn_open(edoc, "--resume")
    assert finish(child) == 5
    assert "was dismissed by tester" in "".join(seen)
    assert not saved.exists()
    assert edoc.run("list", "--all", "--json", now=NOW).json() == []


# -- small things: subjects, completion, Russian help and refusals ------------------------------------

@pytest.mark.parametrize("subject, bare", [
    ("Re: Fwd: Ответ: Не могу подписать", "Не могу подписать"), ("RE[2]: FW: Счёт", "Счёт"),
    ("Отв: Re:Тема", "Тема"), ("AW: Fwd (3): Заявка", "Заявка"), ("Re (2): Заявка", "Заявка"),
    ("Resolution: ответ", "Resolution: ответ"), ("Ответ от поддержки", "Ответ от поддержки"),
    ("  re :  fwd:  Тема  ", "Тема"), ("Re: \x1b[31mТема", "Тема"), ("Re:", ""),
])
def test_reply_and_forward_prefixes_are_stripped(subject, bare):
    from edoc_cli.intake import bare_subject

    assert bare_subject(subject) == bare


def test_the_registered_message_names_its_ticket(edoc):
    add(edoc, MAIL, files={0: {"scan.png": PNG}})
    assert edoc.run("open", "--from-mail", "1", "--no-input", *BUG_FLAGS, now=NOW).code == 0
    card = edoc.run("intake", "show", "1", now="2026-11-26T11:00:00+05:00")
    assert "state:\tregistered as ED-2026-000001 by tester at 2026-11-26 10:00" in card.out.splitlines()
    assert edoc.run("intake", "list", now=NOW).err.strip() == "no mail is waiting in the intake"


def test_bash_completes_the_waiting_messages_numbers(edoc):
    from test_completions import _complete_bash

    add(edoc, MAIL, BOUNCE, {**BOUNCE, "message_id": "<b3@x>"}, *[{**MAIL, "message_id": f"<{i}@x>"}
                                                                 for i in range(4, 13)])
    assert edoc.run("intake", "dismiss", "2", now=NOW).code == 0
    waiting = ["1", "3", *[str(i) for i in range(4, 13)]]
    assert _complete_bash(edoc, "edoc intake show ") == waiting
    assert _complete_bash(edoc, "edoc intake dismiss 1") == ["1", "10", "11", "12"]
    assert _complete_bash(edoc, "edoc open --from-mail ") == waiting


def test_intake_help_and_refusals_are_in_russian(edoc):
    from test_russian import assert_russian, typed_codes

    add(edoc, MAIL, BOUNCE)
    assert edoc.run("intake", "dismiss", "2", "-m", "недоставка", now=NOW).code == 0
    typed = typed_codes() | {"dismiss", "tester"}  # the commands, the codes, the operator
    assert_russian(edoc, [
        (("intake", "--help"), typed), (("intake", "list", "--help"), typed), (("intake", "show", "--help"), typed),
        (("intake", "dismiss", "--help"), typed), (("open", "--help"), typed),
        (("intake", "show", "9"), typed), (("intake", "dismiss", "2"), typed), (("intake", "list", "--all"), {"Re", "Fwd"}),  # the client's subject
        (("intake", "show", "2"), {"tester"}), (("open", "--from-mail", "2", "--no-input"), typed),
        (("open", "--from-mail", "1", "--no-input"), typed), (("intake", "show", "x"), typed),
    ])


def test_the_whole_intake_at_80_columns_keeps_each_messages_state(edoc):
    """`intake list --all` is read for what became of each message: the state (and the ticket) stays
    when the terminal is narrow; the sender and the time give way first."""
    add(edoc, MAIL, {**BOUNCE, "state": "dismissed", "dismissed_by": "tester", "dismissed_at": NOW},
        {**MAIL, "message_id": "<r@x>", "state": "registered", "ticket": "ED-2026-000009"})
    shown = ANSI.sub("", on_terminal(edoc, "intake", "list", "--all", lang="ru", columns=80))
    lines = [line for line in shown.replace("\r", "").split("\n") if line.strip()]
    assert [line for line in lines if len(line) > 80] == []
    assert "ожидает" in shown and "отклонено" in shown and "зарегистрировано ED-2026-000009" in shown
