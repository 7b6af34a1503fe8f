"""The JSON store's files: their names, the archive's buckets and summaries, the order of numbers,
the meta record's rules, and the one JSON encoding every file is written in."""

from __future__ import annotations

import json
import re
from typing import Any

from edoc_cli.i18n import _
from edoc_cli.limits import instant_problem
from edoc_cli.store.base import DuplicateKey, encode, no_duplicate_keys  # noqa: F401  (the files' JSON)
from edoc_cli.ticket_id import sequence_ok, split_number

# 1: one file. 2: open tickets apart from the archive. 3: the archive keeps numbers.json, which an
# edoc that knows only 2 would take for a bucket: it is told to upgrade instead. A schema 2 store is
# read as it is and becomes 3 with its first write (numbers.json is derived when first needed).
SCHEMA_VERSION = 3
SCHEMAS_READ = (1, 2, 3)
ARCHIVED_SCHEMAS = (2, 3)
TICKETS = "tickets"
META = "meta"
SUMMARIES = "summaries"
NUMBERS = "numbers"
NUMBERS_FILE = "numbers.json"
STAGED = "staged"  # meta key: the archive files of the last commit, {"token": ..., "files": [...]}
TOKEN_RE = r"[0-9a-f]{16}"
ARCHIVE_NAME = r"(?:summary-[0-9]{4}-[0-9]{2}|numbers|[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{3,})\.json"
ARCHIVE_NAME_RE = re.compile(f"^{ARCHIVE_NAME}$")
STAGED_NAME_RE = re.compile(rf"^\.{ARCHIVE_NAME}\.{TOKEN_RE}\.staged$")
BUCKET_SIZE = 1000
DEFAULT_LOCK_TIMEOUT = 5.0


def untouched_hint() -> str:
    """What every message about an unreadable store ends with."""
    return _("it was left untouched; restore it from a backup or repair it by hand")


class Encoded:
    """A document that arrives already encoded as compact JSON (a bulk import's closed tickets and
    their summaries, encoded by the worker processes that checked them): written as it is."""

    __slots__ = ("id", "text", "order")

    def __init__(self, doc_id: str, text: str, order: tuple | None = None):
        self.id = doc_id
        self.text = text
        self.order = order or order_of_id(doc_id)

    def decoded(self) -> dict[str, Any]:
        return json.loads(self.text)


def plain(doc: "dict[str, Any] | Encoded") -> dict[str, Any]:
    return doc.decoded() if isinstance(doc, Encoded) else doc


def schema_of(data: dict[str, Any]) -> Any:
    meta = data.get(META, {}).get("1")
    return meta.get("schema_version") if isinstance(meta, dict) else None


def meta_problems(meta: Any) -> list[str]:
    """Why the store's meta record cannot be used (its schema version is checked apart)."""
    if not isinstance(meta, dict):
        return [_("meta is not an object")]
    problems = []
    sequences = meta.get("sequences")
    if not isinstance(sequences, dict):
        problems.append(_("meta.sequences is missing or malformed"))
    else:
        for key, value in sequences.items():
            if not sequence_ok(key, value):
                problems.append(_("meta.sequences.{key} is {value}, not a whole number from 0").format(
                    key=str(key)[:20], value=repr(value)[:20]))
    if meta.get("last_sweep_at") is not None:
        why = instant_problem(meta["last_sweep_at"])
        if why:
            problems.append(_("meta.last_sweep_at {problem}").format(problem=why))
    return problems


def order_of(ticket: "dict[str, Any] | Encoded | Any") -> tuple:
    if isinstance(ticket, Encoded):
        return ticket.order
    return order_of_id(ticket.get("id") if isinstance(ticket, dict) else None)


def order_of_id(ticket_id: Any) -> tuple:
    """Registration-number order: by prefix, year, then the number as a number."""
    try:
        prefix, year, n = split_number(ticket_id)
    except (ValueError, AttributeError):
        return ("", 0, 0, str(ticket_id))
    return (prefix, year, n, "")


def bucket_order(name: str) -> tuple:
    stem = name[: -len(".json")]
    prefix, year, chunk = stem.rsplit("-", 2)
    return (prefix, int(year), int(chunk))


def bucket_name(ticket_id: str) -> str | None:
    """The archive file that holds a closed ticket: ED-2026-000123 -> ED-2026-000.json."""
    try:
        prefix, year, n = split_number(ticket_id)
    except (ValueError, AttributeError):
        return None
    return bucket_of(prefix, year, n)


def bucket_of(prefix: str, year: int, n: int) -> str:
    return f"{prefix}-{year}-{n // BUCKET_SIZE:03d}.json"


def summary_month(created_at: str) -> str:
    """The summary file of a ticket registered at `created_at`: by that month (local time)."""
    return f"summary-{created_at[:7]}.json"
