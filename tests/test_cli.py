"""The command line, run as a user runs it: a subprocess, its exit status, its output and its files."""

import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from in_process import convlab_in_process
from PIL import Image
from terminal import run_in_terminal

from convlab.catalogue import CATALOGUE, FIGURES
from convlab.cli import parse_bias, parse_channels, parse_grid, parse_size
from convlab.errors import UsageError

# What one animation writes, after its name: the sidecar, and a GIF and a still per rendition and scheme.
ANIMATION_FILES = [".json"] + [
    f"{rendition}{scheme}{kind}"
    for rendition in ("", ".narrow")
    for scheme in ("", ".dark")
    for kind in (".gif", ".png", ".webp")
]


# Tests of what a command computes draw the wide rendition at its smallest width, the quickest to draw (the build
# draws every animation at the default width, and test_render_writes_gif_json_and_png draws one).
QUICK = ("--width", "200")


def convlab(*args, cwd):
    """Run ``python -m convlab ARGS`` in ``cwd``; return the completed process."""
    return subprocess.run([sys.executable, "-m", "convlab", *args], cwd=cwd, capture_output=True, text=True)


def test_render_writes_gif_json_and_png(tmp_path):
    result = convlab(
        "render",
        "--size",
        "5x7",
        "--weights=-1,0,1;-2,0,2",
        "--stride",
        "2x1",
        "--padding",
        "1",
        "--dilation",
        "1x2",
        "--out",
        "sobel.gif",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    names = sorted(f"sobel{end}" for end in ANIMATION_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    data = json.loads((tmp_path / "sobel.json").read_text())
    assert data["kernel"] == [[[-1, 0, 1], [-2, 0, 2]]]
    assert (data["stride"], data["padding"], data["dilation"]) == ([2, 1], [1, 1], [1, 2])
    assert data["output_size"] == [3, 5]  # floor((5+2-2)/2)+1, floor((7+2-2*2-1)/1)+1
    assert Image.open(tmp_path / "sobel.gif").n_frames == 3 * 5 + 1


def test_console_script_and_module_agree(tmp_path):
    script = shutil.which("convlab", path=str(Path(sys.executable).parent))
    assert script, "the convlab console script is installed beside python"
    subprocess.run([script, "render", *QUICK, "--out", "a.gif"], cwd=tmp_path, check=True, capture_output=True)
    assert convlab("render", *QUICK, "--out", "b.gif", cwd=tmp_path).returncode == 0
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()


@pytest.mark.parametrize(
    ("args", "op", "output_size"),
    [
        (
            ["--op", "transposed", "--size", "3", "--stride", "2", "--padding", "1", "--output-padding", "1"],
            "transposed",
            [6, 6],
        ),
        (
            ["--op", "maxpool", "--input", "1,5,2;0,3,3;4,1,1", "--kernel", "2", "--stride", "1", "--ceil-mode"],
            "maxpool",
            [2, 2],
        ),
        (["--op", "avgpool", "--size", "5", "--kernel", "3", "--stride", "2", "--padding", "1"], "avgpool", [3, 3]),
        (["--in-channels", "2", "--size", "3", "--kernel", "2", "--bias=-1"], "conv", [2, 2]),
        (["--op", "transposed", "--size", "2", "--stride", "2", "--view", "scatter"], "transposed", [5, 5]),
    ],
)
def test_render_draws_every_operation(tmp_path, args, op, output_size):
    result = convlab("render", *args, *QUICK, "--out", "x.gif", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "x.json").read_text())
    assert (data["op"], data["output_size"]) == (op, output_size)
    assert Image.open(tmp_path / "x.narrow.gif").n_frames > 1


@pytest.mark.parametrize(
    ("in_channels", "out_channels", "groups", "bias"),
    [(2, 2, 1, "0.5,-1"), (4, 2, 2, "1"), (3, 3, 3, None), (1, 4, 1, None)],
)
def test_render_draws_a_layer_with_channels_groups_and_bias_as_torch_computes_it(
    tmp_path, in_channels, out_channels, groups, bias
):
    generator = torch.Generator().manual_seed(in_channels * 10 + out_channels)
    x = torch.randint(-3, 4, (in_channels, 2, 3), generator=generator).double()  # (C_in, H, W): 3×3 out, padded
    w = torch.randint(-2, 3, (out_channels, in_channels // groups, 2, 3), generator=generator).double()
    grids = lambda t: "|".join(";".join(",".join(f"{v:g}" for v in row) for row in grid) for grid in t.tolist())  # noqa: E731
    args = ["--in-channels", str(in_channels), "--out-channels", str(out_channels), "--groups", str(groups)]
    args += [f"--input={grids(x)}", f"--weights={grids(w.flatten(0, 1))}", "--padding", "1"]
    args += [f"--bias={bias}"] if bias else []
    result = convlab("render", *args, *QUICK, "--out", "layer.gif", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "layer.json").read_text())
    b = (
        None
        if bias is None
        else torch.tensor([float(v) for v in bias.split(",")] * (out_channels if "," not in bias else 1))
    )
    expected = F.conv2d(x[None], w, None if b is None else b.double(), padding=1, groups=groups)[0]
    assert torch.equal(torch.tensor(data["output"], dtype=torch.float64), expected)
    layer = eval(data["pytorch"], {"nn": torch.nn})
    assert list(layer.weight.shape) == list(w.shape) and (layer.bias is None) == (bias is None)
    frames = Image.open(tmp_path / "layer.narrow.gif").n_frames
    assert frames == out_channels * expected.shape[1] * expected.shape[2] + 1  # every output cell, then the whole


def test_an_input_sets_the_size_and_its_values(tmp_path):
    result = convlab("render", "--input", "1,2,3;4,5,6;7,8,9", "--kernel", "2", *QUICK, "--out", "x.gif", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "x.json").read_text())
    assert data["size"] == [3, 3] and data["input"] == [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]


def test_gifs_renders_the_catalogue_into_a_new_folder(tmp_path):
    result = convlab("gifs", "--out", "anim/lesson", "--only", "conv", "maxpool_2x2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "anim/lesson").iterdir())
    assert names == sorted(f"{n}{end}" for n in ("conv", "maxpool_2x2") for end in ANIMATION_FILES)


def test_gifs_shows_a_bar_on_a_terminal_and_nothing_in_a_log(tmp_path):
    command = [sys.executable, "-m", "convlab", "gifs", "--only", "conv", "maxpool_2x2", "--out"]
    status, shown = run_in_terminal([*command, "terminal"], tmp_path)
    assert status == 0 and re.search(r"gifs: +\d+%.*\| \d/2 \[", shown), shown
    logged = subprocess.run([*command, "log"], cwd=tmp_path, capture_output=True, text=True)
    assert logged.returncode == 0 and logged.stderr == "", logged.stderr


def test_catalogue_prints_the_names_for_the_makefile():
    result = subprocess.run([sys.executable, "-m", "convlab.catalogue"], capture_output=True, text=True, check=True)
    assert result.stdout.split() == [animation.name for animation in CATALOGUE]
    figures = subprocess.run(
        [sys.executable, "-m", "convlab.catalogue", "figures"], capture_output=True, text=True, check=True
    )
    files = [file for renditions in FIGURES.values() for file in renditions]
    assert figures.stdout.split() == [*files, "figures.json", "explorer.json"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["render", "--size", "3", "--dilation", "3", "--out", "x.gif"],
            "spans 7 cells but the padded input is only 3",
        ),
        (["render", "--stride", "0", "--out", "x.gif"], "stride must be at least 1"),
        (["render", "--padding", "-1", "--out", "x.gif"], "padding must be 0 or more"),
        (["render", "--size", "six", "--out", "x.gif"], "'six' is not a size"),
        (["render", "--weights", "1,2;3", "--out", "x.gif"], "rows have 1 and 2 values"),
        (["render", "--weights", "1,x", "--out", "x.gif"], "'1,x' is not a row of numbers"),
        (["render", "--weights", "1,nan", "--out", "x.gif"], "'1,nan' is not a row of numbers"),
        (["render", "--weights=1e308,5e307", "--size", "1x3", "--out", "x.gif"], "'1e308' is outside the range"),
        (["render", "--weights=", "--out", "x.gif"], "--weights is empty"),
        (["render", "--kernel", "0", "--out", "x.gif"], "kernel size must be at least 1, got 0"),
        (["render", "--weights", "1,2;3,4", "--kernel", "3", "--out", "x.gif"], "--weights is 2x2 but --kernel is 3"),
        (["render", "--out", "x.png"], "name a .gif file"),
        (["render", "--out", "missing/x.gif"], "folder missing does not exist"),
        (["render", "--width", "50", "--out", "x.gif"], "choose a frame width"),
        (["render", "--width", "wide", "--out", "x.gif"], "'wide' is not a whole number"),
        (["render"], "the following arguments are required: --out"),
        (["gifs", "--out", ".", "--only", "nope"], "no animation is called 'nope'"),
        (["gifs", "--out", "a", "--width", "5"], "--width 5: choose a frame width from 200 to 2000"),
        (["gifs", "--out", "a", "--width", "20000"], "--width 20000: choose a frame width from 200 to 2000"),
        (["render", "--size", "40", "--out", "x.gif"], "an input of 40×40 is too large to animate: use at most 16"),
        (["render", "--size", "1", "--padding", "100000", "--out", "x.gif"], "the padded input would be 200001×200001"),
        (["render", "--width", "4000", "--out", "x.gif"], "--width 4000: choose a frame width from 200 to 2000"),
        (["render", "--op", "pool", "--out", "x.gif"], "invalid choice: 'pool'"),
        (["render", "--output-padding", "1", "--out", "x.gif"], "--output-padding does not apply to --op conv"),
        (["render", "--ceil-mode", "--out", "x.gif"], "--ceil-mode does not apply to --op conv"),
        (
            ["render", "--op", "maxpool", "--weights", "1,2;3,4", "--out", "x.gif"],
            "--weights does not apply to --op maxpool",
        ),
        (["render", "--op", "avgpool", "--bias", "1", "--out", "x.gif"], "--bias does not apply to --op avgpool"),
        (["render", "--view", "scatter", "--out", "x.gif"], "--view scatter does not apply to --op conv"),
        (["render", "--op", "avgpool", "--dilation", "2", "--out", "x.gif"], "average pooling has no dilation"),
        (
            ["render", "--op", "maxpool", "--kernel", "3", "--padding", "2", "--out", "x.gif"],
            "padding 2 is more than half the 3-wide window",
        ),
        (
            ["render", "--op", "transposed", "--output-padding", "1", "--out", "x.gif"],
            "output padding 1 must be smaller than the stride (1)",
        ),
        (["render", "--in-channels", "5", "--out", "x.gif"], "--in-channels 5: choose from 1 to 4"),
        (["render", "--in-channels", "2", "--weights", "1,0;0,1", "--out", "x.gif"], "--weights has 1 channel(s)"),
        (["render", "--input", "1,2;3,4", "--size", "3", "--out", "x.gif"], "--input is 2x2 but --size is 3"),
        (["render", "--input=", "--out", "x.gif"], "--input is empty"),
        (
            ["render", "--input", "1,2;3,4", "--weights", "1,2,3", "--stride", "1", "--out", "x.gif"],
            "spans 3 cells but the padded input is only 2",
        ),
        (["render", "--bias", "1,2", "--out", "x.gif"], "--bias has 2 values but --out-channels is 1"),
        (["render", "--bias", "1;2", "--out", "x.gif"], "--bias: '1;2' is not one row"),
        (
            ["render", "--in-channels", "3", "--out-channels", "4", "--groups", "2", "--out", "x.gif"],
            "in_channels must be divisible by groups (PyTorch's ValueError), got in_channels=3 with groups=2",
        ),
        (["render", "--in-channels", "2", "--groups", "2", "--out", "x.gif"], "out_channels must be divisible"),
        (["render", "--groups", "0", "--out", "x.gif"], "groups must be a positive integer, got 0"),
        (["render", "--out-channels", "5", "--out", "x.gif"], "--out-channels 5: choose from 1 to 4"),
        (["render", "--op", "maxpool", "--groups", "2", "--out", "x.gif"], "--groups does not apply to --op maxpool"),
        (
            ["render", "--in-channels", "4", "--out-channels", "4", "--size", "11", "--out", "x.gif"],
            "324 steps are too many",
        ),
        (
            [
                "render",
                "--in-channels",
                "2",
                "--out-channels",
                "2",
                "--weights",
                "1|2|3",
                "--kernel",
                "1",
                "--out",
                "x.gif",
            ],
            "--weights has 3 grids but the weight [2, 2, kH, kW] holds 4",
        ),
        (["render", "--out-channels", "2", "--bias", "1,2,3", "--out", "x.gif"], "--bias has 3 values"),
        (["render", "--input=1e307,1e307", "--weights=1e307", "--out", "x.gif"], "'1e307' is outside the range"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_files(tmp_path, args, says, monkeypatch, capsys):
    result = convlab_in_process(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("convlab") and says in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_hold_the_file_is_one_line_naming_it_and_leaves_nothing(tmp_path):
    # A file where a folder should be: writing beneath it fails for every user, root included.
    (tmp_path / "file").write_text("kept")
    result = convlab("render", "--out", "file/x.gif", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("convlab: error: --out file/x.gif: file is a file, not a folder")
    result = convlab("gifs", "--out", "file/anim", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "convlab: error: cannot write into file/anim: file is a file, not a folder; choose another folder\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"] and (tmp_path / "file").read_text() == "kept"


def test_an_output_that_is_a_folder_is_refused_before_anything_is_replaced(tmp_path):
    assert convlab("render", "--out", "hw.gif", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "hw.json").unlink()
    (tmp_path / "hw.json").mkdir()
    result = convlab("render", "--size", "5", "--out", "hw.gif", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("convlab: error: cannot write hw.json: it is a folder")
    for name in ("hw.gif", "hw.png", "hw.narrow.gif", "hw.narrow.png", "hw.dark.gif", "hw.narrow.dark.png"):
        assert (tmp_path / name).read_bytes() == before[name]  # nothing replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)  # no temporary files


def test_help_loads_neither_numpy_nor_torch():
    code = (
        "import sys, contextlib, io\n"
        "from convlab.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['render', '--help'])\n"
        "print(sorted({'numpy', 'torch', 'matplotlib'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_bug_keeps_its_traceback(tmp_path):
    # A ValueError that is not a user's mistake must not be dressed up as one.
    code = (
        "import convlab.animate\n"
        "def broken(*args, **kwargs):\n"
        "    raise ValueError('a bug in the renderer')\n"
        "convlab.animate.render = broken\n"
        "from convlab.cli import main\n"
        "raise SystemExit(main(['render', '--out', 'x.gif']))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and result.stderr.strip().endswith("ValueError: a bug in the renderer")


CASES = json.loads((Path(__file__).parent / "grammar_cases.json").read_text())


@pytest.mark.parametrize(("text", "expected"), CASES["sizes"])
def test_sizes_follow_the_shared_grammar(text, expected):
    if expected is None:
        with pytest.raises(UsageError, match=r"is not a size|is too large"):
            parse_size(text)
    else:
        size = parse_size(text)
        assert (list(size) if isinstance(size, tuple) else [size, size]) == expected


PARSERS = {
    "grids": (parse_grid, "--weights"),
    "channels": (parse_channels, "--input"),
    "biases": (parse_bias, "--bias"),
}


@pytest.mark.parametrize(
    ("kind", "text", "expected"), [(kind, *case) for kind in PARSERS for case in CASES[kind]], ids=repr
)
def test_grids_channels_and_biases_follow_the_shared_grammar(kind, text, expected):
    parse, option = PARSERS[kind]
    if expected is None:
        with pytest.raises(UsageError) as error:
            parse(text, option)
        assert "\n" not in str(error.value) and str(error.value).startswith(option)
    else:
        assert list(parse(text, option)) == expected


def test_help_states_the_limits():
    result = convlab("render", "--help", cwd=Path.cwd())
    text = " ".join(result.stdout.split())
    assert "input up to 16 per side" in text and "at most 256 output cells" in text and "--width 200 to 2000" in text
    assert "--in-channels and --out-channels 1 to 4, with --groups dividing both" in text


@pytest.mark.parametrize(
    ("sent", "status", "says"),
    [
        (signal.SIGINT, 130, "convlab: interrupted; nothing was left half-written\n"),
        (signal.SIGTERM, 143, "convlab: terminated; nothing was left half-written\n"),
    ],
)
def test_ctrl_c_or_sigterm_is_one_line_and_leaves_nothing(tmp_path, sent, status, says):
    process = subprocess.Popen(
        [sys.executable, "-m", "convlab", "render", "--size", "16", "--kernel", "1", "--out", "x.gif"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob(".x.*.tmp")):  # drawing has begun: its temporary files exist
        assert process.poll() is None and time.monotonic() < deadline, "render ended before it could be interrupted"
        time.sleep(0.05)
    process.send_signal(sent)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == status
    assert stderr == says and stdout == ""
    assert list(tmp_path.iterdir()) == []


def _running_in_group(group: int) -> list[int]:
    """Return the processes of a process group that are running (not zombies waiting to be reaped)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
        except OSError:  # it ended while we looked
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            running.append(int(stat.parent.name))
    return running


@pytest.mark.parametrize(
    ("to_whole_job", "sent", "says"),
    [
        (True, signal.SIGINT, "convlab: interrupted; nothing was left half-written\n"),  # a terminal's Ctrl-C
        (False, signal.SIGTERM, "convlab: terminated; nothing was left half-written\n"),  # kill of the command
    ],
)
def test_stopping_gifs_stops_its_workers_and_leaves_only_whole_animations(tmp_path, to_whole_job, sent, says):
    process = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "convlab", "gifs", "--out", "anim"],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while len({path.name.split(".")[1] for path in tmp_path.glob("anim/.*.tmp")}) < 2:  # two animations drawing
        assert process.poll() is None and time.monotonic() < deadline, "gifs ended before it could be interrupted"
        time.sleep(0.05)
    if to_whole_job:
        os.killpg(process.pid, sent)
    else:
        process.send_signal(sent)
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # seen once in a loaded run: show where each process of the job waits
        os.killpg(process.pid, signal.SIGABRT)  # faulthandler prints every thread's stack (workers inherit -X)
        pytest.fail(f"gifs did not stop within 120 s of signal {sent}:\n{process.communicate(timeout=30)[1]}")
    assert process.returncode == 128 + sent and stderr == says and stdout == "", stderr
    deadline = time.monotonic() + 10  # the workers and multiprocessing's tracker end with it, within moments
    while _running_in_group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running_in_group(process.pid), "a worker is still running"
    left = list((tmp_path / "anim").iterdir())
    assert not [path for path in left if path.name.endswith(".tmp")]
    finished = {path.name.split(".")[0] for path in left}
    assert all(len(list(tmp_path.glob(f"anim/{name}.*"))) == len(ANIMATION_FILES) for name in finished)


def test_a_second_ctrl_c_while_the_first_is_reported_changes_nothing(tmp_path, monkeypatch):
    # Ctrl-C in a terminal reaches make, the step runner and convlab alike, and the first two pass it on as well.
    from convlab import animate, cli

    def interrupted(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # the first Ctrl-C, while it draws
        time.sleep(60)

    class SecondCtrlC(io.StringIO):
        def write(self, text):
            os.kill(os.getpid(), signal.SIGINT)  # arrives while the first one's message is written
            return super().write(text)

    monkeypatch.setattr(animate, "render", interrupted)
    monkeypatch.setattr(sys, "stderr", SecondCtrlC())
    assert cli.main(["render", "--out", str(tmp_path / "x.gif")]) == 130
    assert sys.stderr.getvalue() == "convlab: interrupted; nothing was left half-written\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back for the caller


def test_ctrl_c_while_the_command_loads_is_one_line(monkeypatch, capsys):
    import builtins

    from convlab.__main__ import main

    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "convlab.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert main() == 130
    assert capsys.readouterr().err == "convlab: interrupted while starting; nothing was written\n"


FIVE_THOUSAND_DIGITS = "9" * 5000
NUMERIC_FLAGS = [
    ("render", "--size"),
    ("render", "--kernel"),
    ("render", "--stride"),
    ("render", "--padding"),
    ("render", "--dilation"),
    ("render", "--output-padding"),
    ("render", "--in-channels"),
    ("render", "--out-channels"),
    ("render", "--groups"),
    ("render", "--width"),
    ("render", "--precision"),
    ("gifs", "--width"),
    ("train", "--epochs"),
    ("train", "--batch-size"),
    ("train", "--seed"),
    ("train", "--train-limit"),
    ("train", "--threads"),
]
REQUIRED = {"render": ["--out", "x.gif"], "gifs": ["--out", "anim"], "train": ["--data-root", "nowhere"]}


@pytest.mark.parametrize(("command", "flag"), NUMERIC_FLAGS)
def test_a_huge_number_for_any_numeric_flag_is_one_short_line(tmp_path, command, flag, monkeypatch, capsys):
    args = command, *REQUIRED[command], flag, FIVE_THOUSAND_DIGITS
    result = convlab_in_process(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and len(result.stderr) < 300, result.stderr[:300]
    assert "(5000 characters) is too large" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--threads", "100000"], "--threads must be from 1 to {cores}, the cores this machine gives it, got 100000"),
        (["--threads", "{too_many}"], "--threads must be from 1 to {cores}"),
        (["--batch-size", "60001"], "--batch-size must be from 1 to 60,000 (the training set), got 60001"),
        (["--train-limit", "60001"], "--train-limit must be from 1 to 60,000 (the training set), got 60001"),
        (["--epochs", "1001"], "--epochs must be from 1 to 1000, got 1001"),
        (["--epochs", "5.5"], "argument --epochs: '5.5' is not a whole number"),
    ],
)
def test_training_settings_are_bounded_before_anything_runs(tmp_path, args, says):
    cores = len(os.sched_getaffinity(0))
    args = [arg.format(too_many=cores + 1) for arg in args]
    result = convlab("train", "--data-root", "nowhere", *args, cwd=tmp_path)
    assert result.returncode == 2 and says.format(cores=cores) in result.stderr
    assert len(result.stderr.splitlines()) == 1 and list(tmp_path.iterdir()) == []
    assert f"1 to the cores this machine gives the process ({cores} here)" in " ".join(
        convlab("train", "--help", cwd=tmp_path).stdout.split()
    )


LONG_NAME = "a" * 300


@pytest.mark.parametrize(
    "args",
    [
        ["render", "--out", f"{LONG_NAME}.gif"],
        ["gifs", "--out", LONG_NAME],
        ["data", "--root", f"data/{LONG_NAME}"],
        ["train", "--out", LONG_NAME],
        ["train", "--data-root", LONG_NAME],
        ["figures", "--out", LONG_NAME],
        ["figures", "--run", LONG_NAME],
        ["webmodel", "--out", LONG_NAME],
    ],
)
def test_a_name_too_long_for_a_file_is_refused_before_any_work(tmp_path, args, monkeypatch, capsys):
    result = convlab_in_process(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and len(result.stderr) < 300
    assert re.search(
        r"\(30\d characters\) is longer than the 255 bytes a file name can have: shorten it", result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_a_name_whose_temporary_file_is_too_long_is_one_line_naming_it(tmp_path):
    name = "b" * 250 + ".gif"  # a legal name, but not with the ".NAME.xxxxxxxx.tmp" written beside it
    result = convlab("render", "--out", name, cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"convlab: error: cannot write {name}: File name too long")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def full_disk(tmp_path, request):
    """A file system of ``request.param`` bytes ("300k"), mounted for the test (it needs root, as CI runs it)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full disk is simulated with a small tmpfs, which only root can mount")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# Room for the smallest animation (170 kB) but not for the catalogue; figures fill 100 kB with their first figure.
@pytest.mark.parametrize(
    ("full_disk", "args", "named"),
    [
        ("300k", ["render", "--size", "12", "--out", "{disk}/mine.gif"], "{disk}/mine.gif"),
        ("300k", ["gifs", "--out", "{disk}/anim"], "{disk}/anim/NAME.gif"),
        ("100k", ["figures", "--run", "{run}", "--data-root", "{data}", "--out", "{disk}/figures"], "{disk}/figures"),
    ],
    indirect=["full_disk"],
)
def test_a_full_disk_is_one_line_naming_the_path_and_keeps_what_was_there(
    full_disk, build_run, mnist_root, args, named
):
    (full_disk / "figures").mkdir()
    (full_disk / "figures/learning_curves-wide-light.svg").write_text("the old figure")
    before = _files(full_disk)
    fill = {"disk": full_disk, "run": build_run.path, "data": mnist_root}
    result = convlab(*(arg.format(**fill) for arg in args), cwd=full_disk.parent)
    assert result.returncode == 2, result.stderr
    said = re.fullmatch(r"convlab: error: cannot write (\S+): No space left on device\n", result.stderr)
    assert said and re.fullmatch(re.escape(named.format(**fill)).replace("NAME", r"\w+"), said.group(1)), result.stderr
    new = [Path(full_disk, name) for name in _files(full_disk) if name not in before]
    assert not [path for path in new if path.name.endswith(".tmp")]
    # gifs: each animation it finished before the disk filled is whole (its seven files); none is in part.
    finished = {path.name.split(".")[0] for path in new if path.is_file()}
    assert all(len(list(full_disk.glob(f"anim/{name}.*"))) == 7 for name in finished)
    assert (full_disk / "figures/learning_curves-wide-light.svg").read_text() == "the old figure"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["data", "--root", "blocker"], "cannot write into blocker/MNIST/raw: blocker is a file, not a folder"),
        (["gifs", "--out", "blocker"], "cannot write into blocker: blocker is a file, not a folder"),
        (["figures", "--run", "{run}", "--data-root", "{data}", "--out", "blocker"], "blocker is a file, not a folder"),
        (
            ["figures", "--run", "blocker", "--out", "figures"],
            "blocker is a file, not a run's folder: name the folder",
        ),
        (["webmodel", "--run", "blocker", "--out", "model"], "blocker is a file, not a run's folder"),
        (
            ["figures", "--run", "{run}", "--data-root", "blocker", "--out", "figures"],
            "blocker is a file, not a folder: name the folder",
        ),
        (["render", "--out", "blocker/x.gif"], "blocker is a file, not a folder: choose another --out"),
    ],
)
def test_a_file_where_a_folder_should_be_is_said_before_any_work(tmp_path, build_run, mnist_root, args, says):
    (tmp_path / "blocker").write_text("kept")
    fill = {"run": build_run.path, "data": mnist_root}
    result = convlab(*(arg.format(**fill) for arg in args), cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr
    assert _files(tmp_path) == ["blocker"] and (tmp_path / "blocker").read_text() == "kept"


def test_every_command_in_make_your_own_runs(tmp_path):
    page = (Path(__file__).parent.parent / "docs/make-your-own.md").read_text()
    commands = [line for block in re.findall(r"```bash\n(.*?)```", page, re.S) for line in block.splitlines()]
    renders = [shlex.split(line) for line in commands if line.startswith("convlab render")]
    assert len(renders) >= 8
    for command in renders:
        result = convlab(*command[1:], cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        out = Path(tmp_path, command[command.index("--out") + 1])
        assert out.is_file() and out.with_suffix(".json").is_file()


def test_the_python_example_in_make_your_own_runs(tmp_path):
    page = (Path(__file__).parent.parent / "docs/make-your-own.md").read_text()
    code = re.findall(r"```python\n(.*?)```", page, re.S)[-1]
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    expected = F.max_pool2d(torch.arange(36.0).reshape(1, 1, 6, 6), 3, 2, 1)[0, 0].tolist()
    assert result.stdout.strip() == str(expected)
    assert (tmp_path / "pool.gif").is_file() and (tmp_path / "pool.narrow.gif").is_file()


@pytest.mark.parametrize("command", ["render", "gifs", "figures", "webmodel", "train"])
def test_a_path_too_long_for_the_system_is_refused_before_any_work(tmp_path, command):
    out = "d/" * 2100 + ("x.gif" if command == "render" else "")
    result = convlab(command, "--out", out, cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and len(result.stderr) < 300
    assert "characters) is longer than the 4032 bytes convlab can write into: shorten it" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_os_error_on_a_path_the_user_gave_is_one_line_and_any_other_is_a_bug(tmp_path, monkeypatch, capsys):
    from convlab import animate, cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()

    def refused(out, *args, **kwargs):  # as the system refuses a folder it will not let this user write
        raise PermissionError(13, "Permission denied", str(out.parent))

    monkeypatch.setattr(animate, "render", refused)
    assert cli.main(["render", "--out", "mine/x.gif"]) == 2
    assert capsys.readouterr().err == "convlab: error: cannot use 'mine': Permission denied\n"

    def elsewhere(out, *args, **kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere/else")

    monkeypatch.setattr(animate, "render", elsewhere)
    with pytest.raises(PermissionError):  # not a path the user gave: a bug, with its traceback
        cli.main(["render", "--out", "mine/x.gif"])


def _defaults(command: str) -> dict:
    from convlab.cli import build_parser

    subparser = build_parser()._subparsers._group_actions[0].choices[command]
    return {action.dest: action.default for action in subparser._actions if action.dest != "help"}


def test_each_default_comes_from_the_one_place_that_holds_it():
    from convlab import cli
    from convlab.folders import DATA_ROOT, RUN_DIR
    from convlab.layout import WIDE_WIDTH
    from convlab.run import LARGEST_SEED, TrainConfig

    train = _defaults("train")
    recipe = TrainConfig()
    for field in ("epochs", "batch_size", "seed", "data_root", "out", "train_limit", "threads"):
        assert train[field] == getattr(recipe, field), field
    assert _defaults("render")["width"] == _defaults("gifs")["width"] == WIDE_WIDTH
    assert _defaults("data")["root"] == _defaults("figures")["data_root"] == _defaults("webmodel")["data_root"]
    assert _defaults("data")["root"] == DATA_ROOT == recipe.data_root
    assert _defaults("figures")["run"] == _defaults("webmodel")["run"] == RUN_DIR == recipe.out
    assert cli.LARGEST_FLAG == LARGEST_SEED  # the largest number any flag takes is a seed
    source = Path(cli.__file__).read_text()
    assert source.count('"--width"') == 1
