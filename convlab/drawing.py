"""What a frame is made of, and how Pillow draws it: boxes and texts in pixels, on one fixed palette.

An animation's frames are lists of ``Rect`` and ``Text`` items (see ``convlab.painter``). Pillow draws
them here; the GIF benchmark draws the very same items with matplotlib, so both make the same frames.
Each colour scheme of the site has its own colours (``Scheme``: ``LIGHT``, ``DARK``), so an animation reads at
home on a light page and on a dark one.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Scheme:
    """The colours an animation is drawn in, for one of the site's colour schemes (``name``: light or dark).

    The marking colours (tap, current, winner) are Okabe-Ito's (safe for colour-blind readers), the ones the
    explorer uses too, in both schemes, with ``accent_ink`` text on them; the rest follows the page.
    """

    name: str
    card: RGB  # the background, and the cells of values
    ink: RGB  # text, the window's outline
    muted: RGB  # padding values, the legend's note
    line: RGB  # cell borders
    faint_line: RGB  # the border of a hole (a cell a transposed convolution leaves out)
    pad_fill: RGB  # padding, hatched
    hatch: RGB
    inserted: RGB  # zeros a transposed convolution inserts between input cells
    pending: RGB  # output cells not computed yet
    unread: RGB  # input cells no step reads (a tint of vermilion)
    tap: RGB  # orange: cells read in this step
    current: RGB  # sky blue: the output cell being computed
    span: RGB  # blue: the area a dilated kernel or a pooling window spans
    winner: RGB  # bluish green: the maximum of a max-pooling window, apart from the window's orange
    accent_ink: RGB  # text on the marking colours

    @property
    def backgrounds(self) -> tuple[RGB, ...]:
        """Return every colour text is drawn on."""
        return (self.card, self.pad_fill, self.inserted, self.pending, self.unread, self.tap, self.current, self.winner)

    @property
    def inks(self) -> tuple[RGB, ...]:
        """Return every colour text is drawn in."""
        return tuple(dict.fromkeys((self.ink, self.muted, self.accent_ink)))


# A white card; the winner is a little lighter than Okabe-Ito's (0, 158, 115) so its black digit keeps 4.5:1.
LIGHT = Scheme(
    name="light",
    card=(255, 255, 255),
    ink=(17, 17, 17),
    muted=(84, 84, 84),
    line=(140, 140, 140),
    faint_line=(200, 200, 200),
    pad_fill=(218, 218, 218),
    hatch=(150, 150, 150),
    inserted=(236, 236, 236),
    pending=(238, 238, 238),
    unread=(251, 222, 203),
    tap=(230, 159, 0),
    current=(86, 180, 233),
    span=(0, 114, 178),
    winner=(0, 168, 122),
    accent_ink=(17, 17, 17),
)
# The card a little lighter than Material's slate page (convlab.website.theme), its text the page's text colour;
# the span's blue lighter, so its dashes stand out from the card.
DARK = Scheme(
    name="dark",
    card=(37, 41, 51),
    ink=(226, 228, 233),
    muted=(176, 180, 190),
    line=(112, 118, 132),
    faint_line=(70, 75, 88),
    pad_fill=(64, 69, 82),
    hatch=(106, 112, 126),
    inserted=(52, 56, 67),
    pending=(49, 53, 64),
    unread=(84, 46, 34),
    tap=LIGHT.tap,
    current=LIGHT.current,
    span=(72, 160, 220),
    winner=LIGHT.winner,
    accent_ink=LIGHT.accent_ink,
)
SCHEMES = {scheme.name: scheme for scheme in (LIGHT, DARK)}


@dataclass(frozen=True)
class Rect:
    """A rectangle: fill (None for none), outline, its width in pixels, hatching, dashes (0 for solid)."""

    box: Box
    fill: RGB | None = None
    outline: RGB | None = None
    width: int = 1
    hatch: RGB | None = None  # the colour of diagonal lines across the box
    dash: int = 0


@dataclass(frozen=True)
class Text:
    """A line of text at ``xy``, ``size`` pixels high, placed by a Pillow anchor ("mm": centred)."""

    xy: tuple[float, float]
    text: str
    size: int
    bold: bool = False
    colour: RGB = LIGHT.ink
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


@cache  # a layout measures the same few labels and numbers many times, in each scheme
def text_width(text: str, size: int, bold: bool = False) -> float:
    """Return the width in pixels of ``text`` drawn ``size`` px high."""
    return font(size, bold).getlength(text)


def _hatch(draw: ImageDraw.ImageDraw, box: Box, colour: RGB) -> None:
    """Draw diagonal lines across ``box``: padded cells differ from image cells in more than colour."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    gap = max(6, w // 5)
    for t in range(gap, w + h, gap):
        draw.line([(x0 + max(0, t - h), y0 + min(t, h)), (x0 + min(t, w), y0 + max(0, t - w))], fill=colour)


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
        if item.hatch is not None:
            _hatch(draw, item.box, item.hatch)
        if item.outline is not None and item.dash:
            _dashed(draw, item.box, item.outline, item.width, item.dash)
        elif item.outline is not None:
            draw.rectangle(item.box, outline=item.outline, width=item.width)


def palette(scheme: Scheme = LIGHT) -> Image.Image:
    """Return the scheme's fixed palette: the fills, lines and inks, every colour a frame holds (text is
    un-smoothed)."""
    s = scheme
    colours = [s.card, *s.inks, s.line, s.faint_line, s.hatch, s.span, *s.backgrounds]
    unique = list(dict.fromkeys(colours))
    image = Image.new("P", (1, 1))
    image.putpalette([channel for colour in unique for channel in colour])  # < 256: a spare index for transparency
    return image
