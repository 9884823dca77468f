"""The command line, run as a user runs it: a subprocess, its exit status, its output and its files."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from convlab.catalogue import LESSON


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
    convlab("render", "--out", "b.gif", cwd=tmp_path)
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
        (["render", "--weights", "1,nan", "--out", "x.gif"], "not a finite number"),
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


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_unwritable_folder_is_one_line_and_leaves_nothing(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = convlab("render", "--out", str(locked / "x.gif"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"convlab: error: cannot write {locked / 'x.gif'}: Permission denied"
    assert list(locked.iterdir()) == []


def test_path_that_cannot_be_written_is_one_line(tmp_path):
    # A file where a folder should be: writing beneath it fails for every user, root included.
    (tmp_path / "file").write_text("")
    result = convlab("gifs", "--out", "file/anim", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "file/anim" in result.stderr and "Traceback" not in result.stderr
