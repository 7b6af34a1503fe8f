"""The Russian interface speaks Russian throughout: every command, in a real terminal (a pty),
on both stores, with no English word a person reads outside an allow-list of codes.

Codes stay as they are in JSON and in a pipe's TSV (scripts read them); what a person reads on a
terminal, and every message on stderr, is Russian: statuses, events, categories, the calendar
and holiday names, click's own usage errors, the operating system's reasons.
"""

from __future__ import annotations

import re
import sys

import pexpect
import pytest

from edoc_cli.mail.letters import COMMON, PARTS

from conftest import BUG_FIELDS, request_args

NOW = "2026-11-26T14:30:00+05:00"  # Thursday, a working day
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")

# Words that may stay Latin on a Russian screen: names of things, not prose.
CODES = {
    "ED", "SLA", "FAQ", "VIP", "IIN", "BIN", "JSON", "CSV", "TSV", "TOML", "PostgreSQL", "NCALayer", "EDS",
    "Asia", "Almaty", "edoc", "OPTIONS", "COMMAND", "ARGS", "ID", "OPERATOR", "TEXT", "PATH", "NAME", "LANG",
    "DATE", "DURATION", "INTEGER", "DIR", "SHELL", "FILE", "CODE", "REASON", "PRIORITY", "WHO", "DAYS", "KIND",
    "bash", "zsh", "fish", "cron", "stdin", "stdout", "stderr", "egov", "mailto", "https", "http", "ru", "kk",
    "en", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "EDOC_STORE", "EDOC_CONFIG", "EDOC_OPERATOR", "EDOC_LANG",
    "EDOC_NOW", "NO_COLOR", "ISO", "EDITOR", "VISUAL", "TLS", "Chrome", "Windows", "SMS", "TOTAL", "MM", "DD", "YYYY", "HH", "Z", "UTC",
    "e", "mail", "xterm", "tar", "gz", "jq", "pipx", "venv", "README", "queue", "flush", "SMTP",
}
LATIN = re.compile(r"[A-Za-z][A-Za-z_]+")
# What is not prose: flags, paths, e-mails, addresses, registration numbers, config keys, times.
NOT_PROSE = re.compile(
    r"\$\w+|\[\[?[\w.]+\]\]?|[a-z]+://\S+|--?[a-z][a-z-]*|(?:/[\w.@+-]+)+/?|[\w.+-]+@[\w.-]+|https?://\S+|ED-\d{4}-\d{6}|"
    r"\b[a-z_]+(?:\.[a-z_\[\]0-9]+)+\b|\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:[+-]\d\d:\d\d)?)?"
)


def english_words(text: str, allowed: set[str]) -> list[str]:
    text = NOT_PROSE.sub(" ", ANSI.sub("", text))
    return sorted({w for w in LATIN.findall(text) if w not in CODES and w not in allowed})


@pytest.fixture
def desk(edoc):
    """A day's tickets: a consultation waiting for the client, a bug assigned and diagnosed."""
    opened = edoc.open_ticket(now="2026-11-26T09:00:00+05:00")
    bug = edoc.open_ticket(now="2026-11-26T10:00:00+05:00", **BUG_FIELDS)
    for args in (("assign", bug, "aida"), ("diagnose", bug, "--priority", "high"),
                 ("request-info", opened, "-m", "Пришлите скриншот")):
        assert edoc.run(*args, now="2026-11-26T11:00:00+05:00").code == 0, args
    return edoc, opened, bug


def on_terminal(edoc, *args: str, lang: str = "ru", columns: int = 120) -> tuple[int, str]:
    env = edoc.proc_env(now=NOW)
    env.update(TERM="xterm-256color", EDOC_LANG=lang, NO_COLOR="1")
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    child = pexpect.spawn(sys.executable, ["-m", "edoc_cli", *args], env=env, encoding="utf-8",
                          dimensions=(200, columns), timeout=60)
    out = child.read()
    child.close()
    return child.exitstatus, out


def typed_codes() -> set[str]:
    """What a person types (and so what help and refusals may name): commands and the codes of
    statuses, categories, channels, topics, reasons, priorities, levels, resolutions, groups."""
    from edoc_cli.app import COMMANDS
    from edoc_cli.config import DEFAULTS
    from edoc_cli.report import GROUPS
    from edoc_cli.ticket import CLIENT_TYPES, PRIORITIES, RESOLUTIONS, STATUSES

    words = {w for name in COMMANDS for w in name.split("-")} | {"info", "init", "migrate", "path", "show", "letters"}
    from edoc_cli.listing import SORTS

    words |= {*STATUSES, *RESOLUTIONS, *PRIORITIES, *CLIENT_TYPES, *GROUPS, *SORTS, "basic", "vip", "table", "csv",
              "tsv", "json", "FIELD", "FORMAT"}
    words |= set(DEFAULTS["registration"]["categories"]) | {c for v in DEFAULTS["channels"].values() for c in v}
    words |= set(DEFAULTS["scope"]["in_scope"]) | set(DEFAULTS["scope"]["out_of_scope"])
    words |= set(DEFAULTS["postponement"]["reasons"])
    return words | {"DOC", "Lines", "RANGE", "WHEN", "config", "edoc_operator", "edoc_sweep", "edoc_supervisor", "wh"}


