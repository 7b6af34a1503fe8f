"""How far long work has come, told to whoever shows it (the core counts; the command line draws).

The import of five years of tickets, a year's report and the check of a big store take seconds
to a minute; they tell a `Progress` what stage they are in and how far they are, every so many
items, never per item (a hot loop stays as fast as without it). `SILENT` listens to nothing:
the default, in a pipe, and in every forked child (only the process that owns the terminal draws).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def begin(self, label: str, total: int | None = None) -> None:
        """A stage starts: what it does (for a person, translated) and how many units (None: unknown)."""

    def update(self, done: int) -> None:
        """`done` units of the current stage are done."""


class Silent:
    def begin(self, label: str, total: int | None = None) -> None:
        pass

    def update(self, done: int) -> None:
        pass


SILENT: Progress = Silent()
