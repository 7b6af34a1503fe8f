"""The core's messages speak the operator's language; the regulation's own wording stays Russian.

Refusals of the checklist, an unknown ticket, a broken store and a bad
configuration come out in Russian under EDOC_LANG=ru or a Kazakh locale, and
in English when --lang en says so. Flag names, config keys and codes are
never translated. Clause 15's closing text is the regulation's, in Russian,
whatever the language.
"""

from __future__ import annotations

import re

import pytest

from conftest import request_args

RU = {"EDOC_LANG": "ru", "LC_ALL": None, "LC_MESSAGES": None}
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
MISSING = "ED-2026-999999"


@pytest.fixture(autouse=True)
def english_afterwards():
    """In-process runs switch the language globally: later tests calling the core directly expect English."""
    yield
    from edoc_cli import i18n

    i18n.use("en")


def problem_lines(result) -> list[str]:
    return [line[4:] for line in result.err.splitlines() if line.startswith("  - ")]


def test_a_refused_registration_names_the_clauses_in_russian(edoc):
    result = edoc.run("open", "--no-input", *request_args(iin="12345", email=None), env=RU)
    assert result.code == 3, result
    assert result.out == ""
    assert "ничего не зарегистрировано" in result.err, result.err
    lines = problem_lines(result)
    assert len(lines) == 2, result.err
    iin = next(line for line in lines if "--iin" in line)
    assert iin.startswith("п. 11 регламента: --iin: "), iin
    assert "ИИН" in iin and "12" in iin, iin
    email = next(line for line in lines if "--email" in line)
    assert email.startswith("п. 11 регламента: --email: "), email
    assert "электронной почты" in email and "телефона" in email, email
    assert edoc.state() is None


def test_the_checklist_keeps_codes_untranslated_in_russian(edoc):
    result = edoc.run("open", "--no-input", *request_args(category="bug", channel="phone"), env=RU)
    assert result.code == 3, result
    channel = next(line for line in problem_lines(result) if "--channel" in line)
    # The category and channel codes are data: the sentence around them is Russian.
    assert "bug" in channel and "'phone'" in channel and "email, portal" in channel, channel
    assert "категории" in channel, channel


def test_an_unknown_ticket_is_reported_in_russian(edoc):
    edoc.open_ticket()
    result = edoc.run("show", MISSING, env=RU)
    assert result.code == 4, result
    assert MISSING in result.err
    assert "нет в хранилище" in result.err, result.err
    assert "edoc list --all" in result.err


@pytest.mark.json_only(reason="a torn file")
def test_a_corrupt_store_is_reported_in_russian(edoc):
    edoc.store.parent.mkdir(parents=True)
    edoc.store.write_text('{"tickets": {', encoding="utf-8")
    result = edoc.run("list", env=RU)
    assert result.code == 7, result
    assert str(edoc.store) in result.err
    assert "хранилище" in result.err and "JSON" in result.err, result.err
    assert "резервной копии" in result.err, result.err
    assert edoc.store.read_text(encoding="utf-8") == '{"tickets": {'


def test_a_configuration_error_is_reported_in_russian(edoc):
    edoc.write_config('[calendar]\nworkday_start = "18:00"\nworkday_end = "09:00"\n')
    result = edoc.run("list", env=RU)
    assert result.code == 2, result
    # The key is named as it is written in the file; the explanation is Russian.
    assert "'calendar.workday_end'" in result.err, result.err
    assert "должно быть позже" in result.err, result.err


def test_an_unknown_configuration_key_is_reported_in_russian(edoc):
    edoc.write_config("colour = true\n")
    result = edoc.run("list", env=RU)
    assert result.code == 2, result
    assert "неизвестный ключ 'colour'" in result.err, result.err


