"""A second core for the few commands that read a lot (a year's report, a big import).

edoc is single-threaded and holds no lock when it forks, so a forked child
sees the same configuration, calendar and snapshot without re-reading them.
No threads and no multiprocessing.Pool: a Pool stopped while its task thread
is half-way through sending a message larger than a pipe holds waits for it
for ever (seen with Ctrl-C during an import); here every process is this
one's child, talked to over its own pipes, and killed when the work stops.
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import selectors
import signal
import struct
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")

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


@contextmanager
def ordered_map(work: Callable[[T], R], items: Iterable[T], workers: int,
                depth: int = 2) -> Iterator[Iterator[R]]:
    """`work(item)` for every item, in the items' order, computed by `workers` forked processes.

    Each worker holds up to `depth` items, so it never waits for the next. This process never
    blocks on a pipe (it writes and reads them as they are ready), so neither side can wait on
    the other for ever, whatever the size of an item or a result. An item whose worker fails in
    any way is done in this process instead, so an error is met, and reported, here. Leaving the
    block, however, kills every worker.
    """
    pool: list[_Worker] = []
    try:
        with sigint_held():
            for _ in range(workers):
                pool.append(_Worker.start(work, pool))
        yield _ordered(work, iter(items), pool, depth)
    finally:
        for worker in pool:
            worker.stop()


_FAILED = object()
_FRAME = struct.Struct("<Q")  # the length of the pickle that follows
_READ_SIZE = 1 << 20


def _ordered(work: Callable[[T], R], items: Iterator[T], pool: list["_Worker"], depth: int) -> Iterator[R]:
    results: dict[int, Any] = {}        # index -> result, or _FAILED
    waiting: dict[int, T] = {}          # index -> item, until its result is yielded
    handed = 0                          # items handed out (or kept here) so far
    more = True
    live = list(pool)
    selector = selectors.DefaultSelector()
    try:
        for index in itertools.count():
            while more and (len(waiting) < depth * max(len(live), 1)):  # keep every worker busy
                item = next(items, _FAILED)
                if item is _FAILED:
                    more = False
                    break
                waiting[handed] = item
                free = min(live, key=lambda w: len(w.holding), default=None)
                if free is None:
                    results[handed] = _FAILED  # no worker left: done here, in its turn
                else:
                    free.give(handed, item)
                handed += 1
            if index >= handed:
                return
            while index not in results:
                _exchange(selector, live, results)
            result = results.pop(index)
            item = waiting.pop(index)
            yield work(item) if result is _FAILED else result
    finally:
        selector.close()


def _exchange(selector: selectors.BaseSelector, live: list["_Worker"], results: dict[int, Any]) -> None:
    """Write what the workers are owed and read what they have sent, waiting until one of them is ready."""
    for key in list(selector.get_map().values()):
        selector.unregister(key.fileobj)
    for worker in live:
        if worker.holding:
            selector.register(worker.results, selectors.EVENT_READ, worker)
        if worker.outbox:
            selector.register(worker.tasks, selectors.EVENT_WRITE, worker)
    for key, events in selector.select():
        worker = key.data
        if worker not in live:
            continue
        ok = worker.flush() if events & selectors.EVENT_WRITE else worker.collect(results)
        if not ok:  # it died: what it held is done here, in its turn
            for index in worker.holding:
                results[index] = _FAILED
            worker.holding.clear()
            live.remove(worker)


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int):
        self.pid, self.tasks, self.results = pid, tasks, results
        self.holding: deque[int] = deque()  # indexes handed to it, in order
        self.outbox = bytearray()
        self.inbox = bytearray()

    @classmethod
    def start(cls, work: Callable[[Any], Any], siblings: list["_Worker"]) -> "_Worker":
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker, with Ctrl-C blocked (the parent's to handle): never returns
            for fd in (task_write, result_read, *(fd for w in siblings for fd in (w.tasks, w.results))):
                os.close(fd)
            _serve(work, task_read, result_write)
        os.close(task_read)
        os.close(result_write)
        os.set_blocking(task_write, False)
        os.set_blocking(result_read, False)
        return cls(pid, task_write, result_read)

    def give(self, index: int, item: Any) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self.outbox += _FRAME.pack(len(data)) + data
        self.holding.append(index)

    def flush(self) -> bool:
        try:
            written = os.write(self.tasks, self.outbox)
        except BlockingIOError:
            return True
        except OSError:
            return False
        del self.outbox[:written]
        return True

    def collect(self, results: dict[int, Any]) -> bool:
        try:
            data = os.read(self.results, _READ_SIZE)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not data:
            return False
        self.inbox += data
        while len(self.inbox) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self.inbox)
            if len(self.inbox) < _FRAME.size + size:
                break
            try:
                ok, result = pickle.loads(self.inbox[_FRAME.size:_FRAME.size + size])
            except Exception:  # noqa: BLE001 - a garbled message: treat the worker as failed
                return False
            del self.inbox[:_FRAME.size + size]
            results[self.holding.popleft()] = result if ok else _FAILED
        return True

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        for fd in (self.tasks, self.results):
            try:
                os.close(fd)
            except OSError:
                pass


def _serve(work: Callable[[Any], Any], task_read: int, result_write: int) -> NoReturn:
    code = 1
    try:
        gc.enable()  # a worker collects its own garbage, whatever its parent chose
        with os.fdopen(task_read, "rb") as tasks, os.fdopen(result_write, "wb") as results:
            while True:
                header = tasks.read(_FRAME.size)
                if len(header) < _FRAME.size:  # the parent is done
                    break
                item = pickle.loads(tasks.read(_FRAME.unpack(header)[0]))
                try:
                    answer = (True, work(item))
                except Exception:  # noqa: BLE001 - the parent redoes it and meets the error itself
                    answer = (False, None)
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
                results.write(_FRAME.pack(len(data)) + data)
                results.flush()
        code = 0
    except BaseException:  # noqa: BLE001
        pass
    finally:
        os._exit(code)
