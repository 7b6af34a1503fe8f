"""One inbound e-mail, parsed: the raw bytes of an RFC 5322 message -> an `Incoming` record.

Pure: no store, no clock, no files. Mail from the wild is malformed in every way a program can get
wrong, and one bad message must never stop the ones after it, so `parse_message` reads what it can
and raises nothing but `Unparseable` (for bytes that are no mail message at all). Every piece of
text that leaves here has been through safe_text's cleaning: no terminal escapes, no control
characters (bodies keep newline and tab), single-line fields on one line.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser

from edoc_cli.i18n import _
from edoc_cli.mail import headers as hdr
from edoc_cli.mail.html_text import html_to_text
from edoc_cli.mail.names import unique_name
from edoc_cli.mail.quoting import has_forward_marker, new_part, tidy
from edoc_cli.safe_text import for_terminal
from edoc_cli.ticket_id import TICKET_ID_RE

MAX_SUBJECT = 500
MAX_DEPTH = 20  # MIME nesting followed; deeper parts are left out
MAX_PARTS = 1000  # MIME parts read; those after are left out (no real mail has more)
MAX_HEADER = 100_000  # characters of one header value read (a real References line is a few thousand)
# The modern email policy parses every header of every part as it reads (15 s for a 4 MB message of
# 100,000 tiny parts); past this many boundary lines the message is read with compat32 straight away.
MANY_BOUNDARIES = 1000
FORWARD_MARKER = "---------- Forwarded message ----------"
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_CONTINUATION = re.compile(rb"^[ \t]")
_SPACE_BEFORE_COLON = re.compile(rb"^([!-9;-~]+)[ \t]+:")
_TICKET_TAG = re.compile(r"\[\s*(" + TICKET_ID_RE.pattern.strip("^$") + r")\s*\]", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*(\[[^\]]*\]|(re|aw|sv|ha|на|ответ|отв)\s*(\[\d+\]|\(\d+\))?\s*:)", re.IGNORECASE)
_FORWARD_PREFIX = re.compile(r"^\s*(fwd?|tr|wg|пересл|переслано|перес)\s*(\[\d+\]|\(\d+\))?\s*:", re.IGNORECASE)
_DAEMON = re.compile(r"(^|[<\s\"(])(mailer-daemon|postmaster)(@|>|\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    name: str            # a safe base name, unique within the message
    content_type: str    # lowercased main/sub type
    content: bytes       # decoded bytes; b"" when refused
    size: int            # the decoded size in bytes
    refused: str | None  # None, or why it was not kept: "too_large"


@dataclass(frozen=True)
class Incoming:
    """One inbound message as edoc needs it; every str is cleaned text, every address lowercased."""
    message_id: str | None       # "<id@host>", whitespace removed; None when absent or malformed
    sender: str                  # the From addr-spec; "" when there is none or it cannot be read
    sender_name: str             # the From display name, decoded, on one line
    reply_to: str                # the Reply-To addr-spec; "" when none
    to: tuple[str, ...]
    subject: str                 # decoded, on one line, at most 500 characters
    date: datetime | None        # the Date header (aware)
    arrived_at: datetime | None  # the date of the topmost Received header: our own server's (aware)
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str                    # the new part: quotes and signature cut; the whole text if nothing is left
    full_text: str               # the whole body as text (HTML made text), at most max_text_chars
    attachments: tuple[Attachment, ...]
    automatic: str | None        # None (a person), "auto_reply", "bulk" or "bounce"
    ticket_ids: tuple[str, ...]  # the "[ED-2026-000042]" numbers of the subject, in order, once each
    forwarded: bool              # the message forwards another (Fwd: subject, forwarded block or part)
    size: int                    # len(raw)
    cc: tuple[str, ...] = ()     # the Cc addr-specs (a copy to someone is no new sender)


class Unparseable(ValueError):
    """The bytes are not a mail message at all (empty, no header block, too large, binary)."""


def _header_block_problem(raw: bytes) -> str | None:
    lines = raw.lstrip(b"\r\n").split(b"\n", 2)
    first = lines[0]
    if first.startswith(b"From ") and len(lines) > 1:  # an mbox "From " line before the headers
        first = lines[1]
    if _HEADER_LINE.match(first):
        return None
    if b"\x00" in raw[:4096]:
        return _("the data is binary, not a mail message")
    return _("the data has no mail header block")


def _mend_headers(raw: bytes) -> bytes:
    """The message with junk lines inside its header block dropped (a line without a colon would
    otherwise end the headers early and push From or Subject into the body)."""
    raw = raw.lstrip(b"\r\n")
    lines = raw.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if not line.strip(b"\r\n")), None)
    if end is None or end > 2000:
        return raw
    block = lines[:end]
    is_header = [bool(_HEADER_LINE.match(line) or (i == 0 and line.startswith(b"From ")))
                 for i, line in enumerate(block)]
    header_after = [False] * (len(block) + 1)  # whether a header line follows line i in the block
    for i in range(len(block) - 1, -1, -1):
        header_after[i] = header_after[i + 1] or is_header[i]
    kept, changed = [], False
    for i, line in enumerate(block):
        if is_header[i] and _SPACE_BEFORE_COLON.match(line):  # "Subject : x" would end the headers too
            line, changed = _SPACE_BEFORE_COLON.sub(rb"\1:", line, count=1), True
        if is_header[i] or (_CONTINUATION.match(line) and kept) or not header_after[i + 1]:
            kept.append(line)
        else:
            changed = True
    return b"".join(kept + lines[end:]) if changed else raw


def _call(default, function, *args, **kwargs):
    """function(*args) or `default` when the malformed message makes it raise."""
    try:
        result = function(*args, **kwargs)
    except Exception:
        return default
    return default if result is None else result


def _content_type(part: Message) -> str:
    value = _call("text/plain", part.get_content_type)
    return value.lower() if isinstance(value, str) and "/" in value and value.isascii() else "application/octet-stream"


def _payload_bytes(part: Message) -> bytes:
    data = _call(b"", part.get_payload, decode=True)
    return data if isinstance(data, bytes) else b""


def _subparts(part: Message) -> list[Message]:
    payload = _call([], part.get_payload)
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _text_of(part: Message, max_chars: int) -> str:
    data = _payload_bytes(part)
    charset = _call(None, part.get_content_charset)
    text = hdr.decode_bytes(data, charset if isinstance(charset, str) else None)
    if _content_type(part) == "text/html":
        text = html_to_text(text[: max(1_000_000, 10 * max_chars)])
    return text


def _headers_as_text(message: Message) -> str:
    items = _call([], message.raw_items)
    return "\n".join(f"{name}: {hdr.header_text(value)}" for name, value in items)


class _Collector:
    """The texts, attachments and forwarded messages found walking a message's MIME tree."""

    def __init__(self, max_chars: int) -> None:
        self.texts: list[str] = []
        self.attachments: list[tuple[str | None, str, bytes]] = []  # (raw name, content type, bytes)
        self.forwarded = False
        self.max_chars = max_chars
        self.chars = 0
        self.parts = 0

    def add_text(self, text: str) -> None:
        if self.chars <= self.max_chars and text.strip():
            self.texts.append(text)
            self.chars += len(text)

    def walk(self, part: Message, depth: int = 0, in_report: bool = False) -> None:
        self.parts += 1
        if depth > MAX_DEPTH or self.parts > MAX_PARTS:
            return
        content_type = _content_type(part)
        children = _subparts(part)
        if content_type.startswith("multipart/") and children:
            if content_type == "multipart/alternative":
                children = [self._alternative(children)]
            for child in children:
                self.walk(child, depth + 1, in_report or content_type == "multipart/report")
        elif content_type in ("message/rfc822", "message/global") and children:
            inner = children[0]
            if in_report:
                self._attach(None, "message/rfc822", _call(b"", inner.as_bytes))
            else:
                self._forwarded(inner, depth)
        elif content_type.startswith("multipart/"):  # no parts found (no boundary, or a wrong one): read as text
            self.add_text(hdr.decode_bytes(_payload_bytes(part), _call(None, part.get_content_charset)))
        elif content_type == "message/delivery-status" and children:
            self.add_text("\n\n".join(_headers_as_text(child) for child in children))
        else:
            self._leaf(part, content_type, in_report)

    def _alternative(self, children: list[Message]) -> Message:
        """The version of an alternative to read: plain text with something in it, else HTML, else the last."""
        for wanted in ("text/plain", "text/html"):
            for child in children:
                if (_content_type(child) == wanted and not _filename(child)
                        and _text_of(child, self.max_chars).strip()):
                    return child
        return children[-1]

    def _forwarded(self, inner: Message, depth: int) -> None:
        self.forwarded = True
        lines = [FORWARD_MARKER]
        for name in ("From", "Date", "Subject", "To"):
            raw = _raw_header(inner, name)
            if raw is not None:
                lines.append(f"{name}: {hdr.header_text(raw)}")
        self.add_text("\n".join(lines))
        self.walk(inner, depth + 1)

    def _leaf(self, part: Message, content_type: str, in_report: bool) -> None:
        name = _filename(part)
        disposition = _call(None, part.get_content_disposition)
        readable = content_type in ("text/plain", "text/html") or (
            in_report and content_type in ("text/rfc822-headers", "message/delivery-status"))
        if readable and not name and disposition != "attachment":
            self.add_text(_text_of(part, self.max_chars))
        else:
            self._attach(name, content_type, _payload_bytes(part))

    def _attach(self, name: str | None, content_type: str, data: bytes) -> None:
        self.attachments.append((name, content_type, data))


