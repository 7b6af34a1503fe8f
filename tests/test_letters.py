"""The letters to clients come from templates the support team can change ([letters.<lang>] in the
configuration, issue 17): used in the client's language, refused with a clear error when malformed,
and the built-in ones printed by `edoc config letters` to start from. Letters go to a real SMTP
server on 127.0.0.1; both stores."""

from __future__ import annotations

import json
import tomllib

import pytest

from edoc_cli.i18n import in_language
from edoc_cli.mail import letters as parts
from smtp_server import smtp_server_fixture  # noqa: F401  (the fixture smtp_server)
from test_mail_inbound import local
from test_mail_outbox import mail_config
from test_mail_outbox import received as received_messages


class Letter:
    """A received message: its headers, and its text with SMTP's CRLF line ends as "\n"."""

    def __init__(self, message):
        self.message = message

    def __getitem__(self, name):
        return self.message[name]

    def get_content(self) -> str:
        return self.message.get_content().replace("\r\n", "\n")


def received(server) -> list[Letter]:
    return [Letter(m) for m in received_messages(server)]

KAZAKH_REPLY = '''
[letters.kk]
greeting = "Қайырлы күн, құрметті {name}!"
reply = """
{message}

Өтініш нөмірі: {id}. {help_centre}"""
signature = "Құрметпен, E-DOC қолдау қызметі ({id})"
'''


def test_a_configured_kazakh_template_is_used_for_kazakh_clients_only(edoc, smtp_server):
    mail_config(edoc, smtp_server.port, KAZAKH_REPLY)
    kazakh = edoc.open_ticket("--client-lang", "kk")
    russian = edoc.open_ticket()
    for tid in (kazakh, russian):
        assert edoc.run("reply", tid, "-m", "Жауап {id} {name}", "--faq-link", "https://help.e-doc.kz/sign").code == 0
    by_ticket = {m["X-EDOC-Ticket"]: m.get_content() for m in received(smtp_server)}
    # Hand-written: the template's lines, its values filled once (the operator's "{id} {name}" stays).
    assert by_ticket[kazakh] == (
        "Қайырлы күн, құрметті Иванов Иван Иванович!\n\n"
        "Жауап {id} {name}\n\n"
        f"Өтініш нөмірі: {kazakh}. Анықтама орталығы: https://help.e-doc.kz/sign\n\n"
        "-- \n"
        f"Құрметпен, E-DOC қолдау қызметі ({kazakh})\n")
    # A Russian client gets the built-in Russian letter: [letters.kk] is for Kazakh clients only.
    assert by_ticket[russian].startswith("Здравствуйте, Иванов Иван Иванович!\n\nЖауап {id} {name}\n\n"
                                         "Справочный центр: https://help.e-doc.kz/sign\n\n-- \n"
                                         "Регистрационный номер вашего обращения: ")


def test_a_part_left_out_is_the_built_in_one_of_the_clients_language(edoc, smtp_server):
    mail_config(edoc, smtp_server.port, '[letters.kk]\nsignature = "E-DOC"\n')
    tid = edoc.open_ticket("--client-lang", "kk")
    assert edoc.run("close", tid, "--resolution", "out_of_scope", "-m", "Бұл ЭЦҚ мәселесі.").code == 0
    (letter,) = received(smtp_server)
    assert letter.get_content() == (
        "Сәлеметсіз бе, Иванов Иван Иванович!\n\n"
        "Сіздің өтінішіңіз E-DOC порталын техникалық қолдау аясынан тыс болғандықтан жабылды.\n\n"
        "Бұл ЭЦҚ мәселесі.\n\n-- \nE-DOC\n")


