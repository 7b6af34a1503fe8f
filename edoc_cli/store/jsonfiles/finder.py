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

import hashlib
import json
import os
from pathlib import Path
from typing import Iterator

from edoc_cli.search import index_text

FORMAT = "edoc-find 1"
_OPEN = b'{"tickets":{'  # how edoc writes a bucket (compact JSON); any other layout is read whole


def cache_folder(archive_dir: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    where = hashlib.sha256(os.fsencode(os.path.realpath(archive_dir))).hexdigest()[:20]
    return Path(base) / "edoc" / "find" / where


def candidates(folder: Path, name: str, stat: os.stat_result, read, needles: list[bytes]
               ) -> list[tuple[str, int, int]] | None:
    """(number, offset, length) of the tickets of bucket `name` whose index line holds one of `needles`;
    None when the bucket cannot be indexed (it is then read whole). `read()`: the bucket's bytes."""
    header = f"{FORMAT} {stat.st_size} {stat.st_mtime_ns} {stat.st_ino} {stat.st_dev}\n".encode()
    path = folder / (name + ".find")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        data = b""
    if not data.startswith(header):
        lines = _index(read())
        if lines is None:
            return None
        data = header + b"".join(lines)
        _save(path, data)
    found: dict[int, tuple[str, int, int]] = {}
    for needle in needles:
        at = data.find(needle, len(header))
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            parts = data[start:end].split(b"\t", 3)
            if len(parts) == 4 and at >= end - len(parts[3]):  # in the text, not in the number or offsets
                found.setdefault(start, (parts[0].decode("utf-8", "replace"), int(parts[1]), int(parts[2])))
            at = data.find(needle, end)
    return [found[k] for k in sorted(found)]


def _index(raw: bytes | None) -> list[bytes] | None:
    """The index lines of a bucket's bytes ("number\\toffset\\tlength\\ttext\\n"), or None."""
    if raw is None or not raw.startswith(_OPEN):
        return None
    try:
        return [f"{tid}\t{offset}\t{length}\t{text}\n".encode("utf-8") for tid, offset, length, text in _members(raw)]
    except (ValueError, UnicodeError, RecursionError, IndexError):
        return None


def _members(raw: bytes) -> Iterator[tuple[str, int, int, str]]:
    """(number, byte offset, byte length, index text) of each ticket of a compact bucket."""
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
        if isinstance(tid, str) and "\t" not in tid and "\n" not in tid:
            yield tid, byte_at, length, index_text(doc)
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

