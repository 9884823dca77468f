"""Figures from a trained run: learning curves, filters, feature maps, confusion matrix, mistakes, demos.

Each figure is drawn in four renditions (``catalogue.FIGURES``): wide, for a laptop's text column, and
narrow, for a phone's, each for the light and for the dark scheme. A rendition is an SVG with a
transparent background, text and colours chosen for its scheme, and text that is at least 12 CSS px at
the width it is made for. Colour that stands for a value has a colour bar; a picture of a digit is a
picture and has none. A panel left blank says why. Files are written atomically with fixed metadata (the
same run gives the same bytes) and listed in ``figures.json`` with the size and smallest text of every
rendition, beside alt text and a caption built from the numbers the figure shows.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axis import Axis
from matplotlib.colors import ListedColormap, LogNorm, Normalize, to_rgb
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from torch import nn
from tqdm import tqdm

from convlab.arithmetic import Geometry
from convlab.catalogue import EXPLORER_DATA, FIGURE_INDEX, FIGURE_LAYOUTS, FIGURE_SCHEMES, figure_file
from convlab.data import check_mnist, load_split, split_indices
from convlab.files import staged_folder
from convlab.model import MnistConvNet, feature_sizes
from convlab.run import Metrics, RunFolder, TrainConfig
from convlab.train import mnist_batches

DEMO_SEED = 0
PX_PER_PT = 4 / 3  # an SVG drawn in points is this many CSS px wide per point at its natural size
NO_DATES = {"Date": None, "Creator": None}


@dataclass(frozen=True)
class Layout:
    """A rendition's width in CSS px, its smallest font size in points (9 pt is 12 CSS px), and its shape."""

    width_px: int
    font_pt: float
    wide: bool  # panels side by side for a laptop, or stacked for a phone


# Wide: a laptop's text column is 670 to 940 px, so 680 px never shrinks by more than 2%, and 10 pt
# (13.3 px) stays above 12 px. Narrow: shown at its natural width on a 390 px phone (a 358 px column).
LAYOUTS = {"wide": Layout(680, 10, wide=True), "narrow": Layout(340, 9, wide=False)}


@dataclass(frozen=True)
class Scheme:
    """The colours of one colour scheme: the page a figure sits on, its text, and the colours of values."""

    page: str  # the page background (Material's), which shows through the transparent figure
    text: str
    frame: str  # frames of panels and colour bars, grid lines
    ink: str  # sequential values: 0 is the page itself, the largest value this colour
    negative: str  # diverging values: orange below 0, purple above, 0 is the page
    positive: str
    count: str  # the confusion matrix
    train: str  # the learning curves (Okabe-Ito, safe for colour-blind readers)
    validation: str


SCHEMES = {
    "light": Scheme("#ffffff", "#222222", "#b4b4b4", "#111111", "#b35806", "#542788", "#0072b2", "#0072b2", "#d55e00"),
    # Material's slate: hsl(225, 15%, 14%) behind, hsl(225, 15%, 90%) text.
    "dark": Scheme("#1e2129", "#e2e4e9", "#5d6270", "#f4f4f4", "#f1a340", "#b9a6e8", "#56b4e9", "#56b4e9", "#e69f00"),
}


@dataclass(frozen=True)
class Rendition:
    """One written file of a figure: its layout and scheme, natural size in CSS px and smallest text in px."""

    file: str
    layout: str
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
    renditions: tuple[Rendition, ...]

    def to_json(self) -> dict:
        """Return the figure's entry in figures.json."""
        return {
            "alt": self.alt,
            "caption": self.caption,
            "renditions": [vars(rendition) for rendition in self.renditions],
        }


Draw = Callable[[Layout, Scheme], plt.Figure]


