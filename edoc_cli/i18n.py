"""One translation layer: gettext catalogs (.po) for Russian, Kazakh and English.

Messages are written in English in the code and looked up in
`locale/<lang>/LC_MESSAGES/edoc.po`. The catalogs are read directly (no
compiled .mo to fall out of date). The language comes from `--lang`,
`EDOC_LANG`, or the locale (LC_ALL, LC_MESSAGES, LANG: ru_RU, kk_KZ);
anything else is English. Terms are the same everywhere: docs/glossary.md.
The regulation's fixed wording «ответ от клиента не получен» is never
translated in the record: it is the closing text clause 15 prescribes; a
letter in Kazakh names it by its Kazakh equivalent (README, "Languages").
"""

from __future__ import annotations

import ast
import gettext
from functools import lru_cache
from pathlib import Path
from typing import Callable

LANGUAGES = ("ru", "kk", "en")  # English last: the identity (tools/update_catalogs.py)
ACCEPTED = LANGUAGES
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "edoc"

_current: gettext.NullTranslations = gettext.NullTranslations()
_lang = "en"


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (singular entries; the header is skipped)."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            key = "".join(msgid)
            if key:
                entries[key] = "".join(msgstr)

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    return entries


class CatalogTranslations(gettext.NullTranslations):
    def __init__(self, entries: dict[str, str]):
        super().__init__()
        self._entries = entries

    def gettext(self, message: str) -> str:
        return self._entries.get(message) or message


@lru_cache(maxsize=None)
def load(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return CatalogTranslations(parse_po(catalog_path(lang).read_text(encoding="utf-8")))


def language_from(flag: str | None, environ) -> str:
    """The language to speak: ru, kk or en. Raises ValueError for an unknown --lang/EDOC_LANG."""
    for source, value in (("--lang", flag), ("EDOC_LANG", environ.get("EDOC_LANG"))):
        if value:
            code = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
            if code not in ACCEPTED:
                raise ValueError(f"{source} {value!r}: edoc speaks {', '.join(ACCEPTED)}")
            return code
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(key)
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def use(lang: str) -> None:
    """Speak `lang` from now on (also in click's own words: Usage, Options, errors)."""
    global _current, _lang
    _lang = lang if lang in LANGUAGES else "en"
    _current = load(_lang)


def current() -> str:
    return _lang


@lru_cache(maxsize=None)
def in_language(lang: str) -> Callable[[str], str]:
    """A gettext for one given language, whatever this run speaks: the words edoc sends a client
    (an e-mail) follow the client's language, never the operator's --lang; an unknown language is
    English."""
    return load(lang if lang in LANGUAGES else "en").gettext


def _(message: str) -> str:
    """The message in the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """click's plural messages: each form is its own catalog entry (the Russian ones read for any n)."""
    return _current.gettext(singular if n == 1 else plural)


def N_(message: str) -> str:
    """Mark a message for the catalogs; it is translated where it is shown."""
    return message
