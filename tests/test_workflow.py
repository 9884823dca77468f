"""The GitHub workflows (deploy, test) and Dependabot's settings, checked offline: GitHub's schemas, zizmor's audit,
pinned actions, and what each runs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from placeholders import NOTEBOOK_BRANCH

GITHUB = Path(__file__).resolve().parent.parent / ".github"
PAGES, TEST, DEPENDABOT = GITHUB / "workflows/pages.yml", GITHUB / "workflows/test.yml", GITHUB / "dependabot.yml"
BIN = Path(sys.executable).parent
SCHEMAS = {PAGES: "vendor.github-workflows", TEST: "vendor.github-workflows", DEPENDABOT: "vendor.dependabot"}


def _triggers(path: Path) -> dict:
    """Return a workflow's `on:` (YAML 1.1 reads the bare key `on` as True)."""
    workflow = yaml.safe_load(path.read_text())
    return workflow.get("on", workflow.get(True))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda path: path.name)
def test_the_file_is_valid_against_githubs_schema(path):
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", SCHEMAS[path], path], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda path: path.name)
def test_zizmor_finds_nothing(path):
    result = subprocess.run([BIN / "zizmor", "--offline", "--no-progress", path], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout


@pytest.mark.parametrize("path", [PAGES, TEST], ids=lambda path: path.name)
def test_every_action_is_pinned_by_commit(path):
    uses = re.findall(r"uses:\s*(\S+)", path.read_text())
    assert uses and all(re.fullmatch(r"actions/[a-z-]+@[0-9a-f]{40}", use) for use in uses), uses


def test_the_pages_workflow_builds_with_make_site_and_publishes_the_notebooks_colab_opens():
    text = PAGES.read_text()
    for action in ("configure-pages", "upload-pages-artifact", "deploy-pages"):
        assert f"actions/{action}@" in text
    assert "run: make site" in text
    assert f"BRANCH: {NOTEBOOK_BRANCH}" in text and "cp --parents lesson/*/*.ipynb" in text


def test_the_test_workflow_runs_ci_run_on_every_push_and_pull_request():
    assert {"push", "pull_request"} <= set(_triggers(TEST))
    assert "run: .ci/run" in TEST.read_text()


def test_dependabot_watches_the_actions_and_the_pip_pins():
    updates = yaml.safe_load(DEPENDABOT.read_text())["updates"]
    assert {"github-actions", "pip"} <= {update["package-ecosystem"] for update in updates}
