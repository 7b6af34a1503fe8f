"""The wizard in a real pseudo-terminal (pexpect): what an operator at a keyboard gets."""

from __future__ import annotations

import re
import sys

import pexpect
import pytest

from conftest import IIN
from test_faults import fill_up, small_tmpfs  # noqa: F401 (a fixture: a small full-able disk)
from edoc_cli import wizard_resume

DOWN = "\x1b[B"
BACKSPACE = "\x7f"
ESC = "\x1b"
# Everything up to the subject given by flags; the wizard asks the subject, the description,
# the Help Centre question and when the request reached support.
PREFILLED = ("--client-type", "user", "--name", "Иванов Иван", "--iin", IIN, "--email", "ivanov@example.kz",
             "--client-lang", "ru", "--category", "consultation", "--channel", "phone", "--topic", "profile")
# ...and the subject and description too: the wizard asks the Help Centre question and the time.
ALMOST_ALL = PREFILLED + ("--subject", "Смена почты", "--description", "Хочу сменить адрес")
FAST_BUSY = {"EDOC_LOCK_TIMEOUT": "0.2", "EDOC_BUSY_WAIT": "1"}   # a busy store gives up in about 1 s


def resume_file(edoc):
    """Where edoc keeps this desk's saved wizard answers (the test's own XDG_STATE_HOME)."""
    store = edoc.url or edoc.store
    return wizard_resume.resume_path(edoc.proc_env(), store)


def spawn(edoc, *args: str, now: str | None = None, lang: str | None = None, columns: int = 120,
          env: dict[str, str] | None = None) -> pexpect.spawn:
    environ = edoc.proc_env(now=now, env=env)
    environ["TERM"] = "xterm-256color"
    front = ["--lang", lang] if lang else []
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", *front, "open", *args], env=environ,
                          encoding="utf-8", timeout=20, dimensions=(40, columns))
    return child


def answer(child: pexpect.spawn, question: str, keys: str) -> None:
    child.expect_exact(question)
    child.send(keys)


def shows(child: pexpect.spawn, *parts: str) -> None:
    """`parts` on the screen one after the other, whatever styling and cursor moves lie between."""
    gap = r"(?:\s|\x1b\[[0-9;?]*[A-Za-z])*"
    child.expect(gap.join(re.escape(p) for p in parts))


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
    answer(child, "Which language do we write to the client in?", DOWN + "\r")   # Kazakh (Russian is first)
    answer(child, "Category", "\r")                                 # Consultation
    answer(child, "How did it arrive?", "\r")                       # phone
    answer(child, "What is it about?", DOWN + "\r")                 # documents
    answer(child, "Subject", "Не могу подписать документ\r")
    answer(child, "Description", "NCALayer выдаёт ошибку при подписи\r")
    child.expect_exact("Подписание документа ЭЦП")                  # the FAQ article matched
    answer(child, "studied the Help Centre", "y")
    answer(child, "resemble the case", "\r")                        # that article
    answer(child, "reach support", "\r")                            # now
    answer(child, "Register this request?", "\r")                    # the first choice: Register
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    ticket = edoc.ticket("ED-2026-000001")
    assert ticket["client"]["iin"] == IIN and ticket["client"]["lang"] == "kk"
    assert ticket["topic"] == "documents"
    assert ticket["faq"] == {"checked": True, "link": "https://help.e-doc.kz/sign",
                             "suggested": ["https://help.e-doc.kz/sign"]}


@pytest.mark.parametrize("key, name", [("\x03", "Ctrl-C"), ("\x1b", "Esc")])
def test_interrupting_the_wizard_registers_nothing(edoc, key: str, name: str) -> None:
    child = spawn(edoc)
    answer(child, "Who is asking?", key)        # no answer yet: nothing to ask about or to keep
    child.expect_exact("nothing was changed")
    assert finish(child) == 130, name
    assert edoc.state() is None
    assert not resume_file(edoc).exists()


def test_out_of_scope_is_explained_and_not_registered(edoc) -> None:
    # Flags pre-fill everything up to the topic; the operator picks an out-of-scope topic.
    child = spawn(edoc, "--client-type", "guest", "--name", "Гость", "--email", "g@example.kz",
                  "--category", "consultation", "--channel", "phone")
    answer(child, "write to the client in?", "\r")        # an e-mail to write to: its language (Russian)
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


# -- the forgiving wizard, in Russian, at 80 and 120 columns -------------------------------------

