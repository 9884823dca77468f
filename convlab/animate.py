"""An animation's files: a looping GIF and a PNG still per rendition, and the record as a JSON sidecar.

``render(out, record)`` draws the record (see ``convlab.painter``) in a wide rendition for laptops and a
narrow one for phones, each in the light and the dark colour scheme, and writes OUT (wide GIF), OUT.png (its
last frame), OUT.webp (the same frames and times as lossless animated WebP, about a third of the GIF's bytes:
what the pages serve, the GIF being the file to download and reuse), OUT.narrow.gif, OUT.narrow.png and
OUT.narrow.webp, the same in dark as OUT.dark.gif, OUT.dark.png, OUT.dark.webp, OUT.narrow.dark.gif ...
(``rendition_path`` names them all), and OUT.json: the record written out at full precision, plus what the
pages need (the renditions with their sizes, smallest text and files per scheme, the precision shown, the alt
text, the PyTorch line). Frames are drawn, mapped onto one fixed palette and written one at a time, so memory
stays flat however many there are; each frame stores only what changed since the one before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from convlab.catalogue import Animation
from convlab.describe import alt_text, caption, explorer_query, pytorch_line
from convlab.drawing import LIGHT, SCHEMES, Scheme, palette
from convlab.errors import UsageError
from convlab.files import atomic_paths, make_dir
from convlab.layout import NARROW, WIDE_WIDTH, Rendition, wide
from convlab.painter import Painter
from convlab.records import DIRECT, SCATTER, Record
from convlab.transposed import TransposedConvolution, TransposedGeometry

if TYPE_CHECKING:  # numpy is imported where frames are indexed: `convlab render --help` loads neither numpy nor torch
    import numpy as np

STEP_MS = 800  # the longest a step is shown
FINAL_MS = 3000  # the finished output
LOOP_MS = 20_000  # a loop lasts at most this long: steps are shown for less when there are many
MIN_STEP_MS = 100
# libwebp's lossless effort: method 1, quality 50 made the catalogue's WebP within 1.5% of the bytes of
# method 4-6 or quality 80, in less time (method 0 makes files larger than the GIFs). Only the first frame is a
# key frame (kmax 0): every other frame is stored as its change, which the encoder then need not try both ways
# (the padding animation: 2.4x less time, 14% fewer bytes; the animations loop from the start, never seek).
WEBP_EFFORT = {"method": 1, "quality": 50, "kmin": 0, "kmax": 0}
# A frame's unchanged pixels are stored transparent, but keep their colour in gaps of at most this many pixels
# between changed ones in a row: the lesson's 16 GIFs came out 6.7% smaller than with every unchanged pixel
# transparent (1,498 -> 1,397 KB), about the same from 16 to 28 px, 5.3% at 8 or 64 (gifsicle -O3: 5.6%).
GAP_PX = 24
NOT_IN_PALETTE = 255  # the palette holds fewer colours (and a spare index for transparency)

# What render draws, at most (larger settings are refused with a one-line error before anything is drawn).
MAX_INPUT = 16  # input cells per side
MAX_GRID = 32  # cells per side of any grid drawn: the padded or stretched input, the kernel's span, the output
MAX_STEPS = 256  # output cells (frames)
WIDTHS = (200, 2000)  # frame width of the wide rendition, in pixels
LIMITS = (
    f"Limits: input up to {MAX_INPUT} per side; padded input, kernel span and output up to {MAX_GRID} per side; "
    f"at most {MAX_STEPS} output cells (all output channels together); --width {WIDTHS[0]} to {WIDTHS[1]}; "
    "--in-channels and --out-channels 1 to 4, with --groups dividing both."
)


def check_width(width: int) -> None:
    """Raise UsageError unless ``width`` is a frame width the renderer draws legibly."""
    if not WIDTHS[0] <= width <= WIDTHS[1]:
        raise UsageError(f"--width {width}: choose a frame width from {WIDTHS[0]} to {WIDTHS[1]} pixels")


def _grids(geometry) -> dict[str, tuple[int, int]]:
    """Return the size of every grid an animation of this geometry draws, by name."""
    if isinstance(geometry, TransposedGeometry):
        grids = {"input with zeros inserted": geometry.stretched, "kernel span": geometry.direct.span}
    else:
        grids = {"padded input": geometry.padded, "kernel span": geometry.span}
    return {"input": geometry.size, **grids, "output": geometry.output}


def check_limits(geometry, view: str = DIRECT, channels: int = 1) -> None:
    """Raise UsageError, saying what to change, if an animation of this geometry (any operation's) would be
    too large to draw (see LIMITS). Cheap: call it before computing the record."""
    grids = _grids(geometry)
    if max(grids["input"]) > MAX_INPUT:
        size = _size(grids["input"])
        raise UsageError(f"an input of {size} is too large to animate: use at most {MAX_INPUT} per side")
    for name, size in grids.items():
        if max(size) > MAX_GRID:
            raise UsageError(
                f"the {name} would be {_size(size)}, too large to animate: keep it within {MAX_GRID} per side "
                "(less padding, dilation or stride)"
            )
    cells = grids["input"] if view == SCATTER else grids["output"]
    steps = cells[0] * cells[1] * channels  # a layer's output channels are drawn one after another
    if steps > MAX_STEPS:
        raise UsageError(f"{steps} steps are too many to animate: use settings with at most {MAX_STEPS} of them")


def _size(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def durations(frames: int) -> list[int]:
    """Return each frame's time in ms: the steps share what a loop of at most LOOP_MS leaves, up to STEP_MS
    each (in the GIF's 10 ms units), then FINAL_MS for the finished output."""
    steps = frames - 1
    step = STEP_MS if steps == 0 else max(MIN_STEP_MS, min(STEP_MS, (LOOP_MS - FINAL_MS) // steps // 10 * 10))
    return [step] * steps + [FINAL_MS]


def _u16(number: int) -> bytes:
    return number.to_bytes(2, "little")


def _frame_bytes(piece: Image.Image, offset: tuple[int, int], ms: int, transparent: int, bits: int) -> bytes:
    """Return one GIF frame: its control block (time, transparent index, keep what is below), its place and
    size, and its pixels LZW-coded with ``bits``-bit codes (Pillow's encoder)."""
    control = b"!\xf9\x04" + bytes([(1 << 2) | 1]) + _u16(ms // 10) + bytes([transparent, 0])
    place = b"," + _u16(offset[0]) + _u16(offset[1]) + _u16(piece.width) + _u16(piece.height) + b"\x00"
    return control + place + bytes([bits]) + piece.tobytes("gif", "P", bits) + b"\x00"


def write_gif(path: Path, frames: Iterator[Image.Image], times: list[int], scheme: Scheme = LIGHT) -> Image.Image:
    """Write the frames (palette images on ``convlab.drawing.palette(scheme)``) as a looping GIF, one at a time:
    each frame after the first stores only the box that changed, unchanged pixels transparent where that codes
    shorter (``_change``), and codes its pixels with as few bits as the palette needs. Return the last frame."""
    colours = palette(scheme).getpalette()
    transparent = len(colours) // 3  # the first index no colour uses
    bits = max(2, transparent.bit_length())
    table = colours + [0] * (3 * (2**bits) - len(colours))
    previous = None
    with open(path, "wb") as handle:
        for k, frame in enumerate(frames):
            if previous is None:
                handle.write(b"GIF89a" + _u16(frame.width) + _u16(frame.height))
                handle.write(bytes([0x80 | (bits - 1), 0, 0]) + bytes(table))
                handle.write(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
                piece, offset = frame, (0, 0)
            else:
                piece, offset = _change(previous, frame, transparent)
            handle.write(_frame_bytes(piece, offset, times[k], transparent, bits))
            previous = frame
        handle.write(b";")
    return previous


def _change(previous: Image.Image, frame: Image.Image, transparent: int) -> tuple[Image.Image, tuple[int, int]]:
    """Return what a frame stores of ``frame`` drawn over ``previous``, and its place: the box that changed,
    each unchanged pixel transparent, except those in a gap of at most GAP_PX between changed pixels of
    their row, which keep their colour (both show the same, and runs that do not break there code shorter)."""
    import numpy as np

    before, after = np.asarray(previous), np.asarray(frame)
    left, top, right, bottom = Image.fromarray(before != after).getbbox() or (0, 0, 1, 1)
    own = after[top:bottom, left:right]
    changed = before[top:bottom, left:right] != own
    columns = np.broadcast_to(np.arange(right - left, dtype=np.int16), changed.shape)  # MAX width 2000 fits
    last = np.maximum.accumulate(np.where(changed, columns, -1), axis=1)  # the last changed pixel so far
    upcoming = np.where(changed, columns, right - left)[:, ::-1]
    following = np.minimum.accumulate(upcoming, axis=1)[:, ::-1]  # the next changed pixel from here
    gap = (last >= 0) & (following < right - left) & (following - last - 1 <= GAP_PX)
    pixels = np.where(changed | gap, own, transparent).astype(np.uint8)
    return Image.fromarray(pixels, "L").convert("P"), (left, top)


def _colour_keys(image: Image.Image) -> np.ndarray:
    """Return each pixel's colour as one number, 0xBBGGRR: its RGBA bytes read as a little-endian number,
    alpha masked off (one pass in C, where shifting three channels took twice as long)."""
    import numpy as np

    return np.asarray(image.convert("RGBA")).view("<u4")[..., 0] & 0xFFFFFF


@cache
def _index_table(colours: tuple[int, ...]) -> np.ndarray:
    """Return the palette index of every colour key (``_colour_keys``; NOT_IN_PALETTE where the palette lacks it)."""
    import numpy as np

    count = len(colours) // 3
    table = np.full(1 << 24, NOT_IN_PALETTE, dtype=np.uint8)
    table[_colour_keys(Image.frombytes("RGB", (count, 1), bytes(colours)))[0]] = np.arange(count)
    return table


def indexed(frame: Image.Image, shared: Image.Image) -> Image.Image:
    """Return the RGB ``frame`` as a palette image on ``shared``, each pixel its colour's exact index (Pillow's
    ``quantize`` matches colours a few levels apart to one index). Raise ValueError if a colour is not in it."""

    indices = _index_table(tuple(shared.getpalette()))[_colour_keys(frame)]
    if (indices == NOT_IN_PALETTE).any():
        raise ValueError("a frame has a colour that is not in convlab.drawing.palette()")
    image = Image.fromarray(indices, "L").convert("P")
    image.putpalette(shared.getpalette())
    return image


def write_webp(path: Path, gif_path: Path, times: list[int]) -> None:
    """Write the GIF at ``gif_path`` again as a looping lossless animated WebP with the same frames and times
    (Pillow reads and encodes one frame at a time)."""
    with Image.open(gif_path) as gif:
        gif.save(path, format="WEBP", save_all=True, lossless=True, duration=times, loop=0, **WEBP_EFFORT)


def _indexed_frames(painter: Painter) -> Iterator[Image.Image]:
    shared = palette(painter.scheme)
    for frame in painter.frames():
        yield indexed(frame, shared)


def sidecar(record: Record, renditions: list[dict], precision: int = 2, view: str = DIRECT) -> dict:
    """Return the JSON sidecar: the record written out (full precision) and what the pages show with it (alt
    text, caption, PyTorch line, the explorer's query for its settings)."""
    shown = {"alt": alt_text(record, view), "caption": caption(record), "pytorch": pytorch_line(record)}
    data = {**record.to_json(), "precision": precision, **shown, "explorer_query": explorer_query(record)}
    if isinstance(record, TransposedConvolution):
        data["view"] = view
    return {**data, "renditions": renditions}


def rendition_path(out: Path, rendition: Rendition, suffix: str, scheme: Scheme = LIGHT) -> Path:
    """Return the file of a rendition in a scheme: OUT.gif or OUT.png for the wide light one, OUT.narrow.gif ...
    for the narrow, and OUT.dark.gif, OUT.narrow.dark.gif ... for the dark scheme's."""
    tail = "" if scheme == LIGHT else f".{scheme.name}"
    return out.with_name(out.stem + rendition.suffix + tail + suffix)


# The files per rendition and scheme, by their key in the sidecar: the GIF, its last frame as a PNG, and the
# GIF's frames again as a WebP.
FILE_KINDS = {"file": ".gif", "still": ".png", "webp": ".webp"}


def _files(out: Path, rendition: Rendition, scheme: Scheme) -> dict[str, str]:
    """Return the sidecar's names of a rendition's files in a scheme, by their key (FILE_KINDS)."""
    return {key: rendition_path(out, rendition, suffix, scheme).name for key, suffix in FILE_KINDS.items()}


def _entry(out: Path, rendition: Rendition, painters: dict[str, Painter]) -> dict:
    """Return a rendition's entry in the sidecar: its size and smallest text, its light files (``file``,
    ``still``, ``webp``: FILE_KINDS), and each other scheme's files under the scheme's name."""
    light = painters[LIGHT.name]
    entry = {"name": rendition.name, **_files(out, rendition, LIGHT)}
    entry.update(width=light.layout.width, height=light.layout.height, text_px=light.text_px)
    return entry | {name: _files(out, rendition, SCHEMES[name]) for name in painters if name != LIGHT.name}


def render(out: Path, record: Record, width: int = WIDE_WIDTH, precision: int = 2, view: str = DIRECT) -> list[Path]:
    """Write the animation of ``record``: per rendition and scheme a GIF, its last frame as a PNG and its WebP,
    and the JSON sidecar; return their paths (OUT.gif, OUT.json, then the other files).

    Each file is replaced whole, and none is replaced unless all were written: they are written to
    temporary files first and renamed into place one after another at the end.
    """
    out = Path(out)
    check_width(width)
    check_limits(record.geometry, view, getattr(record, "out_channels", 1))
    renditions = (wide(width), NARROW)
    drawn = [
        rendition_path(out, rendition, suffix, scheme)
        for rendition in renditions
        for scheme in SCHEMES.values()
        for suffix in FILE_KINDS.values()
    ]
    targets = [out, out.with_suffix(".json"), *(path for path in drawn if path != out)]
    with atomic_paths(*targets) as temporary:
        temp = dict(zip(targets, temporary, strict=True))
        entries, count = [], 0
        for rendition in renditions:
            painters = {name: Painter(record, rendition, precision, view, scheme) for name, scheme in SCHEMES.items()}
            for scheme in SCHEMES.values():
                painter = painters[scheme.name]
                count = painter.count
                gif = temp[rendition_path(out, rendition, ".gif", scheme)]
                last = write_gif(gif, _indexed_frames(painter), durations(count), scheme)
                last.save(temp[rendition_path(out, rendition, ".png", scheme)], format="PNG", optimize=True)
                write_webp(temp[rendition_path(out, rendition, ".webp", scheme)], gif, durations(count))
            entries.append(_entry(out, rendition, painters))
        data = sidecar(record, entries, precision, view)
        data["frame_ms"] = durations(count)
        temp[out.with_suffix(".json")].write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return targets


def render_animation(animation: Animation, out_dir: Path, width: int = WIDE_WIDTH) -> list[Path]:
    """Render one of the catalogue's animations into ``out_dir`` (created if missing) as NAME.gif and the rest."""
    make_dir(out_dir)
    return render(out_dir / f"{animation.name}.gif", animation.record(), width, view=animation.settings.view)
