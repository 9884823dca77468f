"""Draws a story (``convlab.stories``) in one rendition: its layout, and its frames as boxes and texts.

The ``Painter`` lays a story out (see ``convlab.layout``) and turns it into items (``convlab.drawing``): the
static ones once, then per frame only the cells that differ, the window's outline, the step line and the
legend, so the frames are cheap to draw and to compress. The GIF benchmark draws the same items with
matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from PIL import Image

from convlab.drawing import LIGHT, Item, Rect, Scheme, Text, draw_items, text_width
from convlab.layout import PAD_CLOSE, PAD_OPEN, Layout, Placed, Rendition, label_line, pad_room, plan, wide, wrap
from convlab.records import Record
from convlab.stories import WINDOW, Cell, Key, story


@dataclass(frozen=True)
class Style:
    """How a cell looks: fill, border colour and width, hatching colour (None for none), and its text's colour."""

    fill: tuple[int, int, int]
    border: tuple[int, int, int]
    width: int
    hatch: tuple[int, int, int] | None
    ink: tuple[int, int, int]


@cache
def styles(scheme: Scheme) -> dict[str, Style]:
    """Return how each kind of cell looks in ``scheme``, by the name a story gives it (``Cell.style``)."""
    s = scheme

    def style(fill, border=s.line, width=1, hatch=None, ink=s.ink):
        return Style(fill, border, width, hatch, ink)

    return {
        "value": style(s.card),
        "padding": style(s.pad_fill, hatch=s.hatch, ink=s.muted),
        "inserted": style(s.inserted, ink=s.muted),
        "hole": style(s.card, s.faint_line),
        "pending": style(s.pending),
        "unread": style(s.unread),
        "tap": style(s.tap, ink=s.accent_ink),  # the window's one thick outline is drawn around them all
        # Padding read by the window: its zeros in the accent ink (the muted grey on orange was 3.4:1).
        "tap-padding": style(s.tap, hatch=s.hatch, ink=s.accent_ink),
        "winner": style(s.winner, s.ink, 5, ink=s.accent_ink),
        "current": style(s.current, s.ink, 3, ink=s.accent_ink),
    }


