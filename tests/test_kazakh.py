"""The Kazakh interface speaks Kazakh throughout, as the Russian one speaks Russian (test_russian.py):
every command in a real terminal (a pty), on both stores, with no English word a person reads outside
the codes; holiday names as the `holidays` package names them in Kazakh; Kazakh letters aligned in a
table at 80 columns."""

from __future__ import annotations

import re

import pytest

from conftest import BUG_FIELDS
from test_russian import (ANSI, HELP, OPERATORS, assert_russian, english_words, lifecycle, on_terminal, screens,
                          typed_codes)

KAZAKH = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")


@pytest.fixture
def desk(edoc):
    """A day's tickets, one of a client with a Kazakh name and subject."""
    opened = edoc.open_ticket(now="2026-11-26T09:00:00+05:00", name="Әбілқасымова Гүлнұр Серікқызы",
                              subject="Құжатқа қол қою кезінде қате шығады")
    bug = edoc.open_ticket(now="2026-11-26T10:00:00+05:00", **BUG_FIELDS)
    for args in (("assign", bug, "aida"), ("diagnose", bug, "--priority", "high"),
                 ("request-info", opened, "-m", "Скриншот жіберіңізші")):
        assert edoc.run(*args, now="2026-11-26T11:00:00+05:00").code == 0, args
    return edoc, opened, bug


def test_every_screen_and_message_of_the_kazakh_interface_is_in_kazakh(desk):
    edoc, opened, bug = desk
    assert_russian(edoc, screens(opened, bug), lang="kk")


def test_every_help_and_usage_error_is_in_kazakh(tmp_path):
    from conftest import Edoc

    edoc = Edoc(tmp_path)
    typed = typed_codes()
    assert_russian(edoc, [(("--help",), typed), *[((c, "--help"), typed) for c in HELP],
                          *[(("store", c, "--help"), typed) for c in ("init", "migrate", "info")],
                          (("list", "-a"), typed), (("shwo",), typed | {"shwo"}),
                          (("list", "--status", "nieuw"), typed | {"nieuw"}), (("list", "--limit"), typed)],
                   lang="kk")


def test_every_lifecycle_confirmation_is_in_kazakh(desk):
    edoc, opened, bug = desk
    said = ["Скриншот тіркелді", "NCALayer қайта орнатыңыз", "Сертификат тексерілді", "Релизді күтеміз",
            "Релиз шықты", "Берілді", "Шешілді", "Қайтадан", "Қорлау"]
    for args in lifecycle(opened, bug, said):
        code, out = on_terminal(edoc, *args, lang="kk")
        assert code == 0, (args, out)
        assert KAZAKH.search(out) and not english_words(out, OPERATORS | {args[0]}), (args, out)


def test_kazakh_letters_keep_a_table_aligned_at_80_columns(desk):
    edoc, opened, bug = desk
    code, out = on_terminal(edoc, "list", lang="kk", columns=80)
    lines = [line for line in ANSI.sub("", out).replace("\r", "").splitlines() if line.strip()]
    assert code == 0 and KAZAKH.search(out)
    assert all(len(line) <= 80 for line in lines), lines
    rows = [line for line in lines if "ED-2026-" in line]
    assert len(rows) == 2
    # every column starts at the same place in each row: the numbers, and the deadlines after them
    assert len({row.index("ED-2026-") for row in rows}) == 1
    assert len({row.index("2026-11-") for row in rows}) == 1, rows
    assert "Құжатқа қол қою" in out


@pytest.fixture
def kazakh():
    from edoc_cli import i18n

    i18n.use("kk")
    yield
    i18n.use("en")


def test_holiday_names_are_the_holidays_packages_kazakh_names(kazakh):
    """Each day the package makes a day off in Kazakhstan reads in Kazakh as the package names it in Kazakh,
    transfers and suffixes too (from 2026: the package names Republic Day otherwise before)."""
    import holidays

    from edoc_cli.holiday_table import package_year
    from edoc_cli.words import holiday_name

    differing = []
    for year in range(2026, 2101):
        kazakh_names = holidays.country_holidays("KZ", years=year, language="kk")
        for day, (_kind, name) in package_year("KZ", year).off.items():
            ours, theirs = sorted(holiday_name(name).split("; ")), sorted(kazakh_names.get_list(day))
            if ours != theirs:
                differing.append((day, ours, theirs))
    assert not differing, differing[:5]


def test_codes_become_kazakh_words(kazakh):
    from edoc_cli.words import word

    assert [word("status", s) for s in ("new", "open", "waiting", "postponed", "closed")] == [
        "жаңа", "жұмыста", "клиентті күтуде", "кейінге қалдырылды", "жабылды"]
    assert word("target", "first_response") == "алғашқы жауап"
    assert word("category", "tax_questions") == "tax questions"  # a code the catalog does not know: as it is


def test_the_kazakh_catalog_is_complete():
    """Every message has its Kazakh text (tools/update_catalogs.py --check says the same)."""
    from edoc_cli.i18n import catalog_path, parse_po

    entries = parse_po(catalog_path("kk").read_text(encoding="utf-8"))
    english = parse_po(catalog_path("en").read_text(encoding="utf-8"))
    assert set(entries) == set(english)
    assert not [k for k, v in entries.items() if not v.strip()]
    placeholders = re.compile(r"\{[^{}]*\}")
    assert not [k for k, v in entries.items() if sorted(placeholders.findall(k)) != sorted(placeholders.findall(v))]
