"""The machine convlab runs on: how many cores it gives this process (training's threads, the animations'
workers). A module of its own, so that a step's code inputs stay the code it runs."""

from __future__ import annotations

import os


def available_cores() -> int:
    """Return how many CPU cores this process may run on: more threads than that only wait for each other."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