def _style(layout: Layout, scheme: Scheme) -> dict:
    size = layout.font_pt
    return {
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.transparent": True,
        "font.size": size,
        "axes.titlesize": size,
        "axes.labelsize": size,
        "xtick.labelsize": size,
        "ytick.labelsize": size,
        "legend.fontsize": size,
        "figure.titlesize": size + 1,
        "text.color": scheme.text,
        "axes.labelcolor": scheme.text,
        "axes.edgecolor": scheme.frame,
        "xtick.color": scheme.text,
        "ytick.color": scheme.text,
        "grid.color": scheme.frame,
        "legend.labelcolor": scheme.text,
        "svg.hashsalt": "convlab",  # fixed ids inside SVGs: the same figure gives the same bytes
        "svg.fonttype": "none",  # text stays text: smaller, selectable, crisp
    }


def _new_figure(layout: Layout, height_px: float) -> plt.Figure:
    """Return an empty figure exactly ``layout.width_px`` CSS px wide and ``height_px`` tall."""
    inches = 1 / (72 * PX_PER_PT)
    size = (layout.width_px * inches, round(height_px) * inches)
    return plt.figure(figsize=size, dpi=72, layout="constrained")  # 72 dpi: laid out as the SVG is drawn


def _drawn_texts(fig: plt.Figure) -> list[Text]:
    """Return the texts a draw of ``fig`` puts on the page (of all tick labels, only those of drawn ticks)."""
    tick_labels, drawn = set(), []
    for axis in fig.findobj(Axis):
        if not axis.axes.get_visible():
            continue
        for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
            tick_labels |= {tick.label1, tick.label2}
        drawn += [  # matplotlib's own list of the ticks a draw shows (those inside the view)
            label for tick in axis._update_ticks() for label in (tick.label1, tick.label2) if label.get_visible()
        ]
    drawn += [t for t in fig.findobj(Text) if t not in tick_labels and (t.axes is None or t.axes.get_visible())]
    return [text for text in drawn if text.get_visible() and text.get_text().strip()]