OPERATORS = {"tester", "aida"}
LETTER_CODES = {"letters", "DOC"} | {w for key, part in PARTS.items() for w in (key, *part.names, *COMMON)}


# Each command as an operator or a supervisor runs it, with the Latin words its screen may show:
# what people read (lists, cards, the calendar) names only operators; help and refusals also
# name the codes a person types.
def screens(opened: str, bug: str) -> list[tuple[tuple[str, ...], set[str]]]:
    typed = typed_codes() | OPERATORS
    return [
        (("list",), OPERATORS), (("list", "--all", "--wide"), OPERATORS), (("show", opened), OPERATORS),
        (("show", bug), OPERATORS | {"png", "screenshot"}), (("sla", opened), OPERATORS), (("sla", bug), OPERATORS),
        (("report", "--since", "2026-11-01"), set()), (("report", "--since", "2026-11-01", "--group-by", "level"),
                                                       set()),
        (("report", "--since", "2026-11-01", "--group-by", "assignee"), OPERATORS),
        (("calendar",), set()), (("calendar", "--month", "3", "--year", "2026"), set()),
        (("calendar", "--year", "2025"), set()), (("calendar", "check", "2025-01-05"), set()),
        (("check",), set()), (("store", "info"), set()), (("sweep", "--dry-run"), set()), (("config", "path"), set()),
        # The letters' templates to Russian clients: the comments in the interface's language; the keys and
        # the names in braces are codes.
        (("config", "letters", "--client-lang", "ru"), LETTER_CODES),
        # Mistakes: click's own words, the system's reasons, edoc's refusals.
        (("show", opened, "extra"), typed | {"extra"}), (("show", "ED-2026-999999"), typed),
        (("import", "/nonexistent/file.jsonl"), set()), (("import", "/"), set()),
        (("open", "--no-input", *request_args(topic="third_party_software")), set()),
        (("open", "--no-input", "--category", "bug"), typed),
        (("reopen", opened, "-m", "снова"), {"reopen"}), (("calendar", "check", "2026-02-30"), set()),
        # Finding, correcting, several tickets at once.
        (("search", "иванов"), OPERATORS), (("search", "нет такого клиента"), set()),
        (("list", "--client", "900101301233", "--all"), OPERATORS), (("search", ""), typed),
        (("edit", opened, "--phone", "8 701 123 45 67"), set()), (("edit", opened, "--phone", "8 701 123 45 67"), set()),
        (("edit", opened, "--category", "nosuch"), typed | {"nosuch"}),
        (("assign", opened, bug, "aida"), OPERATORS), (("assign", opened, "ED-2026-999999", "aida"), typed),
        (("note", opened, "-F", "/nonexistent/text.txt"), set()),
    ]


def test_every_screen_and_message_of_the_russian_interface_is_in_russian(desk):
    edoc, opened, bug = desk
    assert_russian(edoc, screens(opened, bug))


def assert_russian(edoc, runs, lang: str = "ru") -> None:
    """Each (args, allowed) run on a terminal shows something, and no English word but those allowed."""
    found = {}
    for args, allowed in runs:
        code, out = on_terminal(edoc, *args, lang=lang)
        assert out.strip(), (args, code)
        words = english_words(out, allowed)
        if words:
            found[" ".join(args)] = words
    assert not found, "\n".join(f"edoc {k}: {v}" for k, v in found.items())


HELP = ("open", "list", "show", "assign", "reply", "request-info", "client-reply", "note", "diagnose", "postpone",
        "resume", "escalate", "close", "reopen", "terminate", "sla", "sweep", "report", "calendar", "config",
        "export", "import", "check", "store", "completion", "demo", "edit")


def test_every_help_and_usage_error_is_in_russian(tmp_path):
    """What does not touch a store (help, click's usage errors), once."""
    from conftest import Edoc

    edoc = Edoc(tmp_path)
    typed = typed_codes()
    assert_russian(edoc, [(("--help",), typed), *[((c, "--help"), typed) for c in HELP],
                          *[(("store", c, "--help"), typed) for c in ("init", "migrate", "info")],
                          (("calendar", "check", "--help"), typed), (("list", "-a"), typed),
                          (("shwo",), typed | {"shwo"}), (("list", "--status", "nieuw"), typed | {"nieuw"}),
                          (("list", "--limit"), typed), (("report", "--group-by", "x"), typed | {"x"})])


