"""The build heals itself: in a copy of the project with the build current, each fault followed by `make site`.

The copies are clones in another folder: the project's sources, with data/ and build/ restored as the Pages
workflow restores them. Nothing here trains: a damaged run is put back from the copy the step kept (the
step runner's own tests cover a step that has to run again).
"""

import dataclasses
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch

from convlab.catalogue import FIGURES as FIGURES_DRAWN
from convlab.data import MD5, md5, raw_dir
from convlab.model import MnistConvNet
from convlab.run import RunFolder

ROOT = Path(__file__).resolve().parent.parent
RESTORED = ("data", "build")  # what the Pages workflow caches between builds
MAKE_SECONDS = 600  # a clone of a current build needs far less; more means it is training or executing


def _sources() -> list[str]:
    """Return the project's files as a clone has them: tracked, and new files not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listing.stdout.split("\0") if name and (ROOT / name).is_file()]


def _env(project: Path) -> dict[str, str]:
    """Return the environment for a build in ``project``, with no settings from an outer make.

    Its Python imports convlab from the original checkout (the same files), as a venv installed from that
    checkout would: where convlab is imported from must not change any step's key.
    """
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return {**env, "PYTHONPATH": str(ROOT)}


def make_site(project: Path) -> subprocess.CompletedProcess:
    """Run `make site` in ``project`` (without reinstalling the shared .venv)."""
    return subprocess.run(
        ["make", "-o", ".venv/.installed", "site"],
        cwd=project,
        env=_env(project),
        capture_output=True,
        text=True,
        timeout=MAKE_SECONDS,
    )


def statuses(build: subprocess.CompletedProcess) -> dict[str, str]:
    """Return each step's status from the build summary."""
    assert build.returncode == 0, build.stdout + build.stderr
    summary = build.stdout[build.stdout.index("build summary:") :]
    return dict(re.findall(r"^  (\S+) +(ran|restored|reused) ", summary, re.M))


def hashes(project: Path, *folders: str) -> dict[str, str]:
    """Return the SHA-256 of every file under the folders, by path."""
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted((project / folder).rglob("*"))
        if path.is_file()
    }


BUILT = ("site", "docs/assets", "docs/lesson", "build/run", "data")  # everything a build makes, but its records


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """Return a clone of the project in another folder, with data/ and build/ restored, after its first build."""
    if not (ROOT / "build/steps/pages.json").is_file():
        pytest.fail("the project is not built: run `make site` first (make test does)")
    project = tmp_path_factory.mktemp("elsewhere") / "convlab"
    for name in _sources():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, project / name)
    for folder in RESTORED:
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("screenshots", "site.*"))
    (project / ".venv").symlink_to((ROOT / ".venv").resolve())
    for name in ("requirements.txt", "pyproject.toml"):  # the linked .venv is installed: make must not reinstall
        os.utime(project / name, (0, 0))
    return project, make_site(project)


@pytest.fixture
def project(clone, tmp_path):
    """Return a fresh copy of the built clone, to damage."""
    built, _ = clone
    copy = tmp_path / "convlab"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def test_a_clone_elsewhere_with_build_restored_reuses_everything(clone):
    project, build = clone
    steps = statuses(build)
    assert steps, build.stdout
    assert "ran" not in steps.values(), f"a clone with build/ restored ran steps: {steps}\n{build.stderr}"
    assert steps["data"] == steps["train"] == "reused"
    assert hashes(project, *BUILT) == hashes(ROOT, *BUILT)


def _truncate(path: Path, size: int = 2000) -> None:
    path.write_bytes(path.read_bytes()[:size])


def _quick_try(project: Path) -> None:
    """Write a run of other settings into the build's run folder, as `convlab train --epochs 2 --train-limit 500`
    did when build/run was its default (the model's weights are fresh: only the settings matter here)."""
    run = RunFolder(project / "build/run")
    metrics = run.metrics()
    quick = dataclasses.replace(metrics.config, epochs=2, train_limit=500)
    run.write(
        MnistConvNet().state_dict(),
        dataclasses.replace(metrics, config=quick, epochs=metrics.epochs[:2], test_accuracy=0.5343),
        ["x"],
    )


