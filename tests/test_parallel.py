"""edoc_cli.parallel: forked workers that keep order, survive their own failures, and never outlive the work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edoc_cli.parallel import ordered_map

PARENT = os.getpid()


def square(n: int) -> tuple[int, int]:
    """n², and which process computed it."""
    return n * n, os.getpid()


def test_results_come_in_the_items_order_from_the_workers():
    with ordered_map(square, range(200), 2) as results:
        got = list(results)
    assert [value for value, _pid in got] == [n * n for n in range(200)]
    assert {pid for _value, pid in got} - {PARENT}, "the workers did the work"


def dies_on_seven(n: int) -> tuple[int, int]:
    if n == 7 and os.getpid() != PARENT:
        os._exit(3)  # a worker killed half-way (out of memory, say)
    return square(n)


def test_an_item_whose_worker_died_is_done_here_and_nothing_is_lost():
    with ordered_map(dies_on_seven, range(40), 2) as results:
        got = list(results)
    assert [value for value, _pid in got] == [n * n for n in range(40)]
    assert got[7][1] == PARENT


def fails_on_five(n: int) -> int:
    if n == 5:
        raise ValueError(f"bad item {n}")
    return n


def test_an_error_in_the_work_is_raised_here_as_it_would_be_without_workers():
    with pytest.raises(ValueError, match="bad item 5"):
        with ordered_map(fails_on_five, range(20), 2) as results:
            assert list(results)[:5] == [0, 1, 2, 3, 4]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the children from /proc")
def test_leaving_early_stops_every_worker():
    before = set(children())
    with ordered_map(square, range(10_000), 2) as results:
        assert next(results)[0] == 0
        assert len(set(children()) - before) == 2
    assert set(children()) - before == set()


def children() -> list[int]:
    return [int(p) for p in Path(f"/proc/{PARENT}/task/{PARENT}/children").read_text().split()]


def echo_bigger(block: bytes) -> bytes:
    return block * 2


def test_items_and_results_far_larger_than_a_pipe_neither_side_waits_for_ever():
    # 3 MiB items and 6 MiB results, two of each in flight per worker: with blocking writes on
    # both sides, each would wait for the other to read. The alarm turns a hang into a failure.
    import signal

    def too_long(*_):
        raise TimeoutError("ordered_map hung")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(120)
    try:
        blocks = [bytes([n]) * (3 << 20) for n in range(8)]
        with ordered_map(echo_bigger, blocks, 2) as results:
            for n, result in enumerate(results):
                assert result == bytes([n]) * (6 << 20)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
