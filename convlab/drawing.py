"""What a frame is made of, and how Pillow draws it: boxes and texts in pixels, on one fixed palette.

An animation's frames are lists of ``Rect`` and ``Text`` items (see ``convlab.painter``). Pillow draws
them here; the GIF benchmark draws the very same items with matplotlib, so both make the same frames.
Colours are Okabe-Ito's (safe for colour-blind readers), the ones the explorer uses too, on a white card
that reads on light and dark pages.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1

WHITE = (255, 255, 255)
INK = (17, 17, 17)
MUTED = (84, 84, 84)
LINE = (140, 140, 140)
FAINT_LINE = (200, 200, 200)
PAD_FILL = (218, 218, 218)  # padding, hatched
HATCH = (150, 150, 150)
INSERTED_FILL = (236, 236, 236)  # zeros a transposed convolution inserts between input cells
PENDING = (238, 238, 238)  # output cells not computed yet
UNREAD = (251, 222, 203)  # input cells no step reads (a light tint of vermilion)
TAP = (230, 159, 0)  # orange: cells read in this step
CURRENT = (86, 180, 233)  # sky blue: the output cell being computed
SPAN = (0, 114, 178)  # blue: the area a dilated kernel or a pooling window spans
# Bluish green, a little lighter than Okabe-Ito's (0, 158, 115) so its black digit keeps 4.5:1 on the dark
# scheme's dimmed card: the maximum of a max-pooling window, apart from the window's orange for every colour vision.
WINNER = (0, 168, 122)
BACKGROUNDS = (WHITE, PAD_FILL, INSERTED_FILL, PENDING, UNREAD, TAP, CURRENT, WINNER)
INKS = (INK, MUTED)


@dataclass(frozen=True)
class Rect:
    """A rectangle: fill (None for none), outline, its width in pixels, hatching, dashes (0 for solid)."""

    box: Box
    fill: RGB | None = None
    outline: RGB | None = None
    width: int = 1
    hatch: bool = False
    dash: int = 0


@dataclass(frozen=True)
class Text:
    """A line of text at ``xy``, ``size`` pixels high, placed by a Pillow anchor ("mm": centred)."""

    xy: tuple[float, float]
    text: str
    size: int
    bold: bool = False
    colour: RGB = INK
    anchor: str = "mm"


Item = Rect | Text


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans at ``size`` px, the font matplotlib ships, so no system font is needed."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is needed for its DejaVu fonts: pip install -r requirements.txt")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), size)


def text_width(text: str, size: int, bold: bool = False) -> float:
    """Return the width in pixels of ``text`` drawn ``size`` px high."""
    return font(size, bold).getlength(text)


def _hatch(draw: ImageDraw.ImageDraw, box: Box) -> None:
    """Draw diagonal lines across ``box``: padded cells differ from image cells in more than colour."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    gap = max(6, w // 5)
    for t in range(gap, w + h, gap):
        draw.line([(x0 + max(0, t - h), y0 + min(t, h)), (x0 + min(t, w), y0 + max(0, t - w))], fill=HATCH)


def _dashed(draw: ImageDraw.ImageDraw, box: Box, colour: RGB, width: int, dash: int) -> None:
    x0, y0, x1, y1 = box
    for start in range(x0, x1, 2 * dash):
        end = min(start + dash, x1)
        draw.line([(start, y0), (end, y0)], fill=colour, width=width)
        draw.line([(start, y1), (end, y1)], fill=colour, width=width)
    for start in range(y0, y1, 2 * dash):
        end = min(start + dash, y1)
        draw.line([(x0, start), (x0, end)], fill=colour, width=width)
        draw.line([(x1, start), (x1, end)], fill=colour, width=width)


def draw_items(image: Image.Image, items: list[Item]) -> None:
    """Draw the items onto ``image``, in order. Text is drawn un-smoothed (hinted DejaVu reads as well on a phone,
    and the frames keep the palette's colours only: a fifth fewer GIF bytes than anti-aliased text)."""
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    for item in items:
        if isinstance(item, Text):
            draw.text(item.xy, item.text, font=font(item.size, item.bold), fill=item.colour, anchor=item.anchor)
            continue
        if item.fill is not None:
            draw.rectangle(item.box, fill=item.fill)
        if item.hatch:
            _hatch(draw, item.box)
        if item.outline is not None and item.dash:
            _dashed(draw, item.box, item.outline, item.width, item.dash)
        elif item.outline is not None:
            draw.rectangle(item.box, outline=item.outline, width=item.width)


def palette() -> Image.Image:
    """Return one fixed palette: the fills, lines and inks, every colour a frame holds (text is un-smoothed)."""
    colours = [WHITE, INK, MUTED, LINE, FAINT_LINE, HATCH, SPAN, *BACKGROUNDS]
    unique = list(dict.fromkeys(colours))
    image = Image.new("P", (1, 1))
    image.putpalette([channel for colour in unique for channel in colour])  # < 256: a spare index for transparency
    return image
