"""Mail set aside: a received message edoc could not store, kept whole with its reason.

The folder is `[mail] failed_dir`, else `$XDG_STATE_HOME/edoc/mail-failed` (default
`~/.local/state`), private to its owner (0700). Each message is `NNNN.eml` (0600, the raw bytes
as received) with `NNNN.json` beside it (why, when, who from, its subject, when it arrived).
A number is claimed by a hard link that fails if it is taken, so two receivers at once never
write one file; the bytes are whole on disk before the name appears. The same bytes set aside
twice (a pipe and a Maildir) are kept once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^(\d{4,9})\.eml$")
MAX_NUMBER = 999_999_999


def spool_dir(config: Any, environ: dict[str, str]) -> Path:
    """Where set-aside mail is kept: `[mail] failed_dir`, else the user's state folder."""
    given = config.mail.get("failed_dir") if config is not None else None
    if given:
        return Path(os.path.expanduser(given))
    base = environ.get("XDG_STATE_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".local" / "state")
    return Path(base) / "edoc" / "mail-failed"


@dataclass
class SetAside:
    """One message in the spool: its number and what its note says."""

    number: int
    when: str | None
    reason: str
    sender: str | None = None
    subject: str | None = None
    arrived_at: str | None = None
    size: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "when": self.when, "from": self.sender, "subject": self.subject,
                "reason": self.reason, "arrived_at": self.arrived_at, "size": self.size}


class Spool:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _eml(self, number: int) -> Path:
        return self.path / f"{number:04d}.eml"

    def _note(self, number: int) -> Path:
        return self.path / f"{number:04d}.json"

    def numbers(self) -> list[int]:
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return []
        return sorted(int(m[1]) for m in map(_NAME.match, names) if m)

    def put(self, raw: bytes, reason: str, when: str, sender: str | None = None, subject: str | None = None,
            arrived_at: str | None = None) -> int:
        """Set `raw` aside; its number (an earlier one when the same bytes are already there).
        Raises OSError when it cannot be written: the caller must then not lose the message."""
        digest = hashlib.sha256(raw).hexdigest()
        for number in self.numbers():
            if self._note_of(number).get("sha256") == digest:
                return number
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path / f".incoming.{os.getpid()}.{digest[:12]}.tmp"
        _write_whole(temporary, raw)
        try:
            number = (self.numbers() or [0])[-1] + 1
            while True:
                if number > MAX_NUMBER:
                    raise OSError(28, "the spool is full")
                try:
                    os.link(temporary, self._eml(number))  # fails if the number is taken
                    break
                except FileExistsError:
                    number += 1
        finally:
            temporary.unlink(missing_ok=True)
        self.note(number, {"reason": reason, "when": when, "from": sender, "subject": subject,
                           "arrived_at": arrived_at, "sha256": digest, "size": len(raw)})
        return number

    def note(self, number: int, note: dict[str, Any]) -> None:
        """Write (or rewrite, with a new reason) a message's note, atomically."""
        temporary = self.path / f".note.{os.getpid()}.{number}.tmp"
        _write_whole(temporary, json.dumps(note, ensure_ascii=False, indent=1).encode("utf-8"))
        os.replace(temporary, self._note(number))

    def _note_of(self, number: int) -> dict[str, Any]:
        try:
            with open(self._note(number), "rb") as handle:
                note = json.loads(handle.read(1_000_000).decode("utf-8"))
            return note if isinstance(note, dict) else {}
        except (OSError, ValueError):
            return {}

    def entry(self, number: int) -> SetAside | None:
        eml = self._eml(number)
        if not eml.is_file():
            return None
        note = self._note_of(number)

        def text(key: str) -> str | None:
            value = note.get(key)
            return value if isinstance(value, str) else None

        size = note.get("size")
        return SetAside(number, text("when"), text("reason") or "?", text("from"), text("subject"),
                        text("arrived_at"), size if isinstance(size, int) else eml.stat().st_size)

    def entries(self) -> list[SetAside]:
        return [e for e in map(self.entry, self.numbers()) if e is not None]

    def raw(self, number: int) -> bytes:
        with open(self._eml(number), "rb") as handle:
            return handle.read()

    def remove(self, number: int) -> None:
        self._eml(number).unlink(missing_ok=True)
        self._note(number).unlink(missing_ok=True)

    def noted(self, number: int) -> dict[str, Any]:
        return self._note_of(number)


def _write_whole(path: Path, data: bytes) -> None:
    """`data` in a new private file, on disk before this returns."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
