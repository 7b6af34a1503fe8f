"""Both gettext catalogs are complete and every translation keeps its placeholders."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from edoc_cli.i18n import LANGUAGES, catalog_path, parse_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import update_catalogs  # noqa: E402

MESSAGES = update_catalogs.all_messages()
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_has_a_translation(lang: str) -> None:
    catalog = parse_po(catalog_path(lang).read_text(encoding="utf-8"))
    missing = [f"{m!r} ({where})" for m, where in MESSAGES.items() if not catalog.get(m)]
    assert not missing, (
        f"{len(missing)} message(s) without a {lang} translation; run tools/update_catalogs.py and "
        "translate:\n" + "\n".join(missing[:40])
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang: str) -> None:
    catalog = parse_po(catalog_path(lang).read_text(encoding="utf-8"))
    wrong = [
        f"{msgid!r} -> {text!r}" for msgid, text in catalog.items()
        if text and sorted(_PLACEHOLDER.findall(msgid)) != sorted(_PLACEHOLDER.findall(text))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_russian_catalog_is_really_russian() -> None:
    catalog = parse_po(catalog_path("ru").read_text(encoding="utf-8"))
    # A translation may keep a code or a flag, but most messages must contain Cyrillic.
    cyrillic = sum(bool(re.search("[а-яА-ЯёЁ]", text)) for text in catalog.values())
    assert cyrillic >= 0.9 * len(catalog)


def test_catalog_tool_finds_messages_in_code_help_and_docstrings() -> None:
    # One of each kind: a _() message, a help= text, a command docstring, a click word.
    assert "Show this message and exit." in MESSAGES
    assert any(w.startswith("edoc_cli/commands/") for w in MESSAGES.values())
    assert "Register a request: only when the regulation's checklist is met (exit 3 lists what is missing)." in MESSAGES


def test_one_russian_word_per_concept():
    """тема is the topic (clause 6), заголовок the one-line subject; the Help Centre is the
    regulation's Справочный центр, everywhere. An e-mail's own Subject line is «тема письма», as every
    Russian mail program calls it (the client reads it there): that is no ticket's topic."""
    catalog = parse_po(catalog_path("ru").read_text(encoding="utf-8"))
    mixed = [(msgid, text) for msgid, text in catalog.items()
             if ("subject" in msgid.lower() and "тем" in text.lower().replace("теме письма", "")
                 .replace("тема письма", "").replace("темы письма", ""))
             or ("topic" in msgid.lower() and "заголов" in text.lower())
             or ("help centre" in msgid.lower() and "справочн" not in text.lower())
             or "центр помощи" in text.lower() or "центра помощи" in text.lower()]
    assert not mixed, mixed


# -- messages with a number (msgid_plural, Plural-Forms) ------------------------------------------

PLURALS = update_catalogs.all_plurals()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_with_a_number_has_each_form_its_language_needs(lang: str) -> None:
    from edoc_cli.i18n import PLURAL_FORMS, read_po

    _, plurals, header = read_po(catalog_path(lang).read_text(encoding="utf-8"))
    assert header == PLURAL_FORMS[lang]
    want = update_catalogs.nplurals(lang)
    assert PLURALS and set(plurals) == set(PLURALS)
    for msgid, forms in plurals.items():
        assert len(forms) == want and all(forms), (lang, msgid, forms)
        for form in forms:
            assert sorted(_PLACEHOLDER.findall(form)) == sorted(_PLACEHOLDER.findall(msgid)), (lang, form)


@pytest.mark.parametrize("n, russian, kazakh, english", [
    # Checked by hand: 1, 21, 101 «обращение»; 2-4, 22-24 «обращения»; 0, 5-20, 111-114 «обращений».
    (1, "зарегистрировано 1 обращение", "1 өтініш тіркелді", "registered 1 request"),
    (2, "зарегистрировано 2 обращения", "2 өтініш тіркелді", "registered 2 requests"),
    (4, "зарегистрировано 4 обращения", "4 өтініш тіркелді", "registered 4 requests"),
    (5, "зарегистрировано 5 обращений", "5 өтініш тіркелді", "registered 5 requests"),
    (11, "зарегистрировано 11 обращений", "11 өтініш тіркелді", "registered 11 requests"),
    (12, "зарегистрировано 12 обращений", "12 өтініш тіркелді", "registered 12 requests"),
    (21, "зарегистрировано 21 обращение", "21 өтініш тіркелді", "registered 21 requests"),
    (22, "зарегистрировано 22 обращения", "22 өтініш тіркелді", "registered 22 requests"),
    (0, "зарегистрировано 0 обращений", "0 өтініш тіркелді", "registered 0 requests"),
    (111, "зарегистрировано 111 обращений", "111 өтініш тіркелді", "registered 111 requests"),
])
def test_a_number_takes_the_form_its_language_gives_it(n, russian, kazakh, english) -> None:
    from edoc_cli.i18n import plural_in

    for lang, expected in (("ru", russian), ("kk", kazakh), ("en", english)):
        said = plural_in(lang)("registered {count} request", "registered {count} requests", n)
        assert said.format(count=n) == expected


def test_the_catalog_tool_finds_a_missing_form(tmp_path, monkeypatch) -> None:
    """--check fails when a Russian plural entry lacks its third form (what the tests above rely on)."""
    po = catalog_path("ru").read_text(encoding="utf-8")
    broken = po.replace('msgstr[2] "зарегистрировано {count} обращений"', 'msgstr[2] ""')
    assert broken != po
    monkeypatch.setattr(update_catalogs, "catalog_path", lambda lang: tmp_path / f"{lang}.po")
    for lang in LANGUAGES:
        (tmp_path / f"{lang}.po").write_text(catalog_path(lang).read_text(encoding="utf-8"), encoding="utf-8")
    assert update_catalogs.main(["--check"]) == 0
    (tmp_path / "ru.po").write_text(broken, encoding="utf-8")
    assert update_catalogs.main(["--check"]) == 1
