"""Safe file names for the attachments of inbound mail.

A name comes from a stranger: it may climb out of the directory (../../etc/passwd), be absolute
(/abs, C:\\evil.exe), hide itself (.hidden), name a device Windows reserves (CON.txt), carry NUL or
terminal escapes, or run to hundreds of characters. What is kept is a plain base name that any
file system takes, unique within its message.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata

from edoc_cli.mail.headers import decode_words, one_line

MAX_NAME = 100
_FORBIDDEN = re.compile(r'[<>:"|?*\\/\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|clock\$|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
_EXTENSION = re.compile(r"^\.[A-Za-z0-9_-]{1,16}$")
_KNOWN_EXTENSIONS = {"text/plain": ".txt", "text/html": ".html", "message/rfc822": ".eml",
                     "application/octet-stream": ".bin", "image/jpeg": ".jpg", "text/calendar": ".ics",
                     "message/delivery-status": ".txt", "text/rfc822-headers": ".txt"}


def extension_for(content_type: str) -> str:
    """The usual file extension (with its dot) for a content type; ".bin" when none is known."""
    extension = _KNOWN_EXTENSIONS.get(content_type)
    if extension is None:
        try:
            extension = mimetypes.guess_extension(content_type, strict=False)
        except Exception:
            extension = None
    return extension if extension and _EXTENSION.match(extension) else ".bin"


def _split(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if dot and stem and _EXTENSION.match("." + extension):
        return stem, "." + extension
    return name, ""


def _fit(stem: str, extension: str, limit: int = MAX_NAME) -> str:
    return stem[: max(1, limit - len(extension))].rstrip(" .") + extension


def clean_name(raw: str | None) -> str:
    """The base name of `raw`, made safe; "" when nothing usable is left."""
    if not raw:
        return ""
    name = one_line(decode_words(raw))
    name = unicodedata.normalize("NFC", name)
    # The last path component under either separator; a drive letter goes with the rest of the path.
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"^[A-Za-z]:", "", name)
    name = _FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")  # leading dots hide a file; trailing ones vanish on Windows
    name = name.lstrip(".")
    if not name or set(name) <= {"_", " ", "."}:
        return ""
    stem, extension = _split(name)
    if _RESERVED.match(stem.split(".")[0].strip()):
        stem = "_" + stem
    return _fit(stem, extension)


def unique_name(raw: str | None, content_type: str, number: int, taken: set[str]) -> str:
    """A safe, unique (ignoring case) name for the `number`-th attachment; `taken` is updated.

    A part with no usable name becomes attachment-N.<extension of its content type>; a name already
    taken gets -2, -3, ... before its extension.
    """
    name = clean_name(raw) or f"attachment-{number}{extension_for(content_type)}"
    stem, extension = _split(name)
    candidate, counter = name, 1
    while candidate.lower() in taken:
        counter += 1
        candidate = _fit(stem, extension, MAX_NAME - len(f"-{counter}"))
        candidate = candidate[: len(candidate) - len(extension)] + f"-{counter}" + extension
    taken.add(candidate.lower())
    return candidate