def test_lang_en_wins_over_a_russian_locale(edoc):
    result = edoc.run("--lang", "en", "show", MISSING,
                      env={"LANG": "ru_RU.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "EDOC_LANG": None})
    assert result.code == 4, result
    assert f"no ticket {MISSING}" in result.err, result.err
    assert not CYRILLIC.search(result.err), result.err


def test_lang_en_wins_over_edoc_lang_ru_for_the_checklist(edoc):
    result = edoc.run("--lang", "en", "open", "--no-input", *request_args(iin="12345"),
                      env={**RU, "LANG": "ru_RU.UTF-8"})
    assert result.code == 3, result
    assert problem_lines(result) == ["clause 11: --iin: an IIN is 12 digits"], result.err


def test_a_russian_locale_speaks_russian(edoc):
    result = edoc.run("show", MISSING,
                      env={"LANG": "ru_RU.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "EDOC_LANG": None})
    assert result.code == 4, result
    assert "нет в хранилище" in result.err, result.err


def test_a_kazakh_locale_speaks_kazakh(edoc):
    result = edoc.run("show", MISSING,
                      env={"LANG": "kk_KZ.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "EDOC_LANG": None})
    assert result.code == 4, result
    assert "қоймасында" in result.err and "өтініші жоқ" in result.err, result.err


def test_a_refused_action_explains_itself_in_russian(edoc):
    tid = edoc.open_ticket()
    result = edoc.run("resume", tid, env=RU)
    assert result.code == 5, result
    # The action is the command typed; the statuses are words, like the rest.
    assert tid in result.err and "'resume'" in result.err, result.err
    assert "статус «новое»" in result.err and "допускается только при статусе: отложено" in result.err, result.err


def test_the_clause_15_closing_text_is_russian_even_in_english(edoc):
    tid = edoc.open_ticket()
    assert edoc.run("reply", tid, "--message", "Проверьте настройки профиля").code == 0
    assert edoc.run("request-info", tid, "--message", "Пришлите скриншот").code == 0
    # 8 working hours after Thursday 10:00 is Thursday 18:00.
    closed = edoc.run("--lang", "en", "close", tid, "--resolution", "no_response", "--json",
                      now="2026-11-26T18:30:00+05:00")
    assert closed.code == 0, closed
    message = closed.json()["resolution"]["message"]
    assert message.startswith("ответ от клиента не получен."), message
    assert "Выполненные действия:" in message, message
    assert "ответ клиенту: Проверьте настройки профиля" in message, message
    assert "запрошена информация: Пришлите скриншот" in message, message


def test_the_sweep_closes_with_the_russian_wording_in_an_english_run(edoc):
    tid = edoc.open_ticket()
    assert edoc.run("request-info", tid, "--message", "Пришлите скриншот").code == 0
    swept = edoc.run("--lang", "en", "sweep", "--json", now="2026-11-27T10:00:00+05:00",
                     env={"LANG": "en_US.UTF-8", "LC_ALL": None})
    assert swept.code == 0, swept
    closed = {c["id"]: c["message"] for c in swept.json()["closed"]}
    assert closed[tid].startswith("ответ от клиента не получен."), closed


def test_json_data_stays_untranslated_in_russian(edoc):
    tid = edoc.open_ticket()
    shown = edoc.run("show", tid, "--json", env=RU)
    assert shown.code == 0, shown
    ticket = shown.json()
    assert (ticket["status"], ticket["category"], ticket["channel"]) == ("new", "consultation", "phone")
    assert [e["type"] for e in ticket["history"]] == ["opened"]


def test_missing_answers_are_told_apart_from_refused_ones_in_any_language():
    from datetime import datetime

    from edoc_cli import i18n
    from edoc_cli.commands.flags import flag_for
    from edoc_cli.config import load_config
    from edoc_cli.rules.registration import RegistrationRequest, registration_problems
    from edoc_cli.tz import astana_zone

    tz = astana_zone()
    now = datetime.fromisoformat("2026-11-26T10:00:00+05:00")
    shown = {}
    for lang in ("en", "ru"):
        i18n.use(lang)
        req = RegistrationRequest(client_type="user", iin="12345", email="not-an-email", category="bug")
        problems = {p.field: p for p in registration_problems(req, load_config(None), now, tz)}
        # Absent answers (the wizard asks for them) ...
        assert problems["name"].missing and problems["subject"].missing, lang
        assert problems["steps"].missing and problems["faq_checked"].missing, lang
        # ... and answers given but refused (the wizard says why).
        assert not problems["iin"].missing and not problems["email"].missing, lang
        shown[lang] = problems["iin"].render(flag_for)
        # The core names the field; the command line names it by its flag.
        assert str(problems["iin"]).endswith(": iin: " + problems["iin"].message), lang
    assert shown["en"] == "clause 11: --iin: an IIN is 12 digits"
    assert shown["ru"] == "п. 11 регламента: --iin: ИИН состоит из 12 цифр"
