"""The code a build step runs, found from the code itself, so that no list of modules is kept by hand.

A step's code is the project's Python files it reaches by imports: the convlab modules (and convlab/__init__.py,
which importing any of them runs) and the build's own scripts in scripts/, which import each other by name.
Imports are followed through the files they reach, and found by reading the code (ast), not by running it.

- A Python file (a script, a hook, a notebook's py:percent source) runs itself and what it imports.
- `convlab NAME` runs convlab/cli.py's module-level imports and what its functions NAME_parser and NAME_command
  import (cli.py keeps each command's imports inside those two functions).
- Every step that runs code also reads the lock file: a new version of torch, Pillow or matplotlib may change
  what it makes.

The step runner (buildstep.py, and this file) decides whether a step runs, not what it makes: it is no step's input.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "convlab"
LOCK = ROOT / "requirements.txt"
RUNNER = ("buildstep", "codeinputs")


def _imports(nodes: Iterable[ast.AST]) -> set[str]:
    """Return every module name the import statements among ``nodes`` (and inside them) name."""
    names = set()
    for node in (inner for outer in nodes for inner in ast.walk(outer)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from convlab import train`
    return names


def _parsed(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:  # a notebook being edited: it fails when it runs, with its own message
        return ast.Module(body=[], type_ignores=[])


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """Return the project's file for module ``name`` (a convlab module or a script of scripts/ other than the
    runner's); None for any other module."""
    parts = name.split(".")
    if parts[0] == PACKAGE:
        folder = root.resolve().joinpath(*parts)
        candidates = [folder.with_suffix(".py"), folder / "__init__.py"]
    else:
        candidates = [root.resolve() / "scripts" / f"{name}.py"] if len(parts) == 1 and name not in RUNNER else []
    return next((path for path in candidates if path.is_file()), None)


def reached(names: Iterable[str], root: Path = ROOT) -> list[Path]:
    """Return the project's files that importing ``names`` runs, following their own imports."""
    pending, seen = set(names), set()
    while pending:
        name = pending.pop()
        parts = name.split(".")
        if parts[0] == PACKAGE:  # importing convlab.website.exercises first runs convlab/ and convlab/website/ too
            pending |= {".".join(parts[:k]) for k in range(1, len(parts))} - {name}
        path = module_file(name, root)
        if path is None or path in seen:
            continue
        seen.add(path)
        pending |= _imports([_parsed(path)])
    return sorted(seen)


def file_code(path: Path, root: Path = ROOT) -> list[Path]:
    """Return the Python file ``path`` and the project's files it imports."""
    return sorted({Path(path).resolve(), *reached(_imports([_parsed(Path(path))]), root)})


def command_code(command: str, root: Path = ROOT) -> list[Path]:
    """Return the project's files that `convlab COMMAND` runs: cli.py, its module-level imports and those of its
    functions COMMAND_parser and COMMAND_command, and of the cli functions they call."""
    cli = root / PACKAGE / "cli.py"
    tree = _parsed(cli)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    pending = [name for name in (f"{command}_parser", f"{command}_command") if name in functions]
    if not pending:
        raise ValueError(f"convlab has no command {command!r} (no {command}_command in {cli})")
    used: set[str] = set()
    while pending:
        name = pending.pop()
        used.add(name)
        called = {node.id for node in ast.walk(functions[name]) if isinstance(node, ast.Name)}
        pending += [other for other in called & functions.keys() if other not in used]
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    return sorted({cli, *reached(_imports([*top, *(functions[name] for name in used)]), root)})


def step_code(inputs: Iterable[Path], command: list[str], root: Path = ROOT) -> list[Path]:
    """Return the code a step runs, besides its listed ``inputs``: what each Python file among the inputs and
    in the command imports, what `convlab NAME` runs, and the lock file (for a step that runs any of it)."""
    code: set[Path] = set()
    files = [Path(part) for part in [*map(str, inputs), *command] if part.endswith(".py")]
    for path in files:
        if path.is_file():
            code |= set(file_code(path, root))
    if command and Path(command[0]).name == PACKAGE and len(command) > 1:
        code |= set(command_code(command[1], root))
    if code or (command and Path(command[0]).name.startswith("python")):
        code.add(root.resolve() / LOCK.name)
    return sorted(code)