def test_the_sweeps_clause_15_close_reaches_a_kazakh_client_in_kazakh(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket("--client-lang", "kk", now=local("2026-11-26T09:00"))
    assert edoc.run("request-info", tid, "-m", "Скриншот жіберіңізші.", now=local("2026-11-26T10:00")).code == 0
    swept = edoc.run("sweep", "--json", now=local("2026-11-26T18:30"))
    assert swept.code == 0 and [c["id"] for c in swept.json()["closed"]] == [tid], swept
    close = received(smtp_server)[-1]
    assert close["Auto-Submitted"] == "auto-generated" and close["Content-Language"] == "kk"
    # 10:00 + 8 working hours = 18:00 the same day (09:00-18:00); the request is the one action.
    assert close.get_content().split("\n\n-- \n")[0] == (
        "Сәлеметсіз бе, Иванов Иван Иванович!\n\n"
        "Сіздің өтінішіңіз Техникалық қолдау қызметіне жүгіну регламентінің 15-тармағы бойынша «клиенттен жауап "
        "алынбады» деген тұжырыммен жабылды: 8 жұмыс сағаты ішінде Сізден жауап келмеді.\n\n"
        "Өтініш бойынша атқарылған әрекеттер:\n"
        "- 26.11.2026 10:00 ақпарат сұралды: Скриншот жіберіңізші.")
    # The record keeps the regulation's Russian, whatever the client reads.
    (closed,) = [e for e in edoc.ticket(tid)["history"] if e["type"] == "closed"]
    assert closed["message"].startswith("ответ от клиента не получен.") and "comment" not in closed


def test_an_operators_clause_15_close_keeps_their_words_apart_for_the_letter(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    tid = edoc.open_ticket(now=local("2026-11-26T09:00"))
    assert edoc.run("request-info", tid, "-m", "Пришлите скриншот.", now=local("2026-11-26T10:00")).code == 0
    done = edoc.run("close", tid, "--resolution", "no_response", "-m", "Дважды звонили.", now=local("2026-11-27T09:00"))
    assert done.code == 0, done
    (closed,) = [e for e in edoc.ticket(tid)["history"] if e["type"] == "closed"]
    assert closed["comment"] == "Дважды звонили."
    assert closed["message"].startswith("ответ от клиента не получен.\nДважды звонили.\nВыполненные действия:")
    text = received(smtp_server)[-1].get_content()
    assert "«ответ от клиента не получен»: в течение 8 рабочих часов ответ от вас не поступил.\n\n" \
           "Дважды звонили.\n\nВыполненные по обращению действия:\n" \
           "- 26.11.2026 10:00 запрошена информация: Пришлите скриншот.\n" in text
    assert edoc.run("check").code == 0


# -- malformed and hostile templates: exit 2, naming the key and the file, nothing done ---------------

@pytest.mark.parametrize("text, key, why", [
    ('[letters.de]\ngreeting = "Hallo"\n', "letters.de", "ru, kk, en"),
    ('[letters]\nkk = "Сәлем"\n', "letters.kk", ""),
    ('letters = "x"\n', "letters", ""),
    ('[letters.kk]\nfarewell = "Сау болыңыз"\n', "letters.kk.farewell", "greeting"),
    ('[letters.kk]\ngreeting = 5\n', "letters.kk.greeting", ""),
    ('[letters.kk]\ngreeting = "   "\n', "letters.kk.greeting", ""),
    ('[letters.kk]\ngreeting = "Сәлем, {nmae}!"\n', "letters.kk.greeting", "{nmae}"),
    ('[letters.ru]\nreply = "{0.__class__} {message}"\n', "letters.ru.reply", "{0.__class__}"),
    ('[letters.ru]\nreply = "{} {message}"\n', "letters.ru.reply", "{}"),
    ('[letters.ru]\nreply = "Спасибо за обращение."\n', "letters.ru.reply", "{message}"),
    ('[letters.ru]\nclose_no_response = "Закрыто."\n', "letters.ru.close_no_response", "{actions}"),
    ('[letters.en]\nclose_duplicate = "Closed. {message}"\n', "letters.en.close_duplicate", "{other}"),
    ('[letters.ru]\ngreeting = "\\u001b[31mЗдравствуйте\\u001b[0m"\n', "letters.ru.greeting", "U+001B"),
    ('[letters.ru]\ngreeting = "Здравствуйте\\u0000"\n', "letters.ru.greeting", "NUL"),
    ('[letters.ru]\ngreeting = "Здравствуйте \\u202e{name}"\n', "letters.ru.greeting", "U+202E"),
    ('[letters.ru]\nsignature = "{id}\\r\\nBcc: x@evil.example"\n', "letters.ru.signature", "U+000D"),
    ('[letters.ru]\nreply = "{message}\\t"\n', "letters.ru.reply", "U+0009"),
    (f'[letters.ru]\nreply = "{{message}}{"я" * 20_001}"\n', "letters.ru.reply", "20000"),
])
def test_a_malformed_template_exits_2_naming_the_key_and_nothing_is_done(edoc, text, key, why):
    path = edoc.write_config(text)
    before = edoc.state()
    for args in (("config", "letters"), ("open", "--from-json", "-")):
        result = edoc.run(*args, input="{}")
        assert result.code == 2, result
        assert f"'{key}'" in result.err and str(path) in result.err and why in result.err, result.err
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert edoc.state() == before


def test_a_template_error_speaks_the_operators_language(edoc):
    edoc.write_config('[letters.kk]\nreply = "Рақмет."\n')
    result = edoc.run("--lang", "kk", "config", "letters")
    assert result.code == 2 and "құрамында {message} болуы керек" in result.err, result.err
    result = edoc.run("--lang", "ru", "config", "letters")
    assert result.code == 2 and "должен содержать {message}" in result.err, result.err


def test_braces_that_name_nothing_known_are_not_a_template_but_literal_text_is_kept(edoc, smtp_server):
    """A value is filled once: a client's name or an operator's text holding "{message}" stays as typed."""
    mail_config(edoc, smtp_server.port, '[letters.ru]\ngreeting = "Добрый день, {name} ({subject})!"\n')
    tid = edoc.open_ticket(name="{message} {id}", subject="Тема {name}")
    assert edoc.run("reply", tid, "-m", "{subject} {0.__class__} {{id}}").code == 0
    text = received(smtp_server)[-1].get_content()
    assert text.startswith("Добрый день, {message} {id} (Тема {name})!\n\n{subject} {0.__class__} {{id}}\n\n")


# -- edoc config letters ----------------------------------------------------------------------------

def test_config_letters_prints_every_built_in_template_as_a_file_that_reads_back(edoc):
    result = edoc.run("config", "letters")
    assert result.code == 0, result
    read = tomllib.loads(result.out)["letters"]
    assert set(read) == {"ru", "kk", "en"}
    for lang, table in read.items():
        assert list(table) == list(parts.PARTS)
        for key, text in table.items():
            assert text == in_language(lang)(parts.PARTS[key].default), (lang, key)
    # Pasted into the configuration as it is, it is valid and changes no letter.
    edoc.write_config(result.out)
    again = edoc.run("config", "letters")
    assert again.code == 0 and tomllib.loads(again.out) == tomllib.loads(result.out)
    assert again.out.count("# from the configuration: ") == 3 * len(parts.PARTS)
    assert "# built-in: " in result.out and "{message} {help_centre} {id} {subject} {name}" in result.out


def test_config_letters_for_one_language_and_as_json(edoc):
    edoc.write_config('[letters.kk]\ngreeting = "Сәлем, {name}!"\n')
    kk = edoc.run("config", "letters", "--client-lang", "kk", "--json")
    assert kk.code == 0, kk
    data = json.loads(kk.out)
    assert list(data["letters"]) == ["kk"] and data["configured"] == ["letters.kk.greeting"]
    assert data["letters"]["kk"]["greeting"] == "Сәлем, {name}!"
    assert data["letters"]["kk"]["signature"].endswith("E-DOC техникалық қолдау қызметі")
    bad = edoc.run("config", "letters", "--client-lang", "de")
    assert bad.code == 2 and "client-lang" in bad.err and "'de'" in bad.err, bad


# -- the built-in templates themselves ----------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_every_built_in_template_passes_the_checks_a_configured_one_must(lang):
    tr = in_language(lang)
    for key, part in parts.PARTS.items():
        assert parts.problems(key, tr(part.default)) == [], (lang, key)


def test_an_empty_value_leaves_no_gap_and_the_rest_of_the_text_is_kept():
    template = "Начало.\n\n{help_centre}\n\n{message}\n\n\nКонец."
    assert parts.fill(template, {"help_centre": "", "message": "a\n\n\n\nb  "}) == "Начало.\n\na\n\n\n\nb  \n\nКонец."
    assert parts.fill("{message}\n\n{help_centre}", {"message": "Текст", "help_centre": ""}) == "Текст"
    assert parts.fill("Hi {unknown} {name}", {"name": "{unknown}"}) == "Hi {unknown} {unknown}"


def test_a_configuration_saved_with_windows_line_ends_gives_plain_lines(edoc, smtp_server):
    mail_config(edoc, smtp_server.port)
    text = edoc.config.read_text(encoding="utf-8") + '[letters.ru]\nsignature = """\nСлужба E-DOC\nАлматы"""\n'
    edoc.config.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    tid = edoc.open_ticket()
    assert edoc.run("reply", tid, "-m", "Готово.").code == 0
    assert received(smtp_server)[-1].get_content().endswith("\n\n-- \nСлужба E-DOC\nАлматы\n")


def test_config_show_prints_the_letters_given_and_reads_back(edoc):
    from test_config import show_toml

    edoc.write_config('[letters.kk]\nsignature = """\nE-DOC "қолдау"\n{id}"""\n')
    text, parsed = show_toml(edoc)
    assert parsed["letters"] == {"kk": {"signature": 'E-DOC "қолдау"\n{id}'}}
    copy = edoc.tmp / "printed.toml"
    copy.write_text(text, encoding="utf-8")
    assert show_toml(edoc, "--config", str(copy))[1] == parsed


# -- what a template may not lose ---------------------------------------------------------------------

def test_the_help_centre_line_knows_the_tickets_values_too(edoc, smtp_server):
    mail_config(edoc, smtp_server.port, '[letters.ru]\nhelp_centre = "Статья к обращению {id} ({name}): {link}"\n')
    tid = edoc.open_ticket()
    assert edoc.run("close", tid, "--resolution", "faq", "--faq-link", "https://help.e-doc.kz/sign").code == 0
    assert f"Статья к обращению {tid} (Иванов Иван Иванович): https://help.e-doc.kz/sign\n" \
        in received(smtp_server)[-1].get_content()


def test_a_part_that_comes_out_empty_is_the_built_in_one(edoc, smtp_server):
    """A close's -m is optional: "{message}" alone would send a letter of a greeting and a signature."""
    mail_config(edoc, smtp_server.port, '[letters.ru]\nclose_resolved = "{message}"\n')
    with_text, without = edoc.open_ticket(), edoc.open_ticket()
    assert edoc.run("close", with_text, "--resolution", "resolved", "-m", "Готово.").code == 0
    assert edoc.run("close", without, "--resolution", "resolved").code == 0
    by_ticket = {m["X-EDOC-Ticket"]: m.get_content() for m in received(smtp_server)}
    assert by_ticket[with_text].startswith("Здравствуйте, Иванов Иван Иванович!\n\nГотово.\n\n-- \n")
    assert by_ticket[without].startswith("Здравствуйте, Иванов Иван Иванович!\n\n"
                                         "Ваше обращение решено и закрыто.\n\n-- \n")


def test_a_termination_is_the_clause_16_letter_and_an_old_abuse_close_reads_as_one():
    assert parts.part_of({"type": "terminated"}) == "terminate"
    assert parts.part_of({"type": "closed", "resolution": "abuse"}) == "terminate"
    assert parts.part_of({"type": "closed", "resolution": "no_response"}) == "close_no_response"
    assert parts.part_of({"type": "closed", "resolution": "someday"}) == "close_resolved"
    assert "clause 16" in in_language("en")(parts.PARTS["terminate"].default)
    assert "close_abuse" not in parts.PARTS


def test_a_note_of_several_lines_stays_inside_its_item_of_the_actions():
    from zoneinfo import ZoneInfo

    history = [{"type": "note", "at": "2026-11-26T11:00:00+05:00", "by": "aida", "message": "Звонила.\nНе ответили."}]
    assert parts.clause_15_actions(history, ZoneInfo("Asia/Almaty"), in_language("ru")) == \
        "- 26.11.2026 11:00 действие: Звонила.\n  Не ответили."


@pytest.mark.parametrize("text, why", [
    # both "{actions} or {message}" and "{comment} or {message}": the operator's words must reach the client
    ('[letters.ru]\nclose_no_response = "Закрыто.\\n{actions}"\n', "{comment} или {message}"),
    ('[letters.ru]\nclose_faq = "{help_centre}"\n', "{message}"),
    # a position counts from the text's start, whatever line it is on: "{message}\n\nтри " is 15 characters
    ('[letters.ru]\nreply = "{message}\\n\\nтри \\u001b[1m"\n', "U+001B) в позиции 16"),
    ('[letters.ru]\nreply = "{message}\\n\\nтри \\r"\n', "U+000D) в позиции 16"),
])
def test_a_template_error_names_the_rule_and_the_place_in_russian(edoc, text, why):
    edoc.write_config(text)
    result = edoc.run("--lang", "ru", "config", "letters")
    assert result.code == 2 and why in result.err, result.err
    assert " or " not in result.err
