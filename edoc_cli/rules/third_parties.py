"""Clause 17: a third party (NCALayer, the national CA, a bank) brought into a request. Each is
recorded with when and why (an `escalated` event; the replay lists them as `third_parties`), and
the report counts the requests that needed one."""

from __future__ import annotations

from edoc_cli.i18n import _
from edoc_cli.rules.checklist import line_text


def third_party_name(text: str) -> str:
    """The third party's name, one line."""
    return line_text(text, "third_party", _("{flag}: the third party is empty"))
