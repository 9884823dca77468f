"""Executing the lesson's notebooks: jupytext py:percent sources in, executed .ipynb pages out.

A notebook is re-executed only when its cache key changes: its own text, the code it and this executor
import (found from the code: codeinputs.py), the lock file and the files it reads, all named relative to the
project; the executed notebook is a step output, checked and healed like any other (see buildstep.py).
A cell that raises fails the build, showing the cell and the error; Ctrl-C interrupts the running cell,
stops the kernel and ends with one line.

    python scripts/notebooks.py SOURCE.py OUT.ipynb [--reads FILE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from buildstep import INTERRUPTED, run_cached

from convlab.files import atomic_paths

TIMEOUT_SECONDS = 600


class CellError(Exception):
    """A notebook cell raised; the message shows the cell and the error."""


class Interrupted(Exception):
    """Ctrl-C stopped the notebook; the kernel has been shut down and nothing was written."""


def execute(source: Path, out: Path, cwd: Path) -> None:
    """Execute the py:percent notebook ``source`` with the working folder ``cwd``; write ``out`` (.ipynb)."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # The same source executes into the same bytes: cell ids by position (nbformat draws random ones), and no
    # execution timestamps (record_timing).
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{source.stem}-{index}"
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_SECONDS,
        record_timing=False,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
        # The kernel listens on localhost only; its notice about unencrypted TCP is noise in the build log.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        _execute_interruptibly(client)
    except CellExecutionError as error:
        raise CellError(f"{source}: a cell failed\n{error}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_paths(out) as (temp,):
        nbformat.write(notebook, str(temp))


def _execute_interruptibly(client) -> None:
    """Run ``client.execute()`` so that Ctrl-C stops it cleanly; raise Interrupted if it did.

    The execution runs in a worker thread, where nbclient installs no signal handler of its own (its handler
    kills the kernel in the middle of a reply and ends in a chain of tracebacks). Ctrl-C reaches this thread
    instead: the first interrupts the running cell (as Jupyter's stop button does) and stops the notebook
    before its next cell, a second kills the kernel; either way nbclient then shuts the kernel down.
    """
    presses, errors = [], []

    def on_ctrl_c(signum, frame):
        presses.append(signum)
        kernel = client.km and client.km.provisioner
        if kernel and kernel.pgid:  # the kernel has its own process group, which a terminal's Ctrl-C does not reach
            with contextlib.suppress(ProcessLookupError):
                os.killpg(kernel.pgid, signal.SIGINT if len(presses) == 1 else signal.SIGKILL)

    def before_cell(**_):
        if presses:
            raise Interrupted

    def work():
        try:
            client.execute()
        except BaseException as error:  # handed to the main thread, which raises it
            errors.append(error)

    client.on_cell_start = before_cell
    worker = threading.Thread(target=work, name="notebook")
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        worker.start()
        worker.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    if presses:
        raise Interrupted
    if errors:
        raise errors[0]


def execute_cached(source: Path, out: Path, reads: list[Path], cwd: Path) -> str:
    """Execute the notebook unless its text, the code it and this executor import (found from the code), the lock
    file and the files it reads are unchanged."""
    inputs = [source, Path(__file__), *reads]
    return run_cached(f"notebook-{source.stem}", inputs, [out], lambda: execute(source, out, cwd))


def main(argv: list[str] | None = None) -> int:
    """Command line: execute one notebook unless its inputs are unchanged."""
    parser = argparse.ArgumentParser(prog="scripts/notebooks.py", description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the py:percent notebook")
    parser.add_argument("out", type=Path, help="the executed .ipynb to write")
    parser.add_argument("--reads", nargs="*", default=[], type=Path, help="files the notebook reads")
    args = parser.parse_args(argv)
    try:
        status = execute_cached(args.source, args.out, args.reads, Path.cwd())
    except CellError as error:
        print(error, file=sys.stderr)
        return 1
    except (Interrupted, KeyboardInterrupt):
        print(
            f"{parser.prog}: {args.source} interrupted; {args.out} unchanged: the next build runs it", file=sys.stderr
        )
        return INTERRUPTED
    except FileNotFoundError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    print(f"{args.source}: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
