"""The package a reader installs: `pip install` of this repository declares what convlab imports, in ranges
that hold the versions requirements.txt pins for the site."""

import ast
import importlib.metadata
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# What an import name is called on PyPI, where the two differ.
DISTRIBUTION = {"PIL": "pillow"}


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


def test_the_metadata_is_modern_spdx_licence_urls_classifiers_and_typed(wheel):
    metadata, files = _metadata(wheel)
    assert metadata["Metadata-Version"] >= "2.4" and metadata["License-Expression"] == "MIT"
    assert "License" not in metadata  # the deprecated free-text field
    assert metadata.get_all("License-File") == ["LICENSE"] and any(f.endswith("licenses/LICENSE") for f in files)
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues"} <= set(urls), urls
    assert "Typing :: Typed" in metadata.get_all("Classifier") and "convlab/py.typed" in files
    assert not [c for c in metadata.get_all("Classifier") if c.startswith("License ::")]  # SPDX replaces these


def test_the_build_backend_is_bounded_and_holds_the_pinned_setuptools():
    (requirement,) = map(Requirement, tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"])
    assert requirement.name == "setuptools" and "<" in str(requirement.specifier), requirement
    assert requirement.specifier.contains(_pins()["setuptools"])


def test_version_prints_the_packages_version():
    result = subprocess.run([Path(sys.executable).parent / "convlab", "--version"], capture_output=True, text=True)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert (result.returncode, result.stdout, result.stderr) == (0, f"convlab {version}\n", "")


def test_pip_check_finds_nothing_broken_in_the_builds_environment():
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
