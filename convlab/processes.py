"""Work spread over the machine's cores: one worker process per core, results in the order of the work.

A worker that is interrupted (Ctrl-C reaches every process of a terminal's job) or stopped (SIGTERM, as the
main process stops its workers when it ends early) unwinds quietly: the files it was writing are removed by
their own cleanup (``convlab.files``), and no worker prints a traceback. Each worker runs on one thread, its
numerical libraries' included.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from convlab.machine import available_cores

Item = TypeVar("Item")
Result = TypeVar("Result")


def _ignore(signum, frame):
    pass  # not SIG_IGN: Python raises an error for a signal that arrived just before it was ignored


def _stop(signum, frame):
    # The first signal stops the worker; a second one (the main process ending its pool) must not break into
    # the cleanup the first one started.
    signal.signal(signal.SIGINT, _ignore)
    signal.signal(signal.SIGTERM, _ignore)
    raise SystemExit(128 + signum)  # a quiet exit, unlike KeyboardInterrupt, which a worker would print


# The thread pools of the numerical libraries a worker may load, one thread each: a worker has a core of its own,
# and a stop signal must reach its one thread. The kernel hands a process's signal to any of its threads; one that
# went to numpy's idle OpenBLAS thread left the worker asleep on the pool's queue, never running its handler, and
# the main process waited for it for good (seen in a loaded `convlab gifs` stopped by Ctrl-C).
ONE_THREAD = dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1")


def _start_worker() -> None:
    os.environ.update(ONE_THREAD)  # before the work imports numpy, which reads it once
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


# A wait for a worker's result wakes this often to run the signal handlers: the kernel hands a process's signal
# to any of its threads (often one of the pool's), Python runs handlers only in the main thread, and a main thread
# asleep on a lock without a timeout never got to them (a Ctrl-C'd `convlab gifs` then waited for good).
WAKE_SECONDS = 0.5


def _next_result(results: multiprocessing.pool.IMapIterator) -> Result:
    while True:
        try:
            return results.next(WAKE_SECONDS)
        except multiprocessing.TimeoutError:
            pass


# How long the workers have to stop after their signal before they are killed, as `docker stop` gives a
# container: a worker unwinds in well under a second, but one that missed its signal would be waited for for good.
STOP_SECONDS = 10


def _stop_workers(pool: multiprocessing.pool.Pool) -> None:
    # terminate() sends each worker SIGTERM and then waits for it with no timeout, so it waits here, in a thread.
    stopping = threading.Thread(target=pool.terminate, daemon=True)
    stopping.start()
    stopping.join(STOP_SECONDS)
    if stopping.is_alive():
        for worker in pool._pool:  # the pool's own list of its processes: the standard library names no other
            worker.kill()
        stopping.join(STOP_SECONDS)


def in_processes(work: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
    """Yield ``work(item)`` for each item, in order, computed by up to one worker process per core.

    ``work`` must be picklable (a module's function, or a ``functools.partial`` of one). With one item or one
    core, the work is done here, in this process. An error in a worker is raised here, and the other workers
    are stopped before it is; a worker that has not stopped STOP_SECONDS after its signal is killed.
    """
    processes = min(len(items), available_cores())
    if processes <= 1:
        yield from map(work, items)
        return
    # spawn: a fresh interpreter per worker, not a fork of this one's threads and locks.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(processes, initializer=_start_worker)
    try:
        results = pool.imap(work, items)
        for _ in items:
            yield _next_result(results)
        # Done: let the workers exit on their own. Stopped now (SIGTERM), one may be in its exit handlers,
        # which would print the SystemExit that stops it.
        pool.close()
        pool.join()
    finally:  # leaving early (an error, a signal, a caller that stopped reading) stops the workers
        _stop_workers(pool)
