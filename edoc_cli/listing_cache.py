"""`edoc list`'s rows, kept between runs: a list of 2,000 open tickets works out again only the
tickets changed since the last list, and of the others only what time changes.

What a list shows of a ticket is its stored fields, which change only with its record, and its SLA
figures, which change with time too. For each ticket of the store proper this cache keeps, keyed by
its record's line (its length and two checksums: lined.py writes a record a line):

- the fields a list shows, chooses and orders by;
- the part of its clocks that time does not change (sla.held; sla.resumed works out the rest
  exactly as sla.clocks does, for any now at or after the ticket's last event; before it, as for a
  past --now, the record is read and its clocks replayed);
- its view's JSON before and after `sla`, for a pipe's `list --json`.

The cache is used only when the store proper was read under an intact seal (every record checked
when it was written) and only for what it can answer: a list of open tickets by stored fields and SLA
figures; a search, --since/--until, CSV/TSV and a terminal's JSON take the way of every command. A
cache made by other code or for another working calendar is not read (`_key`), a damaged one is made
again, and one that cannot be written (a read-only home, a full disk) is simply not kept. `edoc
check` and `edoc sla` never read it. It lives in the user's cache folder, like the search index.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

from edoc_cli.epoch_us import stamp
from edoc_cli.json_text import json_text
from edoc_cli.safe_text import escape_c1_in_json
from edoc_cli.sla import HELD, held, resumed, view_parts
from edoc_cli.ticket import ACTIVE

FORMAT = 3
# A list row's stored fields, in this order: what the table shows, filters choose and --sort orders by.
FIELDS = ("id", "status", "category", "sla_level", "priority", "assignee", "subject", "created_at")
# A kept entry is one flat list (two thousand of them are read at every list: few objects read fastest):
# its line's mark (_mark), FIELDS, what its clocks keep (sla.HELD), where its JSON parts are.
_FIELDS = slice(3, 3 + len(FIELDS))
_HELD = slice(_FIELDS.stop, _FIELDS.stop + len(HELD))
_AT, _BEFORE, _AFTER = _HELD.stop, _HELD.stop + 1, _HELD.stop + 2
_SIZE = _AFTER + 1
_SORTS = ("due", "priority", "created", "id")  # --sort updated orders by the last event: the way of every command
# The modules whose code makes what is kept: a change to any of them (an upgrade) makes the cache anew.
_CODE = ("edoc_cli.sla", "edoc_cli.workcal", "edoc_cli.epoch_us", "edoc_cli.tz", "edoc_cli.holiday_table",
         "edoc_cli.rules.service_levels", "edoc_cli.rules.no_response", "edoc_cli.ticket", "edoc_cli.safe_text",
         "edoc_cli.json_text", "edoc_cli.store.base", "edoc_cli.store.jsonfiles.lined", "edoc_cli.listing_cache")
# What a list's way from the kept rows may meet in a cache not as this code writes it (made by hand under a
# right checksum): the list then takes the way of every command, and the cache is made again.
UNSOUND = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError)


def answers(wanted) -> bool:
    """Whether a list asked for can be answered from the cache (listing.ListFilter)."""
    return (set(wanted.statuses) <= set(ACTIVE) and wanted.sort in _SORTS and wanted.since is None
            and wanted.until is None and wanted.client is None and wanted.text is None)


class _Unread(Exception):
    """The store proper changed while a list took it for the file its rows were made from."""


class _Uncached(Exception):
    """A ticket whose JSON orjson does not write (an integer beyond 64 bits): the json module then writes
    the whole list's, so the list takes the way of every command."""


def rows(desk) -> list[tuple[dict[str, Any], tuple[Any, Any]]] | None:
    """Every ticket of the store proper as (list view, its JSON before and after `sla`), the views' SLA
    figures as of desk.now(); the list view holds FIELDS and `sla`. None: the store proper was not read
    under an intact seal, and the list must take the way of every command.

    When the store proper is the very file the kept rows were made from (lined.identity), it is read
    only for a ticket whose row cannot answer (a now before its last event); otherwise it is read, and
    only the tickets whose lines changed are worked out again."""
    from edoc_cli.store import base

    key = _key(desk.calendar)
    if key is None:
        return None
    store = os.path.realpath(desk.store.path)
    path, head = _path(desk, store), {"format": FORMAT, "store": store, "key": key}
    kept, body, made_from = _read(path, head)
    out = None
    if kept and made_from is not None and made_from == desk.store.identity():
        reader: list = []  # the store proper read once, if a row cannot answer

        def line_of(doc_id: str, place: int) -> bytes:
            if not reader:  # the kept entries are the file's lines in order, and know their lengths
                try:
                    reader.append(desk.store.line_reader(made_from, [(d, e[0]) for d, e in kept.items()]))
                except (TypeError, ValueError):  # a length not as this code writes it
                    reader.append(None)
            line = reader[0] and reader[0](place)
            if line is None:
                raise _Unread(doc_id)
            return line
        try:
            out, fresh, identity = *_views(desk, kept, body, kept, line_of, check=False), made_from
        except _Unread:
            pass
        except _Uncached:
            return None
    if out is None:
        sealed = desk.store.sealed_lines()
        if sealed is None:
            return None
        identity, lines = sealed
        try:
            out, fresh = _views(desk, kept, body, lines, lambda doc_id, _place: lines[doc_id], check=True)
        except _Uncached:
            return None
    if base._NONFINITE_READ:  # a record holding a NaN (a hand edit sealed by an older edoc): every JSON
        return None           # of this run is then written by the json module, as the other way does
    if identity != made_from or fresh.keys() != kept.keys() or any(fresh[d] is not kept[d] for d in fresh):
        _write(path, head, identity, fresh, [p for _v, p in out])
    return out


