#!/usr/bin/env python3
"""Extract edoc's messages and bring the gettext catalogs up to date.

    python tools/update_catalogs.py          # rewrite edoc_cli/locale/*/LC_MESSAGES/edoc.po
    python tools/update_catalogs.py --check  # exit 1 listing what is missing (what the tests check)
    python tools/update_catalogs.py --merge tools/translations/ru-new.json   # add translations (msgid -> text)
                                                                            # into the language the file is named after
                                                                            # (a message with a number: msgid -> [forms])

Messages are: the string literals passed to `_()` and `N_()`, and pairs passed to
`ngettext()` and `NP_()` (a message with a number: msgid_plural, one msgstr per form of the
language's Plural-Forms); `help=` texts of
Typer options, arguments and apps; the docstrings of Typer commands and
callbacks (what `--help` shows); and click's own words that edoc's users
see (CLICK_MESSAGES). The English catalog is the identity; the Russian and
Kazakh ones keep their translations, gain empty entries for new messages (to
be translated) and lose entries no longer used.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "edoc_cli"
sys.path.insert(0, str(ROOT))

from edoc_cli.i18n import LANGUAGES, PLURAL_FORMS, catalog_path, read_po  # noqa: E402

# click's words on edoc's screens (usage errors and --help); i18n hooks click's gettext and ngettext.
CLICK_MESSAGES = (
    "Usage:", "Options", "Commands", "Arguments", "Show this message and exit.", "Show the version and exit.",
    "Error: {message}", "Try '{command} {option}' for help.", "Missing option", "Missing argument",
    "Missing parameter", "Missing parameter: {param_name}", "Missing command.", "No such option: {name}",
    "No such option {name!r}.", "No such command {name!r}.", "Invalid value for {param_hint}: {message}",
    "Invalid value: {message}", "default: {default}", "env var: {var}", "(dynamic)", "required", "Aborted!",
    "integer", "integer range", "float", "float range", "boolean",
    "Missing {param_type}", "{value!r} is not a valid {number_type}.", "{value!r} is not a valid integer.",
    "{value!r} is not a valid boolean.", "{value!r} is not a valid boolean. Recognized values: {states}",
    "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.",
    "Option {name!r} does not take a value.", "Argument {name!r} takes {nargs} values.",
    "Invalid start character for option ({option})",
    "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})",
    "{value} is not in the range {range}.", "Did you mean {possibility}?",
    "(Did you mean one of: {possibilities}?)", "{value!r} is not {choice}.", "{value!r} is not one of {choices}.",
    "Choose from:\n\t{choices}", "{value!r} does not match the format {format}.",
    "{value!r} does not match the formats {formats}.", "Takes {nargs} values but 1 was given.",
    "Takes {nargs} values but {len} were given.", "Could not open file {filename!r}: {message}", "unknown error",
    "file", "directory", "path", "{name} {filename!r} does not exist.", "{name} {filename!r} is a file.",
    "{name} {filename!r} is a directory.", "{name} {filename!r} is not readable.",
    "{name} {filename!r} is not writable.",
)


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_typer_command(decorator: ast.AST) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr in ("command", "callback")


def messages_in(path: Path) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """The file's messages, msgid -> where it was found (file:line), and its messages with a number,
    singular msgid -> (its plural, where): from `ngettext("…", "…", n)` and `NP_("…", "…")`."""
    found: dict[str, str] = {}
    plurals: dict[str, tuple[str, str]] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(ROOT)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("_", "N_") and node.args:
                text = _literal(node.args[0])
                if text is None:
                    raise SystemExit(f"{where}:{node.lineno}: {name}() needs a string literal")
                found.setdefault(text, f"{where}:{node.lineno}")
            elif name in ("ngettext", "NP_") and len(node.args) >= 2 and path.name != "i18n.py":
                one, many = _literal(node.args[0]), _literal(node.args[1])
                if one is None or many is None:
                    raise SystemExit(f"{where}:{node.lineno}: {name}() needs two string literals")
                plurals.setdefault(one, (many, f"{where}:{node.lineno}"))
            for kw in node.keywords:
                if kw.arg == "help" and _literal(kw.value):
                    found.setdefault(kw.value.value, f"{where}:{node.lineno}")
        elif isinstance(node, ast.FunctionDef) and any(_is_typer_command(d) for d in node.decorator_list):
            doc = ast.get_docstring(node)
            if doc:
                found.setdefault(inspect.cleandoc(doc), f"{where}:{node.lineno}")
    return found, plurals


@functools.lru_cache(maxsize=None)
def _scan() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Every source file's messages and messages with a number (messages_in), read once."""
    found: dict[str, str] = {}
    plurals: dict[str, tuple[str, str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        messages, numbered = messages_in(path)
        for msg, where in messages.items():
            found.setdefault(msg, where)
        for msg, value in numbered.items():
            plurals.setdefault(msg, value)
    for msg in CLICK_MESSAGES:
        found.setdefault(msg, "click")
    return found, plurals


def all_messages() -> dict[str, str]:
    return dict(_scan()[0])


def all_plurals() -> dict[str, tuple[str, str]]:
    return dict(_scan()[1])


def _po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{lines[0]}"'
    parts = [f'"{line}\\n"' for line in lines[:-1]] + ([f'"{lines[-1]}"'] if lines[-1] else [])
    return '""\n' + "\n".join(parts)


def nplurals(lang: str) -> int:
    return int(PLURAL_FORMS[lang].split("nplurals=")[1].split(";")[0])


def render_po(lang: str, entries: dict[str, str], where: dict[str, str],
              plurals: dict[str, tuple[str, ...]] | None = None,
              plural_where: dict[str, tuple[str, str]] | None = None) -> str:
    head = [
        f"# edoc messages: {lang}. Updated by tools/update_catalogs.py; translate the empty msgstr.",
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        f'"Language: {lang}\\n"',
        f'"Plural-Forms: {PLURAL_FORMS[lang]}\\n"',
        "",
    ]
    body = []
    for msgid in sorted(entries, key=lambda m: (where.get(m, "~"), m)):
        body += [f"#: {where.get(msgid, '')}", f"msgid {_po_string(msgid)}",
                 f"msgstr {_po_string(entries[msgid])}", ""]
    for msgid, forms in sorted((plurals or {}).items()):
        many, found_at = (plural_where or {}).get(msgid, ("", ""))
        body += [f"#: {found_at}", f"msgid {_po_string(msgid)}", f"msgid_plural {_po_string(many)}"]
        body += [f"msgstr[{i}] {_po_string(form)}" for i, form in enumerate(forms)] + [""]
    return "\n".join(head + body)


def missing(lang: str, messages: dict[str, str], plurals: dict[str, tuple[str, str]] | None = None) -> list[str]:
    path = catalog_path(lang)
    have, have_plurals, _ = read_po(path.read_text(encoding="utf-8")) if path.exists() else ({}, {}, "")
    gaps = [m for m in messages if not have.get(m)]
    want = nplurals(lang)
    return gaps + [m for m in (plurals or {}) if len(have_plurals.get(m, ())) != want
                   or not all(have_plurals[m])]


def main(argv: list[str]) -> int:
    messages = all_messages()
    plurals = all_plurals()
    if "--check" in argv:
        where = {**messages, **{m: w for m, (_, w) in plurals.items()}}
        problems = [f"{lang}: {m!r} ({where[m]})" for lang in LANGUAGES for m in missing(lang, messages, plurals)]
        print("\n".join(problems) or "catalogs complete")
        return 1 if problems else 0
    merged: dict[str, dict[str, str]] = {}  # language -> msgid -> text, from files named after it (kk.json, ru-x.json)
    if "--merge" in argv:
        import json

        for name in argv[argv.index("--merge") + 1:]:
            lang = Path(name).name.split(".")[0].split("-")[0]
            if lang not in LANGUAGES or lang == "en":
                print(f"{name}: name it after the language it translates into ({', '.join(LANGUAGES[:-1])})")
                return 2
            merged.setdefault(lang, {}).update(json.loads(Path(name).read_text(encoding="utf-8")))
    for lang in LANGUAGES:
        path = catalog_path(lang)
        old, old_plurals, _ = read_po(path.read_text(encoding="utf-8")) if path.exists() else ({}, {}, "")
        for k, v in merged.get(lang, {}).items():  # a message with a number: a list of its forms
            if isinstance(v, list) and all(isinstance(f, str) for f in v):
                old_plurals[k] = tuple(v)
            elif isinstance(v, str) and v:
                old[k] = v
        entries = {m: (m if lang == "en" else old.get(m, "")) for m in messages}
        want = nplurals(lang)
        forms = {m: ((m, many) if lang == "en" else (tuple(old_plurals.get(m, ())) + ("",) * want)[:want])
                 for m, (many, _) in plurals.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_po(lang, entries, messages, forms, plurals), encoding="utf-8")
        todo = sum(1 for v in entries.values() if not v) + sum(1 for f in forms.values() if not all(f))
        print(f"{path.relative_to(ROOT)}: {len(entries)} messages, {todo} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
