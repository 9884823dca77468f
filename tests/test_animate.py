"""The animations: true values, exactly the tapped cells, files written whole and byte for byte the same."""

import dataclasses
import json

import pytest
import torch
from PIL import Image
from torch_reference import cells_torch_reads, torch_conv

from convlab import Geometry
from convlab.animate import (
    CURRENT,
    FINAL_MS,
    STEP_MS,
    TAP,
    WHITE,
    Painter,
    cell_box,
    format_value,
    render,
    render_animation,
    step_arithmetic,
)
from convlab.arithmetic import arange_grid, convolve, mean_kernel
from convlab.catalogue import LESSON


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (16, "16"),
        (15.999999999999998, "16"),
        (14 / 9, "1.56"),
        (7.0, "7"),
        (-0.001, "0"),
        (-2.5, "−2.5"),
        (0.125, "0.12"),
    ],
)
def test_values_are_rounded_never_truncated(value, shown):
    assert format_value(value) == shown


def test_first_step_writes_out_the_lessons_sum():
    values = [0, 1, 2, 6, 7, 8, 12, 13, 14]
    assert step_arithmetic(values, mean_kernel((3, 3))) == "(0+1+2+6+7+8+12+13+14) / 9"
    assert step_arithmetic([1, 2], [[-1, 0.5]]) == "−1×1 + 0.5×2"


@pytest.fixture(scope="module")
def lesson_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("anim")
    for animation in LESSON:
        render_animation(animation, out)
    return out


@pytest.mark.parametrize("animation", LESSON, ids=lambda a: a.name)
def test_sidecar_numbers_equal_torch(lesson_files, animation):
    data = json.loads((lesson_files / f"{animation.name}.json").read_text())
    geometry = animation.geometry
    assert data["op"] == "conv"
    assert [data[key] for key in ("size", "kernel_size", "stride", "padding", "dilation")] == [
        list(geometry.size),
        list(geometry.kernel),
        list(geometry.stride),
        list(geometry.padding),
        list(geometry.dilation),
    ]
    expected = torch_conv(data["input"], data["kernel"], geometry)
    torch.testing.assert_close(torch.tensor(data["output"], dtype=torch.float64), expected, rtol=0, atol=1e-12)
    assert data["output_size"] == list(expected.shape)
    assert [step["out"] for step in data["steps"]] == [
        [i, j] for i in range(expected.shape[0]) for j in range(expected.shape[1])
    ]
    reads = cells_torch_reads(geometry)
    for step in data["steps"]:
        i, j = step["out"]
        assert step["value"] == pytest.approx(expected[i, j].item(), abs=1e-12)
        assert {tuple(tap) for tap in step["taps"]} == reads[i, j]
        assert step["taps"] == sorted(step["taps"])  # row by row, as the step line reads them


def test_lesson_first_output_is_7_and_16_shows_as_16(lesson_files):
    data = json.loads((lesson_files / "conv.json").read_text())
    assert data["output"][0][0] == pytest.approx(7)
    # Each output of the mean kernel is the centre of its window: a whole number, shown as one.
    shown = [[format_value(v) for v in row] for row in data["output"]]
    assert shown == [[str(6 * (i + 1) + j + 1) for j in range(4)] for i in range(4)]
    # Adding x * (1/9) nine times and truncating with int(), as the widely copied GIFs do, shows 13 for 14.
    windows = [[data["input"][r][c] for r, c in step["taps"]] for step in data["steps"]]
    truncated = [int(sum(x * (1 / 9) for x in window)) for window in windows]
    assert truncated[5] == 13 and shown[1][1] == "14"


@pytest.mark.parametrize("animation", LESSON, ids=lambda a: a.name)
def test_gif_loops_with_one_frame_per_output_cell_and_a_pause(lesson_files, animation):
    gif = Image.open(lesson_files / f"{animation.name}.gif")
    rows, cols = animation.geometry.output
    assert gif.n_frames == rows * cols + 1
    assert gif.info["loop"] == 0
    durations = []
    for k in range(gif.n_frames):
        gif.seek(k)
        durations.append(gif.info["duration"])
    assert durations == [STEP_MS] * rows * cols + [FINAL_MS]
    assert gif.size[0] == 1000
    still = Image.open(lesson_files / f"{animation.name}.png")
    assert still.size == gif.size
    assert still.convert("RGB").tobytes() == gif.convert("RGB").tobytes()  # the still is the last frame


def _main_colour(frame, origin, cell, r, c):
    """Return the colour covering most of a cell (its fill: borders, hatching and digits are thin)."""
    _count, colour = max(frame.crop(cell_box(origin, cell, r, c)).getcolors(cell * cell))
    return colour


@pytest.mark.parametrize("animation", LESSON, ids=lambda a: a.name)
def test_each_frame_highlights_exactly_the_cells_read_and_the_cell_computed(animation):
    geometry = animation.geometry
    record = animation.convolution()
    painter = Painter(record)
    frames = painter.frames()
    layout, expected = painter.layout, torch_conv(record.input, record.kernel, geometry)
    reads = cells_torch_reads(geometry)
    for k, (i, j) in enumerate((i, j) for i in range(expected.shape[0]) for j in range(expected.shape[1])):
        frame = frames[k]
        for r in range(geometry.padded[0]):
            for c in range(geometry.padded[1]):
                highlighted = _main_colour(frame, layout.input_xy, layout.cell, r, c) == TAP
                assert highlighted == ((r, c) in reads[i, j]), (k, r, c)
        assert _main_colour(frame, layout.output_xy, layout.cell, i, j) == CURRENT
        assert painter.captions[k].endswith(f"= {format_value(expected[i, j].item())}")
    final = frames[-1]
    for i in range(geometry.output[0]):
        for j in range(geometry.output[1]):
            assert _main_colour(final, layout.output_xy, layout.cell, i, j) == WHITE


def test_same_arguments_give_the_same_bytes(tmp_path):
    geometry = Geometry.of((5, 7), (2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    record = convolve(arange_grid(geometry.size), [[1, 0, -1], [2, 0.5, -2]], geometry)
    first = [p.read_bytes() for p in render(tmp_path / "a.gif", record)]
    second = [p.read_bytes() for p in render(tmp_path / "b.gif", record)]
    assert first == second


def test_a_failed_render_leaves_nothing_behind_and_keeps_old_files(tmp_path, monkeypatch):
    target = tmp_path / "conv.gif"
    target.write_bytes(b"old")

    def broken_dumps(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("convlab.animate.json.dumps", broken_dumps)
    with pytest.raises(RuntimeError):
        render(target, LESSON[0].convolution())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.gif"]
    assert target.read_bytes() == b"old"


def test_the_painter_draws_the_record_it_is_given_and_computes_nothing_again():
    record = LESSON[0].convolution()
    first = dataclasses.replace(record.steps[0], value=99.0)
    painter = Painter(dataclasses.replace(record, steps=(first, *record.steps[1:])))
    assert painter.captions[0].endswith("/ 9 = 99")
