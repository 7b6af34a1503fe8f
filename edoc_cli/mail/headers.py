"""Header values of inbound mail as text: encoded words, raw 8-bit bytes, addresses, message ids, dates.

Everything here takes the value as stored by the parser (folded, possibly holding undecodable bytes
as surrogates) and never raises: a value it cannot make sense of becomes "" / None / ().
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.utils
import re
from datetime import datetime, timezone

from edoc_cli.safe_text import for_terminal

# An RFC 2047 encoded word; the charset may carry an RFC 2231 language (utf-8*ru).
_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_SPACES = re.compile(r"[ \t]+")
_SURROGATES = re.compile("[\udc80-\udcff]")
_C1 = re.compile("[\x80-\x9f]")
_ADDR_SPEC = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+$")
_ANGLE_ADDR = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")
_BARE_ADDR = re.compile(r"[^\s<>()\[\],;:\"\\]+@[^\s<>()\[\],;:\"\\]+")
_ID_IN_ANGLES = re.compile(r"<([^<>]{1,990})>")
_ID_BODY = re.compile(r"^[!-;=?-~]+@[!-;=?-~]+$")  # printable ASCII without < > and a single @ at least
MAX_ADDRESS = 254


def charset_codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset name, or None when Python knows no such charset."""
    if not charset:
        return None
    name = charset.strip().strip('"').split("*", 1)[0].lower()
    aliases = {"unknown-8bit": "", "x-unknown": "", "win-1251": "cp1251", "x-cp1251": "cp1251",
               "cp-1251": "cp1251", "windows-1251": "cp1251", "utf8": "utf-8", "x-user-defined": ""}
    name = aliases.get(name, name)
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
        b"".decode(codec)  # base64, rot13, zlib... are codecs but no charsets; "undefined" always fails
    except (LookupError, ValueError):
        return None
    return codec


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes as text: the declared charset when it fits, else UTF-8, else windows-1251 (never raises).

    A single-byte charset (koi8-r, windows-1251, iso-8859-5) decodes any bytes without an error, so a
    declaration that lies cannot be caught by decoding alone; non-ASCII bytes that are valid UTF-8
    are taken as UTF-8 whatever the declaration says (text in a single-byte Cyrillic charset is
    practically never valid UTF-8 by accident).
    """
    codec = charset_codec(charset)
    if data.isascii():
        return data.decode("ascii")
    try:
        text = data.decode("utf-8")
        return text
    except UnicodeDecodeError:
        pass
    if codec and codec not in ("utf-8", "ascii"):
        try:
            return data.decode(codec)
        except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError
            pass
    return data.decode("cp1251", errors="replace")


def raw_to_text(value: object) -> str:
    """A stored header value as a str: raw 8-bit bytes (kept by the parser as surrogates) decoded."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:
            return ""
    if _SURROGATES.search(value):
        data = value.encode("utf-8", errors="surrogateescape")
        value = decode_bytes(data)
    return value


def unfold(value: str) -> str:
    """A header value on one line: folding whitespace joined."""
    return _FOLD.sub("", value)


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        payload = payload[: len(payload) - len(payload) % 4] if len(payload) % 4 == 1 else payload
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return b""
    out = bytearray()
    i = 0
    while i < len(payload):
        char = payload[i]
        if char == "_":
            out += b" "
        elif char == "=" and re.fullmatch(r"[0-9A-Fa-f]{2}", payload[i + 1:i + 3]):
            out.append(int(payload[i + 1:i + 3], 16))
            i += 2
        else:
            out += char.encode("utf-8", errors="replace")
        i += 1
    return bytes(out)


