"""Registration numbers (ED-2026-000042): their pattern, their parts, and a number typed by a person."""

from __future__ import annotations

import re
from typing import Any

from edoc_cli.errors import UsageError
from edoc_cli.i18n import _
from edoc_cli.safe_text import control_problem

# PREFIX-YEAR-SEQUENCE, the sequence in six digits or as many as it needs, never more: one number,
# one spelling (ED-2026-0000001 would be a second ticket numbered 1). ASCII digits only: \d would
# take Arabic-Indic and other digits too.
TICKET_ID_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}-[0-9]{4}-(?:[0-9]{6}|[1-9][0-9]{6,8})$")
SEQUENCE_KEY_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}-[0-9]{4}$")  # a counter's key: PREFIX-YEAR
MAX_SEQUENCE = 999_999_999


def split_number(ticket_id: str) -> tuple[str, int, int]:
    """ED-2026-000042 -> ("ED", 2026, 42); ValueError for anything else."""
    prefix, year, n = ticket_id.rsplit("-", 2)
    if not (year.isascii() and year.isdigit() and n.isascii() and n.isdigit()):
        raise ValueError(ticket_id)
    return prefix, int(year), int(n)


def sequence_key(ticket_id: str) -> str:
    """The counter a number belongs to: ED-2026-000042 -> "ED-2026"."""
    prefix, year, _n = split_number(ticket_id)
    return f"{prefix}-{year}"


def sequence_ok(key: Any, value: Any) -> bool:
    """A registration counter as stored: PREFIX-YEAR -> a whole number >= 0."""
    return (isinstance(key, str) and SEQUENCE_KEY_RE.match(key) is not None
            and isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEQUENCE)


def normalize_id(ticket_id: str) -> str:
    """A number as a person typed it (any case, spaces around), or a usage error (exit 2) saying what
    it is not: `edoc show 1` is a mistyped command, not a ticket the store lacks (exit 4)."""
    tid = (ticket_id or "").strip().upper()
    if not TICKET_ID_RE.match(tid):
        shown = ticket_id if control_problem(ticket_id or "", False) is None else repr(ticket_id)
        raise UsageError(_("{value} is not a registration number like ED-2026-000042").format(value=shown[:40]))
    return tid
