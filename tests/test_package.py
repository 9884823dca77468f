"""The package a reader installs: `pip install` of this repository declares what convlab imports, in ranges
that hold the versions requirements.txt pins for the site."""

import ast
import importlib.metadata
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# What an import name is called on PyPI, where the two differ.
DISTRIBUTION = {"PIL": "pillow"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Return the wheel built from a copy of the repository (building in place would write into build/)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "convlab", source / "convlab", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", out, source]
    subprocess.run(command, check=True, capture_output=True)
    (path,) = out.glob("convlab-*.whl")
    return path


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode()), archive.namelist()


def _third_party_imports() -> set[str]:
    names = set()
    for path in (ROOT / "convlab").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in ("convlab", "__future__")}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_wheel_holds_every_module(wheel):
    _, files = _metadata(wheel)
    assert {f"convlab/{path.name}" for path in (ROOT / "convlab").glob("*.py")} <= set(files)


def test_every_import_is_declared_and_every_range_holds_the_pinned_version(wheel):
    metadata, _ = _metadata(wheel)
    requirements = [Requirement(text) for text in metadata.get_all("Requires-Dist")]
    declared = {requirement.name.lower() for requirement in requirements}
    imported = {DISTRIBUTION.get(name, name).lower() for name in _third_party_imports()}
    assert imported - {"tensorboard"} <= declared, "convlab imports packages pyproject.toml does not declare"
    always = {r.name.lower() for r in requirements if r.marker is None}
    assert "tensorboard" not in always and {"tensorboard"} <= declared  # only for --tensorboard
    pins = _pins()
    for requirement in requirements:
        assert requirement.specifier.contains(pins[requirement.name.lower()]), (requirement, pins[requirement.name])


def test_the_installed_versions_satisfy_the_declared_ranges(wheel):
    metadata, _ = _metadata(wheel)
    for requirement in map(Requirement, metadata.get_all("Requires-Dist")):
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed), (requirement, installed)