def check_text_fits(fig: plt.Figure, name: str) -> None:
    """Raise ValueError if a text of the laid-out figure leaves the canvas or overlaps another one."""
    renderer = fig.canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in _drawn_texts(fig)]
    canvas = fig.bbox.padded(1)
    for k, (text, box) in enumerate(boxes):
        if not (
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


def _write(out: Path, name: str, draw: Draw) -> tuple[Rendition, ...]:
    """Draw every rendition of one figure and write each as an SVG into ``out`` (make_figures' staging folder);
    return what was written."""
    renditions = []
    for layout_name in FIGURE_LAYOUTS:
        for scheme_name in FIGURE_SCHEMES:
            layout, scheme = LAYOUTS[layout_name], SCHEMES[scheme_name]
            with plt.rc_context(_style(layout, scheme)):
                fig = draw(layout, scheme)
                fig.draw_without_rendering()
                check_text_fits(fig, f"{name} ({layout_name}, {scheme_name})")
                buffer = io.StringIO()
                fig.savefig(buffer, format="svg", metadata=NO_DATES)
            height = round(fig.get_figheight() * 72 * PX_PER_PT)
            plt.close(fig)
            svg = _number_clip_paths(buffer.getvalue())
            file = figure_file(name, layout_name, scheme_name)
            (out / file).write_text(svg, encoding="utf-8")
            renditions.append(Rendition(file, layout_name, scheme_name, layout.width_px, height, smallest_text_px(svg)))
    return tuple(renditions)


# --- Colours that stand for values ---------------------------------------------------------------------


def _ramp(colour: str, floor: float = 0.0) -> ListedColormap:
    """Return a colour map from the page (transparent) to ``colour``; ``floor`` is the opacity of the lowest value."""
    rgb = to_rgb(colour)
    return ListedColormap([(*rgb, alpha) for alpha in np.linspace(floor, 1, 256)])


def _diverging(scheme: Scheme) -> ListedColormap:
    """Return a colour map that is the page at 0 and grows orange below 0 and purple above."""
    levels = np.linspace(-1, 1, 256)
    return ListedColormap([(*to_rgb(scheme.negative if v < 0 else scheme.positive), abs(v)) for v in levels])


@dataclass(frozen=True)
class Scale:
    """What a colour stands for: values from ``low`` to ``high``, diverging around 0 or sequential from 0."""

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
        cmap = _diverging(scheme) if self.diverging else _ramp(scheme.ink)
        return cmap, Normalize(self.low, self.high)

    def ticks(self) -> list[float]:
        """Return the values the colour bar names: both ends, and 0 between them when diverging."""
        return [self.low, 0.0, self.high] if self.diverging else [self.low, self.high]


def _tick_text(value: float) -> str:
    return "0" if value == 0 else f"{value:.2f}".replace("-", "−")


# --- Panels: grids of small images, in sections with a heading and a colour bar each ---------------------


@dataclass(frozen=True)
class Panel:
    """One small image with a title above it, and a note written over it when the image is blank."""

    image: np.ndarray
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    """Panels under one heading, drawn on one scale with its colour bar, or as pictures of digits (no scale)."""

    heading: str
    panels: tuple[Panel, ...]
    scale: Scale | None = None


def _frame(ax, scheme: Scheme) -> None:
    """Remove an axes' ticks and give it a thin frame, so a blank map still shows its size."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(scheme.frame)


def _draw_section(subfig, section: Section, index: int, columns: int, layout: Layout, scheme: Scheme) -> None:
    """Draw one section's panels in rows of ``columns``, then its colour bar at the right."""
    rows = -(-len(section.panels) // columns)
    axes = subfig.subplots(rows, columns, squeeze=False).flat
    if section.heading:
        subfig.suptitle(section.heading, x=0.0, ha="left", fontsize=layout.font_pt + 1)
    if section.scale is None:
        kind, cmap, norm = f"picture{index}", _ramp(scheme.ink), Normalize(0, 255)
    else:
        kind, (cmap, norm) = f"scale{index}", section.scale.colours(scheme)
    drawn = []
    for k, ax in enumerate(axes):
        if k >= len(section.panels):
            ax.set_visible(False)
            continue
        panel = section.panels[k]
        if section.scale is not None and not np.any(panel.image) and not panel.note:
            raise ValueError(f"panel {panel.title!r} of {section.heading!r} is blank: give it a note saying why")
        _frame(ax, scheme)
        ax.set_gid(f"{kind}-panel{k}")
        image = ax.imshow(panel.image, cmap=cmap, norm=norm, interpolation="none")
        if panel.title:
            ax.set_title(panel.title, pad=2)
        if panel.note:
            ax.text(0.5, 0.5, panel.note, transform=ax.transAxes, ha="center", va="center", linespacing=1.15)
        drawn.append(ax)
    if section.scale is not None:
        _colour_bar(subfig, image, drawn, section.scale, f"{kind}-colourbar", scheme)


def _colour_bar(fig, image, axes, scale: Scale, gid: str, scheme: Scheme, ticks=None, labels=None) -> None:
    """Add a colour bar at the right of ``axes`` that names its ends (and 0) and what the colour means."""
    bar = fig.colorbar(image, ax=list(axes), location="right", shrink=0.9, aspect=15, pad=0.02)
    ticks = scale.ticks() if ticks is None else ticks
    bar.set_ticks(ticks, labels=labels or [_tick_text(t) for t in ticks])
    bar.set_label(scale.label)
    bar.outline.set_edgecolor(scheme.frame)
    bar.ax.tick_params(color=scheme.frame)
    bar.ax.set_gid(gid)


def _sections_figure(
    sections: list[Section], columns: int, layout: Layout, scheme: Scheme, side_by_side: bool = False
) -> plt.Figure:
    """Return a figure of sections stacked (or side by side), every panel the same size."""
    font_px = layout.font_pt * PX_PER_PT
    has_bar = any(section.scale for section in sections)
    if side_by_side:
        column_counts = [min(columns, len(section.panels)) for section in sections]
        total_columns = sum(column_counts)
    else:
        column_counts = [columns] * len(sections)
        total_columns = columns
    panel_px = (layout.width_px - (5.5 * font_px if has_bar else 0)) / total_columns
    titles = max((p.title.count("\n") + 1 for section in sections for p in section.panels if p.title), default=0)

    def height(section: Section, section_columns: int) -> float:
        rows = -(-len(section.panels) // section_columns)
        heading = 1.8 * font_px if section.heading else 0
        return heading + rows * (panel_px + titles * 1.25 * font_px + 4)

    heights = [height(s, c) for s, c in zip(sections, column_counts, strict=True)]
    fig = _new_figure(layout, (max(heights) if side_by_side else sum(heights)) + 6)
    if side_by_side:
        subfigs = fig.subfigures(1, len(sections), width_ratios=column_counts, wspace=0.02, squeeze=False)
    else:
        subfigs = fig.subfigures(len(sections), 1, height_ratios=heights, hspace=0.02, squeeze=False)
    for index, (subfig, section, section_columns) in enumerate(zip(subfigs.flat, sections, column_counts, strict=True)):
        _draw_section(subfig, section, index, section_columns, layout, scheme)
    return fig


# --- The figures -----------------------------------------------------------------------------------------


def learning_curves(metrics: Metrics, out: Path) -> Figure:
    """Plot train and validation loss and accuracy per epoch."""
    epochs = [result.epoch for result in metrics.epochs]

    def draw(layout: Layout, scheme: Scheme) -> plt.Figure:
        fig = _new_figure(layout, 300 if layout.wide else 520)
        axes = fig.subplots(1, 2) if layout.wide else fig.subplots(2, 1)
        for ax, name in zip(axes, ("loss", "accuracy"), strict=True):
            for split, key, colour, marker in (
                ("train", "train", scheme.train, "o"),
                ("validation", "val", scheme.validation, "s"),
            ):
                values = [getattr(result, f"{key}_{name}") for result in metrics.epochs]
                ax.plot(epochs, values, marker=marker, color=colour, label=split, markevery=max(1, len(epochs) // 20))
            ax.set_xlabel("epoch")
            ax.set_title(name)
            # Whole epochs only, as many as fit (one per epoch would overlap from about 20 epochs on).
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6 if layout.wide else 5, integer=True, min_n_ticks=1))
            ax.grid(alpha=0.5)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2, frameon=False)
        return fig

    last = metrics.epochs[-1]
    return Figure(
        "learning_curves",
        f"Two line charts over {len(epochs)} epochs. Loss falls to {last.train_loss:.4f} (train) and "
        f"{last.val_loss:.4f} (validation); accuracy rises to {last.train_accuracy:.4f} (train) and "
        f"{last.val_accuracy:.4f} (validation).",
        "Learning curves, one point per epoch: training loss and accuracy (circles) averaged over the epoch's "
        "batches while the model learned; validation (squares) measured after the epoch, with its final weights.",
        _write(out, "learning_curves", draw),
    )


def first_layer_filters(model: MnistConvNet, out: Path) -> Figure:
    """Show the 32 learned 3x3 filters of the first conv layer, all on one colour scale."""
    weights = model.features[0].weight.detach()[:, 0].numpy()  # (32, 3, 3)
    scale = Scale.symmetric("weight", weights)
    section = Section("", tuple(Panel(w, str(k)) for k, w in enumerate(weights)), scale)

    def draw(layout: Layout, scheme: Scheme) -> plt.Figure:
        return _sections_figure([section], 8 if layout.wide else 6, layout, scheme)

    low, high = float(weights.min()), float(weights.max())
    return Figure(
        "filters",
        f"A grid of {len(weights)} small 3 by 3 squares, the learned weights of the first convolution layer, "
        f"from {low:.2f} to {high:.2f}: purple for positive and orange for negative weights, faint near 0.",
        f"The {len(weights)} filters the first Conv2d learned, numbered as in the explorer: each 3×3 kernel on one "
        f"colour scale, purple positive, orange negative (weights from {low:.2f} to {high:.2f}).",
        _write(out, "filters", draw),
    )


def relu_note(before: torch.Tensor) -> str:
    """Return the note for a map that ReLU left all 0 (every value before it was at most 0), else ""."""
    return f"all {before.numel()}\nvalues ≤ 0:\nReLU made\nthem 0" if bool((before <= 0).all()) else ""


@torch.no_grad()
def feature_maps(model: MnistConvNet, image: torch.Tensor, label: int, out: Path, per_layer: int = 8) -> Figure:
    """Show one test digit and the first channels after each conv + ReLU block, each block on its own scale."""
    x = image[None, None].float() / 255  # (1, 1, 28, 28)
    sections = [Section(f"input: a {label}, 28×28", (Panel(image.numpy()),))]
    largest = []
    for index in range(0, len(model.features), 2):
        before = model.features[index](x)
        x = model.features[index + 1](before)
        channels, side = x.shape[1], x.shape[2]
        maps = x[0, :per_layer]
        largest.append(float(maps.max()))
        panels = tuple(Panel(maps[c].numpy(), str(c), relu_note(before[0, c])) for c in range(per_layer))
        heading = f"block {index // 2 + 1}: channels 0–{per_layer - 1} of {channels}, {side}×{side}"
        sections.append(Section(heading, panels, Scale("value", 0.0, largest[-1] or 1.0)))

    def draw(layout: Layout, scheme: Scheme) -> plt.Figure:
        return _sections_figure(sections, 8 if layout.wide else 4, layout, scheme)

    return Figure(
        "feature_maps",
        f"A handwritten {label} and, for each of the three convolution blocks, {per_layer} of its feature maps "
        f"after ReLU, shrinking to {' then '.join(f'{n} by {n}' for n in feature_sizes())} cells; each block on "
        f"its own colour scale from 0 to its largest value ({', '.join(f'{v:.2f}' for v in largest)}).",
        f"One test digit ({label}) through the network: the first {per_layer} channels after each Conv2d + ReLU, "
        "each block on its own colour scale.",
        _write(out, "feature_maps", draw),
    )


def confusion(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return the 10x10 confusion matrix: rows are true digits, columns predicted digits."""
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def most_common_mistakes(matrix: np.ndarray) -> tuple[list[tuple[int, int]], int]:
    """Return the (true, predicted) pairs off the diagonal with the largest count (all, if tied) and that count."""
    off_diagonal = matrix - np.diag(np.diag(matrix))
    count = int(off_diagonal.max())
    return [(int(i), int(j)) for i, j in np.argwhere(off_diagonal == count)], count


def most_common_mistakes_text(matrix: np.ndarray) -> str:
    """Return a sentence naming the most common mistake, or every one tied for most common."""
    pairs, count = most_common_mistakes(matrix)
    if count == 0:
        return "The model made no mistake."
    named = [f"a {i} read as a {j}" for i, j in pairs]
    if len(named) == 1:
        return f"The most common mistake is {named[0]} ({count} times)."
    listed = ", ".join(named[:-1]) + f" and {named[-1]}"
    return f"The most common mistakes, tied at {count} times each, are {listed}."


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Return the WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _text_on(rgba: tuple[float, ...], scheme: Scheme) -> str:
    """Return the scheme's text or page colour, whichever reads better on ``rgba`` laid over the page."""
    page = np.array(to_rgb(scheme.page))
    shown = tuple(np.array(rgba[:3]) * rgba[3] + page * (1 - rgba[3]))
    return max((scheme.text, scheme.page), key=lambda colour: _contrast(to_rgb(colour), shown))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, out: Path) -> Figure:
    """Draw the confusion matrix of the test split, with counts in the cells and a log colour bar."""
    matrix = confusion(labels, predicted)
    decades = [10**k for k in range(len(str(int(matrix.max()))))]

    def draw(layout: Layout, scheme: Scheme) -> plt.Figure:
        fig = _new_figure(layout, 460 if layout.wide else 330)
        ax = fig.subplots()
        cmap, norm = _ramp(scheme.count, floor=0.12), LogNorm(1, max(int(matrix.max()), 2))
        image = ax.imshow(np.ma.masked_equal(matrix, 0), cmap=cmap, norm=norm, interpolation="none")
        for (i, j), count in np.ndenumerate(matrix):
            if count:
                colour = _text_on(cmap(norm(count)), scheme)
                ax.text(j, i, str(count), ha="center", va="center", color=colour)
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax.tick_params(length=0)
        ax.set_xlabel("predicted digit")
        ax.set_ylabel("true digit")
        ax.set_gid("scale0-panel0")
        scale = Scale("count (log scale; blank is 0)", 1, float(matrix.max()))
        _colour_bar(fig, image, [ax], scale, "scale0-colourbar", scheme, decades, [str(d) for d in decades])
        return fig

    wrong = int(matrix.sum() - np.trace(matrix))
    return Figure(
        "confusion_matrix",
        f"A 10 by 10 table of counts for the {int(matrix.sum())} test digits; {int(np.trace(matrix))} lie on the "
        f"diagonal (correct) and {wrong} off it. {most_common_mistakes_text(matrix)}",
        f"Confusion matrix on the test split: {wrong} of {int(matrix.sum())} digits misread. The colour of a cell "
        "grows with its count on a log scale, so a single mistake still shows.",
        _write(out, "confusion_matrix", draw),
    )


def mistakes(images: torch.Tensor, labels: np.ndarray, predicted: np.ndarray, out: Path, limit: int = 24) -> Figure:
    """Show up to ``limit`` misclassified test digits with their true and predicted labels."""
    wrong = np.flatnonzero(labels != predicted)[:limit]
    panels = tuple(Panel(images[k].numpy(), f"true {labels[k]}\nsaid {predicted[k]}") for k in wrong)

    def draw(layout: Layout, scheme: Scheme) -> plt.Figure:
        return _sections_figure([Section("", panels)], 8 if layout.wide else 6, layout, scheme)

    return Figure(
        "mistakes",
        f"{len(wrong)} handwritten digits the model got wrong, each labelled with the true digit and the model's "
        "answer.",
        f"The first {len(wrong)} test digits the model misread, with the true label and its answer.",
        _write(out, "mistakes", draw),
    )


@torch.no_grad()
def conv_relu_demo(image: torch.Tensor, label: int, out: Path) -> Figure:
    """Apply an untrained, seeded Conv2d(1, 3, 3, padding=1) to one digit, then ReLU, on one colour scale."""
    torch.manual_seed(DEMO_SEED)
    conv = nn.Conv2d(1, 3, kernel_size=3, padding=1)
    x = image[None, None].float() / 255
    y = conv(x)[0]  # (3, 28, 28): padding 1 keeps 28
    z = torch.relu(y)
    scale = Scale.symmetric("value", y.numpy())
    before = tuple(Panel(y[c].numpy(), f"channel {c}") for c in range(3))
    after = tuple(Panel(z[c].numpy(), f"ReLU(ch {c})", relu_note(y[c])) for c in range(3))
    sections = [
        Section(f"input: a {label}", (Panel(image.numpy()),)),
        Section("untrained Conv2d, then ReLU", before + after, scale),
    ]

    def draw(layout: Layout, scheme: Scheme) -> plt.Figure:
        return _sections_figure(sections, 3, layout, scheme, side_by_side=layout.wide)

    negative = float((y < 0).float().mean())
    dead = [c for c in range(3) if relu_note(y[c])]
    blank = "".join(f" Channel {c} is blank after ReLU: all {y[c].numel()} of its values were 0 or less." for c in dead)
    return Figure(
        "conv_relu_demo",
        f"A handwritten {label} passed through an untrained 3-channel convolution (one row of three maps) and then "
        f"ReLU (the row below it): {negative:.0%} of the convolution's outputs are negative and become 0.{blank}",
        f"An untrained Conv2d(1, 3, 3, padding=1) (seed {DEMO_SEED}) on the first digit of the first training "
        f"batch, before and after ReLU, on one colour scale: orange (negative) becomes 0.{blank}",
        _write(out, "conv_relu_demo", draw),
    )


@torch.no_grad()
def predict(model: MnistConvNet, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Return the predicted digit for each uint8 image (N, 28, 28)."""
    return torch.cat(
        [model(images[s : s + batch_size, None].float() / 255).argmax(1) for s in range(0, len(images), batch_size)]
    ).numpy()


def explorer_data(model: MnistConvNet, image: torch.Tensor, label: int) -> dict:
    """Return the first layer's filters, biases and settings, and one test digit, for the explorer page."""
    conv = model.features[0]
    geometry = Geometry.of(tuple(image.shape), conv.kernel_size, conv.stride, conv.padding, conv.dilation)
    return {
        "filters": conv.weight.detach()[:, 0].tolist(),  # (32, 3, 3)
        "bias": conv.bias.detach().tolist(),
        "kernel_size": list(geometry.kernel),
        "stride": list(geometry.stride),
        "padding": list(geometry.padding),
        "dilation": list(geometry.dilation),
        "output_size": list(geometry.output),
        "digit": image.tolist(),  # (28, 28) uint8 pixels
        "label": label,
    }


def first_training_digit(data_root: Path) -> tuple[torch.Tensor, int]:
    """Return the image (uint8, 28×28) and label that start the recipe's first shuffled training batch: the digit
    the layers page prints first, from its DataLoader of the same batch size and seed."""
    images, labels = load_split(data_root, train=True)
    recipe = TrainConfig()
    shuffle = torch.Generator().manual_seed(recipe.seed)
    # The positions stand in for the labels, so the first batch says which images it holds.
    _, positions = next(iter(mnist_batches(images, torch.arange(len(labels)), recipe.batch_size, True, shuffle)))
    first = int(positions[0])
    return images[first], int(labels[first])


def make_figures(run: Path, data_root: Path, out: Path) -> list[Figure]:
    """Write every figure of a trained run into ``out``, list them in figures.json, and write explorer.json."""
    folder = RunFolder(run)
    metrics = folder.metrics()
    model = folder.load_model()
    check_mnist(data_root)
    test_images, test_labels = load_split(data_root, train=False)
    _, test_index = split_indices(len(test_labels))
    images, labels = test_images[test_index], test_labels[test_index].numpy()
    predicted = predict(model, images)
    digit, digit_label = first_training_digit(data_root)
    # Drawn into a staging folder, moved into out only once every file is written: all of them, or none.
    with staged_folder(out) as stage:
        drawings = (
            lambda: learning_curves(metrics, stage),
            lambda: first_layer_filters(model, stage),
            lambda: feature_maps(model, images[0], int(labels[0]), stage),
            lambda: confusion_matrix(labels, predicted, stage),
            lambda: mistakes(images, labels, predicted, stage),
            lambda: conv_relu_demo(digit, digit_label, stage),
        )
        # A bar on a terminal only (tqdm's disable=None), gone when the figures are done.
        figures = [draw() for draw in tqdm(drawings, desc="figures", unit="figure", leave=False, disable=None)]
        (stage / EXPLORER_DATA).write_text(json.dumps(explorer_data(model, images[0], int(labels[0]))) + "\n", "utf-8")
        manifest = {figure.name: figure.to_json() for figure in figures}
        (stage / FIGURE_INDEX).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
    return figures
