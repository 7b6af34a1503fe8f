"""Exit codes (docs/contract.md) and the domain errors that carry them."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Callable

from edoc_cli.i18n import N_


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    VALIDATION = 3
    NOT_FOUND = 4
    NOT_ALLOWED = 5
    STORE_BUSY = 6
    STORE_CORRUPT = 7
    MAIL_TEMPFAIL = 75  # EX_TEMPFAIL: `mail receive` could not take the message; the mail server retries
    INTERRUPTED = 130


def plain_name(field: str) -> str:
    return field


class EdocError(Exception):
    """An error the user can act on: one line on stderr and an exit code.

    The core names fields, never flags: a message may hold {placeholders} listed in `fields`
    (placeholder -> the field it names), which `render` fills with the command line's name of
    each field (commands/flags.py), and `values` for the rest.
    """

    code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, code: ExitCode | None = None, *,
                 fields: dict[str, str] | None = None, **values: Any):
        self.template = message
        self.fields = dict(fields or {})
        self.values = values
        super().__init__(self.message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The message with each field named as it is in the core (its own name)."""
        return self.render(plain_name)

    def render(self, name_of: Callable[[str], str]) -> str:
        if not self.fields and not self.values:
            return self.template
        return self.template.format(**self.values, **{k: name_of(f) for k, f in self.fields.items()})


class UsageError(EdocError):
    code = ExitCode.USAGE


class ConfigError(EdocError):
    """A configuration file or value that cannot be used (exit 2)."""

    code = ExitCode.USAGE


class ValidationFailed(EdocError):
    """The regulation's checklist is not met; `problems` lists every unmet item."""

    code = ExitCode.VALIDATION

    def __init__(self, message: str, problems: list | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.problems = list(problems or [])


class TicketNotFound(EdocError):
    code = ExitCode.NOT_FOUND


class NotAllowed(EdocError):
    code = ExitCode.NOT_ALLOWED


class StoreBusy(EdocError):
    code = ExitCode.STORE_BUSY


class StoreCorrupt(EdocError):
    code = ExitCode.STORE_CORRUPT


class Cancelled(EdocError):
    """The person stopped (Ctrl-C, Esc, or 'no' at the summary): nothing was changed."""

    code = ExitCode.INTERRUPTED


class StoreWriteFailed(EdocError):
    """The store could not be written (disk full, permissions); nothing changed."""

    code = ExitCode.UNEXPECTED


# The operating system's reasons, in the run's language (strerror is English whatever the locale).
_OS_REASONS = {
    "ENOENT": N_("no such file or directory"), "EACCES": N_("permission denied"),
    "EPERM": N_("operation not permitted"), "EISDIR": N_("is a directory"), "ENOTDIR": N_("not a directory"),
    "EEXIST": N_("already exists"), "ENOSPC": N_("the disk is full"), "EDQUOT": N_("the disk quota is exceeded"),
    "EROFS": N_("the file system is read-only"), "ENAMETOOLONG": N_("the name is too long"),
    "ELOOP": N_("too many symbolic links"), "EIO": N_("input/output error"),
    "EMFILE": N_("too many open files"), "ENFILE": N_("too many open files"), "EBUSY": N_("the file is busy"),
    "ETXTBSY": N_("the file is busy"), "EINVAL": N_("invalid argument"), "ENXIO": N_("no such device"),
    "ENODEV": N_("no such device"), "EFBIG": N_("the file is too large"), "EAGAIN": N_("try again later"),
}


def os_reason(error: OSError | int) -> str:
    """Why the operating system refused (an OSError or an errno), as a person reads it in this
    run's language; an errno this table lacks keeps the system's own words."""
    import errno as errnos
    import os

    from edoc_cli.i18n import _ as translate

    number = error if isinstance(error, int) else error.errno
    marked = _OS_REASONS.get(errnos.errorcode.get(number or 0, ""))
    if marked:
        return translate(marked)
    if isinstance(error, int):
        return os.strerror(error)
    return error.strerror or str(error)