@pytest.mark.parametrize("columns", [80, 120])
def test_russian_summary_goes_back_to_an_answer_then_registers(edoc, columns: int) -> None:
    child = spawn(edoc, *PREFILLED, lang="ru", columns=columns)
    answer(child, "Заголовок (одной строкой):", "Смена почты\r")
    answer(child, "Описание словами клиента:", "Хочу сменить адрес\r")
    answer(child, "(Д/н)", "Д")                                    # Russian layout, capital: yes
    shows(child, "(пункт 10)", "Да")                               # the answer, in Russian
    answer(child, "(Enter — сейчас)", "\r")
    child.expect_exact("Итого:")
    for line in ("Кто обращается: Пользователь портала", "ФИО: Иванов Иван", f"ИИН: {IIN}",
                 "Категория: Консультация", "Канал: Телефон", "Заголовок: Смена почты",
                 "Справочный центр изучен: да"):
        child.expect_exact(line)
    shows(child, "Зарегистрировать это обращение?", "(выбор стрелками)")
    child.send(DOWN + "\r")                                        # Изменить ответ
    answer(child, "Какой ответ изменить?", DOWN * 7 + "\r")        # the 8th answer: Тема
    # The previous answer is offered for editing: "почты" becomes "адреса".
    shows(child, "Заголовок (одной строкой):", "Смена почты")
    child.send(BACKSPACE * 5 + "адреса\r")
    child.expect_exact("Заголовок: Смена адреса")                       # back at the summary
    answer(child, "Зарегистрировать это обращение?", "\r")
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    assert edoc.ticket("ED-2026-000001")["subject"] == "Смена адреса"


@pytest.mark.parametrize("columns", [80, 120])
def test_russian_cancel_at_the_summary_asks_first(edoc, columns: int) -> None:
    child = spawn(edoc, *ALMOST_ALL, lang="ru", columns=columns)
    answer(child, "(Д/н)", "д")
    answer(child, "(Enter — сейчас)", "\r")
    answer(child, "Зарегистрировать это обращение?", DOWN * 2 + "\r")        # Отменить
    shows(child, "Удалить ответы (11)? Ничего не будет зарегистрировано.", "(д/Н)")
    child.send("\r")                                                         # Enter: the default, no
    answer(child, "Зарегистрировать это обращение?", DOWN * 2 + "\r")
    answer(child, "Удалить ответы (11)?", "н")                                 # no, again
    answer(child, "Зарегистрировать это обращение?", DOWN * 2 + "\r")
    answer(child, "Удалить ответы (11)?", "д")
    child.expect_exact("ничего не зарегистрировано")
    assert finish(child) == 130
    assert edoc.state() is None and not resume_file(edoc).exists()   # discarded as confirmed


def test_kazakh_cancel_at_the_summary_asks_first_with_kazakh_keys(edoc) -> None:
    """The same in Kazakh at 80 columns: и (иә) and ж (жоқ) answer, as д/н do in Russian."""
    child = spawn(edoc, *ALMOST_ALL, lang="kk", columns=80)
    answer(child, "(И/ж)", "и")
    answer(child, "(Enter — қазір)", "\r")
    answer(child, "Бұл өтінішті тіркеу керек пе?", DOWN * 2 + "\r")          # Болдырмау
    shows(child, "Жауаптарды (11) жою керек пе? Ештеңе тіркелмейді.", "(и/Ж)")
    child.send("ж")                                                          # no
    answer(child, "Бұл өтінішті тіркеу керек пе?", DOWN * 2 + "\r")
    answer(child, "Жауаптарды (11) жою керек пе?", "И")                      # yes, in capitals
    child.expect_exact("ештеңе тіркелмеді")
    assert finish(child) == 130
    assert edoc.state() is None and not resume_file(edoc).exists()


@pytest.mark.parametrize("columns", [80, 120])
def test_russian_esc_asks_saves_the_answers_and_resume_continues(edoc, columns: int) -> None:
    child = spawn(edoc, *PREFILLED, lang="ru", columns=columns)
    answer(child, "Заголовок (одной строкой):", "Смена почты\r")
    answer(child, "Описание словами клиента:", "Хочу сменить")
    child.send(ESC)
    answer(child, "Прервать? Уже дано ответов: 9.", "н")                # no: back to the question ...
    shows(child, "Описание словами клиента:", "Хочу сменить")        # ... with what was typed
    child.send(ESC)
    answer(child, "Прервать?", "Д")
    child.expect_exact("Ответы сохранены: edoc open --resume")
    assert finish(child) == 130
    assert edoc.state() is None
    saved = resume_file(edoc)
    assert saved.stat().st_mode & 0o777 == 0o600
    answers = __import__("json").loads(saved.read_text(encoding="utf-8"))["answers"]
    assert answers["subject"] == "Смена почты" and "description" not in answers

    # A new wizard says that answers are waiting; stopped before any answer, it keeps them.
    child = spawn(edoc, lang="ru", columns=columns)
    child.expect_exact("Для этого хранилища сохранены ответы прерванной регистрации: edoc open --resume")
    answer(child, "Кто обращается?", "\x03")
    assert finish(child) == 130 and saved.exists()

    child = spawn(edoc, "--resume", lang="ru", columns=columns)
    child.expect_exact("Продолжаем с сохранёнными ответами (9)")
    answer(child, "Описание словами клиента:", "Хочу сменить адрес\r")   # only what is missing is asked
    answer(child, "(Д/н)", "\r")                                         # Enter: the default, yes
    answer(child, "(Enter — сейчас)", "\r")
    child.expect_exact("Заголовок: Смена почты")
    answer(child, "Зарегистрировать это обращение?", "\r")
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    assert not saved.exists()                       # registered: nothing left to resume
    ticket = edoc.ticket("ED-2026-000001")
    assert (ticket["subject"], ticket["client"]["iin"]) == ("Смена почты", IIN)


