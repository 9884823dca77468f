"""Where everything goes in a frame: renditions, panels of cells, and their arrangement.

An animation is drawn twice: a **wide** rendition for laptops (grids side by side) and a **narrow** one for
phones (grids stacked, bigger cells). Each rendition has a width and a text size chosen so that, as a page
shows it (about 688 CSS px wide on a 1280 px laptop, 358 on a 390 px phone), its smallest text is at least
12 CSS px. Panels (input, kernel, output ...) are arranged by the first of a few candidate arrangements
whose cells hold their numbers at that text size.
"""

from __future__ import annotations

from dataclasses import dataclass

from convlab.drawing import text_width

Pair = tuple[int, int]
PAD_OPEN, PAD_CLOSE = "\x01", "\x02"  # around a value in a caption that is padding, drawn on grey


@dataclass(frozen=True)
class Rendition:
    """One drawing of an animation: its name, frame width in pixels, the size of its running text, and the
    largest cell (small grids do not grow past it, so frames stay short)."""

    name: str
    width: int
    text_px: int
    cell_px: int

    @property
    def suffix(self) -> str:
        """Return what its file names add before the extension: nothing for the wide one."""
        return "" if self.name == "wide" else f".{self.name}"


# The narrow rendition is for phones, the wide one for wider windows; which window gets which is the site's
# choice (scripts/placeholders.py), made so that a wide rendition is never shown narrower than 668 px.
WIDE_WIDTH, WIDE_TEXT, WIDE_CELL = 1000, 19, 64  # shown at least 668 px wide: 19 px -> 12.6 CSS px
NARROW = Rendition("narrow", 540, 19, 50)  # shown 358 px wide on a 390 px phone: 19 px -> 12.6 CSS px


def wide(width: int = WIDE_WIDTH) -> Rendition:
    """Return the wide rendition at ``width`` pixels, its text scaled with it."""
    scale = width / WIDE_WIDTH
    return Rendition("wide", width, round(WIDE_TEXT * scale), round(WIDE_CELL * scale))


@dataclass(frozen=True)
class Panel:
    """A grid of cells with a label above it: its key, label, shape (rows, columns), every text its cells
    may show (to choose a font that fits), and room for windows that reach past its edge."""

    key: str
    label: str
    shape: Pair
    texts: tuple[str, ...]
    reach: Pair = (0, 0)


# An arrangement: a panel's key, or ("row" | "column", arrangement, arrangement, ...).
Arrangement = str | tuple


@dataclass
class Placed:
    """A panel's place: the top-left of its grid, its cell size, its label's lines and their top-left, the
    size of the text in its cells, and the width its label wraps at."""

    origin: Pair
    cell: int
    label_xy: Pair
    label_lines: list[str]
    font: int
    label_room: int


@dataclass
class Layout:
    """Where everything goes in one rendition's frames, in pixels."""

    rendition: Rendition
    width: int
    height: int
    margin: int
    line: int
    title_lines: list[str]
    panels: dict[str, Placed]
    caption_y: int
    legend_y: int
    fits: bool = True

    @property
    def text_px(self) -> int:
        """Return the smallest text size drawn: the running text's, or a cell's if smaller."""
        return min(self.rendition.text_px, *(placed.font for placed in self.panels.values()))

    def cell_box(self, key: str, r: int, c: int) -> tuple[int, int, int, int]:
        """Return the pixel box (x0, y0, x1, y1) of cell (r, c) of panel ``key``."""
        placed = self.panels[key]
        (x, y), cell = placed.origin, placed.cell
        return (x + c * cell, y + r * cell, x + (c + 1) * cell, y + (r + 1) * cell)

    def span_box(self, key: str, first: Pair, last: Pair, grow: int = 0) -> tuple[int, int, int, int]:
        """Return the pixel box around cells ``first`` to ``last`` (inclusive) of panel ``key``, grown by
        ``grow`` pixels on every side."""
        x0, y0, _, _ = self.cell_box(key, *first)
        _, _, x1, y1 = self.cell_box(key, *last)
        return (x0 - grow, y0 - grow, x1 + grow, y1 + grow)


def plain(text: str) -> str:
    """Return a caption without its padding marks."""
    return text.replace(PAD_OPEN, "").replace(PAD_CLOSE, "")


def pad_room(size: int) -> int:
    """Return the extra width a grey box behind a padding value takes in a caption."""
    return round(size * 0.5)


def wrap(text: str, size: int, width: float, bold: bool = False) -> list[str]:
    """Return ``text`` broken into lines no wider than ``width``, breaking after spaces and '+'."""
    pieces, word = [], ""
    for char in text:
        word += char
        if char in "+ ":
            pieces.append(word)
            word = ""
    pieces.append(word)
    lines = [""]
    for piece in pieces:
        candidate = lines[-1] + piece
        measured = text_width(plain(candidate).rstrip(), size, bold) + candidate.count(PAD_OPEN) * pad_room(size)
        if lines[-1] and measured > width:
            lines.append(piece.lstrip())
        else:
            lines[-1] = candidate
    return [line.rstrip() for line in lines]


FILL = 0.88  # the widest text in a cell takes at most this share of its width
HEIGHT = 0.5  # and its size at most this share of its height


