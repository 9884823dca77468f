"""Run one Node test file of the site's pure JavaScript modules (tests/node/) on cases exported from torch."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_node_tests(test_file: str, cases: dict, folder: Path, passes: int) -> None:
    """Write ``cases`` where the test file reads them (the CASES variable), run it with ``node --test`` and
    check that all ``passes`` of its tests passed."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the site's build needs it too (npm, for KaTeX)")
    path = folder / "cases.json"
    path.write_text(json.dumps(cases))
    result = subprocess.run(
        [node, "--test", str(ROOT / "tests/node" / test_file)],
        env={"CASES": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and f"# pass {passes}\n" in result.stdout, result.stdout[-2000:]