def _views(desk, kept: dict[str, list], body, ids, line_of, check: bool
           ) -> tuple[list[tuple[dict[str, Any], tuple[Any, Any]]], dict[str, list]]:
    """The list views and JSON parts of the tickets `ids` (doc ids, in the store's order), and the entry
    of each, kept or made again from its line (`line_of(doc id, place)`). `check`: a kept entry is
    taken only if its line is the one it was made from (the store was read); otherwise as it is."""
    decode = desk.store.decode_line
    cal, tz, now = desk.calendar, desk.tz, desk.now()
    now_us = stamp(now, "now")
    measure = cal.meter()  # one for the whole list: now is measured once
    out = []
    fresh: dict[str, list] = {}
    for place, doc_id in enumerate(ids):
        entry = kept.get(doc_id)
        if check and entry is not None and entry[:3] != _mark(line_of(doc_id, place)):
            entry = None
        view = None
        if entry is not None:
            try:
                view = _view(entry, cal, now, now_us, tz, measure)
                start, middle = entry[_AT], entry[_AT] + entry[_BEFORE]
                parts = (body[start:middle], body[middle:middle + entry[_AFTER]])
            except UNSOUND:
                entry = None  # not as this code writes it: made again
        if entry is None:
            line = line_of(doc_id, place)
            ticket = decode(line)
            before, after = view_parts(ticket, cal, tz)
            parts = (_part(before)[:-1], _part(after)[1:])
            entry = [*_mark(line), *(ticket.get(f) for f in FIELDS), *held(ticket, cal, tz), None,
                     len(parts[0]), len(parts[1])]
            view = _view(entry, cal, now, now_us, tz, measure)
        if view is None:  # a now before its last event: its history is cut there, as the replay cuts it
            view = dict(zip(FIELDS, entry[_FIELDS]), sla=desk.view(decode(line_of(doc_id, place)))["sla"])
        fresh[doc_id] = entry
        out.append((view, parts))
    return out, fresh


def _mark(line: bytes) -> list[int]:
    """What tells a record's line from another: its length and two checksums."""
    return [len(line), zlib.crc32(line), zlib.adler32(line)]


def _view(entry: list, cal, now, now_us: int, tz, measure) -> dict[str, Any] | None:
    """A kept entry's list view as of `now` (None: `now` is before the ticket's last event)."""
    clocks = entry[_HELD]
    if now_us < clocks[0]:
        return None
    view = dict(zip(FIELDS, entry[_FIELDS]))
    view["sla"] = resumed(clocks, cal, now, tz, measure)
    return view


def json_of(views: list[dict[str, Any]], parts: list[tuple[Any, Any]]) -> bytes:
    """A pipe's `list --json` of these views: what json_text(full views, pretty=False) gives."""
    import orjson

    # The clocks of all in one call (a call costs more than a clock's JSON), cut where each begins: a
    # JSON text never holds an unescaped quote, so the cut is exact; checked by their count.
    opening = b'{"first_response":'
    joined = orjson.dumps([view["sla"] for view in views])
    slas = joined[1:-1].split(b"," + opening) if views else []
    if not joined.isascii() or b"\x7f" in joined or len(slas) != len(views):  # a text to escape (json_text)
        slas = [_json(view["sla"]) for view in views]
    else:
        slas[1:] = [opening + sla for sla in slas[1:]]
    pieces: list[Any] = []
    add = pieces.extend
    for sla, (before, after) in zip(slas, parts):
        add((b",", before, b',"sla":', sla, b",", after))
    if pieces:
        pieces[0] = b""
    return b"".join([b"[", *pieces, b"]"])


