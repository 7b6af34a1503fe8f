"""Canned replies: the `[[templates]]` of the configuration, in the reader's language.

A template's text may name `{id}`, `{client}` and `{operator}`; those three words are replaced and
nothing else is: the text is the administrator's, never a format string (`{0.__class__}` stays as
written).
"""

from __future__ import annotations

import re
from typing import Any

from edoc_cli.config import Config
from edoc_cli.errors import UsageError
from edoc_cli.i18n import _

PLACEHOLDER = re.compile(r"\{(id|client|operator)\}")


def names(config: Config) -> list[str]:
    return [t["name"] for t in config.templates]


def template_text(config: Config, name: str, lang: str, values: dict[str, Any]) -> str:
    """The template's text in `lang` (else its `text`), its placeholders filled from `values`."""
    for template in config.templates:
        if template["name"] == name:
            text = template.get(lang) or template["text"]
            return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1)) or ""), text)
    known = ", ".join(names(config)) or _("none: add [[templates]] to the configuration")
    raise UsageError(_("{flag}: no template {name}; known: {known}"), fields={"flag": "template"},
                     name=repr(name), known=known)