def lifecycle(opened: str, bug: str, said: list[str]) -> list[tuple[str, ...]]:
    """Every lifecycle action once, with the operator's nine texts `said` (in the language tested)."""
    return [
        ("client-reply", opened, "-m", said[0]), ("reply", opened, "-m", said[1]), ("note", bug, "-m", said[2]),
        ("postpone", bug, "--reason", "development", "-m", said[3]), ("resume", bug, "-m", said[4]),
        ("escalate", bug, "--third-party", "NCALayer", "-m", said[5]),
        ("close", opened, "--resolution", "resolved", "-m", said[6]), ("reopen", opened, "-m", said[7]),
        ("terminate", opened, "-m", said[8]),
    ]


def test_every_lifecycle_confirmation_is_in_russian(desk):
    edoc, opened, bug = desk
    said = ["Скриншот во вложении", "Переустановите NCALayer", "Проверили сертификат", "Ждём релиза", "Релиз вышел",
            "Передали", "Решено", "Снова", "Оскорбления"]
    for args in lifecycle(opened, bug, said):
        code, out = on_terminal(edoc, *args)
        assert code == 0, (args, out)
        assert not english_words(out, OPERATORS | {args[0]}), (args, out)


def test_the_checker_sees_english_where_there_is_some():
    """The scan itself: prose in English is caught; codes, flags, paths and numbers are not."""
    assert english_words("Ошибка: No such option '-a'.", set()) == ["No", "option", "such"]
    assert english_words("статус new", set()) == ["new"]
    assert english_words("edoc: /var/x.json: нет файла; --store ED-2026-000001 2026-11-26 14:30 SLA", set()) == []
    assert english_words("calendar.extra_days_off ivanov@example.kz https://help.e-doc.kz/sign", set()) == []


# -- the pieces: words, holiday names, configuration labels, the system's reasons, options ------


@pytest.fixture
def russian():
    from edoc_cli import i18n

    i18n.use("ru")
    yield
    i18n.use("en")


def test_codes_become_words_in_russian_and_stay_readable_in_english(russian):
    from edoc_cli import i18n
    from edoc_cli.words import word, words

    assert [word("status", s) for s in ("new", "open", "waiting", "postponed", "closed")] == [
        "новое", "в работе", "ждёт клиента", "отложено", "закрыто"]
    assert word("event", "info_requested") == "запрос сведений"
    assert word("target", "first_response") == "первый ответ"
    assert words("status", ("new", "open")) == "новое, в работе"
    # A code the catalog does not know (a category added in the configuration) is shown as it is.
    assert word("category", "tax_questions") == "tax questions"
    assert word("status", None) == word("status", "") == ""
    i18n.use("en")
    assert word("status", "waiting") == "waiting" and word("event", "client_replied") == "client replied"


@pytest.mark.parametrize("name, russian_name", [
    ("International Women's Day", "Международный женский день"),
    ("Nowruz Holiday (observed)", "Наурыз мейрамы (перенос с выходного)"),
    ("Eid al-Adha (estimated)", "Курбан айт (дата предварительная)"),
    ("Eid al-Adha (estimated); Victory Day (observed)", "Курбан айт (дата предварительная); День Победы (перенос с выходного)"),
    ("Day off (substituted from 2025-01-05)", "Выходной (перенесён с 05.01.2025)"),
    ("Working day (instead of 2025-01-03)", "Рабочий день (вместо 03.01.2025)"),
    ("Some Future Holiday", "Some Future Holiday"),   # a name the package adds later: as it is
    ("", ""), (None, ""),
])
def test_holiday_names_in_russian(russian, name, russian_name):
    from edoc_cli.words import holiday_name

    assert holiday_name(name) == russian_name


def test_every_holiday_name_the_package_gives_kazakhstan_has_a_russian_name(russian):
    """Each name `holidays` has for KZ in 2000-2100 (en_US) comes out Cyrillic, suffixes included."""
    import holidays

    from edoc_cli.words import holiday_name

    names = set()
    for year in range(2000, 2101):
        names.update(holidays.country_holidays("KZ", years=year, language="en_US").values())
    untranslated = sorted(n for n in names if not n.startswith("Day off")
                          and re.search(r"[A-Za-z]{3,}", holiday_name(n)))
    assert not untranslated


