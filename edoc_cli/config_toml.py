"""The effective configuration written back as TOML (`edoc config show`): a valid file to start from."""

from __future__ import annotations

import re
from datetime import date
from typing import Any


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_INLINE = ("sla.", "scope.", "postponement.")  # tables whose sub-tables of scalars are written inline


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        # JSON's escapes are TOML's, but JSON leaves DEL raw and TOML forbids it.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value).__name__)


def dump_toml(data: dict[str, Any], sources: dict[str, str] | None = None) -> str:
    """The configuration as TOML that `load_config` reads back to the same values."""
    out: list[str] = []

    def table(name: str, body: dict[str, Any]) -> None:
        plain = {k: v for k, v in body.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in body.items() if isinstance(v, dict)}
        # A sub-table whose values are all tables of scalars reads best inline (sla.basic.bug).
        header_needed = bool(plain) or not nested
        if header_needed:
            out.append(f"[{name}]")
            for k, v in plain.items():
                out.append(f"{_toml_key(k)} = {_toml_value(v)}")
            out.append("")
        for k, v in nested.items():
            # So does a label by language (scope.in_scope.documents = { en = "…", ru = "…" }).
            if v and all(not isinstance(x, dict) for x in v.values()) and name.startswith(_INLINE):
                if not header_needed:
                    out.append(f"[{name}]")
                    header_needed = True
                out.append(f"{_toml_key(k)} = {_toml_value(v)}")
                continue
            table(f"{name}.{_toml_key(k)}", v)
        if header_needed and out[-1] != "":
            out.append("")

    def is_table_array(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)

    # Top-level plain keys first: after a [table] header they would belong to it.
    for key, value in data.items():
        if not isinstance(value, dict) and not is_table_array(value):
            if sources:
                out.append(f"# {key}: {sources.get(key, 'built-in default')}")
            out.append(f"{_toml_key(key)} = {_toml_value(value)}")
            out.append("")
    for key, value in data.items():
        if isinstance(value, dict):
            if sources:
                out.append(f"# {key}: {sources.get(key, 'built-in default')}")
            table(_toml_key(key), value)
    for key, value in data.items():
        if is_table_array(value):
            if sources:
                out.append(f"# {key}: {sources.get(key, 'built-in default')}")
            for item in value:
                out.append(f"[[{_toml_key(key)}]]")
                for k, v in item.items():
                    out.append(f"{_toml_key(k)} = {_toml_value(v)}")
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _toml_text(value: str) -> str:
    """A text as TOML: a multi-line string when it has lines and nothing a multi-line string would
    read otherwise (a backslash, three quotes, a closing quote), else a one-line string."""
    if "\n" in value and "\\" not in value and '"""' not in value and not value.endswith('"') \
            and not any(ord(c) < 32 and c != "\n" or ord(c) == 127 for c in value):
        return '"""\n' + value + '"""'
    return _toml_value(value)


def dump_letters(texts: dict[str, dict[str, str]], given: set[str], configured: str, built_in: str,
                 names: dict[str, str]) -> str:
    """The letters' templates as [letters.<lang>] tables a configuration file can take as they are;
    a comment says where each came from (`configured` or `built_in`, in the reader's language) and
    the values it may name (`names`, by part)."""
    out: list[str] = []
    for lang, parts in texts.items():
        out.append(f"[letters.{lang}]")
        for key, text in parts.items():
            source = configured if f"letters.{lang}.{key}" in given else built_in
            out.append(f"# {source}: {names[key]}")
            out.append(f"{key} = {_toml_text(text)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
