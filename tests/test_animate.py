"""The animation files: every rendition written whole, the sidecar is the record with torch's numbers, the
GIFs loop within 20 s, the stills are their last frames, memory stays flat, and the bytes are reproducible."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from torch_reference import torch_conv, torch_conv_transpose, torch_pool

from convlab.animate import (
    FINAL_MS,
    GAP_PX,
    LOOP_MS,
    STEP_MS,
    check_limits,
    durations,
    render,
    write_gif,
)
from convlab.arithmetic import Geometry, arange_grid, convolve
from convlab.catalogue import CATALOGUE, find
from convlab.describe import caption, explorer_query
from convlab.drawing import DARK, LIGHT, palette
from convlab.layout import NARROW, wide
from convlab.painter import Painter
from convlab.records import TRANSPOSED, from_json

KINDS = ["conv_pad_1", "conv_two_channels", "transposed_padding_strides_odd", "maxpool_3x3_pad_1"]


@pytest.fixture(scope="module")
def rendered(built_site):
    """Return the folder of the animations the site serves, as `convlab gifs` drew them in the build."""
    return built_site / "assets/anim"


def torch_output(record):
    """Return what torch computes for a record's operation, settings and numbers."""
    g = record.geometry
    if record.op == "conv":
        return torch_conv(record.input, record.kernel, g, record.bias)
    if record.op == TRANSPOSED:
        return torch_conv_transpose(record.input, record.kernel, g)
    return torch_pool(record.op, record.input, g)


@pytest.mark.parametrize(
    "name", ["conv_pad_1", "conv_two_channels", "transposed_padding_strides_odd", "maxpool_3x3_pad_1"]
)
def test_the_sidecar_is_the_record_with_torchs_numbers_and_its_renditions(rendered, name):
    data = json.loads((rendered / f"{name}.json").read_text())
    record = from_json(data)
    assert data["op"] == record.op == find(name).record().op
    expected = torch_output(record)
    torch.testing.assert_close(torch.tensor(data["output"], dtype=torch.float64), expected, rtol=0, atol=1e-12)
    assert data["output_size"] == list(expected.shape)
    files = {entry["name"]: entry for entry in data["renditions"]}
    assert set(files) == {"wide", "narrow"}
    for entry in files.values():
        for key in ("file", "still"):
            with Image.open(rendered / entry[key]) as image:
                assert image.size == (entry["width"], entry["height"])
        assert entry["text_px"] >= 18  # the smallest text drawn in that file, in its pixels
    assert files["wide"]["file"] == f"{name}.gif" and files["narrow"]["file"] == f"{name}.narrow.gif"
    assert data["pytorch"].startswith("nn.") and data["alt"]
    # What the pages show is written beside the record, and is what the record read back gives.
    rows, cols = expected.shape[-2:]
    assert data["caption"].endswith(f"gives a {rows}×{cols} output.") and data["caption"] == caption(record)
    query = data["explorer_query"]
    assert query.startswith(f"op={record.op}&size=") and query == explorer_query(record)


@pytest.mark.parametrize("name", KINDS)
def test_every_rendition_is_written_in_the_dark_scheme_too_and_differs(rendered, name):
    data = json.loads((rendered / f"{name}.json").read_text())
    for entry in data["renditions"]:
        dark = entry["dark"]
        assert dark == {key: re.sub(r"(\.\w+)$", r".dark\1", entry[key]) for key in dark}
        assert set(dark) == {"file", "still", "webp"}
        for key in dark:
            with Image.open(rendered / entry[key]) as light, Image.open(rendered / dark[key]) as shaded:
                assert shaded.size == light.size == (entry["width"], entry["height"])
                frames = 1 if key == "still" else len(data["frame_ms"])  # the last frame, or a GIF or WebP
                assert getattr(shaded, "n_frames", 1) == getattr(light, "n_frames", 1) == frames
                light_rgb, dark_rgb = light.convert("RGB"), shaded.convert("RGB")
                # The background (the colour covering most of the frame) is each scheme's card.
                assert max(light_rgb.getcolors(1 << 20))[1] == LIGHT.card
                assert max(dark_rgb.getcolors(1 << 20))[1] == DARK.card


def test_values_in_the_sidecar_are_full_precision(rendered):
    data = json.loads((rendered / "conv_pad_1.json").read_text())
    assert data["output"][0][0] == pytest.approx(14 / 9, abs=1e-15)  # shown as 1.56, written in full
    assert data["precision"] == 2


@pytest.mark.parametrize("suffix", ["", ".narrow"])
def test_each_gif_loops_one_frame_per_step_then_the_result_and_its_still_is_the_last_frame(rendered, suffix):
    gif = Image.open(rendered / f"conv_pad_1{suffix}.gif")
    assert gif.n_frames == 36 + 1 and gif.info["loop"] == 0
    times = []
    for k in range(gif.n_frames):
        gif.seek(k)
        times.append(gif.info["duration"])
    assert times == durations(37) and sum(times) <= LOOP_MS
    still = Image.open(rendered / f"conv_pad_1{suffix}.png")
    assert still.convert("RGB").tobytes() == gif.convert("RGB").tobytes()


@pytest.mark.parametrize("suffix", ["", ".narrow"])
def test_the_decoded_gif_is_the_painters_frames_pixel_for_pixel(rendered, suffix):
    animation = find("conv_pad_1")
    painter = Painter(animation.record(), wide() if suffix == "" else NARROW, view=animation.settings.view)
    gif = Image.open(rendered / f"conv_pad_1{suffix}.gif")
    frames = list(painter.frames())
    assert gif.n_frames == len(frames)
    for k, drawn in enumerate(frames):
        gif.seek(k)
        assert gif.convert("RGB").tobytes() == drawn.tobytes(), f"frame {k}"


