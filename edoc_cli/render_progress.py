"""Long work's progress on stderr: a transient Rich bar on a terminal, nothing in a pipe.

The bar is drawn by the thread that counts, at most REFRESH_PER_SECOND times a second, and Rich's
refresh thread is not started: the import and the report fork worker processes while the bar is
up, and a fork must not copy a thread half-way through a draw (it may hold the console's lock).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

from edoc_cli.progress import SILENT, Progress

REFRESH_PER_SECOND = 10


class Bar:
    """The core's Progress as one line on stderr: the stage, a bar, the percentage and the time spent."""

    def __init__(self, environ: dict[str, str]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress as RichProgress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console = Console(stderr=True, no_color="NO_COLOR" in environ, highlight=False)
        self.rich = RichProgress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), console=console, transient=True, auto_refresh=False,
                                 redirect_stdout=False)
        self._task = None
        self._next_draw = 0.0

    def begin(self, label: str, total: int | None = None) -> None:
        from edoc_cli.safe_text import for_terminal
        from rich.markup import escape

        if self._task is not None:
            self.rich.remove_task(self._task)
        self._task = self.rich.add_task(escape(for_terminal(label, single_line=True)), total=total)
        self._draw(time.monotonic())

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now >= self._next_draw and self._task is not None:
            self.rich.update(self._task, completed=done)
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._next_draw = now + 1 / REFRESH_PER_SECOND
        self.rich.refresh()


@contextmanager
def progress(env) -> Iterator[Progress]:
    """A Bar while the block runs when stderr is a terminal (whatever stdout is: `--json` keeps
    stdout pure), cleared when it ends, also by an error or Ctrl-C; SILENT otherwise."""
    if not sys.stderr.isatty():
        yield SILENT
        return
    bar = Bar(env.environ)
    with bar.rich:
        yield bar
