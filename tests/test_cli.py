"""The command line, run as a user runs it: a subprocess, its exit status, its output and its files."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from convlab.catalogue import FIGURES, LESSON
from convlab.cli import parse_grid, parse_size
from convlab.errors import UsageError


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sobel.gif", "sobel.json", "sobel.png"]
    data = json.loads((tmp_path / "sobel.json").read_text())
    assert data["kernel"] == [[-1, 0, 1], [-2, 0, 2]]
    assert (data["stride"], data["padding"], data["dilation"]) == ([2, 1], [1, 1], [1, 2])
    assert data["output_size"] == [3, 5]  # floor((5+2-2)/2)+1, floor((7+2-2*2-1)/1)+1
    assert Image.open(tmp_path / "sobel.gif").n_frames == 3 * 5 + 1


def test_console_script_and_module_agree(tmp_path):
    script = shutil.which("convlab", path=str(Path(sys.executable).parent))
    assert script, "the convlab console script is installed beside python"
    subprocess.run([script, "render", "--out", "a.gif"], cwd=tmp_path, check=True, capture_output=True)
    assert convlab("render", "--out", "b.gif", cwd=tmp_path).returncode == 0
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()


def test_gifs_renders_the_lesson_into_a_new_folder(tmp_path):
    result = convlab("gifs", "--out", "anim/lesson", "--only", "conv", "conv_stride_2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "anim/lesson").iterdir())
    assert names == [
        "conv.gif",
        "conv.json",
        "conv.png",
        "conv_stride_2.gif",
        "conv_stride_2.json",
        "conv_stride_2.png",
    ]


def test_catalogue_prints_the_names_for_the_makefile():
    result = subprocess.run([sys.executable, "-m", "convlab.catalogue"], capture_output=True, text=True, check=True)
    assert result.stdout.split() == [animation.name for animation in LESSON]
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
        (["render", "--weights=1e308,5e307", "--size", "1x3", "--out", "x.gif"], "1e308 is outside the range"),
        (["render", "--weights=", "--out", "x.gif"], "--weights is empty"),
        (["render", "--kernel", "0", "--out", "x.gif"], "kernel size must be at least 1, got 0"),
        (["render", "--weights", "1,2;3,4", "--kernel", "3", "--out", "x.gif"], "--weights is 2x2 but --kernel is 3"),
        (["render", "--out", "x.png"], "name a .gif file"),
        (["render", "--out", "missing/x.gif"], "folder missing does not exist"),
        (["render", "--width", "50", "--out", "x.gif"], "choose a frame width"),
        (["render", "--width", "wide", "--out", "x.gif"], "invalid int value"),
        (["render"], "the following arguments are required: --out"),
        (["gifs", "--out", ".", "--only", "nope"], "no lesson animation is called 'nope'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_files(tmp_path, args, says):
    result = convlab(*args, cwd=tmp_path)
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
    assert result.stderr.startswith("convlab: error: --out file/x.gif: folder file does not exist")
    result = convlab("gifs", "--out", "file/anim", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "convlab: error: cannot write file/anim: Not a directory\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"] and (tmp_path / "file").read_text() == "kept"


def test_an_output_that_is_a_folder_is_refused_before_anything_is_replaced(tmp_path):
    assert convlab("render", "--out", "hw.gif", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "hw.json").unlink()
    (tmp_path / "hw.json").mkdir()
    result = convlab("render", "--size", "5", "--out", "hw.gif", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("convlab: error: cannot write hw.json: it is a folder")
    assert (tmp_path / "hw.gif").read_bytes() == before["hw.gif"]  # nothing replaced
    assert (tmp_path / "hw.png").read_bytes() == before["hw.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw.gif", "hw.json", "hw.png"]  # no temporary files


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
        with pytest.raises(UsageError, match="is not a size"):
            parse_size(text)
    else:
        size = parse_size(text)
        assert (list(size) if isinstance(size, tuple) else [size, size]) == expected


@pytest.mark.parametrize(("text", "expected"), CASES["grids"])
def test_grids_follow_the_shared_grammar(text, expected):
    if expected is None:
        with pytest.raises(UsageError) as error:
            parse_grid(text)
        assert "\n" not in str(error.value) and str(error.value).startswith("--weights")
    else:
        assert parse_grid(text) == expected