ANIM, FIGURES, MODEL, RUN = "docs/assets/anim", "docs/assets/figures", "docs/assets/model", "build/run"
FONT = "docs/assets/katex/fonts/KaTeX_Main-Regular.woff2"
FIGURE = FIGURES_DRAWN["filters"][0]
FAULTS = {
    "animation json deleted": (lambda p: (p / ANIM / "conv.json").unlink(), "animations", f"{ANIM}/conv.json"),
    "animation png deleted": (lambda p: (p / ANIM / "conv.png").unlink(), "animations", f"{ANIM}/conv.png"),
    "animation gif truncated": (lambda p: _truncate(p / ANIM / "conv.gif"), "animations", f"{ANIM}/conv.gif"),
    "figure deleted": (lambda p: (p / FIGURES / FIGURE).unlink(), "figures", f"{FIGURES}/{FIGURE}"),
    "figures.json deleted": (lambda p: (p / FIGURES / "figures.json").unlink(), "figures", f"{FIGURES}/figures.json"),
    "explorer.json deleted": (
        lambda p: (p / FIGURES / "explorer.json").unlink(),
        "figures",
        f"{FIGURES}/explorer.json",
    ),
    "katex font deleted": (lambda p: (p / FONT).unlink(), "katex", FONT),
    "executed notebook deleted": (lambda p: (p / "docs/lesson/cnn.ipynb").unlink(), "notebook-cnn", "cnn.ipynb"),
    "model.pt deleted": (lambda p: (p / RUN / "model.pt").unlink(), "train", f"{RUN}/model.pt"),
    "model.pt truncated": (lambda p: _truncate(p / RUN / "model.pt", 100_000), "train", f"{RUN}/model.pt"),
    "metrics.json cut short": (lambda p: _truncate(p / RUN / "metrics.json", 300), "train", f"{RUN}/metrics.json"),
    "quick try written into the build's run": (_quick_try, "train", f"{RUN}/metrics.json"),
    "site page deleted": (lambda p: (p / "site/lesson/layers/index.html").unlink(), "pages", "site/lesson/layers"),
    "stray file in site": (lambda p: (p / "site/stray.html").write_text("x"), "pages", "site/stray.html"),
    "site deleted": (lambda p: shutil.rmtree(p / "site"), "pages", "site/ is missing"),
}


def _rounds(faults: dict) -> list[list[str]]:
    """Return the faults in rounds, each round at most one fault per step: the k-th fault of every step."""
    per_step: dict[str, list[str]] = {}
    for fault, (_, step, _) in faults.items():
        per_step.setdefault(step, []).append(fault)
    depth = max(len(names) for names in per_step.values())
    return [[names[k] for names in per_step.values() if k < len(names)] for k in range(depth)]


# One build heals every fault of a round; each step still has to say which of its outputs it put back.
@pytest.mark.parametrize("faults", _rounds(FAULTS), ids=lambda faults: " + ".join(faults))
def test_missing_or_damaged_outputs_are_put_back_by_the_next_build(project, faults):
    before = hashes(project, *BUILT)
    for fault in faults:
        FAULTS[fault][0](project)
    build = make_site(project)
    steps = statuses(build)
    damaged = {FAULTS[fault][1]: FAULTS[fault][2] for fault in faults}
    assert {name for name, status in steps.items() if status != "reused"} == set(damaged), steps
    for step, named in damaged.items():
        assert steps[step] == "restored", steps
        healed = [line for line in build.stderr.splitlines() if line.startswith(f"{step}: ")]
        assert len(healed) == 1 and named in healed[0] and "put back" in healed[0], build.stderr
    assert hashes(project, *BUILT) == before
    assert "Traceback" not in build.stderr