def test_a_frame_stores_its_changed_box_keeping_colours_in_short_gaps_and_transparent_in_longer(tmp_path):
    colours = palette(LIGHT).getpalette()
    transparent = len(colours) // 3  # write_gif's spare index

    def frame(row):
        image = Image.new("P", (len(row), 1))
        image.putdata(row)
        image.putpalette(colours)
        return image

    # Index 1 drawn over index 0 at three places: gaps of GAP_PX, then GAP_PX + 1, pixels between them.
    marks = [3, 3 + GAP_PX + 1, 3 + 2 * GAP_PX + 3]
    before, after = [0] * (marks[-1] + 5), [0] * (marks[-1] + 5)
    for column in marks:
        after[column] = 1
    write_gif(tmp_path / "two.gif", iter([frame(before), frame(after)]), [100, 100])
    gif = Image.open(tmp_path / "two.gif")
    gif.seek(1)
    (tile,) = gif.tile  # the stored box, read before loading the frame drawn over the first
    assert gif.convert("RGB").tobytes() == frame(after).convert("RGB").tobytes()
    left, top, right, bottom = tile.extents
    data = (tmp_path / "two.gif").read_bytes()[tile.offset :]
    stored = Image.frombytes("P", (right - left, bottom - top), data, "gif", *tile.args[:2])
    expected = [1] + [0] * GAP_PX + [1] + [transparent] * (GAP_PX + 1) + [1]
    assert (left, top, right, bottom) == (marks[0], 0, marks[-1] + 1, 1) and list(stored.tobytes()) == expected


@pytest.mark.parametrize("suffix", ["", ".narrow"])
def test_the_webp_is_the_gifs_frames_pixel_for_pixel_with_the_same_times(rendered, suffix):
    gif, webp = (Image.open(rendered / f"conv_pad_1{suffix}.{kind}") for kind in ("gif", "webp"))
    assert webp.format == "WEBP" and webp.n_frames == gif.n_frames and webp.info["loop"] == 0
    for k in range(gif.n_frames):
        gif.seek(k)
        webp.seek(k)
        webp.load()  # Pillow reads a WebP frame's time when it decodes it
        assert webp.info["duration"] == gif.info["duration"], f"frame {k}"
        assert webp.convert("RGB").tobytes() == gif.convert("RGB").tobytes(), f"frame {k}"


def test_the_makefile_lists_every_file_render_writes(tmp_path):
    made = render(tmp_path / "conv.gif", find("conv").record())
    listed = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "show"],
        input="show:\n\t@echo $(ANIM_FILES)\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    ).stdout.split()
    ours = sorted(Path(name).name for name in listed if Path(name).name.startswith("conv."))
    assert ours == sorted(path.name for path in made)


def test_every_catalogue_loop_lasts_at_most_20_seconds():
    for animation in CATALOGUE:
        record = animation.record()
        steps = len(record.scatters) if animation.settings.view == "scatter" else len(record.steps)
        times = durations(steps + 1)
        assert sum(times) <= LOOP_MS, animation.name
        assert times[-1] == FINAL_MS and max(times[:-1]) <= STEP_MS


def test_same_arguments_give_the_same_bytes(tmp_path):
    geometry = Geometry.of((5, 7), (2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    record = convolve(arange_grid(geometry.size), [[1, 0, -1], [2, 0.5, -2]], geometry)
    first = [p.read_bytes() for p in render(tmp_path / "a.gif", record)]
    second = [p.read_bytes() for p in render(tmp_path / "b.gif", record)]
    assert first[0] == second[0] and first[2:] == second[2:]
    # The sidecars differ only in the file names they list.
    assert first[1] == second[1].replace(b'"b.', b'"a.')


def test_a_failed_render_leaves_nothing_behind_and_keeps_old_files(tmp_path, monkeypatch):
    target = tmp_path / "conv.gif"
    target.write_bytes(b"old")

    def broken_dumps(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("convlab.animate.json.dumps", broken_dumps)
    with pytest.raises(RuntimeError):
        render(target, find("conv").record())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.gif"]
    assert target.read_bytes() == b"old"


@pytest.mark.slow
def _render_peak_mb(folder: Path, *args: str) -> float:
    """Render ``convlab render ARGS --out a.gif`` in a fresh process in ``folder``; return its peak memory in MB.
    VmHWM: that process's peak resident memory (getrusage would count the parent's, inherited across exec)."""
    folder.mkdir()
    code = (
        "import re, sys\n"
        "from convlab.cli import main\n"
        f"status = main(['render', *{list(args)!r}, '--out', 'a.gif'])\n"
        "print(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))\n"
        "sys.exit(status)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1]) / 1000


def test_memory_does_not_grow_with_the_frames(tmp_path):
    # The same 8×8 input drawn as 4 frames (stride 4) and as 64: holding every frame, as the renderer once did,
    # takes a frame's pixels again for each (5.3 GB for a 40×40 input); drawing and writing one frame at a time
    # takes no more for 64 than for 4. So the largest animation allowed (MAX_STEPS frames) renders in flat memory.
    few = _render_peak_mb(tmp_path / "few", "--size", "8", "--kernel", "1", "--stride", "4")
    many = _render_peak_mb(tmp_path / "many", "--size", "8", "--kernel", "1")
    with Image.open(tmp_path / "many" / "a.gif") as gif:
        assert gif.n_frames == 65  # 64 steps and the finished output
        frame_mb = gif.width * gif.height * 4 / 1e6  # one frame's RGBA pixels
    print(f"peak {few:.0f} MB for 4 frames, {many:.0f} MB for 64; a frame is {frame_mb:.1f} MB")
    assert many - few < 8 * frame_mb
    check_limits(Geometry.of(16, 1))  # 16×16 outputs, 256 steps: the most allowed
