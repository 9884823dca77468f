"""Notebooks: sources without outputs, execution that fails loudly, and a cache keyed on real inputs."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from notebooks import CellError, execute, execute_cached

ROOT = Path(__file__).resolve().parent.parent


def test_no_notebook_in_the_repository_carries_outputs():
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in tracked.stdout.split():
        notebook = nbformat.read(ROOT / name, as_version=4)
        for cell in notebook.cells:
            assert not cell.get("outputs") and not cell.get("execution_count"), f"{name} carries outputs"
    sources = sorted((ROOT / "notebooks").glob("*.py"))
    assert sources, "the lesson notebooks are jupytext py:percent files in notebooks/"
    for source in sources:
        assert "format_name: percent" in source.read_text()


def test_executed_notebooks_are_build_outputs_not_committed():
    ignored = subprocess.run(["git", "check-ignore", "docs/lesson/cnn.ipynb"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.returncode == 0


def test_notebooks_import_convlab_and_ordinary_libraries_only():
    scripts = {path.stem for path in (ROOT / "scripts").glob("*.py")}
    for source in (ROOT / "notebooks").glob("*.py"):
        imported = {
            line.split()[1].split(".")[0]
            for line in source.read_text().splitlines()
            if line.startswith(("import ", "from "))
        }
        assert not imported & scripts, source
        assert "build/" not in source.read_text() and "docs/" not in source.read_text(), source


def _notebook(path: Path, code: str) -> Path:
    path.write_text(f"# %% [markdown]\n# A test notebook\n\n# %%\n{code}\n")
    return path


def test_a_failing_cell_fails_with_the_cell_and_the_error(tmp_path):
    source = _notebook(tmp_path / "broken.py", "x = 1\nraise ValueError('the kernel is too wide')")
    with pytest.raises(CellError, match=r"(?s)raise ValueError.*the kernel is too wide"):
        execute(source, tmp_path / "broken.ipynb", tmp_path)
    assert not (tmp_path / "broken.ipynb").exists()


def test_outputs_are_written_and_the_cache_follows_the_files_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "numbers.txt"
    data.write_text("3")
    source = _notebook(
        tmp_path / "reader.py", "from convlab import output_size\nprint(int(open('numbers.txt').read()) * 2)"
    )
    out = tmp_path / "reader.ipynb"

    assert execute_cached(source, out, [data], tmp_path) == "ran"
    outputs = nbformat.read(out, as_version=4).cells[1].outputs
    assert outputs[0]["text"] == "6\n"
    assert execute_cached(source, out, [data], tmp_path) == "reused"
    data.write_text("4")
    assert execute_cached(source, out, [data], tmp_path) == "ran"
    assert nbformat.read(out, as_version=4).cells[1].outputs[0]["text"] == "8\n"


def test_ctrl_c_stops_the_kernel_and_says_one_line(tmp_path):
    # The cell says it started (and which process runs it), then waits long enough to be interrupted.
    source = _notebook(
        tmp_path / "slow.py",
        "import os, pathlib, time\npathlib.Path('started').write_text(str(os.getpid()))\ntime.sleep(120)",
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'scripts'}"}
    command = [sys.executable, str(ROOT / "scripts/notebooks.py"), source.name, "slow.ipynb"]
    # A terminal's Ctrl-C sends SIGINT to the foreground process group.
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True
    )
    started = tmp_path / "started"
    deadline = time.time() + 120
    while not started.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.1)
    kernel = int(started.read_text())
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.splitlines() == [
        "scripts/notebooks.py: slow.py interrupted; slow.ipynb unchanged: the next build runs it"
    ]
    assert not (tmp_path / "slow.ipynb").exists()
    with pytest.raises(ProcessLookupError):  # the kernel was shut down, not left running
        os.kill(kernel, 0)


def test_a_lesson_notebook_executes_into_the_same_bytes_twice(tmp_path):
    source = ROOT / "notebooks/convolution.py"
    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"
    for out in (first, second):
        execute(source, out, ROOT)
    assert first.read_bytes() == second.read_bytes()
    cells = nbformat.read(first, as_version=4).cells
    assert [cell.id for cell in cells] == [f"convolution-{k}" for k in range(len(cells))]
    assert not [cell for cell in cells if "execution" in cell.metadata]  # no timestamps
