"""Drawing a figure as SVG renditions: their sizes, colour schemes, text checks, and the files written.

Each figure is drawn in four renditions (``catalogue.FIGURES``): wide, for a laptop's text column, and
narrow, for a phone's, each for the light and for the dark scheme. A rendition is an SVG with a
transparent background, text and colours chosen for its scheme, and text that is at least 12 CSS px at
the width it is made for. Files are written with fixed metadata (the same figure gives the same bytes).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axis import Axis
from matplotlib.text import Text

from convlab.catalogue import FIGURE_LAYOUTS, FIGURE_SCHEMES, figure_file
from convlab.website.theme import PAGE_COLOURS

PX_PER_PT = 4 / 3  # an SVG drawn in points is this many CSS px wide per point at its natural size
NO_DATES = {"Date": None, "Creator": None}


@dataclass(frozen=True)
class FigureSize:
    """A rendition's width in CSS px, its smallest font size in points (9 pt is 12 CSS px), and its shape."""

    width_px: int
    font_pt: float
    wide: bool  # panels side by side for a laptop, or stacked for a phone


# Wide: a laptop's text column is 670 to 940 px, so 680 px never shrinks by more than 2%, and 10 pt
# (13.3 px) stays above 12 px. Narrow: shown at its natural width on a 390 px phone (a 358 px column).
FIGURE_SIZES = {"wide": FigureSize(680, 10, wide=True), "narrow": FigureSize(340, 9, wide=False)}


@dataclass(frozen=True)
class Scheme:
    """The colours of one colour scheme: the page a figure sits on, its text, and the colours of values."""

    page: str  # the page background (the site theme's), which shows through the transparent figure
    text: str
    frame: str  # frames of panels and colour bars, grid lines
    ink: str  # sequential values: 0 is the page itself, the largest value this colour
    negative: str  # diverging values: orange below 0, purple above, 0 is the page
    positive: str
    count: str  # the confusion matrix
    train: str  # the learning curves (Okabe-Ito, safe for colour-blind readers)
    validation: str
    # The opacity of the smallest value above 0 on a scale (0 itself is the page): faint, yet not the page.
    # A dark page needs more of it than a white one: at 0.12 its counts of 1 were hard to tell from the page.
    floor: float


_LIGHT = ("#222222", "#b4b4b4", "#111111", "#b35806", "#542788", "#0072b2", "#0072b2", "#d55e00")
_DARK = ("#e2e4e9", "#5d6270", "#f4f4f4", "#f1a340", "#b9a6e8", "#56b4e9", "#56b4e9", "#e69f00")
SCHEMES = {
    "light": Scheme(PAGE_COLOURS["light"], *_LIGHT, floor=0.12),
    "dark": Scheme(PAGE_COLOURS["dark"], *_DARK, floor=0.25),
}


@dataclass(frozen=True)
class FigureFile:
    """One written file of a figure: its layout and scheme, natural size in CSS px and smallest text in px."""

    file: str
    layout: str  # "wide" or "narrow", the FIGURE_SIZES key
    scheme: str
    width: int
    height: int
    text_px: float


@dataclass(frozen=True)
class Figure:
    """One figure of the run: its name, alt text for screen readers, caption, and the files drawn."""

    name: str
    alt: str
    caption: str
    renditions: tuple[FigureFile, ...]

    def to_json(self) -> dict:
        """Return the figure's entry in figures.json."""
        return {
            "alt": self.alt,
            "caption": self.caption,
            "renditions": [vars(rendition) for rendition in self.renditions],
        }


Draw = Callable[[FigureSize, Scheme], plt.Figure]


def scheme_style(scheme: Scheme) -> dict:
    """Return matplotlib settings that draw on the scheme's page: a transparent background, the scheme's text
    and frames (for the figures here and the notebooks' pictures, ``pictures``)."""
    return {
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.transparent": True,
        "text.color": scheme.text,
        "axes.labelcolor": scheme.text,
        "axes.edgecolor": scheme.frame,
        "xtick.color": scheme.text,
        "ytick.color": scheme.text,
        "grid.color": scheme.frame,
        "legend.labelcolor": scheme.text,
    }


def _style(size: FigureSize, scheme: Scheme) -> dict:
    points = size.font_pt
    return {
        **scheme_style(scheme),
        "font.size": points,
        "axes.titlesize": points,
        "axes.labelsize": points,
        "xtick.labelsize": points,
        "ytick.labelsize": points,
        "legend.fontsize": points,
        "figure.titlesize": points + 1,
        "svg.hashsalt": "convlab",  # fixed ids inside SVGs: the same figure gives the same bytes
        "svg.fonttype": "none",  # text stays text: smaller, selectable, crisp
    }


