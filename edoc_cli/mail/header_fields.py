"""Header lines edoc writes itself, so that no text a person typed can turn into another header.

Python's email package (3.11) loses the quotes of a long display name when it folds the line:
"Smith, John …" <a@b> comes out as two addresses. So the free-text parts of our headers — the
client's name, the subject — are written here: plain when they are short, safe ASCII words,
otherwise as RFC 2047 encoded words that every mail program decodes back to the literal text
(an `=?utf-8?…?=` lookalike a client typed included), folded to at most 78 characters a line.
The message is then parsed back (`assemble`) under a policy that writes those lines untouched.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage

from edoc_cli.safe_text import for_terminal

LINE = 78                 # RFC 5322's recommended line length; no line we write is longer
CRLF = "\r\n"
_PLAIN_PHRASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ]{0,39}")     # atoms only: nothing to quote
_PLAIN_TEXT = re.compile(r"[ -~]*")                                # printable ASCII
_SPACES = re.compile(r"\s+")
# Keep headers written from source as they are: the lines below are already folded.
WRITE_AS_IS = policy.SMTP.clone(refold_source="none")


def header_text(text: str, limit: int) -> str:
    """Text for a header: one line, no control characters, at most `limit` characters."""
    return truncated(_SPACES.sub(" ", for_terminal(str(text), single_line=True)).strip(), limit)


def truncated(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, at a word boundary when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + "…"


def encoded(text: str, used: int) -> str:
    """`text` as RFC 2047 encoded words (UTF-8), folded; `used`: characters already on the first line."""
    return Header(text, "utf-8", maxlinelen=LINE - 2, header_name="x" * max(used - 2, 1)).encode(linesep=CRLF)


def address_field(name: str, display_name: str, addr_spec: str) -> str:
    """The value of an address header (From, To, Reply-To) for one address and its display name."""
    used = len(name) + 2
    if not display_name:
        return addr_spec
    if _PLAIN_PHRASE.fullmatch(display_name) and not display_name.endswith(" "):
        phrase = display_name
    else:
        phrase = encoded(display_name, used)
    last = len(phrase.rsplit(CRLF, 1)[-1]) + (used if CRLF not in phrase else 0)
    separator = " " if last + len(addr_spec) + 3 <= LINE else CRLF + " "
    return f"{phrase}{separator}<{addr_spec}>"


def text_field(name: str, prefix: str, text: str) -> str:
    """An unstructured header (Subject): `prefix` (plain ASCII, e.g. "[ED-2026-000042]") then `text`."""
    used = len(name) + 2 + len(prefix) + 1
    if not text:
        return prefix
    if _PLAIN_TEXT.fullmatch(text) and "=?" not in text and used + len(text) <= LINE:
        return f"{prefix} {text}"
    return f"{prefix} {encoded(text, used)}"


def id_list(ids: list[str], name: str) -> str:
    """msg-ids separated by folding white space, a line each when they do not fit on one."""
    out, used = "", len(name) + 2
    for i, msg_id in enumerate(ids):
        if i and used + 1 + len(msg_id) > LINE:
            out, used = out + CRLF + " " + msg_id, 1 + len(msg_id)
        else:
            out, used = out + (" " if i else "") + msg_id, used + (1 if i else 0) + len(msg_id)
    return out


def assemble(fields: list[tuple[str, str]], content: EmailMessage) -> EmailMessage:
    """One message: our header lines first, then `content`'s (Content-Type, …) and its body."""
    head = "".join(f"{name}: {value}{CRLF}" for name, value in fields).encode("ascii")
    body = content.as_bytes(policy=policy.SMTP)
    message = message_from_bytes(head + body, policy=WRITE_AS_IS)
    assert isinstance(message, EmailMessage)
    return message