def decode_words(value: str) -> str:
    """`value` with its RFC 2047 encoded words decoded, whatever the charset.

    Adjacent encoded words in one charset are joined as bytes before decoding (mail programs split a
    long subject in the middle of a UTF-8 character), and the whitespace between them is dropped as
    RFC 2047 says. An unknown charset falls back to UTF-8, then windows-1251.
    """
    parts: list[str] = []
    pending: list[tuple[str, bytes]] = []  # (charset, bytes) of adjacent encoded words
    position = 0

    def flush() -> None:
        if pending:
            charset, data = pending[0][0], b"".join(chunk for _c, chunk in pending)
            parts.append(decode_bytes(data, charset))
            pending.clear()

    for match in _WORD.finditer(value):
        between = value[position:match.start()]
        if not (pending and _BETWEEN_WORDS.fullmatch(between)):
            flush()
            parts.append(between)
        charset = (charset_codec(match.group(1)) or match.group(1)).lower()
        chunk = _word_bytes(match.group(2), match.group(3))
        if pending and pending[0][0] != charset:
            flush()
        pending.append((charset, chunk))
        position = match.end()
    flush()
    parts.append(value[position:])
    return "".join(parts)


def without_c1(text: str) -> str:
    """`text` without C1 control characters. A stray 0x9D byte of a Latin-1 body decodes to one, and
    safe_text takes it for the start of a terminal sequence running to the end of the text, so the
    rest of the message would vanish; alone, without its introducer, what follows is harmless text."""
    return _C1.sub("", text)


def one_line(value: str, limit: int | None = None) -> str:
    """Text fit for a single-line field: no control characters or escapes, spaces collapsed."""
    text = _SPACES.sub(" ", for_terminal(without_c1(value), single_line=True)).strip()
    return text[:limit].rstrip() if limit is not None else text


def header_text(value: object, limit: int | None = None) -> str:
    """A header value decoded and cleaned to one line (a subject, a display name)."""
    return one_line(decode_words(unfold(raw_to_text(value))), limit)


def _clean_address(address: str) -> str:
    address = address.strip().strip("<>").strip().lower()
    if len(address) > MAX_ADDRESS or not address.isprintable() or not _ADDR_SPEC.match(address):
        return ""
    return address


def address_list(value: object) -> list[tuple[str, str]]:
    """(display name, addr-spec) of every valid address in an address header; junk left out."""
    text = unfold(raw_to_text(value))
    found: list[tuple[str, str]] = []
    try:
        pairs = email.utils.getaddresses([text])
    except Exception:
        pairs = []
    for name, address in pairs:
        address = _clean_address(address)
        if address:
            found.append((header_text(name, 200), address))
    if not found:  # what getaddresses could not split: any <a@b>, else any bare a@b
        for match in _ANGLE_ADDR.finditer(text):
            address = _clean_address(match.group(1))
            if address:
                name = text[:match.start()].strip().strip('"').strip()
                found.append((header_text(name, 200) if not found else "", address))
        if not found:
            for match in _BARE_ADDR.finditer(text):
                address = _clean_address(match.group())
                if address:
                    found.append(("", address))
    return found


def message_ids(value: object) -> list[str]:
    """The "<id@host>" message ids in a Message-ID / In-Reply-To / References value, in order,
    without duplicates; comments, words and malformed ids are ignored."""
    text = unfold(raw_to_text(value))
    ids: list[str] = []
    for match in _ID_IN_ANGLES.finditer(text):
        body = re.sub(r"\s+", "", match.group(1))
        if _ID_BODY.match(body) and f"<{body}>" not in ids:
            ids.append(f"<{body}>")
    return ids


def parse_date(value: object) -> datetime | None:
    """An RFC 5322 date as an aware datetime (a zone-less or -0000 date is taken as UTC), or None."""
    text = one_line(unfold(raw_to_text(value)))
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except Exception:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment.astimezone(timezone.utc)  # an offset that puts the moment out of range
    except (OverflowError, ValueError):
        return None
    return moment


def received_date(value: object) -> datetime | None:
    """The date of a Received header: what follows its last ";"."""
    text = unfold(raw_to_text(value))
    if ";" not in text:
        return None
    return parse_date(text.rsplit(";", 1)[1])