@pytest.mark.parametrize("columns", [80, 120])
def test_russian_busy_store_is_retried_with_the_answers_kept(edoc, columns: int) -> None:
    with edoc.lock_held():                          # another edoc is writing
        child = spawn(edoc, *ALMOST_ALL, lang="ru", columns=columns, env=FAST_BUSY)
        answer(child, "(Д/н)", "д")
        answer(child, "(Enter — сейчас)", "\r")
        answer(child, "Зарегистрировать это обращение?", "\r")
        child.expect_exact("Хранилище занято (в него пишет другой процесс edoc); повторяем попытки")
        child.expect_exact("Хранилище всё ещё занято. Что делать?")
        assert edoc.state() is None
    answer(child, "Сохранить ответы и выйти", "\r")   # the other edoc is done: Повторить попытку
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    assert edoc.ticket("ED-2026-000001")["subject"] == "Смена почты"
    assert not resume_file(edoc).exists()


@pytest.mark.parametrize("columns", [80, 120])
def test_russian_busy_store_save_and_quit_then_resume(edoc, columns: int) -> None:
    with edoc.lock_held():   # the first session at 10:00; the store is free again at 10:20
        child = spawn(edoc, *ALMOST_ALL, lang="ru", columns=columns, env=FAST_BUSY)
        answer(child, "(Д/н)", "д")
        answer(child, "(Enter — сейчас)", "\r")
        answer(child, "Зарегистрировать это обращение?", "\r")
        answer(child, "Хранилище всё ещё занято. Что делать?", DOWN + "\r")   # Сохранить ответы и выйти
        child.expect_exact("ответы сохранены: edoc open --resume зарегистрирует обращение")
        assert finish(child) == 6
    assert edoc.state() is None
    child = spawn(edoc, "--resume", lang="ru", columns=columns, now="2026-11-26T10:20:00+05:00")
    child.expect_exact("Продолжаем с сохранёнными ответами (12)")
    child.expect_exact("Справочный центр изучен: да")           # nothing asked again: the summary
    child.expect_exact("Поступило в поддержку: 2026-11-26T10:00:00+05:00")   # "now" of the first session
    answer(child, "Зарегистрировать это обращение?", "\r")
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    assert not resume_file(edoc).exists()
    assert edoc.ticket("ED-2026-000001")["received_at"] == "2026-11-26T10:00:00+05:00"


@pytest.mark.json_only(reason="a full disk under the JSON store's files (small_tmpfs)")
def test_a_failed_final_write_keeps_the_answers(edoc, small_tmpfs) -> None:  # noqa: F811 (the fixture)
    edoc.store = small_tmpfs / "tickets.json"
    edoc.env["EDOC_STORE"] = str(edoc.store)
    assert edoc.open_ticket() == "ED-2026-000001"
    filler = fill_up(small_tmpfs)
    child = spawn(edoc, *ALMOST_ALL, lang="ru")
    answer(child, "(Д/н)", "д")
    answer(child, "(Enter — сейчас)", "\r")
    answer(child, "Зарегистрировать это обращение?", "\r")
    child.expect_exact("ответы сохранены: edoc open --resume зарегистрирует обращение")
    assert finish(child) == 1                        # the disk is full: nothing was written
    assert resume_file(edoc).exists()
    filler.unlink()                                  # room again
    child = spawn(edoc, "--resume", lang="ru")
    answer(child, "Зарегистрировать это обращение?", "\r")
    child.expect_exact("ED-2026-000002")
    assert finish(child) == 0
    assert not resume_file(edoc).exists()


def test_flags_given_with_resume_replace_the_saved_answers(edoc) -> None:
    answers = {"client_type": "user", "name": "Иванов Иван", "iin": IIN, "email": "ivanov@example.kz",
               "category": "consultation", "channel": "phone", "topic": "profile", "subject": "Старая тема",
               "description": "Хочу сменить адрес", "faq_checked": True, "received_at": "2026-11-26T09:50:00+05:00",
               "client_lang": "ru"}
    wizard_resume.save(resume_file(edoc), edoc.url or edoc.store, answers, "2026-11-26T09:55:00+05:00")
    child = spawn(edoc, "--resume", "--subject", "Новая тема", lang="ru", columns=80)
    child.expect_exact("Продолжаем с сохранёнными ответами (12)")
    child.expect_exact("Заголовок: Новая тема")
    answer(child, "Зарегистрировать это обращение?", "\r")
    child.expect_exact("ED-2026-000001")
    assert finish(child) == 0
    ticket = edoc.ticket("ED-2026-000001")
    assert (ticket["subject"], ticket["received_at"]) == ("Новая тема", "2026-11-26T09:50:00+05:00")
