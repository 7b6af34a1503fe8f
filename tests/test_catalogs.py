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