def _json(obj: Any) -> bytes:
    return json_text(obj, pretty=False).encode("utf-8")


def _part(obj: Any) -> bytes:
    """A part of a view's JSON as json_text writes it when orjson writes the whole list (_Uncached: not)."""
    import orjson

    try:
        text = orjson.dumps(obj)
    except TypeError:
        raise _Uncached() from None
    return text if text.isascii() and b"\x7f" not in text else escape_c1_in_json(text.decode("utf-8")).encode()


def _key(cal) -> str | None:
    """What the kept rows were made with: this code (its files' bytes), Python and orjson, this working
    calendar, the zone's data and the holiday tables (their cache file, named by the package's copy).
    None: not all of it is known (code in a zip): no rows are kept."""
    import importlib
    import sys

    import orjson

    from edoc_cli.holiday_table import _cache_path
    from edoc_cli.tz import zone_mark

    code = []
    for name in _CODE:
        try:
            with open(importlib.import_module(name).__file__, "rb") as handle:
                source = handle.read()
        except (ImportError, TypeError, OSError):
            return None
        code.append(f"{len(source)}:{zlib.crc32(source)}:{zlib.adler32(source)}")
    zone = zone_mark(cal.tz)
    if zone is None:
        return None
    holidays = _cache_path(cal.holidays) if cal.holidays else None
    return repr((FORMAT, code, sys.version, orjson.__version__, zone, cal.workday_start.isoformat(),
                 cal.workday_end.isoformat(), sorted(cal.workdays), cal.holidays, holidays and holidays.name,
                 sorted(cal.extra_days_off), sorted(cal.extra_working_days)))


def _path(desk, store: str) -> Path:
    """<the cache folder>/list/<the store's path's checksum>.rows (the path itself is in the file)."""
    from edoc_cli.cache_home import cache_home

    return cache_home(desk.environ) / "list" / f"{zlib.crc32(os.fsencode(store)):08x}.rows"


def set_aside(desk) -> None:
    """Remove this store's kept rows (found not as this code writes them): the next list makes them again."""
    try:
        os.unlink(_path(desk, os.path.realpath(desk.store.path)))
    except OSError:
        pass


# The file: the CRC-32 of everything after its first line, in hex; the head (`rows`'s, with the store
# proper's identity the rows were made from); the entries; their JSON parts, one after the other.
_CRC_LINE = 9


def _read(path: Path, head: dict[str, Any]) -> tuple[dict[str, list], memoryview, str | None]:
    """The entries kept for this store by this code and calendar (`head`), the JSON parts they place,
    and the store proper's bytes they were made from (lined.identity); none when there is no cache,
    it is damaged (its checksum), or it is not a plain file of this user's."""
    import orjson

    try:
        data = _own_file(path)
        crc, head_end = data[:_CRC_LINE], data.find(b"\n", _CRC_LINE)
        table_end = data.find(b"\n", head_end + 1)
        if table_end < 0 or crc != b"%08x\n" % zlib.crc32(memoryview(data)[_CRC_LINE:]):
            return {}, memoryview(b""), None
        said = orjson.loads(data[_CRC_LINE:head_end])
        if isinstance(said, dict) and {**said, "file": None} == {**head, "file": None}:
            table = orjson.loads(data[head_end + 1:table_end])
            if isinstance(table, dict) and all(type(e) is list and len(e) == _SIZE for e in table.values()):
                return table, memoryview(data)[table_end + 1:], said.get("file")
    except (OSError, ValueError):
        pass
    return {}, memoryview(b""), None


def _own_file(path: Path) -> bytes:
    """The bytes of a plain file of this user's, never through a link (a FIFO put there waits for no
    one); OSError otherwise."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            raise OSError(f"{path} is not a plain file of this user's")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def _write(path: Path, head: dict[str, Any], identity: str, entries: dict[str, list],
           parts: list[tuple[Any, Any]]) -> None:
    """Keep the entries for the next list, the file replaced whole (a reader sees the old one or the
    new), in a folder of this user's alone; any failure (a read-only home, a full disk) leaves the list
    as it was, only slower next time."""
    import orjson
    import tempfile

    offset = 0
    for entry, (before, after) in zip(entries.values(), parts):
        entry[_AT:] = [offset, len(before), len(after)]
        offset += len(before) + len(after)
    try:
        table = orjson.dumps(entries)
    except TypeError:  # a value orjson does not write (an integer beyond 64 bits): not kept
        return
    body = b"".join([orjson.dumps({**head, "file": identity}), b"\n", table, b"\n",
                     *(piece for pair in parts for piece in pair)])
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"%08x\n" % zlib.crc32(body))
            handle.write(body)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
