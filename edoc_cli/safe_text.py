"""Text that came from people: checks on the way in, cleaning on the way out."""

from __future__ import annotations

import re

from edoc_cli.i18n import _

# ESC-started sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
# DCS/SOS/PM/APC (ESC P/X/^/_ ... ST), and two-byte escapes.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)",
    re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional controls and marks: they reorder what the terminal shows (a name that reads
# backwards, a number that looks like another).
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Unicode's own line and paragraph separators: a line break to every program but a terminal.
_SEPARATORS = re.compile(r"[\u2028\u2029\x85]")
# A lone UTF-16 surrogate: what undecodable bytes in argv, or a "\ud800" escape in JSON, become.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether `text` holds a character no UTF-8 file or terminal can take."""
    return _SURROGATE.search(text) is not None


# Every character for_terminal changes: text without any is shown as it is (a list's cells, mostly).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def has_unsafe(text: str) -> bool:
    """Whether for_terminal would change `text`."""
    return _UNSAFE.search(text) is not None


def for_terminal(text: str, single_line: bool = False) -> str:
    """`text` with terminal control sequences and characters removed.

    Whole escape sequences go first so that no visible remnant (like
    "[31m") is left; then every other control character except newline and
    tab (in single-line mode those become spaces).
    """
    if not has_unsafe(text):
        return text
    text = _ESCAPE_SEQ.sub("", text)
    text = _SEPARATORS.sub("\n", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BIDI.sub("", text)
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def control_problem(text: str, multiline: bool) -> str | None:
    """Why `text` cannot be taken as a field value, or None.

    NUL bytes and broken encodings are refused everywhere (they mean binary
    data was pasted). A single-line value (a name, an e-mail, an IIN) must
    be exact, so any control character is refused; multi-line free text is
    cleaned by `clean_multiline` instead, since a client's pasted terminal
    colours are noise, not content.
    """
    if "\x00" in text:
        return _("contains a NUL byte")
    if has_surrogate(text):
        return _("is not valid UTF-8 text")
    if not multiline:
        match = _CONTROL_ANY.search(text) or _SEPARATORS.search(text) or _BIDI.search(text)
        if match:
            char = match.group()
            if char in "\n\r\u2028\u2029":
                return _("must be a single line")
            return _("contains a control character (U+{code}) at position {position}").format(
                code=f"{ord(char):04X}", position=match.start() + 1)
    return None


def clean_multiline(text: str) -> str:
    """Free text as stored: escape sequences and control characters removed."""
    return for_terminal(text).strip()


def escape_c1_in_json(text: str) -> str:
    """JSON text with C1 control characters, line separators and lone surrogates (a damaged record's)
    escaped: json leaves them raw, and a terminal, a UTF-8 pipe or a JavaScript reader chokes on them."""
    return re.sub("[\x7f-\x9f\u2028\u2029\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
