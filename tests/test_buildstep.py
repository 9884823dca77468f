"""Build steps run when their inputs' contents change, and only then; an output that is missing or differs from
what the step wrote is put back or made again; the summary says what happened."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildstep import StepState, digest, run_cached, summary

SCRIPT = Path(__file__).resolve().parent.parent / "scripts/buildstep.py"


class Step:
    """A step that writes its input, upper-cased, to out.txt and, in the folder out/, one file per line."""

    def __init__(self, folder: Path, keep_copies: bool = True):
        self.source, self.output, self.folder = folder / "in.txt", folder / "out.txt", folder / "out"
        self.state = StepState("demo", folder / "steps")
        self.keep_copies, self.runs, self.said = keep_copies, 0, []
        self.source.write_text("one\ntwo")

    def action(self):
        self.runs += 1
        text = self.source.read_text()
        self.output.write_text(text.upper())
        self.folder.mkdir(exist_ok=True)
        for line in text.splitlines():
            (self.folder / line).write_text(line)

    def __call__(self) -> str:
        return run_cached(
            "demo",
            [self.source],
            [self.output, self.folder],
            self.action,
            state_dir=self.state.folder,
            keep_copies=self.keep_copies,
            log=self.said.append,
        )


def test_a_step_reruns_only_when_an_input_really_changes(tmp_path):
    step = Step(tmp_path)
    assert step() == "ran"
    assert step() == "reused"
    step.source.write_text("one\ntwo")  # rewritten, same content: a timestamp changes, the hash does not
    assert step() == "reused"
    step.source.write_text("three")
    assert step() == "ran" and step.output.read_text() == "THREE"
    assert step.runs == 2 and not step.said


def test_the_record_holds_the_hash_of_every_file_written_named_relative_to_the_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    step = Step(tmp_path)
    step()
    files = ["out.txt", "out/one", "out/two"]
    assert step.state.record()["outputs"] == {
        name: hashlib.sha256(Path(name).read_bytes()).hexdigest() for name in files
    }


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda step: step.output.unlink(), "out.txt is missing"),
        (lambda step: step.output.write_text("ONE\nTWO, edited"), "out.txt differs from what the step wrote"),
        (lambda step: step.output.write_text("ONE"), "out.txt differs from what the step wrote"),  # truncated
        (lambda step: (step.folder / "two").unlink(), "out/two is missing"),
        (lambda step: (step.folder / "stray").write_text("x"), "out/stray is not the step's"),
        (lambda step: shutil.rmtree(step.folder), "out/ is missing"),
    ],
)
def test_a_damaged_output_is_put_back_from_the_steps_copy_without_running_it(tmp_path, damage, says):
    step = Step(tmp_path)
    step()
    before = {path: path.read_bytes() for path in [step.output, *step.folder.iterdir()]}
    damage(step)
    assert step() == "restored"
    assert {path: path.read_bytes() for path in [step.output, *step.folder.iterdir()]} == before
    assert step.runs == 1
    assert len(step.said) == 1 and says in step.said[0] and "put back" in step.said[0]
    assert step() == "reused"


def test_without_an_intact_copy_the_step_runs_again(tmp_path):
    step = Step(tmp_path)
    step()
    step.output.write_text("damaged")
    for copy in step.state.copies.iterdir():
        copy.write_text("the copy is damaged too")
    assert step() == "ran" and step.output.read_text() == "ONE\nTWO"
    assert step.said == [f"demo: {step.output} differs from what the step wrote: running demo again"]
    assert step() == "reused"


def test_an_output_the_step_did_not_write_last_time_makes_it_run(tmp_path):
    step = Step(tmp_path)
    step()
    extra = tmp_path / "new.txt"
    status = run_cached(
        "demo", [step.source], [step.output, step.folder, extra], extra.touch, state_dir=step.state.folder
    )
    assert status == "ran" and extra.exists()


def test_a_deleted_copy_is_made_again_from_the_intact_output(tmp_path):
    step = Step(tmp_path)
    step()
    shutil.rmtree(step.state.copies)
    assert step() == "reused"
    step.output.unlink()
    assert step() == "restored" and step.output.read_text() == "ONE\nTWO" and step.runs == 1


def test_a_step_that_keeps_no_copies_runs_again_to_heal(tmp_path):
    step = Step(tmp_path, keep_copies=False)
    step()
    assert not step.state.copies.exists()
    (step.folder / "one").unlink()
    assert step() == "ran" and (step.folder / "one").read_text() == "one"
    assert step.runs == 2 and "out/one is missing: running demo again" in step.said[0]


def test_copies_of_files_no_longer_written_are_dropped(tmp_path):
    step = Step(tmp_path)
    step()
    step.source.write_text("four")
    step()
    # out/one and out/two are still there (the step does not clear its folder), so they count as written
    kept = sorted(copy.read_text() for copy in step.state.copies.iterdir())
    assert kept == sorted(["FOUR", "four", "one", "two"])
    step.source.write_text("five")
    (step.folder / "four").unlink()
    step()
    assert "four" not in {copy.read_text() for copy in step.state.copies.iterdir()}


def test_a_step_that_does_not_write_an_output_it_names_fails(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("x")
    with pytest.raises(FileNotFoundError, match=r"step demo ran but did not write .*never\.txt"):
        run_cached("demo", [source], [tmp_path / "never.txt"], lambda: None, state_dir=tmp_path / "steps")
    assert not (tmp_path / "steps/demo.json").exists()


def test_an_unreadable_record_makes_the_step_run(tmp_path):
    step = Step(tmp_path)
    step()
    step.state.record_path.write_text('{"key": "cut sh')
    assert step() == "ran"


def test_the_command_is_part_of_the_key(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("x")
    assert run_cached("demo", [source], [], lambda: None, extra=["--epochs", "5"], state_dir=tmp_path) == "ran"
    assert run_cached("demo", [source], [], lambda: None, extra=["--epochs", "5"], state_dir=tmp_path) == "reused"
    assert run_cached("demo", [source], [], lambda: None, extra=["--epochs", "1"], state_dir=tmp_path) == "ran"


def test_summary_lists_what_this_build_ran_restored_and_reused(tmp_path):
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("x")

    def write():
        output.write_text("y")

    run_cached("gone", [source], [], lambda: None, state_dir=tmp_path)  # a step from before, no longer built
    run_cached("damaged", [source], [output], write, state_dir=tmp_path)
    run_cached("same", [source], [], lambda: None, state_dir=tmp_path)
    since = time.time()
    output.unlink()
    run_cached("fresh", [source], [], lambda: time.sleep(0.01), state_dir=tmp_path)
    run_cached("damaged", [source], [output], write, state_dir=tmp_path, log=lambda line: None)
    run_cached("same", [source], [], lambda: None, state_dir=tmp_path)
    text = summary(since, tmp_path / "no-site", state_dir=tmp_path)
    lines = {line.split()[0]: line.split()[1] for line in text.splitlines()[1:-1]}
    assert lines == {"damaged": "restored", "fresh": "ran", "same": "reused"}


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
    write = [
        "--",
        sys.executable,
        "-c",
        "import pathlib; p = pathlib.Path('out.txt'); p.write_text(p.read_text() + 'ran')",
    ]
    output.write_text("")
    command = [sys.executable, str(SCRIPT), "run", "append", "--inputs", "in.txt", "--outputs", "out.txt", *write]

    def status() -> str:
        return json.loads((tmp_path / "build/steps/append.json").read_text())["status"]

    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert output.read_text() == "ran" and status() == "ran"
    assert subprocess.run(command, cwd=tmp_path).returncode == 0
    assert output.read_text() == "ran" and status() == "reused"  # the command did not run again
    output.write_text("edited")
    healed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert healed.returncode == 0 and output.read_text() == "ran" and status() == "restored"
    assert (
        healed.stderr
        == "append: out.txt differs from what the step wrote: put back the copy kept in build/steps/append.files\n"
    )
    failing = [*command[: command.index("--")], "--", sys.executable, "-c", "raise SystemExit(3)"]
    assert subprocess.run(failing, cwd=tmp_path, capture_output=True).returncode == 3
    assert status() == "restored"  # a failed command records nothing


def test_environment_variables_named_are_part_of_the_key(tmp_path):
    source, output = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("x")
    command = [sys.executable, str(SCRIPT), "run", "env", "--inputs", "in.txt", "--env", "SITE_URL"]
    command += ["--outputs", "out.txt", "--", "sh", "-c", 'echo "$SITE_URL" >> out.txt']
    for url in ("https://a.example/", "https://a.example/", None, "https://b.example/"):
        env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
        subprocess.run(command, cwd=tmp_path, env={**env, "SITE_URL": url} if url else env, check=True)
    assert output.read_text().splitlines() == ["https://a.example/", "", "https://b.example/"]


def test_ctrl_c_during_a_step_says_one_line_and_records_nothing(tmp_path):
    (tmp_path / "in.txt").write_text("x")
    command = [sys.executable, str(SCRIPT), "run", "slow", "--inputs", "in.txt", "--outputs", "out.txt"]
    command += ["--", "sh", "-c", "touch started && sleep 60"]
    # A terminal's Ctrl-C sends SIGINT to the whole foreground process group: the runner and its command.
    process = subprocess.Popen(command, cwd=tmp_path, start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "started").exists() and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.splitlines() == [
        "scripts/buildstep.py: step slow interrupted; nothing recorded: the next build does it again"
    ]
    assert not (tmp_path / "build/steps/slow.json").exists()


def test_a_step_that_owns_a_folder_leaves_only_what_it_wrote_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("in.txt").write_text("v1")
    Path("out").mkdir()
    Path("out/old-name.svg").write_text("written by an earlier version of the step")

    def action():
        Path("out/new-name.svg").write_text(Path("in.txt").read_text())

    def step():
        return run_cached("draw", [Path("in.txt")], [Path("out/new-name.svg")], action, owns=[Path("out")])

    assert step() == "ran"
    assert sorted(p.name for p in Path("out").iterdir()) == ["new-name.svg"]
    Path("out/stray.svg").write_text("not the step's")
    assert step() == "restored" and sorted(p.name for p in Path("out").iterdir()) == ["new-name.svg"]


@pytest.mark.parametrize("garbage", ["not json at all", "[1, 2]", '{"outputs": "none"}', '{"outputs": {}}', "\0\1\2"])
def test_a_record_that_is_not_one_the_build_wrote_runs_the_step_and_says_why(tmp_path, garbage):
    step = Step(tmp_path)
    step()
    step.state.record_path.write_text(garbage)
    assert step() == "ran" and step.runs == 2
    assert step.said == [f"demo: {step.state.record_path} is not a record this build wrote: running demo again"]
    assert step() == "reused"  # the record it wrote in its place is read again
