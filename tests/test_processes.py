"""Work spread over worker processes: the results in order, an error raised in the caller."""

import os
from functools import partial

import pytest

from convlab.errors import UsageError
from convlab.processes import in_processes


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def _refuse(n: int, bad: int) -> int:
    if n == bad:
        raise UsageError(f"{n} is refused")
    return n


def test_results_come_in_the_order_of_the_work_from_one_worker_per_core():
    results = list(in_processes(_pid_and_square, range(12)))
    assert [square for _, square in results] == [n * n for n in range(12)]
    workers = {pid for pid, _ in results}
    assert os.getpid() not in workers and len(workers) == min(12, len(os.sched_getaffinity(0)))


def test_one_item_is_worked_on_here():
    assert list(in_processes(_pid_and_square, [3])) == [(os.getpid(), 9)]


def test_an_error_in_a_worker_is_raised_in_the_caller():
    with pytest.raises(UsageError, match=r"^5 is refused$"):
        list(in_processes(partial(_refuse, bad=5), range(8)))
