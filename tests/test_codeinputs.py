"""The code each build step runs is found from the code: the modules a command or a script imports, followed
through theirs, with the lock file. In a copy of the project, a change to a training default, a drawing constant
or a pinned version makes exactly the steps that run that code out of date."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from codeinputs import LOCK, command_code, file_code, step_code

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "convlab"
CODE_STEPS = {"animations", "data", "train", "figures", "webmodel", "pages"}
NOTEBOOK_STEPS = {f"notebook-{path.stem}" for path in (ROOT / "notebooks").glob("*.py")}


def _names(paths) -> set[str]:
    return {path.relative_to(ROOT).as_posix() for path in paths}


def test_each_command_runs_its_own_modules_and_not_the_others():
    train, gifs, data = command_code("train"), command_code("gifs"), command_code("data")
    assert {"convlab/train.py", "convlab/run.py", "convlab/model.py", "convlab/cli.py"} <= _names(train)
    assert not {"convlab/drawing.py", "convlab/animate.py", "convlab/figures.py", "convlab/processes.py"} & _names(
        train
    )
    assert {"convlab/animate.py", "convlab/drawing.py", "convlab/painter.py", "convlab/stories.py"} <= _names(gifs)
    assert not {"convlab/run.py", "convlab/train.py", "convlab/model.py"} & _names(gifs)
    assert "convlab/data.py" in _names(data) and "convlab/run.py" not in _names(data)
    # importing any convlab module runs the package's __init__ (and what it imports)
    assert {"convlab/__init__.py", "convlab/arithmetic.py"} <= _names(data)


def test_every_command_of_the_cli_is_found_and_an_unknown_one_is_refused():
    from convlab.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert PACKAGE / f"{command}.py" in command_code(command) or command in {"render", "gifs", "data"}
    with pytest.raises(ValueError, match="convlab has no command 'nope'"):
        command_code("nope")


def test_a_notebook_runs_the_modules_it_imports_through_theirs():
    cnn = _names(file_code(ROOT / "notebooks/cnn.py"))
    assert {"convlab/__init__.py", "convlab/model.py", "convlab/run.py", "convlab/files.py"} <= cnn
    convolution = _names(file_code(ROOT / "notebooks/convolution.py"))
    assert "convlab/arithmetic.py" in convolution and "convlab/train.py" not in convolution
    # a sub-package's module runs the sub-package's __init__ too
    assert {"convlab/website/__init__.py", "convlab/website/exercises.py", "convlab/exercises.py"} <= convolution


def test_a_script_brings_its_imports_and_the_lock_but_not_the_step_runner():
    pages = _names(step_code([ROOT / "scripts/mkdocs_hooks.py", ROOT / "docs"], ["python", "scripts/pages.py"]))
    assert {"scripts/pages.py", "scripts/mkdocs_hooks.py", "scripts/placeholders.py", "convlab/run.py"} <= pages
    assert LOCK.name in pages and "scripts/buildstep.py" not in pages and "convlab/train.py" not in pages
    assert step_code([ROOT / "package.json"], ["sh", "-c", "npm ci"]) == []  # no Python: no lock file either


def _project_copy(tmp_path: Path) -> Path:
    """Return a copy of the project as `make site` left it: its files, the steps' records and the data and
    generated files the steps read (not the steps' kept copies of their outputs)."""
    copy = tmp_path / "project"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    for folder in ("docs", "build/run", "data/MNIST"):
        shutil.copytree(ROOT / folder, copy / folder, dirs_exist_ok=True)
    (copy / "build/steps").mkdir(parents=True)
    for record in (ROOT / "build/steps").glob("*.json"):
        shutil.copy2(record, copy / "build/steps" / record.name)
    return copy


def _stale(copy: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "scripts/buildstep.py", "stale"], cwd=copy, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text()
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text, pattern
    path.write_text(changed)


@pytest.mark.slow
def test_a_change_makes_exactly_the_steps_that_run_it_out_of_date(built_site, tmp_path):
    copy = _project_copy(tmp_path)
    assert _stale(copy) == set(), "the build is not current: run `make site` first (make test does)"

    _edit(copy / "convlab/run.py", r"^(    epochs: int = )(\d+)", r"\g<1>7")  # a training default
    assert _stale(copy) == {"train", "figures", "webmodel", "notebook-cnn", "pages"}
    shutil.copy2(ROOT / "convlab/run.py", copy / "convlab/run.py")

    _edit(copy / "convlab/drawing.py", r"^(    hatch=\()\d+", r"\g<1>151")  # a drawing constant
    assert _stale(copy) == {"animations", "pages"}  # the pages read its schemes' names (placeholders.py)
    shutil.copy2(ROOT / "convlab/drawing.py", copy / "convlab/drawing.py")

    _edit(copy / "requirements.txt", r"^(pillow==)(\S+)", r"\g<1>0.0.1")  # a pinned version
    assert _stale(copy) == CODE_STEPS | NOTEBOOK_STEPS  # every step that runs Python; KaTeX's does not
