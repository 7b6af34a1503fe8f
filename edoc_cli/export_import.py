"""Export and import whole tickets as JSON Lines, history included."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from functools import partial
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from edoc_cli.errors import ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.parallel import cores, ordered_map
from edoc_cli.progress import SILENT, Progress
from edoc_cli.ticket_rules import MAX_RECORD_TEXT, SUSPECT_ESCAPE, ticket_problems
from edoc_cli.store import Store, encode, no_duplicate_keys
from edoc_cli.ticket_id import split_number
from edoc_cli.safe_text import escape_c1_in_json

MAX_LINE_BYTES = 16 * 1024 * 1024


def export_lines(store: Store) -> Iterator[str]:
    """Every ticket record, one JSON object a line, in registration-number order: one committed state
    (see the store), every record as it is, damaged ones included, so a backup loses nothing."""
    snap = store.snapshot()
    try:
        for ticket in snap.iter_all_tickets(sound_only=False):
            yield escape_c1_in_json(json.dumps(ticket, ensure_ascii=False, separators=(",", ":")))
    finally:
        snap.close()


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


PROGRESS_EVERY = 1000  # lines or records between two reports to a Progress


def told_lines(handle, progress: Progress) -> Iterator[bytes]:
    """`bounded_lines(handle)`, telling `progress` how many bytes have been read (of the file's size
    when it is a regular file; stdin's is unknown)."""
    import os
    import stat

    try:
        info = os.fstat(handle.fileno())
        total = info.st_size if stat.S_ISREG(info.st_mode) else None
    except (OSError, ValueError, AttributeError):
        total = None
    progress.begin(_("import: reading and checking"), total)
    read = 0
    for n, line in enumerate(bounded_lines(handle), start=1):
        read += len(line)
        if not n % PROGRESS_EVERY:
            progress.update(read)
        yield line
    progress.update(read)


class Prepared(NamedTuple):
    """One checked record of an import, ready to file."""

    line: int
    id: str
    created_at: str
    closed: bool
    text: str                # the record's compact JSON text (the archive files take it as it is)
    summary: str | None      # a closed ticket's archive summary, as compact JSON


# An import is checked whole before anything is written. A big one (five years of a busy desk
# is 200,000 tickets) is checked in worker processes, a chunk of lines at a time: they parse,
# check, summarize and encode, so this process only files texts into their archive files.
CHUNK_LINES = 1000
POOL_FROM_LINES = 5 * CHUNK_LINES  # below this, starting workers costs more than they save

Summarize = Callable[[dict[str, Any]], dict[str, Any]]
Checked = tuple[int, list[str], "str | None", "Prepared | None"]  # line, problems, its id, the record


def prepare_lines(lines: Iterable[bytes], where: str, summarize: Summarize,
                  workers: int | None = None) -> list[Prepared]:
    """Every record of a JSON Lines input checked and encoded, or ValidationFailed listing every bad line.

    `workers`: processes to check in (default: one per core, for inputs of POOL_FROM_LINES and more).
    """
    chunks = _chunks(enumerate(lines, start=1))
    head = list(islice(chunks, POOL_FROM_LINES // CHUNK_LINES))
    workers = cores() if workers is None else workers
    everything = chain(head, chunks)
    check = partial(_check_chunk, where=where, summarize=summarize)
    with _without_cycle_collection():
        if workers > 1 and len(head) * CHUNK_LINES >= POOL_FROM_LINES:
            with ordered_map(check, everything, workers) as checked:
                return _collect(chain.from_iterable(checked), where)
        return _collect(chain.from_iterable(map(check, everything)), where)


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off: the records an import holds are texts in tuples and make
    no cycles, and tracing them again and again as they pile up cost a big import a fifth of its time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _collect(checked: Iterable[Checked], where: str) -> list[Prepared]:
    records: list[Prepared] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, why, tid, record in checked:
        problems += why
        if tid is not None:
            if tid in seen:
                problems.append(_("{where}:{line}: {id} is already on line {other}").format(
                    where=where, line=number, id=tid[:40], other=seen[tid]))
            seen.setdefault(tid, number)
        if record is not None and not problems:  # once one is found, nothing will be imported
            records.append(record)
    if problems:
        raise ValidationFailed(_("nothing was imported: {count} problem(s)").format(count=len(problems)), problems)
    return records


def _chunks(numbered: Iterator[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    while chunk := list(islice(numbered, CHUNK_LINES)):
        yield chunk


def _check_chunk(chunk: list[tuple[int, bytes]], where: str, summarize: Summarize) -> list[Checked]:
    """Each line of the chunk checked: (line, problems, its id if it has one, the record if sound)."""
    checked: list[Checked] = []
    for number, raw in chunk:
        if len(raw) > MAX_LINE_BYTES:
            checked.append((number, [_("{where}:{line}: line longer than {size} MiB").format(
                where=where, line=number, size=MAX_LINE_BYTES // 2**20)], None, None))
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8-sig").strip()
            # A key given twice would be stored twice and lost later; NaN and Infinity are not JSON.
            record = json.loads(text, object_pairs_hook=no_duplicate_keys, parse_constant=_no_constant)
        except UnicodeDecodeError as exc:
            checked.append((number, [_("{where}:{line}: not UTF-8 (byte {byte})").format(
                where=where, line=number, byte=exc.start)], None, None))
            continue
        except (ValueError, RecursionError):  # also a number of thousands of digits
            checked.append((number, [_("{where}:{line}: not valid JSON").format(where=where, line=number)],
                            None, None))
            continue
        # A NUL or a lone surrogate can only be written as an escape in JSON text (UTF-8 has no
        # bytes for them); a string longer than the limit needs a longer line.
        texts_checked = len(raw) <= MAX_RECORD_TEXT and not SUSPECT_ESCAPE.search(raw)
        why = [f"{where}:{number}: {problem}" for problem in ticket_problems(record, texts_checked)]
        tid = record["id"] if isinstance(record, dict) and isinstance(record.get("id"), str) else None
        if why:
            checked.append((number, why, tid, None))
            continue
        closed = record["status"] == "closed"
        # Stored as edoc writes it (the line's own text could hold odd but valid JSON: spacing, escapes).
        checked.append((number, [], tid, Prepared(
            number, tid, record["created_at"], closed, encode(record),
            encode(summarize(record)) if closed else None)))
    return checked


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def import_records(store: Store, records: list[Prepared], where: str, progress: Progress = SILENT) -> int:
    """Add every record, or none: a number already in the store refuses the whole import."""
    if not records:
        return 0
    progress.begin(_("import: filing"), len(records))
    with _without_cycle_collection(), store.transaction() as snap:
        clashes = [r for r in records if snap.holds(r.id)]
        if clashes:
            listed = ", ".join(r.id for r in clashes[:10]) + (" ..." if len(clashes) > 10 else "")
            problems = [_("{where}: {id} is already in the store").format(where=f"{where}:{r.line}", id=r.id)
                        for r in clashes]
            raise ValidationFailed(
                _("nothing was imported: {count} ticket(s) already in the store: {listed}").format(
                    count=len(clashes), listed=listed), problems
            )
        highest: dict[tuple[str, int], tuple[int, str]] = {}  # (prefix, year) -> its highest number
        for n, record in enumerate(records):
            if not n % PROGRESS_EVERY:
                progress.update(n)
            if record.closed:
                snap.put_encoded(record.id, record.created_at, record.text, record.summary)
            prefix, year, n = split_number(record.id)
            highest[prefix, year] = max(highest.get((prefix, year), (n, record.id)), (n, record.id))
        snap.insert_new([json.loads(r.text) for r in records if not r.closed])
        for _n, ticket_id in highest.values():
            snap.bump_sequence(ticket_id)
        progress.begin(_("import: saving"))  # the commit: files written and synced, or the COPY
    return len(records)
