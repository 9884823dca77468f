"""Work spread over worker processes: the results in order, an error raised in the caller."""

import os
import subprocess
import sys
import textwrap
import time
from functools import partial
from pathlib import Path

import pytest

from convlab.errors import UsageError
from convlab.processes import in_processes


def _square_alongside(n: int, meeting: Path, workers: int) -> tuple[int, int]:
    """Return this process's id and n squared, once ``workers`` processes are working at the same time."""
    (meeting / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(meeting.iterdir())) < workers:
        assert time.monotonic() < deadline, "the workers did not work at the same time"
        time.sleep(0.01)
    return os.getpid(), n * n


def _refuse(n: int, bad: int) -> int:
    if n == bad:
        raise UsageError(f"{n} is refused")
    return n


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="with one core the work is done in this process")
def test_results_come_in_order_from_one_worker_per_core_working_at_the_same_time(tmp_path):
    cores = len(os.sched_getaffinity(0))
    results = list(in_processes(partial(_square_alongside, meeting=tmp_path, workers=cores), range(12)))
    assert [square for _, square in results] == [n * n for n in range(12)]
    assert os.getpid() not in {pid for pid, _ in results} and len(list(tmp_path.iterdir())) == cores


def _threads_after_numpy(_) -> int:
    import numpy  # noqa: F401  (its OpenBLAS starts a thread per core but one, unless told otherwise)

    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="with one core the work is done in this process")
def test_a_worker_runs_on_one_thread_so_its_stop_signal_reaches_the_thread_that_handles_it():
    # With a second thread, the kernel could hand a worker's SIGINT or SIGTERM to it: the worker slept on through
    # its stop, and the main process waited for it for good.
    assert list(in_processes(_threads_after_numpy, [1, 2])) == [1, 1]


def test_one_item_is_worked_on_here(tmp_path):
    assert list(in_processes(partial(_square_alongside, meeting=tmp_path, workers=1), [3])) == [(os.getpid(), 9)]


def test_an_error_in_a_worker_is_raised_in_the_caller():
    with pytest.raises(UsageError, match=r"^5 is refused$"):
        list(in_processes(partial(_refuse, bad=5), range(8)))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="with one core the work is done in this process")
def test_workers_that_finish_exit_on_their_own_and_print_nothing():
    # Stopped as they exit (the pool's own SIGTERM), a worker in its exit handlers printed the SystemExit.
    program = "from convlab.processes import in_processes\nfor _ in range(20): list(in_processes(abs, [-1, -2]))"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, "")


def _interrupted(tmp_path: Path, work: str, receiver: str) -> list[str]:
    """Run a program that gives two workers ``work`` (the source of a function ``work``) and sends SIGINT, 2 s
    later, to the thread ``receiver`` names; return what it prints: the seconds until in_processes gave up its
    KeyboardInterrupt, and how many workers are left."""
    script = tmp_path / "interrupted.py"  # a file: the workers import ``work`` from it
    program = f"""
import multiprocessing, os, signal, threading, time
from convlab import processes
from convlab.processes import in_processes

{textwrap.dedent(work)}

def interrupt():
    time.sleep(2)  # the workers are busy with their work
    signal.pthread_kill({receiver}, signal.SIGINT)

if __name__ == "__main__":
    threading.Thread(target=interrupt).start()
    start = time.monotonic()
    try:
        list(in_processes(work, [120, 120]))
    except KeyboardInterrupt:
        print(time.monotonic() - start, len(multiprocessing.active_children()))
"""
    script.write_text(program)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stderr == ""
    return done.stdout.split()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="with one core the work is done in this process")
def test_a_signal_another_thread_receives_still_stops_the_wait_for_the_workers(tmp_path):
    # The kernel hands a process's signal to any of its threads; Python runs the handler in the main thread only,
    # which must wake from its wait for the workers to run it. Here the signal goes to another thread, always.
    work = """
        def work(seconds):
            time.sleep(seconds)
        """
    seconds, workers_left = _interrupted(tmp_path, work, receiver="threading.get_ident()")  # the sender's own
    assert workers_left == "0" and 2 <= float(seconds) < 30


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="with one core the work is done in this process")
def test_a_worker_that_does_not_stop_on_its_signal_is_killed_after_the_grace_period(tmp_path):
    work = """
        processes.STOP_SECONDS = 1  # for a quick test: the grace period is the same code at any length

        def work(seconds):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # deaf to the stop the pool sends
            time.sleep(seconds)
        """
    seconds, workers_left = _interrupted(tmp_path, work, receiver="threading.main_thread().ident")
    # 2 s of work, then STOP_SECONDS (here 1) for the workers to stop, which they ignore; then they are killed.
    assert workers_left == "0" and 3 <= float(seconds) < 30