def cell_font(cell: int, texts: tuple[str, ...], largest: int) -> int:
    """Return the largest text size (at most ``largest``) at which every text fits a ``cell`` px cell."""
    widest = max((text_width(t, 100) for t in texts if t), default=0) / 100
    size = min(largest, int(cell * HEIGHT))
    if widest:
        size = min(size, int(cell * FILL / widest))
    return max(size, 1)


def needed_cell(texts: tuple[str, ...], text: int) -> int:
    """Return the smallest cell that holds every text at size ``text``."""
    widest = max((text_width(t, text) for t in texts if t), default=0)
    return max(round(text / HEIGHT), round(widest / FILL + 0.5))


def label_line(text: int) -> int:
    """Return the height of one line of a panel's label."""
    return round(text * 1.3)


@dataclass
class _Box:
    width: int
    height: int
    places: dict  # key -> (dx, dy, cell, label_lines, label_room), relative to this box


def _measure(arrangement: Arrangement, panels: dict[str, Panel], cells: dict[str, int], text: int) -> _Box:
    """Return the size of an arrangement with these cell sizes, and each panel's offset inside it."""
    gap = round(text * 1.6)
    if isinstance(arrangement, str):
        panel, cell = panels[arrangement], cells[arrangement]
        rows, cols = panel.shape[0] + panel.reach[0], panel.shape[1] + panel.reach[1]
        # Words as wrap breaks them: at spaces, not at a no-break space.
        longest_word = max(text_width(word, text, bold=True) for word in panel.label.split(" "))
        room = max(cols * cell, longest_word, 6 * text)
        lines = wrap(panel.label, text, room, bold=True)
        width = max(cols * cell, *(round(text_width(t, text, bold=True)) for t in lines))
        label_height = len(lines) * label_line(text) + round(text * 0.3)
        return _Box(width, label_height + rows * cell, {arrangement: (0, label_height, cell, lines, room)})
    kind, *children = arrangement
    boxes = [_measure(child, panels, cells, text) for child in children]
    places, offset = {}, 0
    for box in boxes:
        for key, (dx, dy, *rest) in box.places.items():
            places[key] = (dx + offset, dy, *rest) if kind == "row" else (dx, dy + offset, *rest)
        offset += (box.width if kind == "row" else box.height) + gap
    if kind == "row":
        return _Box(offset - gap, max(box.height for box in boxes), places)
    return _Box(max(box.width for box in boxes), offset - gap, places)


def _cells(panels: list[Panel], base: int, text: int) -> dict[str, int]:
    """Return each panel's cell size: ``base``, or more where its texts need more room."""
    return {panel.key: max(base, needed_cell(panel.texts, text)) for panel in panels}


def _arrange(arrangement: Arrangement, panels: list[Panel], rendition: Rendition, room: int) -> tuple[bool, dict, _Box]:
    """Return whether the arrangement fits ``room`` with every text at size ``text``, its cell sizes, its box.

    Cells share one size where there is room; a panel whose numbers are wider keeps bigger cells."""
    by_key = {panel.key: panel for panel in panels}
    text = rendition.text_px
    largest = max(rendition.cell_px, *(needed_cell(panel.texts, text) for panel in panels))
    for base in range(rendition.cell_px, 7, -1):
        cells = {key: min(cell, largest) for key, cell in _cells(panels, base, text).items()}
        box = _measure(arrangement, by_key, cells, text)
        if box.width <= room:
            fits = all(cells[p.key] >= needed_cell(p.texts, text) for p in panels)
            return fits, cells, box
    # Too big to fit even with the smallest cells: shrink every panel alike (its texts will be smaller).
    for base in range(largest, 3, -1):
        cells = {panel.key: base for panel in panels}
        box = _measure(arrangement, by_key, cells, text)
        if box.width <= room:
            break
    return False, cells, box


def plan(
    rendition: Rendition,
    panels: list[Panel],
    candidates: list[Arrangement],
    title: str,
    captions: list[str],
    legend_rows: int,
) -> Layout:
    """Return the layout of the first candidate arrangement whose cells hold their texts at the rendition's
    text size (else the last, its cells as large as the width allows), with room for the longest caption."""
    text, width = rendition.text_px, rendition.width
    margin = round(text * 0.9)
    line = round(text * 1.45)
    room = width - 2 * margin
    for arrangement in candidates:
        fits, cells, box = _arrange(arrangement, panels, rendition, room)
        if fits:
            break
    largest = round(text * 1.5)
    fonts = {p.key: cell_font(cells[p.key], p.texts, largest) for p in panels}
    title_lines = wrap(title, text, room, bold=True)
    top = margin + len(title_lines) * line + round(text * 0.5)
    left = margin + (room - box.width) // 2
    placed = {}
    for key, (dx, dy, cell, lines, label_room) in box.places.items():
        label_top = top + dy - len(lines) * label_line(text) - round(text * 0.3)
        placed[key] = Placed((left + dx, top + dy), cell, (left + dx, label_top), lines, fonts[key], label_room)
    caption_y = top + box.height + round(text * 1.1)
    caption_lines = max(len(wrap(caption, text, room)) for caption in captions)
    legend_y = caption_y + caption_lines * line + round(text * 0.5)
    return Layout(
        rendition=rendition,
        width=width,
        height=legend_y + legend_rows * line + margin,
        margin=margin,
        line=line,
        title_lines=title_lines,
        panels=placed,
        caption_y=caption_y,
        legend_y=legend_y,
        fits=fits,
    )
