"""edoc speaks Russian or English per run: --help, click's own words, messages, the wizard."""

from __future__ import annotations

import re

import pytest

from edoc_cli import i18n

CYRILLIC = re.compile("[а-яА-ЯёЁ]")


@pytest.fixture(autouse=True)
def english_afterwards():
    """Every run chooses its language; tests that call the layer directly must not leak Russian."""
    yield
    i18n.use("en")


def flat(text: str) -> str:
    """Help text with click's line wrapping undone."""
    return " ".join(text.split())


def test_root_help_in_russian_then_in_english(edoc) -> None:
    ru = edoc.run("--lang", "ru", "--help")
    assert ru.code == 0, ru
    text = flat(ru.out)
    assert "Использование:" in text and "Команды:" in text and "Параметры:" in text
    assert "Служба технической поддержки E-DOC" in text
    assert "Показать эту справку и выйти." in text
    # The same process, the next run: English again (nothing cached from the Russian one).
    en = edoc.run("--lang", "en", "--help")
    assert en.code == 0, en
    assert "Usage:" in en.out and "Commands" in en.out and "Show this message and exit." in en.out
    assert not CYRILLIC.search(en.out), en.out


def test_command_help_in_russian_then_in_english(edoc) -> None:
    ru = edoc.run("--lang", "ru", "open", "--help")
    assert ru.code == 0, ru
    text = flat(ru.out)
    assert "Использование: edoc open" in text
    assert "Зарегистрировать обращение" in text            # the command's docstring
    assert "ФИО клиента (пункт 11)." in text                # an option's help=
    assert "--iin" in text and "--no-input" in text          # flags are never translated
    en = edoc.run("--lang", "en", "open", "--help")
    assert en.code == 0, en
    assert "Usage: edoc open" in en.out
    assert "Register a request" in flat(en.out) and "The client's full name (clause 11)." in flat(en.out)
    assert not CYRILLIC.search(en.out), en.out


def test_edoc_lang_speaks_russian_on_stderr(edoc) -> None:
    result = edoc.run("list", env={"EDOC_LANG": "ru"})
    assert result.code == 0, result
    assert result.out == ""
    assert "подходящих обращений нет" in result.err
    english = edoc.run("list")
    assert "no tickets match" in english.err


def test_edoc_lang_kk_speaks_kazakh(edoc) -> None:
    result = edoc.run("list", env={"EDOC_LANG": "kk"})
    assert result.code == 0 and "сәйкес өтініштер жоқ" in result.err, result
    tid = edoc.open_ticket()
    result = edoc.run("--lang", "kk", "note", tid, "-m", "Клиентке қоңырау шалдым")
    assert f"{tid}: жазба қосылды; мәртебе жаңа" in result.err, result


def test_a_confirmation_in_russian_names_the_status_in_russian(edoc) -> None:
    tid = edoc.open_ticket()
    result = edoc.run("--lang", "ru", "note", tid, "--message", "Позвонил клиенту")
    assert result.code == 0 and result.out == "", result
    assert f"{tid}: заметка записана; статус новое" in result.err
    # --json keeps the code.
    assert edoc.run("--lang", "ru", "note", tid, "-m", "ещё", "--json").json()["status"] == "new"


def test_usage_error_in_russian_with_clicks_words(edoc) -> None:
    result = edoc.run("--lang", "ru", "diagnose", "ED-2026-000001")   # no --priority
    assert result.code == 2, result
    assert result.out == ""
    assert "Ошибка:" in result.err and "Не указан параметр" in result.err
    assert "--priority" in result.err
    assert "Использование:" in result.err
    assert "Error" not in result.err and "Missing" not in result.err


def test_a_missing_message_is_said_in_russian(edoc) -> None:
    # Not click's error any more: without a terminal there is no editor to ask, so edoc says what to give.
    tid = edoc.open_ticket()
    result = edoc.run("--lang", "ru", "reply", tid)
    assert result.code == 2, result
    assert result.err == "edoc: нужно указать --message (или --file ФАЙЛ, или --template ИМЯ)\n"


def test_unknown_language_is_a_usage_error_naming_the_languages(edoc) -> None:
    result = edoc.run("--lang", "de", "list")
    assert result.code == 2, result
    assert result.out == ""
    assert "de" in result.err
    assert all(lang in result.err for lang in ("ru", "kk", "en")), result.err


