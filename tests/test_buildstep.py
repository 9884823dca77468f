"""Build steps run when their inputs' contents change, and only then; the summary says what happened."""

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

from buildstep import digest, page_resources, page_weight, run_cached, summary

SCRIPT = Path(__file__).resolve().parent.parent / "scripts/buildstep.py"


def test_a_step_reruns_only_when_an_input_really_changes(tmp_path):
    source, output, state = tmp_path / "in.txt", tmp_path / "out.txt", tmp_path / "steps"
    source.write_text("one")
    runs = []

    def action():
        runs.append(1)
        output.write_text(source.read_text().upper())

    def step():
        return run_cached("demo", [source], [output], action, state_dir=state)

    assert step() == "ran"
    assert step() == "reused"
    source.write_text("one")  # rewritten, same content: a timestamp changes, the hash does not
    assert step() == "reused"
    source.write_text("two")
    assert step() == "ran" and output.read_text() == "TWO"
    output.unlink()
    assert step() == "ran"
    assert len(runs) == 3


def test_the_command_is_part_of_the_key(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("x")
    assert run_cached("demo", [source], [], lambda: None, extra=["--epochs", "5"], state_dir=tmp_path) == "ran"
    assert run_cached("demo", [source], [], lambda: None, extra=["--epochs", "5"], state_dir=tmp_path) == "reused"
    assert run_cached("demo", [source], [], lambda: None, extra=["--epochs", "1"], state_dir=tmp_path) == "ran"


def test_summary_lists_what_ran_what_was_reused_and_what_was_current(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("x")
    run_cached("old", [source], [], lambda: None, state_dir=tmp_path)
    since = time.time()
    run_cached("fresh", [source], [], lambda: time.sleep(0.01), state_dir=tmp_path)
    run_cached("old-again", [source], [], lambda: None, state_dir=tmp_path)
    run_cached("old-again", [source], [], lambda: None, state_dir=tmp_path)
    text = summary(since, tmp_path / "no-site", state_dir=tmp_path)
    lines = {line.split()[0]: line for line in text.splitlines()[1:-1]}
    assert "ran" in lines["fresh"] and "reused" in lines["old-again"] and "current" in lines["old"]


def test_page_weight_counts_the_page_and_everything_it_can_load(tmp_path):
    page = tmp_path / "lesson/convolution/index.html"
    page.parent.mkdir(parents=True)
    files = {
        "a.js": 'import { x } from "./b.js";' + "x" * 1000,
        "b.js": "y" * 300,
        "a.css": "@font-face { src: url(fonts/f.woff2) }" + "z" * 500,
        "fonts/f.woff2": "F" * 200,
        "a.gif": "G" * 300,
        "a.png": "P" * 100,
        "data.json": "{}",
        "unused.png": "U" * 999,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    html = (
        '<script src="../../a.js"></script><link rel="stylesheet" href="../../a.css">'
        '<picture><source srcset="../../a.png" media="(prefers-reduced-motion: reduce)">'
        '<img src="../../a.gif"></picture>'
        '<div data-source="../../data.json"></div><a href="../../unused.png">a link is not loaded</a>'
        '<script src="https://elsewhere.example/x.js"></script>'
    )
    page.write_text(html)
    loaded = {path.relative_to(tmp_path).as_posix() for path in page_resources(tmp_path)}
    # Of the picture's two sources a browser loads one: the bound counts the larger, the GIF.
    assert loaded == {"lesson/convolution/index.html", *files} - {"unused.png", "a.png"}
    text = len(gzip.compress(html.encode(), mtime=0)) + sum(
        len(gzip.compress(files[name].encode(), mtime=0)) for name in ("a.js", "b.js", "a.css", "data.json")
    )
    assert page_weight(tmp_path) == text + 200 + 300


def test_keys_name_inputs_relative_to_the_project(tmp_path, monkeypatch):
    for folder in ("one", "two"):
        (tmp_path / folder / "src").mkdir(parents=True)
        (tmp_path / folder / "src/in.txt").write_text("same")
    monkeypatch.chdir(tmp_path / "one")
    first = digest([tmp_path / "one/src/in.txt"])
    monkeypatch.chdir(tmp_path / "two")
    assert digest([tmp_path / "two/src/in.txt"]) == first == digest([Path("src/in.txt")])


def test_the_command_line_runs_a_step_once_then_reuses_it(tmp_path):
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("x")
    command = [
        sys.executable,
        str(SCRIPT),
        "run",
        "copy",
        "--inputs",
        str(source),
        "--outputs",
        str(output),
        "--",
        sys.executable,
        "-c",
        f"open({str(output)!r}, 'w').write('done')",
    ]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert output.read_text() == "done"
    output.write_text("kept")
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0
    assert output.read_text() == "kept"  # reused: the command did not run again
    failing = [*command[:-3], sys.executable, "-c", "raise SystemExit(3)"]
    assert subprocess.run(failing, cwd=tmp_path, capture_output=True).returncode == 3
    assert json.loads((tmp_path / "build/steps/copy.json").read_text())["status"] == "reused"
