"""Convolution animations drawn frame by frame with Pillow: a GIF, a JSON sidecar and a PNG still.

Each frame shows the (padded) input with its values, exactly the cells the kernel reads, the output
filling in, and the step's arithmetic. Everything drawn comes from one ``Convolution`` record (see
``convlab.arithmetic``), and the JSON sidecar is that record written out. Every number is the true value
rounded to ``precision`` decimals.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from convlab.arithmetic import Convolution, Geometry, Pair, mean_divisor
from convlab.catalogue import Animation
from convlab.files import atomic_paths, make_dir

STEP_MS = 800
FINAL_MS = 3000

# Okabe-Ito colours (safe for colour-blind readers) on a white card, which reads on light and dark pages.
WHITE = (255, 255, 255)
INK = (17, 17, 17)
MUTED = (96, 96, 96)
LINE = (140, 140, 140)
PAD_FILL = (218, 218, 218)
HATCH = (150, 150, 150)
PENDING = (238, 238, 238)
TAP = (230, 159, 0)
CURRENT = (86, 180, 233)
SPAN = (0, 114, 178)
_BACKGROUNDS = (WHITE, PAD_FILL, PENDING, TAP, CURRENT)
_INKS = (INK, MUTED)


def format_value(value: float, precision: int = 2) -> str:
    """Return ``value`` rounded (never truncated) to ``precision`` decimals, without trailing zeros."""
    text = f"{value:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace("-", "\u2212")


def step_arithmetic(values: list[float], weights: list[list[float]], precision: int = 2) -> str:
    """Return the sum one output cell computes, e.g. ``(0+1+2+6+7+8+12+13+14) / 9``."""
    shown = [format_value(v, precision) for v in values]
    divisor = mean_divisor(weights)
    if divisor is not None:
        return f"({'+'.join(shown)}) / {divisor}"
    terms = []
    for weight, value in zip((w for row in weights for w in row), shown, strict=True):
        sign = "\u2212" if weight < 0 else "+"
        terms.append((sign, f"{format_value(abs(weight), precision)}\u00d7{value}"))
    first_sign, first = terms[0]
    head = f"\u2212{first}" if first_sign == "\u2212" else first
    return " ".join([head] + [f"{sign} {term}" for sign, term in terms[1:]])


def _size_text(pair: Pair) -> str:
    return f"{pair[0]}\u00d7{pair[1]}"


def _setting_text(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def settings_text(geometry: Geometry) -> str:
    """Return the settings in words, e.g. ``kernel 3×3, stride 2, padding 0, dilation 1``."""
    return (
        f"kernel {_size_text(geometry.kernel)}, stride {_setting_text(geometry.stride)}, "
        f"padding {_setting_text(geometry.padding)}, dilation {_setting_text(geometry.dilation)}"
    )


def size_formula(record: Convolution) -> str:
    """Return the record's output-size formula, once when both axes read the same, else per axis."""
    height, width = record.formula
    return f"{height} per side" if height == width else f"height {height}; width {width}"


def alt_text(record: Convolution) -> str:
    """Return a description of the animation for readers who cannot see it."""
    geometry = record.geometry
    rows, cols = geometry.size
    kernel = "averaging kernel" if mean_divisor(record.kernel) else "kernel"
    text = (
        f"A {_size_text(geometry.kernel)} {kernel} slides over a {_size_text(geometry.size)} input "
        f"holding the numbers 0 to {rows * cols - 1} row by row"
    )
    if any(geometry.padding):
        text += f", surrounded by zeros to {_size_text(geometry.padded)}"
    text += f" ({settings_text(geometry)}). "
    if geometry.dilated:
        text += f"Its taps are spread over {_size_text(geometry.span)} cells. "
    return text + f"Each step fills one cell of the {_size_text(geometry.output)} output."


