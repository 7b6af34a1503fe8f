"""One translation layer: gettext catalogs (.po) for Russian, Kazakh and English.

Messages are written in English in the code and looked up in
`locale/<lang>/LC_MESSAGES/edoc.po`. The catalogs are read directly (no
compiled .mo to fall out of date). The language comes from `--lang`,
`EDOC_LANG`, or the locale (LC_ALL, LC_MESSAGES, LANG: ru_RU, kk_KZ);
anything else is English. Terms are the same everywhere: docs/glossary.md.
A message with a number goes through `ngettext` (or is marked `NP_`): each
catalog's Plural-Forms picks the form (PLURAL_FORMS: Russian three, Kazakh one,
English two).
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
    """msgid -> msgstr of a .po file's singular entries (the header is skipped)."""
    return read_po(text)[0]


# Plural-Forms of each language (gettext's C expression). Kazakh says a noun once after a number
# («8 жұмыс сағаты», «1 жұмыс сағаты»): one form, as for every language without a plural there.
PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "kk": "nplurals=1; plural=0;",
    "en": "nplurals=2; plural=(n != 1);",
}


def read_po(text: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], str]:
    """A .po file: its singular entries (msgid -> msgstr), its plural ones (msgid -> the msgstr[i]
    forms, in order) and its header's Plural-Forms expression ("" when it has none)."""
    entries: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    header = ""
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None

    def flush() -> None:
        nonlocal header
        key = "".join(parts.get("msgid", []))
        if "msgid_plural" in parts:
            forms = sorted((int(k[7:-1]), "".join(v)) for k, v in parts.items() if k.startswith("msgstr["))
            plurals[key] = tuple(text for _, text in forms)
        elif key:
            entries[key] = "".join(parts.get("msgstr", []))
        elif "msgstr" in parts:
            for line in "".join(parts["msgstr"]).splitlines():
                if line.startswith("Plural-Forms:"):
                    header = line.split(":", 1)[1].strip()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is not None:
                current.append(ast.literal_eval(line))
            continue
        keyword, _, value = line.partition(" ")
        if keyword == "msgid":
            flush()
            parts = {}
        current = parts.setdefault(keyword, [])
        current.append(ast.literal_eval(value))
    flush()
    return entries, plurals, header


class CatalogTranslations(gettext.NullTranslations):
    def __init__(self, entries: dict[str, str], plurals: dict[str, tuple[str, ...]], plural_forms: str):
        super().__init__()
        self._entries = entries
        self._plurals = plurals
        self._plural = gettext.c2py(plural_forms.split("plural=", 1)[1].rstrip(";")) if plural_forms else None

    def gettext(self, message: str) -> str:
        return self._entries.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form the language's Plural-Forms choose for n; a message the catalog keeps as two
        singular entries (click's words) reads the one for 1 or the other."""
        forms = self._plurals.get(singular)
        if forms and self._plural is not None:
            index = self._plural(n)
            if index < len(forms) and forms[index]:
                return forms[index]
        return self.gettext(singular if n == 1 else plural)


@lru_cache(maxsize=None)
def load(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return CatalogTranslations(*read_po(catalog_path(lang).read_text(encoding="utf-8")))


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


@lru_cache(maxsize=None)
def plural_in(lang: str) -> Callable[[str, str, int], str]:
    """`in_language`'s ngettext: a message with a number, in one given language."""
    return load(lang if lang in LANGUAGES else "en").ngettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The message for the number n in the current language, by its Plural-Forms (click's plural
    messages too: those the catalog keeps as two entries read the one for 1 or the other)."""
    return _current.ngettext(singular, plural, n)


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a number (its English singular and plural) for the catalogs."""
    return singular, plural


def N_(message: str) -> str:
    """Mark a message for the catalogs; it is translated where it is shown."""
    return message
