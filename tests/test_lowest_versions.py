"""The lowest versions pyproject.toml allows, installed from the registry into a fresh venv (with the pinned torch
and torchvision), run what a reader runs: render, a short training, the figures.

This downloads and installs a whole environment (a few minutes), so it is not in `make test`'s selection:
`make lowest-versions` runs it, and `.ci/run` runs that target.
"""

import json
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# The only torch this machine and the site are built with; its own lower bound (2.4) is not what is tested here.
PINNED = ("torch", "torchvision")

pytestmark = pytest.mark.lowest


def lowest_versions() -> dict[str, str]:
    """Return, for each dependency but torch and torchvision, the lower bound its range in pyproject.toml allows."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lowest = {}
    for requirement in map(Requirement, dependencies):
        if requirement.name in PINNED:
            continue
        (bound,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        lowest[requirement.name] = bound
    return lowest


def pinned(name: str) -> str:
    """Return the version requirements.txt pins for ``name``."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split("==")[1].strip()
    raise KeyError(name)


@pytest.fixture(scope="module")
def lowest_venv(tmp_path_factory, wheel):
    """Return the bin folder of a fresh venv holding convlab's wheel and the lowest versions its ranges allow."""
    venv = tmp_path_factory.mktemp("lowest") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    constraints = venv.parent / "constraints.txt"
    exact = {**lowest_versions(), **{name: pinned(name) for name in PINNED}}
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in exact.items()))
    started = time.monotonic()
    install = [venv / "bin/python", "-m", "pip", "install", "--quiet", "--constraint", constraints, wheel]
    result = subprocess.run(install, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    print(f"\nthe lowest versions installed in {time.monotonic() - started:.0f} s: {exact}")
    yield venv / "bin"
    size = sum(path.stat().st_size for path in venv.rglob("*") if path.is_file() and not path.is_symlink())
    print(f"\nthe venv held {size / 1e9:.1f} GB")
    shutil.rmtree(venv)  # several GB: torch's default wheel brings the CUDA libraries and triton


def _run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd)


def test_the_lowest_versions_are_what_got_installed_and_pip_check_passes(lowest_venv):
    listed = json.loads(_run([lowest_venv / "pip", "list", "--format", "json"], ROOT).stdout)
    installed = {entry["name"].lower(): entry["version"] for entry in listed}
    for name, version in lowest_versions().items():
        assert Version(installed[name]) == Version(version), (name, installed[name])
    check = _run([lowest_venv / "pip", "check"], ROOT)
    assert check.returncode == 0, check.stdout + check.stderr


def test_render_train_and_figures_run_with_the_lowest_versions(lowest_venv, tmp_path):
    convlab, data = lowest_venv / "convlab", ROOT / "data"
    steps = [
        [convlab, "render", "--size", "5", "--stride", "2", "--out", "conv.gif"],
        [convlab, "train", "--epochs", "1", "--train-limit", "500", "--data-root", data, "--out", "run"],
        [convlab, "figures", "--run", "run", "--data-root", data, "--out", "figures"],
    ]
    for command in steps:
        result = _run(command, tmp_path)
        assert result.returncode == 0, f"{command[1]}: {result.stderr[-3000:]}"
    assert (tmp_path / "conv.gif").stat().st_size > 0 and (tmp_path / "run/metrics.json").is_file()
    manifest = json.loads((tmp_path / "figures/figures.json").read_text())
    renditions = [r for entry in manifest.values() for r in entry["renditions"]]
    assert renditions and all((tmp_path / "figures" / r["file"]).is_file() and r["text_px"] >= 12 for r in renditions)