def _raw_header(message: Message, name: str) -> str | None:
    wanted = name.lower()
    for key, value in _call([], message.raw_items):
        if isinstance(key, str) and key.lower() == wanted:
            return value
    return None


def _filename(part: Message) -> str | None:
    name = _call(None, part.get_filename)
    if isinstance(name, str) and name.strip():
        return hdr.raw_to_text(name)
    return None


def _all_headers(message: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in _call([], message.raw_items):
        if isinstance(key, str):
            found.setdefault(key.strip().lower(), []).append(value[:MAX_HEADER] if isinstance(value, str) else "")
    return found


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _automatic(headers: dict[str, list[str]], message: Message) -> str | None:
    """Who wrote the message when no person did: "bounce", "auto_reply", "bulk"; None for a person."""
    def value(name: str) -> str | None:
        raw = _first(headers, name)
        return None if raw is None else hdr.one_line(hdr.unfold(hdr.raw_to_text(raw))).lower()

    return_path = value("return-path")
    report_type = _call("", message.get_param, "report-type")
    if (_DAEMON.search(value("from") or "") or (return_path is not None and re.sub(r"\s", "", return_path) == "<>")
            or (_content_type(message) == "multipart/report" and str(report_type).lower() == "delivery-status")):
        return "bounce"
    submitted = value("auto-submitted")
    precedence = (value("precedence") or "").split(";")[0].strip()
    if ((submitted is not None and submitted.split(";")[0].strip() not in ("no", ""))
            or value("x-autoreply") not in (None, "no") or value("x-autorespond") not in (None, "no")
            or (value("x-autogenerated") or "") == "reply" or precedence == "auto_reply"):
        return "auto_reply"
    if precedence in ("bulk", "junk", "list") or (
            precedence and (value("list-id") is not None or value("list-unsubscribe") is not None)):
        return "bulk"
    return None


def ticket_ids_in(subject: str) -> tuple[str, ...]:
    """Registration numbers tagged in a subject ("[ED-2026-000042]"), in order, once each."""
    found: list[str] = []
    for match in _TICKET_TAG.finditer(subject):
        number = match.group(1).upper()
        if TICKET_ID_RE.match(number) and number not in found:
            found.append(number)
    return tuple(found)


def is_forward_subject(subject: str) -> bool:
    """Whether a subject says the message forwards another (Fwd:, Fw:, Пересл:, after any Re: or [tags])."""
    rest = subject
    for _round in range(20):
        match = _REPLY_PREFIX.match(rest)
        if not match:
            break
        rest = rest[match.end():]
    return _FORWARD_PREFIX.match(rest) is not None


def _addresses(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        found.extend(address for _name, address in hdr.address_list(value) if address not in found)
    return found


def _read(raw: bytes, policy, headers_only: bool = False) -> Message:
    message = BytesParser(policy=policy).parsebytes(raw, headersonly=headers_only)
    if headers_only:  # the last resort: the whole body read as one text
        for name in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition"):
            del message[name]
    return message


def _readings(raw: bytes) -> list[tuple[object, bool]]:
    """The ways to read a message, tried in turn: the modern policy, the lenient compat32 one, and
    compat32 on the headers alone (for a MIME tree too deep for the parser's recursion)."""
    modern, lenient = email.policy.default, email.policy.compat32
    first = [lenient] if raw.count(b"\n--") > MANY_BOUNDARIES else [modern, lenient]
    return [(policy, False) for policy in first] + [(lenient, True)]


def _build(message: Message, size: int, max_attachment_bytes: int, max_text_chars: int) -> Incoming:
    headers = _all_headers(message)
    senders = hdr.address_list(_first(headers, "from"))
    sender_name, sender = senders[0] if senders else ("", "")
    reply_to = hdr.address_list(_first(headers, "reply-to"))
    to, cc = _addresses(headers.get("to", [])), _addresses(headers.get("cc", []))
    subject = hdr.header_text(_first(headers, "subject"), MAX_SUBJECT)
    own_ids = hdr.message_ids(_first(headers, "message-id"))
    received = headers.get("received", [])

    collector = _Collector(max_text_chars)
    collector.walk(message)
    joined = "\n\n".join(collector.texts)[: 2 * max_text_chars + 1000]  # cleaning 25 MB to keep 100 kB is waste
    full = tidy(for_terminal(hdr.without_c1(joined)))[:max_text_chars]
    forwarded = collector.forwarded or is_forward_subject(subject) or has_forward_marker(full)

    attachments: list[Attachment] = []
    taken: set[str] = set()
    for number, (name, content_type, data) in enumerate(collector.attachments, start=1):
        refused = "too_large" if len(data) > max_attachment_bytes else None
        attachments.append(Attachment(name=unique_name(name, content_type, number, taken),
                                      content_type=content_type, content=b"" if refused else data,
                                      size=len(data), refused=refused))
    return Incoming(
        message_id=own_ids[0] if own_ids else None,
        sender=sender, sender_name=sender_name, reply_to=reply_to[0][1] if reply_to else "",
        to=tuple(to), subject=subject,
        date=hdr.parse_date(_first(headers, "date")),
        arrived_at=hdr.received_date(received[0]) if received else None,
        in_reply_to=tuple(hdr.message_ids(" ".join(headers.get("in-reply-to", [])))),
        references=tuple(hdr.message_ids(" ".join(headers.get("references", [])))),
        text=new_part(full, forwarded)[:max_text_chars], full_text=full,
        attachments=tuple(attachments), automatic=_automatic(headers, message),
        ticket_ids=ticket_ids_in(subject), forwarded=forwarded, size=size, cc=tuple(cc))


def parse_message(raw: bytes, *, max_attachment_bytes: int = 10 * 1024 * 1024,
                  max_message_bytes: int = 25 * 1024 * 1024, max_text_chars: int = 100_000) -> Incoming:
    """The message in `raw`, read as well as it can be; `Unparseable` when it is not a mail message.

    A malformed message that still has headers is never refused: bad encodings fall back to UTF-8
    and windows-1251, a part that cannot be decoded is left out, and if the modern email policy
    chokes on a header the message is read again with the lenient compat32 one.
    """
    if not isinstance(raw, (bytes, bytearray)) or not raw.strip():
        raise Unparseable(_("the message is empty"))
    raw = bytes(raw)
    size = len(raw)
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark left by a Windows editor
    if size > max_message_bytes:
        raise Unparseable(_("the message is {size} bytes, more than the limit of {limit}").format(
            size=size, limit=max_message_bytes))
    problem = _header_block_problem(raw)
    if problem:
        raise Unparseable(problem)
    mended = _mend_headers(raw)
    failure: Exception | None = None
    for policy, headers_only in _readings(mended):
        try:
            return _build(_read(mended, policy, headers_only), size, max_attachment_bytes, max_text_chars)
        except Exception as error:  # the next policy, then a reason; never a traceback
            failure = error
    raise Unparseable(_("the message could not be read: {error}").format(
        error=hdr.one_line(type(failure).__name__)))
