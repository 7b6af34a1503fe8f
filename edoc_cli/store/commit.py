"""The moment a change becomes a fact, for every store: signals held while a commit finishes, and
what this run committed, for the one error handler to tell truthfully.

From a store's commit point until its change is wholly in place, Ctrl-C, SIGTERM and SIGHUP are
held and acted on after it (`commit_section`), so a change is either not made or made whole.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class RunState:
    """What this run of edoc has done to the store: told by the error handler, reset per run."""

    commits: int = 0                                  # changes committed (each visible to every reader)
    held: list[int] = field(default_factory=list)     # signals that arrived while a commit was finishing
    warnings: list[str] = field(default_factory=list)  # "committed, but ..." notes
    closers: list[Callable[[], None]] = field(default_factory=list)  # what the run let go of when it ends

    def reset(self) -> None:
        self.close()
        self.commits = 0
        self.held.clear()
        self.warnings.clear()

    def close(self) -> None:
        """Let go of what the run opened (a database connection): a run in a long-lived process
        (the tests, a wrapper) leaves no session behind."""
        while self.closers:
            self.closers.pop()()


RUN = RunState()


@contextmanager
def commit_section() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends (noted in RUN.held, acted on after).

    Only the main thread may set handlers; elsewhere (never the case in edoc) the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def hold(signum, _frame) -> None:
        RUN.held.append(signum)

    previous = {}
    try:
        for signum in HELD_SIGNALS:
            previous[signum] = signal.signal(signum, hold)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def raise_if_interrupted() -> None:
    """Before starting another change: a signal held during an earlier commit stops the run here."""
    if RUN.held:
        raise KeyboardInterrupt
