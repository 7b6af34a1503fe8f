"""How the command line names the fields the core speaks of: one table, one function.

The core's messages name fields ("message", "faq_link", "store"); an error reaches the person
through `flag_for`, so the core never knows a flag and the command line names each field once.
"""

from __future__ import annotations

# Where a field's flag is not simply --field-name.
_FLAGS = {
    "faq_checked": "--faq-checked/--no-faq-checked",
    "attachments": "--attachment",
    "assignee": "OPERATOR",
    "assignee_filter": "--assignee",  # list's filter (the field `assignee` is assign's OPERATOR)
    "search": "TEXT",                 # search's argument
    "store": "--store / EDOC_STORE",
    "config": "--config / EDOC_CONFIG",
    "lang": "--lang",
}


def flag_for(field: str) -> str:
    """The flag (or argument) that gives `field` on the command line."""
    return _FLAGS.get(field) or f"--{field.replace('_', '-')}"


def render_error(exc) -> tuple[str, list[str]]:
    """An EdocError's message and problems, every field named by its flag."""
    problems = [p.render(flag_for) if hasattr(p, "render") else str(p) for p in getattr(exc, "problems", [])]
    return exc.render(flag_for), problems
