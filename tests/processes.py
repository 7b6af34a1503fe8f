"""Real helper processes for the concurrency and fault tests: bounded waits, never a hang."""

from __future__ import annotations

import selectors
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# Holds an exclusive flock on the lock file (as another edoc would), says so, then waits.
LOCK_HOLDER = r"""
import fcntl, sys
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def read_line(pipe, timeout: float) -> str:
    """One line from a child's pipe, or fail after `timeout` seconds (never hang the suite)."""
    sel = selectors.DefaultSelector()
    sel.register(pipe, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            raise AssertionError(f"no line from the helper process within {timeout} s")
        return pipe.readline().strip()
    finally:
        sel.close()


# Holds the PostgreSQL store's advisory lock in a session of its own (as another edoc would).
PG_LOCK_HOLDER = r"""
import sys, psycopg
from edoc_cli.store.postgres.store import LOCK_KEY
conn = psycopg.connect(sys.argv[1], autocommit=True)
conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
print("locked", flush=True)
sys.stdin.read()
"""


def lock_held(lock: Path) -> Iterator[subprocess.Popen]:
    """A real separate process holding an exclusive flock on `lock` until the block ends."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    return _holding(LOCK_HOLDER, str(lock))


def pg_lock_held(url: str) -> Iterator[subprocess.Popen]:
    """A real separate process holding the PostgreSQL desk's write lock until the block ends."""
    return _holding(PG_LOCK_HOLDER, url)


@contextmanager
def _holding(code: str, target: str) -> Iterator[subprocess.Popen]:
    holder = subprocess.Popen([sys.executable, "-c", code, target],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert read_line(holder.stdout, 20) == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=10)
        holder.stdin.close()
        holder.stdout.close()


def release_together(workers: list[subprocess.Popen], timeout: float) -> list[tuple[str, str]]:
    """Wait until every worker printed "ready", send them all "go", return their (stdout, stderr).

    Workers still running when this fails are killed, so a broken test never leaves them behind.
    """
    try:
        for w in workers:
            assert read_line(w.stdout, 30) == "ready"
        for w in workers:  # all at once
            w.stdin.write("go\n")
            w.stdin.flush()
        return [w.communicate(timeout=timeout) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