def new_figure(size: FigureSize, height_px: float) -> plt.Figure:
    """Return an empty figure exactly ``size.width_px`` CSS px wide and ``height_px`` tall."""
    inches = 1 / (72 * PX_PER_PT)
    figsize = (size.width_px * inches, round(height_px) * inches)
    return plt.figure(figsize=figsize, dpi=72, layout="constrained")  # 72 dpi: laid out as the SVG is drawn


def drawn_texts(fig: plt.Figure) -> list[Text]:
    """Return the texts a draw of ``fig`` puts on the page (of all tick labels, only those of drawn ticks)."""
    tick_labels, drawn = set(), []
    for axis in fig.findobj(Axis):
        for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
            tick_labels |= {tick.label1, tick.label2}
        if not (axis.axes.get_visible() and axis.axes.axison):  # set_axis_off(): no ticks drawn
            continue
        drawn += [  # matplotlib's own list of the ticks a draw shows (those inside the view)
            label for tick in axis._update_ticks() for label in (tick.label1, tick.label2) if label.get_visible()
        ]
    drawn += [t for t in fig.findobj(Text) if t not in tick_labels and (t.axes is None or t.axes.get_visible())]
    return [text for text in drawn if text.get_visible() and text.get_text().strip()]


def check_text_fits(fig: plt.Figure, name: str, inside: bool = True) -> None:
    """Raise ValueError if a text of the laid-out figure overlaps another one or (``inside``) leaves the canvas;
    a picture saved with a tight box may reach past it."""
    renderer = fig.canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in drawn_texts(fig)]
    canvas = fig.bbox.padded(1)
    for k, (text, box) in enumerate(boxes):
        if inside and not (
            canvas.containsx(box.x0)
            and canvas.containsx(box.x1)
            and canvas.containsy(box.y0)
            and canvas.containsy(box.y1)
        ):
            raise ValueError(f"{name}: the text {text!r} leaves the figure")
        for other, other_box in boxes[k + 1 :]:
            if box.shrunk(0.98, 0.9).overlaps(other_box.shrunk(0.98, 0.9)):
                raise ValueError(f"{name}: the texts {text!r} and {other!r} overlap")


def smallest_text_px(svg: str) -> float:
    """Return the smallest font size an SVG written by matplotlib draws, in CSS px at its natural size."""
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    view_width = float(re.search(r'<svg[^>]* viewBox="[\d.]+ [\d.]+ ([\d.]+) ', svg).group(1))
    # Matplotlib 3.10 writes `font-size: 10px`; older releases the shorthand `font: 400 10px 'DejaVu Sans'`.
    sizes = [float(size) for size in re.findall(r"font(?:-size)?:[^;\"]*?([\d.]+)px", svg)]
    return round(min(sizes) * width_pt * PX_PER_PT / view_width, 2)


def _number_clip_paths(svg: str) -> str:
    """Return the SVG with its clip paths named clip0, clip1, ... in the order they are defined.

    Matplotlib names each after a hash of its exact coordinates, which float noise in the layout can
    change from run to run while every coordinate written stays the same.
    """
    names = {old: f"clip{k}" for k, old in enumerate(re.findall(r'<clipPath id="([^"]+)"', svg))}
    return re.sub(r'(?<=id=")p[0-9a-f]+(?=")|(?<=url\(#)p[0-9a-f]+(?=\))', lambda m: names[m.group(0)], svg)


def write_renditions(out: Path, name: str, draw: Draw) -> tuple[FigureFile, ...]:
    """Draw every rendition of one figure and write each as an SVG into ``out`` (make_figures' staging folder);
    return what was written."""
    renditions = []
    for layout_name in FIGURE_LAYOUTS:
        for scheme_name in FIGURE_SCHEMES:
            size, scheme = FIGURE_SIZES[layout_name], SCHEMES[scheme_name]
            with plt.rc_context(_style(size, scheme)):
                fig = draw(size, scheme)
                fig.draw_without_rendering()
                fig.set_layout_engine("none")  # laid out once: the SVG is drawn where the check measured
                check_text_fits(fig, f"{name} ({layout_name}, {scheme_name})")
                buffer = io.StringIO()
                fig.savefig(buffer, format="svg", metadata=NO_DATES)
            height = round(fig.get_figheight() * 72 * PX_PER_PT)
            plt.close(fig)
            svg = _number_clip_paths(buffer.getvalue())
            file = figure_file(name, layout_name, scheme_name)
            (out / file).write_text(svg, encoding="utf-8")
            renditions.append(FigureFile(file, layout_name, scheme_name, size.width_px, height, smallest_text_px(svg)))
    return tuple(renditions)
