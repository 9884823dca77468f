"""Executing the lesson's notebooks: jupytext py:percent sources in, executed .ipynb pages out.

A notebook is re-executed only when its cache key changes: its own text, the convlab modules it
imports (followed through their own convlab imports) and the files it reads. A cell that raises fails
the build, showing the cell and the error.

    python scripts/notebooks.py SOURCE.py OUT.ipynb [--reads FILE ...]
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from buildstep import run_cached

import convlab
from convlab.files import atomic_paths

PACKAGE_DIR = Path(convlab.__file__).resolve().parent
TIMEOUT_SECONDS = 600


def _imported_modules(code: str) -> set[str]:
    """Return the convlab module names (e.g. ``convlab.train``) that ``code`` imports."""
    modules = set()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names if alias.name.split(".")[0] == "convlab"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "convlab":
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def _module_file(module: str) -> Path | None:
    parts = module.split(".")[1:]
    for candidate in (PACKAGE_DIR.joinpath(*parts).with_suffix(".py"), PACKAGE_DIR.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def convlab_dependencies(source: Path) -> list[Path]:
    """Return the convlab source files a notebook imports, directly or through other convlab modules."""
    import jupytext

    notebook = jupytext.read(source)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    pending = _imported_modules(
        "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    )
    pending.add("convlab")  # importing any convlab module runs convlab/__init__.py
    seen: set[Path] = set()
    while pending:
        path = _module_file(pending.pop())
        if path is None or path in seen:
            continue
        seen.add(path)
        pending |= _imported_modules(path.read_text(encoding="utf-8"))
    return sorted(seen)


class CellError(Exception):
    """A notebook cell raised; the message shows the cell and the error."""


def execute(source: Path, out: Path, cwd: Path) -> None:
    """Execute the py:percent notebook ``source`` with the working folder ``cwd``; write ``out`` (.ipynb)."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
        # The kernel listens on localhost only; its notice about unencrypted TCP is noise in the build log.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute()
    except CellExecutionError as error:
        raise CellError(f"{source}: a cell failed\n{error}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_paths(out) as (temp,):
        nbformat.write(notebook, str(temp))


def execute_cached(source: Path, out: Path, reads: list[Path], cwd: Path) -> str:
    """Execute the notebook unless its text, its convlab imports and the files it reads are unchanged."""
    inputs = [source, *convlab_dependencies(source), *reads]
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
    except FileNotFoundError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    print(f"{args.source}: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