def test_a_damaged_and_a_deleted_mnist_file_are_rebuilt(project):
    damaged, deleted = (
        raw_dir(project / "data") / name for name in ("t10k-labels-idx1-ubyte", "train-labels-idx1-ubyte")
    )
    content = bytearray(damaged.read_bytes())
    content[100] ^= 1
    damaged.write_bytes(bytes(content))
    deleted.unlink()
    build = make_site(project)
    steps = statuses(build)
    assert steps["data"] == "ran"
    assert {name for name, status in steps.items() if status != "reused"} == {"data"}
    (said,) = [line for line in build.stderr.splitlines() if line.startswith("data: ")]
    assert "data/MNIST/raw/t10k-labels-idx1-ubyte differs" in said and "train-labels-idx1-ubyte is missing" in said
    assert md5(damaged) == MD5[damaged.name] and md5(deleted) == MD5[deleted.name]


def test_an_output_without_an_intact_copy_is_made_again(project):
    model = project / MODEL / "model.json"  # the webmodel step: the quickest to run again
    before = model.read_bytes()
    _truncate(model, 100)
    (project / "build/steps/webmodel.files" / hashlib.sha256(before).hexdigest()).unlink()
    build = make_site(project)
    assert statuses(build)["webmodel"] == "ran"
    assert f"webmodel: {MODEL}/model.json differs from what the step wrote: running webmodel again" in build.stderr
    assert model.read_bytes() == before


def test_a_page_build_killed_midway_leaves_the_site_whole_and_the_next_build_finishes(project):
    before = hashes(project, "site")
    about = project / "docs/about.md"
    about.write_text(about.read_text() + "\nA sentence added after the last build.\n")
    process = subprocess.Popen(
        ["make", "-o", ".venv/.installed", "site"],
        cwd=project,
        env=_env(project),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fresh = project / "build/site.new"
    deadline = time.time() + MAKE_SECONDS
    while not (fresh.is_dir() and any(fresh.rglob("*.html"))) and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the build and MkDocs, in the middle of writing pages
    process.wait()
    assert fresh.is_dir(), "the page build was not killed while it wrote"
    assert hashes(project, "site") == before
    build = make_site(project)
    assert statuses(build)["pages"] == "ran"
    after = hashes(project, "site")
    assert after.keys() == before.keys()
    assert "A sentence added after the last build." in (project / "site/about/index.html").read_text()
    assert not fresh.exists() and not (project / "build/site.old").exists()


def test_the_pages_refuse_a_run_that_is_not_the_lessons_recipe(project):
    quick = project / "build/quick"
    shutil.copytree(project / RUN, quick)
    run = RunFolder(quick)
    metrics = run.metrics()
    config = dataclasses.replace(metrics.config, epochs=2, train_limit=500, out=str(quick))
    run.write(
        torch.load(run.model_file, weights_only=True),
        dataclasses.replace(metrics, config=config, epochs=metrics.epochs[:2]),
        ["x"],
    )
    before = hashes(project, "site")
    pages = subprocess.run(
        [str(project / ".venv/bin/python"), "scripts/pages.py", "--site", "site"],
        cwd=project,
        env={**_env(project), "CONVLAB_RUN": "build/quick"},
        capture_output=True,
        text=True,
    )
    assert pages.returncode != 0
    errors = [line for line in pages.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, pages.stderr
    assert "build/quick was trained with --epochs 2, --train-limit 500, not the lesson's recipe" in errors[0]
    assert "Traceback" not in pages.stderr
    assert hashes(project, "site") == before


def test_ctrl_c_during_a_build_says_one_line_per_step_and_no_traceback(project):
    notebook = project / "notebooks/convolution.py"
    waits = "# %%\nimport pathlib, time\npathlib.Path('build/started').touch()\ntime.sleep(120)\n\n"
    text = notebook.read_text()
    first_cell = text.index("# %%")
    notebook.write_text(text[:first_cell] + waits + text[first_cell:])
    process = subprocess.Popen(
        ["make", "-o", ".venv/.installed", "site"],
        cwd=project,
        env=_env(project),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + MAKE_SECONDS
    while not (project / "build/started").exists() and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    ours = [line for line in stderr.splitlines() if not line.startswith("make")]
    assert ours == [
        "scripts/notebooks.py: notebooks/convolution.py interrupted; docs/lesson/convolution.ipynb unchanged: "
        "the next build runs it"
    ], stderr
