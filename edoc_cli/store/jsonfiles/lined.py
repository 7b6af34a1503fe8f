"""The store proper's layout: one record a line, under a seal, so that a command reads and checks
only the tickets it touches.

The store proper is one JSON document of tables (TinyDB's), written one record a line:

    {"meta":{"1":{"schema_version":3,…,"seal":{"rules":2,"size":…,"crc32":…}}}
    ,"tickets":{
    "1":{"id":"ED-2026-000001",…}
    ,"2":{"id":"ED-2026-000002",…}
    }
    ,"outbox":{
    }
    }

Newlines are JSON whitespace: any JSON reader, a hand editor, an older edoc read it as before.

The seal, in the meta record, is the CRC-32 and the length of every byte after the first line, and
the record rules' version. A writer seals only a file whose every ticket passed the record rules
(what it wrote, it checked on write; the rest it read under a seal, or checked at the commit). A
reader that finds the seal intact knows each record was checked and is exactly what edoc wrote: it
decodes only the records it is asked for, and never checks them again. A seal missing or not
matching (a hand edit, a damaged disk, an older edoc's write, new record rules) sends the reader
the old way: the whole file decoded (writers refusing a key given twice) and every record checked
as it is used. The seal guards against an editor and bit rot, not against someone who recomputes
a CRC: such a person can write any file, as they could before.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import MutableMapping
from typing import Any, Callable, Iterator

from edoc_cli.store.base import encode, file_bytes, no_duplicate_keys, nonfinite

META, TICKETS = "meta", "tickets"
SEAL = "seal"
_FIRST = b'{"meta":{"1":'
_RECORD = re.compile(rb'^,?"([0-9]+)":(\{"id":"([^"\\]*)".*)$', re.MULTILINE)  # a ticket's line: doc id, record, number


class Records(MutableMapping):
    """The tickets table: doc id ("17") -> record, each decoded when first asked for.

    `_slots` keeps the table's order; a value is the record, or its bytes not yet decoded. `_read`
    keeps the bytes of every record unchanged since a sealed file was read: they are written back as
    they are, and need no check.
    """

    def __init__(self, docs: dict[str, Any] | None = None, read: dict[str, bytes] | None = None,
                 ids: dict[str, int] | None = None):
        self._slots: dict[str, Any] = dict(read) if read is not None else dict(docs or {})
        self._read: dict[str, bytes] = read if read is not None else {}
        self.ids = ids  # ticket id -> doc id, known from a sealed file's lines (None: from the records)
        self._next = 0

    @property
    def sealed(self) -> bool:
        """Whether the records were read from an intact seal."""
        return self.ids is not None

    def __getitem__(self, key: str) -> Any:
        value = self._slots[key]
        if type(value) is bytes:
            value = self._slots[key] = decode(value)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._slots[key] = value
        self._read.pop(key, None)

    def __delitem__(self, key: str) -> None:
        del self._slots[key]
        self._read.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def sealed_lines(self) -> dict[str, bytes] | None:
        """Every record's line as a sealed file held it (doc id -> bytes), or None: read without a seal,
        or changed since."""
        return self._read if self.sealed and len(self._read) == len(self._slots) else None

    def unchanged(self, key: str) -> bool:
        """Whether the record is as a sealed file held it (so checked when it was written)."""
        return key in self._read

    def add(self, doc: Any) -> int:
        """Add a record under a new doc id (one above the highest ever seen here), and return that id."""
        if not self._next:  # as TinyDB: the highest id when first asked, then counting on
            self._next = max(map(int, self._slots), default=0)
        self._next += 1
        self[str(self._next)] = doc
        return self._next

    def line(self, key: str) -> bytes:
        """The record's JSON for its line: as read if unchanged, encoded with "id" first otherwise."""
        if key in self._read:
            return self._read[key]
        doc = self[key]
        if isinstance(doc, dict) and "id" in doc and next(iter(doc)) != "id":
            doc = {"id": doc["id"], **doc}
        return file_bytes(encode(doc))


