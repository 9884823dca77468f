"""The MkDocs hooks in a real `mkdocs build`: the run's numbers fill the pages, and a placeholder the build cannot
fill stops it with one line naming the source file, its line and the names there are."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def mkdocs_build(project: Path, run) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONVLAB_RUN": str(run.path), "PYTHONPATH": str(ROOT / "scripts"), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path):
    """A one-page MkDocs project that uses the site's hooks."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(f"site_name: test\nhooks:\n  - {ROOT / 'scripts/mkdocs_hooks.py'}\n")
    return tmp_path


def test_a_metric_is_the_runs_number(project, build_run):
    (project / "docs/index.md").write_text("# Home\n\nTest accuracy: {{ metric test_accuracy }}.\n")
    result = mkdocs_build(project, build_run)
    assert result.returncode == 0, result.stderr
    expected = f"Test accuracy: {build_run.metrics().test_accuracy:.4f}."
    assert expected in (project / "site/index.html").read_text()


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("{{ metric no_such_metric }}", "no metric called 'no_such_metric': choose from test_loss, test_accuracy"),
        ("{{ animation no_such }}", "no animation called 'no_such': choose from conv, conv_stride_2"),
        ("{{ metric }}", "not a placeholder: write {{ KIND NAME }}, KIND one of animation, still, figure"),
        ("{{ animation }}", "not a placeholder"),
    ],
)
def test_a_placeholder_the_build_cannot_fill_fails_it_in_one_line(project, build_run, line, says):
    (project / "docs/index.md").write_text(f"# Home\n\nSome text.\n\n{line}\n")
    result = mkdocs_build(project, build_run)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    ours = [text for text in result.stderr.splitlines() if "docs/index.md:5:" in text]
    assert len(ours) == 1 and f"docs/index.md:5: {line}: {says}" in ours[0], result.stderr
    assert not (project / "site/index.html").exists()
