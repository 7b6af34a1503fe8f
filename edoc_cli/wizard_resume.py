"""The answers of an interrupted wizard, kept for `edoc open --resume`.

One file per store, `$XDG_STATE_HOME/edoc/wizard-<key>.json` (default `~/.local/state`), the key
a hash of the store's location (a PostgreSQL URL may hold a password: it is never written). The
file holds a client's personal data: mode 0600 in a 0700 folder, written whole or not at all.
Read back, it is input like any other: its shape checked as `--from-json` checks a request, its
values checked by the wizard as if typed (a refused one is asked again, with the reason).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from edoc_cli.errors import UsageError, ValidationFailed, os_reason
from edoc_cli.i18n import _
from edoc_cli.rules.registration import RegistrationRequest, request_from_mapping

VERSION = 1
MAX_BYTES = 1024 * 1024


def store_key(store: str | Path) -> str:
    """What names a store in a resume file: a hash of its location (a file's real path)."""
    where = str(store) if isinstance(store, str) else os.path.realpath(store)
    return hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()


def resume_path(environ: dict[str, str], store: str | Path) -> Path:
    base = environ.get("XDG_STATE_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".local" / "state")
    return Path(base) / "edoc" / f"wizard-{store_key(store)[:16]}.json"


def save(path: Path, store: str | Path, answers: dict[str, Any], saved_at: str,
         from_mail: int | None = None) -> None:
    """Write the answers atomically (a temporary file renamed over the old one), readable by the user
    alone; `from_mail`: the intake message they register (`edoc open --from-mail`)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = {"version": VERSION, "store": store_key(store), "saved_at": saved_at, "answers": answers}
    if from_mail is not None:
        kept["from_mail"] = from_mail
    data = json.dumps(kept, ensure_ascii=False, indent=1).encode("utf-8")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def load(path: Path, store: str | Path) -> RegistrationRequest:
    """The saved answers for `store`; a missing file is a usage error, a damaged or foreign one refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise UsageError(_("--resume: no saved answers for this store; start with edoc open")) from None
    except OSError as exc:
        raise _unusable(path, os_reason(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _unusable(path, _("larger than {size} KiB").format(size=MAX_BYTES // 1024))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise _unusable(path, _("not valid JSON")) from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("answers"), dict):
        raise _unusable(path, _("not a file of saved answers"))
    if data.get("store") != store_key(store):
        raise _unusable(path, _("the answers were saved for another store"))
    try:
        return request_from_mapping(data["answers"], _("saved answers"))
    except ValidationFailed as exc:
        problems = [p.render() for p in exc.problems] or [exc.message]
        raise ValidationFailed(_("--resume: the saved answers in {path} cannot be used; delete the file "
                                 "or start again with edoc open").format(path=path), problems) from None


def saved_from_mail(path: Path, store: str | Path) -> int | None:
    """The intake message the saved answers register, if any (a file `load` would refuse: None)."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(MAX_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    n = data.get("from_mail") if isinstance(data, dict) and data.get("store") == store_key(store) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def _unusable(path: Path, why: str) -> ValidationFailed:
    return ValidationFailed(_("--resume: the saved answers in {path} cannot be used ({why}); delete the file "
                              "or start again with edoc open").format(path=path, why=why))


def forget(path: Path) -> str | None:
    """The answers were registered (or discarded): nothing left to resume. A warning if the file stays."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:  # registered all the same: say so, do not fail
        return _("the saved answers {path} could not be deleted ({error}); delete the file").format(
            path=path, error=os_reason(exc))
    return None
