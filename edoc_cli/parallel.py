"""A second core for the few commands that read a lot (a year's report, a big import).

edoc is single-threaded and holds no lock when it forks, so a forked child
sees the same configuration, calendar and snapshot without re-reading them.
"""

from __future__ import annotations

import os
import pickle
import signal
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn

MAX_WORKERS = 8


def cores() -> int:
    """The cores this process may run on (at most MAX_WORKERS)."""
    try:
        return min(len(os.sched_getaffinity(0)), MAX_WORKERS)
    except (AttributeError, OSError):
        return min(os.cpu_count() or 1, MAX_WORKERS)


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while processes are forked: a child is born with it blocked, so it
    can never be interrupted half-way through starting (it would print a traceback, or run on as a
    copy of its parent); here, a Ctrl-C pressed meanwhile arrives as soon as the block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def in_child(work: Callable[[], Any]) -> Iterator[Callable[[], Any | None]]:
    """Run `work()` in a forked child while the block runs; the block calls the function it is
    given for the child's result, or None when the child failed in any way (the caller then does
    that work itself, so an error is met, and reported, in this process). Leaving the block kills
    a child whose result was not taken."""
    read_end, write_end = os.pipe()
    pid = None
    reaped = False

    def result() -> Any | None:
        nonlocal reaped
        with os.fdopen(read_end, "rb", closefd=False) as inp:
            data = inp.read()
        _pid, status = os.waitpid(pid, 0)
        reaped = True
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - a cut-short result: do the work here
            return None

    try:
        with sigint_held():
            pid = os.fork()
            if pid == 0:  # the child, with Ctrl-C blocked (the parent's to handle): never returns
                _child(work, read_end, write_end)
            os.close(write_end)
        yield result
    finally:
        os.close(read_end)
        if pid is None:
            os.close(write_end)
        elif not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def _child(work: Callable[[], Any], read_end: int, write_end: int) -> NoReturn:
    code = 1
    try:
        os.close(read_end)
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent redoes the work and meets the error itself
        pass
    finally:
        os._exit(code)