def test_configuration_labels_take_the_run_language_with_fallbacks(tmp_path, russian):
    from edoc_cli import i18n
    from edoc_cli.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[scope.in_scope]\n'
                    'documents = { ru = "Документы", en = "Documents" }\n'
                    'tariffs = { en = "Tariffs only in English" }\n'
                    'profile = "Профиль (one string for every language)"\n'
                    '[postponement.reasons]\nrelease = { kk = "Шығарылым", ru = "Выпуск" }\n', encoding="utf-8")
    config = load_config(path, required=True)
    assert config.in_scope["documents"] == "Документы"
    assert config.in_scope["tariffs"] == "Tariffs only in English"
    assert config.in_scope["profile"] == "Профиль (one string for every language)"
    i18n.use("en")
    assert config.in_scope["documents"] == "Documents"
    assert config.postponement_reasons["release"] == "Выпуск"   # no English: Russian, then any


@pytest.mark.parametrize("value", [
    '{ de = "Dokumente" }', "{}", '{ ru = "" }', '{ ru = "  " }', '{ ru = 5 }', '{ ru = { en = "x" } }',
    '""', "42", '["a"]',
])
def test_a_malformed_label_is_refused_naming_its_key(tmp_path, value):
    from edoc_cli.config import load_config
    from edoc_cli.errors import ConfigError

    path = tmp_path / "config.toml"
    path.write_text(f"[scope.in_scope]\ndocuments = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, required=True)
    assert "scope.in_scope" in str(caught.value)


def test_the_out_of_scope_refusal_is_in_russian(edoc):
    result = edoc.run("--lang", "ru", "open", "--no-input", *request_args(topic="third_party_software"))
    assert result.code == 3, result
    assert "Стороннее программное обеспечение" in result.err and "Third-party" not in result.err


@pytest.mark.parametrize("error, reason", [
    (FileNotFoundError(2, "No such file or directory"), "нет такого файла или папки"),
    (PermissionError(13, "Permission denied"), "нет прав доступа"),
    (IsADirectoryError(21, "Is a directory"), "это папка"),
    (OSError(28, "No space left on device"), "the disk is full"),   # English run: the table's English
    (OSError(9999, "Something new"), "Something new"),              # an errno the table lacks: as the system says
])
def test_the_systems_reasons_are_in_the_run_language(error, reason):
    from edoc_cli import i18n
    from edoc_cli.errors import os_reason

    i18n.use("en" if reason in ("the disk is full", "Something new") else "ru")
    try:
        assert os_reason(error) == reason
    finally:
        i18n.use("en")


def test_reading_a_missing_or_a_folder_says_why_in_russian(edoc, tmp_path):
    missing = edoc.run("--lang", "ru", "import", str(tmp_path / "нет.jsonl"))
    assert missing.code == 2 and "нет такого файла или папки" in missing.err, missing
    folder = edoc.run("--lang", "ru", "open", "--from-json", str(tmp_path))
    assert folder.code == 2 and "это папка" in folder.err, folder


@pytest.mark.parametrize("args, hoisted", [
    (["open", "--lang", "en", "--help"], ["--lang", "en", "open", "--help"]),
    (["list", "--store=/x", "--json"], ["--store=/x", "list", "--json"]),
    (["note", "ED-2026-000001", "-m", "--lang", "--debug"], ["--debug", "note", "ED-2026-000001", "-m", "--lang"]),
    (["note", "ED-2026-000001", "--message", "--store"], ["note", "ED-2026-000001", "--message", "--store"]),
    (["calendar", "check", "2026-01-01", "--lang", "ru"], ["--lang", "ru", "calendar", "check", "2026-01-01"]),
    (["store", "info", "--config", "c.toml"], ["--config", "c.toml", "store", "info"]),
    (["note", "ED-2026-000001", "--", "--lang", "ru"], ["note", "ED-2026-000001", "--", "--lang", "ru"]),
    (["--lang", "ru", "list"], ["--lang", "ru", "list"]),
    (["nosuch", "--lang", "ru"], ["nosuch", "--lang", "ru"]),      # not a command: click says so
    (["list", "--lang"], ["--lang", "", "list"]),                   # no value: --lang '' is refused
    (["list", "--limit"], ["list", "--limit"]),                     # an own option's missing value: click says so
    ([], []),
])
def test_global_options_after_the_subcommand_are_moved_before_it(args, hoisted):
    from edoc_cli.app import hoist_global_options

    assert hoist_global_options(args) == hoisted


def test_global_options_work_after_the_subcommand(edoc):
    tid = edoc.open_ticket()
    shown = edoc.run("show", tid, "--lang", "ru")
    assert shown.code == 0 and "новое" in shown.out, shown
    helped = edoc.run("open", "--help", "--lang", "ru")
    assert helped.code == 0 and "Использование: edoc open" in helped.out, helped
    # The value of a subcommand's own option is never taken for a global option.
    noted = edoc.run("note", tid, "-m", "--lang", "--json")
    assert noted.code == 0 and noted.json()["history"][-1]["message"] == "--lang", noted
