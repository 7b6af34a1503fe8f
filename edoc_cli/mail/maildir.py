"""`mail fetch`: every new message of a Maildir, received in file-name order.

A message moves from `new/` to `cur/` (flagged seen, `:2,S`) only after it is stored, found a
duplicate, or set aside: a crash in between leaves it in `new/` for the next fetch, which finds it
a duplicate. A busy or unreachable store stops the fetch and leaves the rest where they are; a
bad message never blocks the ones after it. Only plain files directly in `new/` are read: a
symbolic link (which could point anywhere) or a subfolder is left alone and counted.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edoc_cli.errors import StoreBusy, UsageError, os_reason
from edoc_cli.i18n import _
from edoc_cli.mail.inbound import Received, SpoolFailed, receive

_DELIVERED = re.compile(r"^(\d{9,11})\.")


@dataclass
class FetchResult:
    """What a fetch did: counts by outcome, and why it stopped early (None: it read every message)."""

    received: int = 0       # stored (answers, other mail on tickets, intake)
    replies: int = 0        # of which the clients' answers
    intake: int = 0         # of which waiting in the intake
    duplicates: int = 0
    set_aside: int = 0
    skipped: list[str] = field(default_factory=list)  # names not read (links, folders)
    stopped: str | None = None
    stopped_code: int = 0   # the exit code of what stopped it (the store busy: 6)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def count(self, name: str, result: Received) -> None:
        self.messages.append({"file": name, **result.as_dict()})
        if result.outcome == "duplicate":
            self.duplicates += 1
        elif result.outcome == "set_aside":
            self.set_aside += 1
        else:
            self.received += 1
            self.replies += result.outcome == "client_reply"
            self.intake += result.outcome == "intake"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_maildir(path: Path) -> Path:
    """The Maildir's real path, or a usage error: it must hold new/, cur/ and tmp/ folders."""
    real = Path(os.path.realpath(path))
    for sub in ("new", "cur", "tmp"):
        try:
            info = os.lstat(real / sub)
        except OSError:
            info = None
        if info is None or not stat.S_ISDIR(info.st_mode):
            raise UsageError(_("{path} is not a Maildir: it has no {sub}/ folder").format(path=path, sub=sub))
    return real


def delivered_at(name: str, info: os.stat_result) -> datetime:
    """When the message was delivered: the seconds a Maildir name starts with, else the file's mtime."""
    found = _DELIVERED.match(name)
    seconds = int(found[1]) if found else int(info.st_mtime)
    return datetime.fromtimestamp(seconds, timezone.utc)


def fetch_maildir(desk, path: Path) -> FetchResult:
    """Receive every message in `path`/new, oldest name first (see the module's docstring)."""
    root = check_maildir(path)
    new, cur = root / "new", root / "cur"
    result = FetchResult()
    for name in sorted(os.listdir(new)):
        if name.startswith(".") or "/" in name:
            continue
        try:
            fd = os.open(new / name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            continue  # another fetch took it
        except OSError:
            result.skipped.append(name)  # a symbolic link (ELOOP), or unreadable: left where it is
            continue
        info = os.fstat(fd)  # the file opened, not a name that may change under us
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            result.skipped.append(name)
            continue
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read()
        try:
            received = receive(desk, raw, delivered_at(name, info).astimezone(desk.tz))
        except (StoreBusy, SpoolFailed) as exc:
            result.stopped, result.stopped_code = exc.message, int(exc.code)
            break
        try:
            os.rename(new / name, cur / (name.split(":", 1)[0] + ":2,S"))
        except FileNotFoundError:
            pass  # another fetch moved it first
        except OSError as exc:
            result.stopped = _("{name} was received but could not be moved to cur/: {problem}").format(
                name=name, problem=os_reason(exc))
            result.stopped_code = 1
            result.count(name, received)
            break
        result.count(name, received)
    return result
