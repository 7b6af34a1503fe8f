"""Exit codes (docs/contract.md) and the domain errors that carry them."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Callable


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    VALIDATION = 3
    NOT_FOUND = 4
    NOT_ALLOWED = 5
    STORE_BUSY = 6
    STORE_CORRUPT = 7
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