def sidecar(record: Convolution, precision: int = 2) -> dict:
    """Return the JSON sidecar: the record written out (full precision), the precision shown, the alt text."""
    return {**record.to_json(), "precision": precision, "alt": alt_text(record)}


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans at ``size`` px, the font matplotlib ships, so no system font is needed."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is needed for its DejaVu fonts: pip install -r requirements.txt")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), size)


def _fitting_font(texts: list[str], cell: int, largest: float = 0.42) -> ImageFont.FreeTypeFont:
    """Return the largest font (up to ``largest`` of a cell) in which every text fits inside a cell."""
    probe = _font(100)
    widest = max(probe.getlength(t) for t in texts)
    return _font(max(8, int(min(cell * largest, 100 * cell * 0.84 / widest))))


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Return ``text`` broken into lines no wider than ``width``, breaking after '+' or spaces."""
    pieces, word = [], ""
    for char in text:
        word += char
        if char in "+ ":
            pieces.append(word)
            word = ""
    pieces.append(word)
    lines = [""]
    for piece in pieces:
        if lines[-1] and font.getlength(lines[-1] + piece) > width:
            lines.append(piece.lstrip())
        else:
            lines[-1] += piece
    return [line.rstrip() for line in lines]


@dataclass
class Layout:
    """Where everything goes in a frame, in pixels."""

    width: int
    height: int
    cell: int
    kernel_cell: int
    margin: int
    input_xy: Pair
    output_xy: Pair
    kernel_xy: Pair
    caption_y: int
    legend_y: int


def _margin(width: int) -> int:
    return round(width * 0.03)


def grid_labels(geometry: Geometry) -> tuple[str, str, str]:
    """Return the labels of the input, output and kernel grids, with their sizes."""
    input_label = f"Input {_size_text(geometry.size)}"
    if any(geometry.padding):
        input_label += f", padded to {_size_text(geometry.padded)}"
    kernel_label = f"Kernel {_size_text(geometry.kernel)}"
    if geometry.dilated:
        kernel_label += f", spread over {_size_text(geometry.span)}"
    return input_label, f"Output {_size_text(geometry.output)}", kernel_label


def _swatch_size(font: ImageFont.FreeTypeFont) -> int:
    return round(font.size * 1.3)


def _legend_places(entries: list, font: ImageFont.FreeTypeFont, width: int) -> list[tuple[int, int, object, str]]:
    """Return (x, row, swatch, text) for each legend entry, wrapping onto a new row when one is full."""
    swatch_size = _swatch_size(font)
    x, row, places = _margin(width), 0, []
    for swatch, text in entries:
        room = (swatch_size + font.size // 2 if swatch != () else 0) + round(font.getlength(text))
        if x + room > width - _margin(width) and x > _margin(width):
            x, row = _margin(width), row + 1
        places.append((x, row, swatch, text))
        x += room + font.size * 2
    return places


def _plan(geometry: Geometry, width: int, captions: list[str], legend_rows: int) -> Layout:
    margin = _margin(width)
    gap = round(width * 0.07)
    text, label = _font(round(width * 0.02)), _font(round(width * 0.02), bold=True)
    line = round(text.size * 1.5)
    (ph, pw), (oh, ow), (kh, kw) = geometry.padded, geometry.output, geometry.kernel
    cell = int(min((width - 2 * margin - gap) / (pw + ow), width * 0.07))
    kernel_cell = max(12, round(cell * 0.7))
    _, output_label, kernel_label = grid_labels(geometry)
    right = max(ow * cell, kw * kernel_cell, label.getlength(output_label), label.getlength(kernel_label))
    left = max(margin, round(width - pw * cell - gap - right) // 2)
    top = margin + round(line * 1.4) + line
    output_x = left + pw * cell + gap
    kernel_y = top + oh * cell + line + round(line * 0.4)
    grids_bottom = max(top + ph * cell, kernel_y + kh * kernel_cell)
    caption_lines = max(len(_wrap(c, text, width - 2 * margin)) for c in captions)
    caption_y = grids_bottom + line
    legend_y = caption_y + caption_lines * line + round(line * 0.5)
    return Layout(
        width=width,
        height=legend_y + legend_rows * line + margin,
        cell=cell,
        kernel_cell=kernel_cell,
        margin=margin,
        input_xy=(left, top),
        output_xy=(output_x, top),
        kernel_xy=(output_x, kernel_y),
        caption_y=caption_y,
        legend_y=legend_y,
    )


def cell_box(origin: Pair, cell: int, r: int, c: int) -> tuple[int, int, int, int]:
    """Return the pixel box (x0, y0, x1, y1) of cell (r, c) in a grid drawn from ``origin`` with ``cell`` px cells."""
    x, y = origin
    return (x + c * cell, y + r * cell, x + (c + 1) * cell, y + (r + 1) * cell)


def _hatch(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """Draw diagonal lines across ``box``: padded cells differ from image cells in more than colour."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    for t in range(max(6, w // 5), w + h, max(6, w // 5)):
        draw.line([(x0 + max(0, t - h), y0 + min(t, h)), (x0 + min(t, w), y0 + max(0, t - w))], fill=HATCH)


