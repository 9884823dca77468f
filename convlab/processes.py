"""Work spread over the machine's cores: one worker process per core, results in the order of the work.

A worker that is interrupted (Ctrl-C reaches every process of a terminal's job) or stopped (SIGTERM, as the
main process stops its workers when it ends early) unwinds quietly: the files it was writing are removed by
their own cleanup (``convlab.files``), and no worker prints a traceback.
"""

from __future__ import annotations

import multiprocessing
import signal
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


def _worker_signals() -> None:
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


def in_processes(work: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
    """Yield ``work(item)`` for each item, in order, computed by up to one worker process per core.

    ``work`` must be picklable (a module's function, or a ``functools.partial`` of one). With one item or one
    core, the work is done here, in this process. An error in a worker is raised here, and the other workers
    are stopped before it is.
    """
    processes = min(len(items), available_cores())
    if processes <= 1:
        yield from map(work, items)
        return
    # spawn: a fresh interpreter per worker, not a fork of this one's threads and locks.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_worker_signals) as pool:  # leaving it early stops the workers
        yield from pool.imap(work, items)
        # Done: let the workers exit on their own. Stopped now (SIGTERM), one may be in its exit handlers,
        # which would print the SystemExit that stops it.
        pool.close()
        pool.join()
