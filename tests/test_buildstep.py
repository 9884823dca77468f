"""Build steps run when their inputs' contents change, and only then; the summary says what happened."""

import gzip
import time

from convlab.buildstep import page_weight, run_cached, summary


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


def test_page_weight_counts_the_page_and_what_it_loads(tmp_path):
    page = tmp_path / "lesson/convolution/index.html"
    page.parent.mkdir(parents=True)
    (tmp_path / "a.js").write_text("x" * 1000)
    (tmp_path / "a.css").write_text("y" * 500)
    (tmp_path / "a.gif").write_bytes(b"G" * 300)
    html = (
        '<script src="../../a.js"></script><link rel="stylesheet" href="../../a.css">'
        '<img src="../../a.gif"><script src="https://elsewhere.example/x.js"></script>'
    )
    page.write_text(html)
    raw, compressed = page_weight(tmp_path)
    assert raw == len(html) + 1000 + 500 + 300
    assert (
        compressed
        == len(gzip.compress(html.encode())) + len(gzip.compress(b"x" * 1000)) + len(gzip.compress(b"y" * 500)) + 300
    )


def test_the_command_line_runs_a_step_once_then_reuses_it(tmp_path):
    import subprocess
    import sys

    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("x")
    command = [
        sys.executable,
        "-m",
        "convlab.buildstep",
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
