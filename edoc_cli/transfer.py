"""Export and import whole tickets as JSON Lines, history included."""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from edoc_cli.errors import ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.records import MAX_RECORD_TEXT, ticket_problems
from edoc_cli.store import Store
from edoc_cli.text import escape_c1_in_json

MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_SHOWN_PROBLEMS = 50


def export_lines(store: Store) -> Iterator[str]:
    """Every ticket, one JSON object a line, in registration-number order."""
    tickets = store.snapshot().all_tickets()
    tickets.sort(key=lambda t: t["id"])
    for ticket in tickets:
        yield escape_c1_in_json(json.dumps(ticket, ensure_ascii=False, separators=(",", ":")))


def bounded_lines(handle) -> Iterator[bytes]:
    """The lines of a binary file, never holding more than one over-long line's limit in memory.

    A line over the limit is yielded cut at the limit (and reported as too long), and reading
    stops there: `edoc import /dev/zero` ends at once instead of filling the memory.
    """
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        yield line
        if len(line) > MAX_LINE_BYTES:
            return


def parse_lines(lines: Iterable[bytes], where: str) -> list[dict[str, Any]]:
    """The records of a JSON Lines input, or ValidationFailed listing every bad line."""
    return [record for _number, record in parse_numbered_lines(lines, where)]


def parse_numbered_lines(lines: Iterable[bytes], where: str) -> list[tuple[int, dict[str, Any]]]:
    """Like `parse_lines`, with each record's line number (for messages about it later)."""
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            problems.append(_("{where}:{line}: line longer than {size} MiB").format(
                where=where, line=number, size=MAX_LINE_BYTES // 2**20))
            continue
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            problems.append(_("{where}:{line}: not UTF-8 (byte {byte})").format(
                where=where, line=number, byte=exc.start))
            continue
        except (ValueError, RecursionError):  # also a number of thousands of digits
            problems.append(_("{where}:{line}: not valid JSON").format(where=where, line=number))
            continue
        # A NUL can only be written \u0000 in JSON; a string longer than the limit needs a longer line.
        texts_checked = b"\\u0000" not in raw and len(raw) <= MAX_RECORD_TEXT
        for why in ticket_problems(record, texts_checked):
            problems.append(f"{where}:{number}: {why}")
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            tid = record["id"]
            if tid in seen:
                problems.append(_("{where}:{line}: {id} is already on line {other}").format(
                    where=where, line=number, id=tid[:40], other=seen[tid]))
            seen.setdefault(tid, number)
        records.append((number, record))
    if problems:
        shown = problems[:MAX_SHOWN_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(_("... and {count} more").format(count=len(problems) - len(shown)))
        raise ValidationFailed(_("nothing was imported: {count} problem(s)").format(count=len(problems)), shown)
    return records


def import_records(store: Store, records: list[dict[str, Any]], origins: list[str] | None = None) -> int:
    """Add every record, or none: a number already in the store refuses the whole import.

    `origins[i]` says where records[i] came from ("dump.jsonl:12"), for the message.
    """
    if not records:
        return 0
    with store.transaction() as snap:
        clashes = [i for i, r in enumerate(records) if snap.get(r["id"]) is not None]
        if clashes:
            listed = ", ".join(records[i]["id"] for i in clashes[:10]) + (" ..." if len(clashes) > 10 else "")
            problems = [_("{where}: {id} is already in the store").format(where=origins[i], id=records[i]["id"])
                        for i in clashes] if origins else []
            shown = problems[:MAX_SHOWN_PROBLEMS]
            if len(problems) > len(shown):
                shown.append(_("... and {count} more").format(count=len(problems) - len(shown)))
            raise ValidationFailed(
                _("nothing was imported: {count} ticket(s) already in the store: {listed}").format(
                    count=len(clashes), listed=listed), shown
            )
        highest: dict[str, str] = {}
        for record in records:
            snap.insert(record)
            key = record["id"].rsplit("-", 1)[0]
            highest[key] = max(highest.get(key, record["id"]), record["id"])
        for ticket_id in highest.values():
            snap.bump_sequence(ticket_id)
    return len(records)