def test_unknown_language_after_a_russian_run_is_not_said_in_russian(edoc) -> None:
    assert edoc.run("--lang", "ru", "list").code == 0
    result = edoc.run("--lang", "de", "list")
    assert result.code == 2 and "Error" in result.err and not CYRILLIC.search(result.err), result


def test_a_list_in_a_pipe_keeps_english_headers_and_a_card_speaks_the_runs_language(edoc) -> None:
    tid = edoc.open_ticket()
    listed = edoc.run("--lang", "ru", "list")
    assert listed.out.splitlines()[0].split("\t")[:2] == ["id", "status"]  # TSV for scripts
    assert listed.out.splitlines()[1].split("\t")[:2] == [tid, "new"]       # and its codes
    shown = edoc.run("--lang", "ru", "show", tid)
    # A card is for a person: its labels and values speak the run's language (scripts read --json).
    assert "статус:\tновое" in shown.out.splitlines()
    assert any(line.startswith("срок первого ответа:\t") and "рабочих мин" in line for line in shown.out.splitlines())
    assert not any(line.startswith(("status:", "first response")) for line in shown.out.splitlines())


# -- the wizard --------------------------------------------------------------------


class Captured:
    """What the wizard showed, through a prompt_toolkit output that keeps the text."""

    def __init__(self):
        from prompt_toolkit.output import DummyOutput

        captured = self

        class Output(DummyOutput):
            def write(self, data: str) -> None:
                captured.parts.append(data)

            def write_raw(self, data: str) -> None:
                captured.parts.append(data)

        self.parts: list[str] = []
        self.output = Output()

    def text(self) -> str:
        # The renderer may move the cursor over spaces instead of writing them: compare without blanks.
        return "".join("".join(self.parts).split())


def test_wizard_asks_in_russian() -> None:
    from datetime import datetime

    from prompt_toolkit.input import create_pipe_input

    from edoc_cli.config import load_config
    from edoc_cli.rules.registration import RegistrationRequest
    from edoc_cli.tz import astana_zone
    from edoc_cli.wizard import Prompter, Wizard

    i18n.use("ru")
    assert i18n._("Who is asking? (clause 7)") == "Кто обращается? (пункт 7)"
    screen = Captured()
    with create_pipe_input() as pipe:
        pipe.send_text("\r")       # the first answer: a portal user
        pipe.send_text("\x03")     # then Ctrl-C at the name: "stop?" in Russian ...
        pipe.send_text("д")        # ... answered with a Russian yes: the wizard stops
        tz = astana_zone()
        wizard = Wizard(load_config(None), datetime(2026, 11, 26, 10, 0, tzinfo=tz), tz,
                        Prompter(input=pipe, output=screen.output))
        with pytest.raises(KeyboardInterrupt):
            wizard.run(RegistrationRequest())
    shown = screen.text()
    for russian in ("Кто обращается? (пункт 7)", "(выбор стрелками)", "Пользователь портала", "ФИО клиента:",
                    "Прервать? Уже дано ответов: 1.", "Да"):
        assert "".join(russian.split()) in shown, (russian, shown[:500])
    assert "Whoisasking" not in shown and "Usearrowkeys" not in shown and "(y/N)" not in shown


@pytest.mark.parametrize("typed, suggestion", [("shwo", "show"), ("lsit", "list"), ("sweeep", "sweep")])
def test_a_mistyped_command_names_the_nearest_one(edoc, typed, suggestion):
    result = edoc.run(typed)
    assert result.code == 2, result
    assert f"Did you mean '{suggestion}'?" in result.err, result.err
    russian = edoc.run(typed, env={"EDOC_LANG": "ru"})
    assert russian.code == 2 and f"Может быть, '{suggestion}'?" in russian.err, russian.err


def test_a_command_like_no_other_gets_no_guess(edoc):
    result = edoc.run("xyzzy")
    assert result.code == 2 and "No such command" in result.err and "Did you mean" not in result.err, result
    hostile = edoc.run("sh\x1b[31mow")
    assert hostile.code == 2 and "\x1b" not in hostile.err, hostile
