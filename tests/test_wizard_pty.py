"""The wizard in a real pseudo-terminal (pexpect): what an operator at a keyboard gets."""

from __future__ import annotations

import sys

import pexpect
import pytest

from conftest import IIN

DOWN = "\x1b[B"


def spawn(edoc, *args: str, now: str | None = None) -> pexpect.spawn:
    env = edoc.proc_env(now=now)
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", "open", *args], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 120))
    return child


def answer(child: pexpect.spawn, question: str, keys: str) -> None:
    child.expect_exact(question)
    child.send(keys)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + child.signalstatus


def test_operator_registers_a_consultation_end_to_end(edoc) -> None:
    child = spawn(edoc)
    answer(child, "Who is asking?", "\r")                         # A portal user
    answer(child, "full name", "Иванов Иван\r")
    answer(child, "IIN", "900101301234\r")                          # wrong check digit ...
    child.expect_exact("check digit")                               # ... refused on the spot
    child.send("\x08" + "3\r")                                     # corrected: ...233
    answer(child, "BIN", "\r")
    answer(child, "Portal login", "\r")
    answer(child, "E-mail", "ivanov@example.kz\r")
    answer(child, "Phone", "\r")
    answer(child, "Category", "\r")                                 # Consultation
    answer(child, "How did it arrive?", "\r")                       # phone
    answer(child, "What is it about?", DOWN + "\r")                 # documents
    answer(child, "Subject", "Не могу подписать документ\r")
    answer(child, "Description", "NCALayer выдаёт ошибку при подписи\r")
    child.expect_exact("Подписание документа ЭЦП")                  # the FAQ article matched
    answer(child, "studied the Help Centre", "y")
    answer(child, "resemble the case", "\r")                        # that article
    answer(child, "reach support", "\r")                            # now
    answer(child, "Register this request?", "y")
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    ticket = edoc.ticket("ED-2026-000001")
    assert ticket["client"]["iin"] == IIN
    assert ticket["topic"] == "documents"
    assert ticket["faq"] == {"checked": True, "link": "https://help.e-doc.kz/sign",
                             "suggested": ["https://help.e-doc.kz/sign"]}


@pytest.mark.parametrize("key, name", [("\x03", "Ctrl-C"), ("\x1b", "Esc")])
def test_interrupting_the_wizard_registers_nothing(edoc, key: str, name: str) -> None:
    child = spawn(edoc)
    answer(child, "Who is asking?", "\r")
    answer(child, "full name", "Иванов")
    child.send(key)
    child.expect_exact("nothing was changed")
    assert finish(child) == 130, name
    assert edoc.state() is None


def test_out_of_scope_is_explained_and_not_registered(edoc) -> None:
    # Flags pre-fill everything up to the topic; the operator picks an out-of-scope topic.
    child = spawn(edoc, "--client-type", "guest", "--name", "Гость", "--email", "g@example.kz",
                  "--category", "consultation", "--channel", "phone")
    answer(child, "What is it about?", DOWN * 7 + "\r")   # the 3rd out-of-scope topic: issuing EDS keys
    child.expect_exact("Issuing EDS keys")
    assert finish(child) == 3
    assert edoc.state() is None


def test_no_terminal_never_prompts(edoc) -> None:
    # stdin is a pipe: the wizard must not start; missing answers exit 3 naming the flags.
    result = edoc.proc("open", "--client-type", "guest", input="")
    assert result.code == 3
    assert "--name" in result.err and "--subject" in result.err
    assert "?" not in result.out