_DIGITS = b" " * 48 + b"0" * 10 + b" " * 198  # a translation: every digit a "0", every other byte a blank
_LONG_NUMBER = b"0" * 18  # (translated: ten times faster than a regular expression's [0-9]{18})


def decode(raw: bytes) -> Any:
    """One record's JSON. orjson reads it twice as fast as the json module (10 ms of a list of 2,000
    tickets), and the same, but for what it refuses (NaN, a lone surrogate escape: then the json
    module reads it, as any record) and for an integer beyond 64 bits, which it would read as a
    float: a record with a run of 18 digits anywhere (an IIN has 12) is left to the json module."""
    if _LONG_NUMBER not in raw.translate(_DIGITS):
        try:
            import orjson
        except ImportError:  # edoc is installed with it; a copy without it is only slower
            pass
        else:
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass
    return json.loads(raw, parse_constant=nonfinite)


def write(data: dict[str, Any], rules: int, sound: Callable[[str], bool]) -> list[bytes]:
    """The store proper's bytes in the lined layout, as its first line and the rest; sealed when
    `sound(doc id)` holds for every ticket."""
    parts = []
    # the tickets last: a reader finds where their lines end without searching them
    for name, table in sorted(data.items(), key=lambda item: item[0] == TICKETS):
        if name == META:
            continue
        parts.append(b',"' + file_bytes(json.dumps(name, ensure_ascii=False)[1:-1]) + b'":{\n')
        for i, key in enumerate(table):
            line = table.line(key) if isinstance(table, Records) else file_bytes(encode(table[key]))
            parts += (b',"' if i else b'"', key.encode(), b'":', line, b"\n")
        parts.append(b"}\n")
    parts.append(b"}\n")
    rest = b"".join(parts)
    meta_table = data.get(META, {})
    meta = {k: v for k, v in meta_table.get("1", {}).items() if k != SEAL}
    tickets = data.get(TICKETS, {})
    if all(sound(key) for key in tickets):
        meta[SEAL] = {"rules": rules, "size": len(rest), "crc32": zlib.crc32(rest)}
    # Any other meta record (a hand edit) is kept, on the first line: a reader then reads the file whole.
    others = b"".join(b',"' + key.encode() + b'":' + file_bytes(encode(doc)) for key, doc in meta_table.items()
                     if key != "1")
    return [_FIRST + file_bytes(encode(meta)) + others + b"}\n", rest]


def identity(raw: bytes, rules: int) -> str | None:
    """What names a store proper's bytes whose seal is intact: its first line (the seal in it names
    every byte after it), and the Adler-32 of the rest besides the seal's CRC-32; None: not sealed."""
    found = sealed(raw, rules)
    return None if found is None else found[0]


def sealed(raw: bytes, rules: int) -> tuple[str, dict[str, Any]] | None:
    """A sealed store proper's identity (see identity) and its meta record without the seal; None: not
    sealed."""
    found = _sealed(raw, rules)
    if found is None:
        return None
    end, meta = found
    del meta[SEAL]
    return _identity(raw, end), meta


def _identity(raw: bytes, end: int) -> str:
    view = memoryview(raw)
    return f"{end}:{zlib.crc32(view[:end])}:{zlib.adler32(view[end:])}"


def ticket_lines(raw: bytes) -> dict[str, bytes] | None:
    """Each ticket's record as its line holds it (doc id -> bytes), in a store proper's bytes whose seal
    holds (see identity), laid out as `write` lays them out (None: not so)."""
    data = _tables(raw, raw.find(b"\n") + 1, {})
    return None if data is None else data[TICKETS]._read


def holds_nonfinite_outside_tickets(raw: bytes) -> bool:
    """Whether the tables before the tickets' may hold a NaN or an Infinity (a hand edit; or only a
    text that says so): reading one makes the json module write every JSON of the run."""
    head = raw[:raw.find(b'\n,"tickets":{\n')]
    return b"NaN" in head or b"Infinity" in head


