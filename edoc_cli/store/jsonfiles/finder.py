"""Searching the JSON store's archive without reading it whole.

Five years of closed tickets are some 400 MB of JSON; parsing them all takes seconds. A search reads,
for each archive bucket, a cache of its tickets' searchable text (search.index_text: folded, one
line a ticket, with where the ticket's JSON lies in the bucket), finds the needle's bytes in it, and
reads only the tickets it names, each checked by the store's record rules as any read is; the
matcher then decides, on the ticket itself.

The cache is a cache: kept under $XDG_CACHE_HOME/edoc/find/ (the reader's own: a reader never writes
the store), made from a bucket the first time a search reads it, and used only for the very file it
was made from (its size, modification time, inode and device, as the snapshot opened it): a bucket
rewritten since, or a cache that is missing, damaged or unwritable, only makes a search slower (the
bucket is read whole), never wrong.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Iterator

from edoc_cli.search import index_text

FORMAT = "edoc-find 2"
_OPEN = b'{"tickets":{'  # how edoc writes a bucket (compact JSON); any other layout is read whole


def cache_folder(archive_dir: Path) -> Path:
    import hashlib  # here: the everyday commands that never search need not load OpenSSL's (2 ms)

    from edoc_cli.cache_home import cache_home

    where = hashlib.sha256(os.fsencode(os.path.realpath(archive_dir))).hexdigest()[:20]
    return cache_home() / "find" / where


def candidates(folder: Path, name: str, stat: os.stat_result, read, needles: list[bytes]
               ) -> list[tuple[str, int, int, str]] | None:
    """(number, offset, length, registered at) of the tickets of bucket `name` whose index line holds one
    of `needles`; None when the bucket cannot be indexed (it is then read whole). `read()`: its bytes."""
    made_from = f"{FORMAT} {stat.st_size} {stat.st_mtime_ns} {stat.st_ino} {stat.st_dev}"
    path = folder / (name + ".find")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        data = b""
    head, _, body = data.partition(b"\n")
    if head != _header(made_from, body):  # made from another file, or damaged since
        lines = _index(read())
        if lines is None:
            return None
        body = b"".join(lines)
        data = _header(made_from, body) + b"\n" + body
        _save(path, data)
    header = data[:data.index(b"\n") + 1]
    found: dict[int, tuple[str, int, int, str]] = {}
    try:
        for needle in needles:
            at = data.find(needle, len(header))
            while at >= 0:
                start = data.rfind(b"\n", 0, at) + 1
                end = data.find(b"\n", at)
                if end < 0:
                    raise ValueError("a line without its end")
                parts = data[start:end].split(b"\t", 4)
                if len(parts) != 5:
                    raise ValueError("not a line of the index")
                if at >= end - len(parts[4]):  # in the text, not in the number or offsets
                    offset, length = int(parts[1]), int(parts[2])
                    if offset < 0 or length < 0:
                        raise ValueError("a negative offset")
                    found.setdefault(start, (parts[0].decode("utf-8", "replace"), offset, length,
                                             parts[3].decode("utf-8", "replace")))
                at = data.find(needle, end)
    except ValueError:  # a line not of this format: the cache is damaged, and the bucket is read whole
        return None
    return [found[k] for k in sorted(found)]


def _header(made_from: str, body: bytes) -> bytes:
    """The first line of a cache: the file it was made from, and its own length and checksum (a cache
    damaged or cut short is made again, never read as having nothing to find)."""
    return f"{made_from} {len(body)} {zlib.crc32(body)}".encode()


def _index(raw: bytes | None) -> list[bytes] | None:
    """The index lines of a bucket's bytes ("number\\toffset\\tlength\\tcreated_at\\ttext\\n"), or None."""
    if raw is None or not raw.startswith(_OPEN):
        return None
    try:
        return [f"{tid}\t{offset}\t{length}\t{created}\t{text}\n".encode("utf-8")
                for tid, offset, length, created, text in _members(raw)]
    except (ValueError, UnicodeError, RecursionError, IndexError):
        return None


def _members(raw: bytes) -> Iterator[tuple[str, int, int, str, str]]:
    """(number, byte offset, byte length, registered at, index text) of each ticket of a compact bucket."""
    text = raw.decode("utf-8")
    decoder = json.JSONDecoder()
    at, byte_at, seen = len(_OPEN), len(_OPEN), len(_OPEN)  # a character index, its byte offset
    while text[at] != "}":
        key, at = decoder.raw_decode(text, at)
        if not (isinstance(key, str) and key.isascii() and key.isdigit()) or text[at] != ":":
            raise ValueError("not a record of the table")
        start = at + 1
        doc, at = decoder.raw_decode(text, start)
        byte_at += len(text[seen:start].encode("utf-8"))
        length = len(text[start:at].encode("utf-8"))
        tid = doc.get("id") if isinstance(doc, dict) else None
        created = doc.get("created_at") if isinstance(doc, dict) else None
        if all(isinstance(v, str) and "\t" not in v and "\n" not in v for v in (tid, created)):
            yield tid, byte_at, length, created, index_text(doc)
        byte_at += length
        seen = at
        if text[at] == ",":
            at += 1
        elif text[at] != "}":
            raise ValueError("no comma")
    if text[at:].rstrip() != "}}":
        raise ValueError("more than the table of tickets")


def _save(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all; any failure (a read-only home, a full disk) is ignored."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        pass



IN_MEMORY = 0xFFFF  # an entry's `slot` when it stands for a ticket already read (its `offset`: where in a list)


def entry(key: tuple, slot: int, offset: int, length: int = 0) -> bytes:
    """A listing's entry as a short bytes object that sorts as `key` (base.order_key's) does: a search of
    five years may hold 200,000 of them, at some 80 bytes each rather than several objects each."""
    return _sortable(key) + struct.pack(">HQI", slot, offset, length)


def place(packed: bytes) -> tuple[int, int, int]:
    """(slot, offset, length) of an entry."""
    return struct.unpack(">HQI", packed[-14:])


def _sortable(key: tuple) -> bytes:
    if isinstance(key[0], float):  # (an instant, (prefix, year, n)); instants of edoc's years are positive
        return struct.pack(">d", max(key[0], 0.0)) + _sortable(key[1])
    prefix, year, n = key
    return prefix.encode("utf-8")[:16].ljust(16, b"\0") + struct.pack(">HI", min(year, 0xFFFF), min(n, 0xFFFFFFFF))
