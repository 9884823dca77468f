"""Grids of small images (tiles) on colour scales: tiles in sections, each with a heading and a colour bar.

Colour that stands for a value has a colour bar; a picture of a digit is a picture and has none. A tile
left blank says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import ListedColormap, Normalize, to_rgb

from convlab.figure_svg import PX_PER_PT, FigureSize, Scheme, new_figure

if TYPE_CHECKING:  # pyplot is imported by figure_svg, after it chooses the Agg backend
    import matplotlib.pyplot as plt

# --- Colours that stand for values ---------------------------------------------------------------------


def ramp(colour: str, floor: float = 0.0) -> ListedColormap:
    """Return a colour map from the page (transparent) to ``colour``; ``floor`` is the opacity of the lowest value."""
    rgb = to_rgb(colour)
    return ListedColormap([(*rgb, alpha) for alpha in np.linspace(floor, 1, 256)])


def _diverging(scheme: Scheme) -> ListedColormap:
    """Return a colour map that grows orange below 0 and purple above, from the scheme's floor next to 0."""
    levels = np.linspace(-1, 1, 256)
    return ListedColormap(
        [
            (*to_rgb(scheme.negative if v < 0 else scheme.positive), scheme.floor + (1 - scheme.floor) * abs(v))
            for v in levels
        ]
    )


def blank_zeros(image: np.ndarray) -> np.ma.MaskedArray:
    """Return ``image`` with its values of exactly 0 masked: a colour map draws them as the page itself."""
    return np.ma.masked_equal(image, 0)


@dataclass(frozen=True)
class Scale:
    """What a colour stands for: values from ``low`` to ``high``, diverging around 0 or sequential from 0.

    A value of exactly 0 is the page (``blank_zeros``); the smallest value next to it is the scheme's floor,
    so a small value still shows on a dark page, and the colour bar shows every colour a tile can have.
    """

    label: str
    low: float
    high: float
    diverging: bool = False

    @staticmethod
    def symmetric(label: str, values: np.ndarray) -> Scale:
        """Return a diverging scale centred on 0 that covers ``values``."""
        limit = float(np.abs(values).max()) or 1.0
        return Scale(label, -limit, limit, diverging=True)

    def colours(self, scheme: Scheme) -> tuple[ListedColormap, Normalize]:
        """Return the colour map and the normalisation that draw this scale in ``scheme``."""
        cmap = _diverging(scheme) if self.diverging else ramp(scheme.ink, scheme.floor)
        return cmap, Normalize(self.low, self.high)

    def ticks(self) -> list[float]:
        """Return the values the colour bar names: both ends, and 0 between them when diverging."""
        return [self.low, 0.0, self.high] if self.diverging else [self.low, self.high]


def _tick_text(value: float) -> str:
    return "0" if value == 0 else f"{value:.2f}".replace("-", "−")


# --- Tiles: grids of small images, in sections with a heading and a colour bar each ----------------------


@dataclass(frozen=True)
class Tile:
    """One small image with a title above it, and a note written over it when the image is blank."""

    image: np.ndarray
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    """Tiles under one heading, drawn on one scale with its colour bar, or as pictures of digits (no scale)."""

    heading: str
    tiles: tuple[Tile, ...]
    scale: Scale | None = None


def _frame(ax, scheme: Scheme) -> None:
    """Remove an axes' ticks and give it a thin frame, so a blank map still shows its size."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(scheme.frame)


def _draw_section(subfig, section: Section, index: int, columns: int, size: FigureSize, scheme: Scheme) -> None:
    """Draw one section's tiles in rows of ``columns``, then its colour bar at the right."""
    rows = -(-len(section.tiles) // columns)
    axes = subfig.subplots(rows, columns, squeeze=False).flat
    if section.heading:
        subfig.suptitle(section.heading, x=0.0, ha="left", fontsize=size.font_pt + 1)
    if section.scale is None:
        kind, cmap, norm = f"picture{index}", ramp(scheme.ink), Normalize(0, 255)
    else:
        kind, (cmap, norm) = f"scale{index}", section.scale.colours(scheme)
    drawn = []
    for k, ax in enumerate(axes):
        if k >= len(section.tiles):
            ax.set_visible(False)
            continue
        tile = section.tiles[k]
        if section.scale is not None and not np.any(tile.image) and not tile.note:
            raise ValueError(f"tile {tile.title!r} of {section.heading!r} is blank: give it a note saying why")
        _frame(ax, scheme)
        ax.set_gid(f"{kind}-panel{k}")
        values = tile.image if section.scale is None else blank_zeros(tile.image)  # a digit's 0 is its paper
        image = ax.imshow(values, cmap=cmap, norm=norm, interpolation="none")
        if tile.title:
            ax.set_title(tile.title, pad=2)
        if tile.note:
            ax.text(0.5, 0.5, tile.note, transform=ax.transAxes, ha="center", va="center", linespacing=1.15)
        drawn.append(ax)
    if section.scale is not None:
        colour_bar(subfig, image, drawn, section.scale, f"{kind}-colourbar", scheme)


def colour_bar(fig, image, axes, scale: Scale, gid: str, scheme: Scheme, ticks=None, labels=None) -> None:
    """Add a colour bar at the right of ``axes`` that names its ends (and 0) and what the colour means."""
    bar = fig.colorbar(image, ax=list(axes), location="right", shrink=0.9, aspect=15, pad=0.02)
    ticks = scale.ticks() if ticks is None else ticks
    bar.set_ticks(ticks, labels=labels or [_tick_text(t) for t in ticks])
    bar.set_label(scale.label)
    bar.outline.set_edgecolor(scheme.frame)
    bar.ax.tick_params(color=scheme.frame)
    bar.ax.set_gid(gid)


def sections_figure(
    sections: list[Section], columns: int, size: FigureSize, scheme: Scheme, side_by_side: bool = False
) -> plt.Figure:
    """Return a figure of sections stacked (or side by side), every tile the same size."""
    font_px = size.font_pt * PX_PER_PT
    has_bar = any(section.scale for section in sections)
    if side_by_side:
        column_counts = [min(columns, len(section.tiles)) for section in sections]
        total_columns = sum(column_counts)
    else:
        column_counts = [columns] * len(sections)
        total_columns = columns
    tile_px = (size.width_px - (5.5 * font_px if has_bar else 0)) / total_columns
    titles = max((p.title.count("\n") + 1 for section in sections for p in section.tiles if p.title), default=0)

    def height(section: Section, section_columns: int) -> float:
        rows = -(-len(section.tiles) // section_columns)
        heading = 1.8 * font_px if section.heading else 0
        return heading + rows * (tile_px + titles * 1.25 * font_px + 4)

    heights = [height(s, c) for s, c in zip(sections, column_counts, strict=True)]
    fig = new_figure(size, (max(heights) if side_by_side else sum(heights)) + 6)
    if side_by_side:
        subfigs = fig.subfigures(1, len(sections), width_ratios=column_counts, wspace=0.02, squeeze=False)
    else:
        subfigs = fig.subfigures(len(sections), 1, height_ratios=heights, hspace=0.02, squeeze=False)
    for index, (subfig, section, section_columns) in enumerate(zip(subfigs.flat, sections, column_counts, strict=True)):
        _draw_section(subfig, section, index, section_columns, size, scheme)
    return fig