def line_reader(raw: bytes, layout: list[tuple[str, int]]) -> Callable[[int], bytes | None]:
    """A reader of the tickets' records as their lines hold them, by place in the table, in a store
    proper's bytes as `write` lays them out (the tickets the last table, a record a line), whose table
    is `layout`: each line's doc id and the length of its record. None: a line is not where the
    layout puts it."""
    header = b'\n,"tickets":{\n'
    at = raw.find(header)  # the first such line: a line is never inside a JSON text
    starts = []
    pos = at + len(header)
    for place, (doc_id, length) in enumerate(layout):
        pos += len(doc_id) + (4 if place else 3)  # ,"17": (the first line: "1":)
        starts.append(pos)
        pos += length + 1

    def line(place: int) -> bytes | None:
        doc_id, length = layout[place]
        begin = starts[place]
        key = (b',"' if place else b'"') + doc_id.encode() + b'":'
        if at < 0 or raw[begin - len(key):begin] != key or raw[begin + length:begin + length + 1] != b"\n":
            return None
        return raw[begin:begin + length]
    return line


def read(raw: bytes, rules: int) -> dict[str, Any] | None:
    """The tables of a store proper whose seal is intact (tickets undecoded), or None: read it whole."""
    found = _sealed(raw, rules)
    if found is None:
        return None
    end, meta = found
    del meta[SEAL]
    return _tables(raw, end + 1, meta)


def _sealed(raw: bytes, rules: int) -> tuple[int, dict[str, Any]] | None:
    """Where the first line of a store proper whose seal is intact ends, and its meta record; None: the
    seal is not there, or does not hold."""
    end = raw.find(b"\n")
    first = raw[:end]
    if end < 0 or not first.startswith(_FIRST) or not first.endswith(b"}"):
        return None
    try:  # a key given twice, a nesting too deep (hand edits) are refused by the whole reading
        meta = json.loads(first[len(_FIRST):-1], object_pairs_hook=no_duplicate_keys, parse_constant=nonfinite)
    except (ValueError, RecursionError):
        return None
    seal = meta.get(SEAL) if isinstance(meta, dict) else None
    rest = memoryview(raw)[end + 1:]
    return (end, meta) if seal == {"rules": rules, "size": len(rest), "crc32": zlib.crc32(rest)} else None


def _tables(rest: bytes, pos: int, meta: dict[str, Any]) -> dict[str, Any] | None:
    """The tables of the lines from `pos` on (those after the meta record's), as `write` makes them
    (None: anything else)."""
    data: dict[str, Any] = {META: {"1": meta}}
    while not (rest.startswith(b"}\n", pos) and pos + 2 == len(rest)):
        end = rest.find(b"\n", pos)
        header = rest[pos:end]
        # a record's line never is "}" (it starts with a quote or a comma); the tickets' table is the last
        close = len(rest) - 5 if header == b',"tickets":{' else rest.find(b"\n}\n", end)
        if end < 0 or close < end or not (header.startswith(b',"') and header.endswith(b'":{')) \
                or rest[close:close + 3] != b"\n}\n":
            return None
        name = json.loads(header[1:-2])
        count = rest.count(b"\n", end + 1, close) + 1 if close > end else 0
        if name == TICKETS:
            found = _RECORD.findall(rest, end + 1, close)
            if len(found) != count:
                return None
            data[TICKETS] = Records(read={key.decode(): body for key, body, _ in found},
                                    ids={tid.decode("utf-8"): int(key) for key, _, tid in found})
        else:
            table = data[name] = {}
            for line in rest[end + 1:close].split(b"\n") if count else ():
                key, _, body = line.lstrip(b",").partition(b":")
                if not (key[1:-1].isdigit() and key[1:-1].isascii()):
                    return None
                table[key[1:-1].decode()] = json.loads(body, parse_constant=nonfinite)
        pos = close + 3
    data.setdefault(TICKETS, Records(read={}, ids={}))
    return data