class Painter:
    """Draws one record's frames in one rendition: static items once, then each frame's changes.

    ``layout`` says where everything goes, ``captions`` holds each frame's step line (one per step, then the
    summary), ``text_px`` is the smallest text drawn, ``scheme`` the colours (``convlab.drawing.SCHEMES``).
    """

    def __init__(
        self,
        record: Record,
        rendition: Rendition | None = None,
        precision: int = 2,
        view: str = "direct",
        scheme: Scheme = LIGHT,
    ):
        self.record = record
        self.rendition = rendition or wide()
        self.scheme = scheme
        self.styles = styles(scheme)
        self.story = story(record, precision, view)
        text = self.rendition.text_px
        frames = [self.story.frame(k) for k in range(self.story.count)]
        self.captions = [frame.caption for frame in frames]
        legend_rows = max(self._legend_rows(frame.legend, text) for frame in frames)
        self.layout: Layout = plan(
            self.rendition,
            self.story.panels,
            self.story.candidates(self.rendition),
            self.story.title,
            self.captions,
            legend_rows,
        )
        self._base_cells = self.story.base()
        self._relabelled = {key for frame in frames for key in frame.labels}  # labels drawn in each frame

    @property
    def text_px(self) -> int:
        """Return the smallest text size drawn in these frames, in pixels."""
        return self.layout.text_px

    @property
    def count(self) -> int:
        """Return the number of frames."""
        return self.story.count

    def _cell_items(self, key: Key, cell: Cell) -> list[Item]:
        panel, r, c = key
        box = self.layout.cell_box(panel, r, c)
        style = self.styles[cell.style]
        items: list[Item] = [Rect(box, style.fill, style.border, style.width, style.hatch)]
        if cell.text:
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            items.append(Text(centre, cell.text, self.layout.panels[panel].font, colour=style.ink))
        return items

    def static_items(self) -> list[Item]:
        """Return what every frame shows: the title, the labels, and every cell as it starts."""
        layout, text, ink = self.layout, self.rendition.text_px, self.scheme.ink
        items: list[Item] = [Rect((0, 0, layout.width - 1, layout.height - 1), self.scheme.card)]
        for n, line in enumerate(layout.title_lines):
            items.append(Text((layout.margin, layout.margin + n * layout.line), line, text, True, ink, "lt"))
        for key, placed in layout.panels.items():
            if key not in self._relabelled:
                items += self._label_items(placed, placed.label_lines)
        for key, cell in self._base_cells.items():
            items += self._cell_items(key, cell)
        return items

    def _label_items(self, placed: Placed, lines: list[str]) -> list[Item]:
        (x, y), text, ink = placed.label_xy, self.rendition.text_px, self.scheme.ink
        return [Text((x, y + n * label_line(text)), line, text, True, ink, "lt") for n, line in enumerate(lines)]

    def frame_items(self, k: int) -> list[Item]:
        """Return what frame ``k`` draws over the static items: changed cells, outlines, step line, legend, and
        the labels that change from frame to frame."""
        frame = self.story.frame(k)
        changed = [(key, cell) for key, cell in frame.cells.items() if cell != self._base_cells.get(key)]
        changed.sort(key=lambda item: self.styles[item[1].style].width)  # thick borders last, on top
        items: list[Item] = []
        text = self.rendition.text_px
        for key in sorted(self._relabelled):
            placed = self.layout.panels[key]
            label = frame.labels.get(key)
            lines = placed.label_lines if label is None else wrap(label, text, placed.label_room, bold=True)
            items += self._label_items(placed, lines)
        for key, cell in changed:
            items += self._cell_items(key, cell)
        for panel, first, last, kind in frame.outlines:
            if kind == WINDOW:
                items.append(Rect(self.layout.span_box(panel, first, last, grow=1), None, self.scheme.ink, 3))
            else:
                dash = max(4, self.layout.panels[panel].cell // 6)
                box = self.layout.span_box(panel, first, last, grow=3)
                items.append(Rect(box, None, self.scheme.span, 3, dash=dash))
        return items + self._caption_items(frame.caption) + self._legend_items(frame.legend)

    def _caption_items(self, caption: str) -> list[Item]:
        layout, text = self.layout, self.rendition.text_px
        items: list[Item] = []
        room = layout.width - 2 * layout.margin
        for n, line in enumerate(wrap(caption, text, room)):
            x, y = float(layout.margin), layout.caption_y + n * layout.line
            for k, piece in enumerate(line.replace(PAD_CLOSE, PAD_OPEN).split(PAD_OPEN)):
                if not piece:
                    continue
                width = text_width(piece, text)
                if k % 2:  # a padding value: on a grey box, like the padding cells
                    half = pad_room(text) / 2
                    box = (round(x), y - round(text * 0.1), round(x + width + 2 * half), y + round(text * 1.15))
                    items.append(Rect(box, self.scheme.pad_fill))
                    items.append(Text((x + half, y), piece, text, colour=self.scheme.muted, anchor="lt"))
                    x += width + 2 * half
                else:
                    items.append(Text((x, y), piece, text, colour=self.scheme.ink, anchor="lt"))
                    x += width
        return items

    def _legend_layout(self, entries: list[str], text: int) -> list[tuple[int, int, str]]:
        """Return (x, row, entry) for each legend entry, wrapping onto a new row when one is full."""
        margin, width = round(text * 0.9), self.rendition.width
        swatch = round(text * 1.3)
        x, row, places = margin, 0, []
        for entry in entries:
            label = self.story.legend_texts[entry]
            room = (0 if entry == "rounded" else swatch + text // 2) + round(text_width(label, text))
            if x + room > width - margin and x > margin:
                x, row = margin, row + 1
            places.append((x, row, entry))
            x += room + text * 2
        return places

    def _legend_rows(self, entries: list[str], text: int) -> int:
        places = self._legend_layout(entries, text)
        return places[-1][1] + 1 if places else 0

    def _legend_items(self, entries: list[str]) -> list[Item]:
        text, layout = self.rendition.text_px, self.layout
        swatch = round(text * 1.3)
        items: list[Item] = []
        for x, row, entry in self._legend_layout(entries, text):
            y = layout.legend_y + row * layout.line
            label = self.story.legend_texts[entry]
            if entry == "rounded":
                items.append(Text((x, y + swatch / 2), label, text, colour=self.scheme.muted, anchor="lm"))
                continue
            box = (x, y, x + swatch, y + swatch)
            if entry == "span":
                items.append(Rect(box, None, self.scheme.span, 2, dash=max(3, swatch // 5)))
            else:
                style = self.styles[entry]
                border, width = (self.scheme.ink, 3) if entry == "tap" else (style.border, min(style.width, 3))
                items.append(Rect(box, style.fill, border, width, style.hatch))
            xy = (x + swatch + text // 2, y + swatch / 2)
            items.append(Text(xy, label, text, colour=self.scheme.ink, anchor="lm"))
        return items

    def base_image(self) -> Image.Image:
        """Return the static parts drawn once."""
        image = Image.new("RGB", (self.layout.width, self.layout.height), self.scheme.card)
        draw_items(image, self.static_items())
        return image

    def frames(self) -> Iterator[Image.Image]:
        """Yield every frame, one at a time: one per step, then the finished output."""
        base = self.base_image()
        for k in range(self.count):
            frame = base.copy()
            draw_items(frame, self.frame_items(k))
            yield frame