def _draw_cell(draw, box, text, font, fill, ink=INK, hatched=False, border=LINE, border_width=1) -> None:
    draw.rectangle(box, fill=fill, outline=border, width=border_width)
    if hatched:
        _hatch(draw, box)
        draw.rectangle(box, outline=border, width=border_width)
    if text:
        x0, y0, x1, y1 = box
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, font=font, fill=ink, anchor="mm")


def _dashed_rectangle(draw, box, colour, width: int, dash: int) -> None:
    x0, y0, x1, y1 = box
    for start in range(x0, x1, 2 * dash):
        end = min(start + dash, x1)
        draw.line([(start, y0), (end, y0)], fill=colour, width=width)
        draw.line([(start, y1), (end, y1)], fill=colour, width=width)
    for start in range(y0, y1, 2 * dash):
        end = min(start + dash, y1)
        draw.line([(x0, start), (x0, end)], fill=colour, width=width)
        draw.line([(x1, start), (x1, end)], fill=colour, width=width)


class Painter:
    """Draws one convolution's frames from its record; the static parts are drawn once and copied.

    ``layout`` says where everything goes, ``captions`` holds each frame's text (one per step, then the
    summary), and the fonts are the sizes drawn.
    """

    def __init__(self, record: Convolution, width: int = 1000, precision: int = 2) -> None:
        self.record = record
        self.geometry = geometry = record.geometry
        self.precision = precision
        self.captions = [self._step_caption(k) for k in range(len(record.steps))] + [self._final_caption()]
        self.small_font = _font(round(width * 0.016))
        self.legend = _legend_places(self._legend_entries(), self.small_font, width)
        self.layout = _plan(geometry, width, self.captions, legend_rows=self.legend[-1][1] + 1)
        cell = self.layout.cell
        self.input_font = _fitting_font([self._fmt(v) for row in record.padded for v in row], cell)
        self.output_font = _fitting_font([self._fmt(step.value) for step in record.steps], cell)
        self.kernel_texts = self._kernel_texts()
        self.kernel_font = _fitting_font([t for row in self.kernel_texts for t in row], self.layout.kernel_cell)
        self.text_font = _font(round(width * 0.02))
        self.label_font = _font(round(width * 0.02), bold=True)

    def _fmt(self, value: float) -> str:
        return format_value(value, self.precision)

    def _kernel_texts(self) -> list[list[str]]:
        weights = self.record.kernel
        divisor = mean_divisor(weights)
        if divisor is not None:
            return [[f"1/{divisor}"] * len(row) for row in weights]
        return [[self._fmt(w) for w in row] for row in weights]

    def _step_caption(self, k: int) -> str:
        step, record = self.record.steps[k], self.record
        values = [record.padded[r][c] for r, c in step.taps]
        sum_text = step_arithmetic(values, record.kernel, self.precision)
        i, j = step.out
        return f"Step {k + 1} of {len(record.steps)}: output[{i}, {j}] = {sum_text} = {self._fmt(step.value)}"

    def _final_caption(self) -> str:
        return f"Output {_size_text(self.geometry.output)}: {size_formula(self.record)}"

    def _input_cell(self, draw, r, c, fill=WHITE, border=LINE, border_width=1) -> None:
        padding = self.geometry.is_padding(r, c)
        box = cell_box(self.layout.input_xy, self.layout.cell, r, c)
        if fill == WHITE and padding:
            fill = PAD_FILL
        ink = MUTED if padding else INK
        text = self._fmt(self.record.padded[r][c])
        _draw_cell(draw, box, text, self.input_font, fill, ink, padding, border, border_width)

    def _output_cell(self, draw, i, j, fill, text="", border=LINE, border_width=1) -> None:
        box = cell_box(self.layout.output_xy, self.layout.cell, i, j)
        _draw_cell(draw, box, text, self.output_font, fill, INK, False, border, border_width)

    def _label(self, draw, xy: Pair, text: str) -> None:
        draw.text((xy[0], xy[1] - round(self.text_font.size * 0.5)), text, font=self.label_font, fill=INK, anchor="ls")

    def base(self) -> Image.Image:
        """Return the frame's static parts: title, labels, input, kernel, empty output and legend."""
        layout, geometry = self.layout, self.geometry
        image = Image.new("RGB", (layout.width, layout.height), WHITE)
        draw = ImageDraw.Draw(image)
        draw.text(
            (layout.margin, layout.margin),
            f"Conv2d: {settings_text(geometry)}",
            font=self.label_font,
            fill=INK,
            anchor="lt",
        )
        for xy, label in zip((layout.input_xy, layout.output_xy, layout.kernel_xy), grid_labels(geometry), strict=True):
            self._label(draw, xy, label)
        for r, row in enumerate(self.record.padded):
            for c in range(len(row)):
                self._input_cell(draw, r, c)
        for i in range(geometry.output[0]):
            for j in range(geometry.output[1]):
                self._output_cell(draw, i, j, PENDING)
        for r, row in enumerate(self.kernel_texts):
            for c, text in enumerate(row):
                box = cell_box(layout.kernel_xy, layout.kernel_cell, r, c)
                _draw_cell(draw, box, text, self.kernel_font, WHITE)
        self._legend(draw)
        return image

    def _legend_entries(self) -> list[tuple[tuple | None, str]]:
        """Return (swatch, text) pairs; a swatch is (fill, hatched, border width), None for the dashed span."""
        entries = [((TAP, False, 3), "read by the kernel"), ((CURRENT, False, 3), "output being computed")]
        if any(self.geometry.padding):
            entries.append(((PAD_FILL, True, 1), "padding (zeros)"))
        if self.geometry.dilated:
            entries.append((None, "area the dilated kernel spans"))
        return [*entries, ((), f"values rounded to {self.precision} decimal places")]

    def _legend(self, draw) -> None:
        font = self.small_font
        size, line = _swatch_size(font), round(self.text_font.size * 1.5)
        for x, row, swatch, text in self.legend:
            y = self.layout.legend_y + row * line
            box = (x, y, x + size, y + size)
            if swatch is None:
                _dashed_rectangle(draw, box, SPAN, 2, max(3, size // 5))
            elif swatch:
                fill, hatched, border = swatch
                _draw_cell(
                    draw, box, "", font, fill, hatched=hatched, border=INK if border > 1 else LINE, border_width=border
                )
            if swatch != ():
                x += size + font.size // 2
            draw.text((x, y + size / 2), text, font=font, fill=MUTED if swatch == () else INK, anchor="lm")

    def _caption(self, draw, text: str) -> None:
        layout = self.layout
        line = round(self.text_font.size * 1.5)
        for n, part in enumerate(_wrap(text, self.text_font, layout.width - 2 * layout.margin)):
            draw.text((layout.margin, layout.caption_y + n * line), part, font=self.text_font, fill=INK, anchor="lt")

    def frames(self) -> list[Image.Image]:
        """Return every frame: one per output cell, then the finished output."""
        progress = self.base()
        frames = []
        for k, step in enumerate(self.record.steps):
            frame = progress.copy()
            draw = ImageDraw.Draw(frame)
            for r, c in step.taps:
                self._input_cell(draw, r, c, fill=TAP)
            for r, c in step.taps:
                box = cell_box(self.layout.input_xy, self.layout.cell, r, c)
                draw.rectangle(box, outline=INK, width=3)
            if self.geometry.dilated:
                (r0, c0), (r1, c1) = step.taps[0], step.taps[-1]
                top_left = cell_box(self.layout.input_xy, self.layout.cell, r0, c0)
                bottom_right = cell_box(self.layout.input_xy, self.layout.cell, r1, c1)
                box = (top_left[0] - 3, top_left[1] - 3, bottom_right[2] + 3, bottom_right[3] + 3)
                _dashed_rectangle(draw, box, SPAN, 2, max(4, self.layout.cell // 6))
            (i, j), value = step.out, self._fmt(step.value)
            self._output_cell(draw, i, j, CURRENT, value, border=INK, border_width=3)
            self._caption(draw, self.captions[k])
            frames.append(frame)
            self._output_cell(ImageDraw.Draw(progress), i, j, WHITE, value)
        final = progress.copy()
        self._caption(ImageDraw.Draw(final), self.captions[-1])
        frames.append(final)
        return frames


def _palette() -> Image.Image:
    """Return one fixed palette: the fills, the inks, and the anti-aliasing blends of ink on each fill."""
    colours = [WHITE, INK, MUTED, LINE, PAD_FILL, HATCH, PENDING, TAP, CURRENT, SPAN]
    for background in _BACKGROUNDS:
        for ink in _INKS:
            for step in (1, 2):  # two blends per pair: smooth enough, and far fewer bytes than eight
                t = step / 3
                colours.append(tuple(round(b + (i - b) * t) for b, i in zip(background, ink, strict=True)))
    unique = list(dict.fromkeys(colours))
    flat = [channel for colour in unique for channel in colour]
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat)  # fewer than 256 colours: Pillow needs a spare index for transparency
    return palette


def render_frames(record: Convolution, width: int = 1000, precision: int = 2) -> list[Image.Image]:
    """Return the animation's frames, already mapped onto one shared palette."""
    palette = _palette()
    return [
        frame.quantize(palette=palette, dither=Image.Dither.NONE)
        for frame in Painter(record, width, precision).frames()
    ]


def render(out: Path, record: Convolution, width: int = 1000, precision: int = 2) -> list[Path]:
    """Write ``out`` (a looping GIF), ``out`` with .json (the record) and .png (the last frame); return their paths.

    Each file is replaced whole, and none is replaced unless all three were written: they are written to
    temporary files first and renamed into place one after another at the end.
    """
    frames = render_frames(record, width, precision)
    data = sidecar(record, precision)
    targets = [out, out.with_suffix(".json"), out.with_suffix(".png")]
    with atomic_paths(*targets) as (gif, sidecar_path, png):
        durations = [STEP_MS] * (len(frames) - 1) + [FINAL_MS]
        frames[0].save(
            gif, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0, optimize=True
        )
        sidecar_path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        frames[-1].save(png, format="PNG", optimize=True)
    return targets


def render_animation(animation: Animation, out_dir: Path, width: int = 1000) -> list[Path]:
    """Render one of the lesson's animations into ``out_dir`` (created if missing) as NAME.gif, .json, .png."""
    make_dir(out_dir)
    return render(out_dir / f"{animation.name}.gif", animation.convolution(), width)
