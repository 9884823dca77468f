"""Figures from a trained run: learning curves, filters, feature maps, confusion matrix, mistakes, demos.

Each figure is drawn in every rendition (``figure_svg``) and listed in ``figures.json`` with the size and
smallest text of every rendition, beside alt text and a caption built from the numbers the figure shows.
The figures are written atomically, with the explorer's data file (``explorer_data``) beside them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from matplotlib.colors import LogNorm, to_rgb
from matplotlib.ticker import MaxNLocator
from torch import nn
from tqdm import tqdm

from convlab.catalogue import EXPLORER_DATA, FIGURE_INDEX
from convlab.data import check_mnist, load_split, split_indices
from convlab.describe import format_value
from convlab.explorer_data import explorer_data
from convlab.figure_grids import Scale, Section, Tile, blank_zeros, colour_bar, ramp, sections_figure
from convlab.figure_svg import Figure, FigureSize, Scheme, new_figure, write_renditions
from convlab.files import staged_folder
from convlab.first_batch import first_training_digit
from convlab.model import MnistConvNet, feature_sizes
from convlab.run import Metrics, RunFolder

if TYPE_CHECKING:  # pyplot is imported by figure_svg, after it chooses the Agg backend
    import matplotlib.pyplot as plt

DEMO_SEED = 0


def learning_curves(metrics: Metrics, out: Path) -> Figure:
    """Plot train and validation loss and accuracy per epoch."""
    epochs = [result.epoch for result in metrics.epochs]

    def draw(size: FigureSize, scheme: Scheme) -> plt.Figure:
        fig = new_figure(size, 300 if size.wide else 520)
        axes = fig.subplots(1, 2) if size.wide else fig.subplots(2, 1)
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
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6 if size.wide else 5, integer=True, min_n_ticks=1))
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
        write_renditions(out, "learning_curves", draw),
    )


def first_layer_filters(model: MnistConvNet, out: Path) -> Figure:
    """Show the 32 learned 3x3 filters of the first conv layer, all on one colour scale."""
    weights = model.features[0].weight.detach()[:, 0].numpy()  # (32, 3, 3)
    scale = Scale.symmetric("weight", weights)
    section = Section("", tuple(Tile(w, str(k)) for k, w in enumerate(weights)), scale)

    def draw(size: FigureSize, scheme: Scheme) -> plt.Figure:
        return sections_figure([section], 8 if size.wide else 6, size, scheme)

    low, high = (format_value(float(v)) for v in (weights.min(), weights.max()))
    return Figure(
        "filters",
        f"A grid of {len(weights)} small 3 by 3 squares, the learned weights of the first convolution layer, "
        f"from {low} to {high}: purple for positive and orange for negative weights, faint near 0.",
        f"The {len(weights)} filters the first Conv2d learned, numbered as in the explorer: each 3×3 kernel on one "
        f"colour scale, purple positive, orange negative (weights from {low} to {high}).",
        write_renditions(out, "filters", draw),
    )


def relu_note(before: torch.Tensor) -> str:
    """Return the note for a map that ReLU left all 0 (every value before it was at most 0), else ""."""
    return f"all {before.numel()}\nvalues ≤ 0:\nReLU made\nthem 0" if bool((before <= 0).all()) else ""


@torch.no_grad()
def feature_maps(model: MnistConvNet, image: torch.Tensor, label: int, out: Path, per_layer: int = 8) -> Figure:
    """Show one test digit and the first channels after each conv + ReLU block, each block on its own scale."""
    x = image[None, None].float() / 255  # (1, 1, 28, 28)
    sections = [Section(f"input: a {label}, 28×28", (Tile(image.numpy()),))]
    largest = []
    for index in range(0, len(model.features), 2):
        before = model.features[index](x)
        x = model.features[index + 1](before)
        channels, side = x.shape[1], x.shape[2]
        maps = x[0, :per_layer]
        largest.append(float(maps.max()))
        tiles = tuple(Tile(maps[c].numpy(), str(c), relu_note(before[0, c])) for c in range(per_layer))
        heading = f"block {index // 2 + 1}: channels 0–{per_layer - 1} of {channels}, {side}×{side}"
        sections.append(Section(heading, tiles, Scale("value", 0.0, largest[-1] or 1.0)))

    def draw(size: FigureSize, scheme: Scheme) -> plt.Figure:
        return sections_figure(sections, 8 if size.wide else 4, size, scheme)

    return Figure(
        "feature_maps",
        f"A handwritten {label} and, for each of the three convolution blocks, {per_layer} of its feature maps "
        f"after ReLU, shrinking to {' then '.join(f'{n} by {n}' for n in feature_sizes())} cells; each block on "
        f"its own colour scale from 0 to its largest value ({', '.join(f'{v:.2f}' for v in largest)}).",
        f"One test digit ({label}) through the network: the first {per_layer} channels after each Conv2d + ReLU, "
        "each block on its own colour scale.",
        write_renditions(out, "feature_maps", draw),
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

    def draw(size: FigureSize, scheme: Scheme) -> plt.Figure:
        fig = new_figure(size, 460 if size.wide else 330)
        ax = fig.subplots()
        cmap, norm = ramp(scheme.count, scheme.floor), LogNorm(1, max(int(matrix.max()), 2))
        image = ax.imshow(blank_zeros(matrix), cmap=cmap, norm=norm, interpolation="none")
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
        colour_bar(fig, image, [ax], scale, "scale0-colourbar", scheme, decades, [str(d) for d in decades])
        return fig

    wrong = int(matrix.sum() - np.trace(matrix))
    return Figure(
        "confusion_matrix",
        f"A 10 by 10 table of counts for the {int(matrix.sum())} test digits; {int(np.trace(matrix))} lie on the "
        f"diagonal (correct) and {wrong} off it. {most_common_mistakes_text(matrix)}",
        f"Confusion matrix on the test split: {wrong} of {int(matrix.sum())} digits misread. The colour of a cell "
        "grows with its count on a log scale, so a single mistake still shows.",
        write_renditions(out, "confusion_matrix", draw),
    )


def mistakes(images: torch.Tensor, labels: np.ndarray, predicted: np.ndarray, out: Path, limit: int = 24) -> Figure:
    """Show up to ``limit`` misclassified test digits with their true and predicted labels."""
    wrong = np.flatnonzero(labels != predicted)[:limit]
    tiles = tuple(Tile(images[k].numpy(), f"true {labels[k]}\nsaid {predicted[k]}") for k in wrong)

    def draw(size: FigureSize, scheme: Scheme) -> plt.Figure:
        return sections_figure([Section("", tiles)], 8 if size.wide else 6, size, scheme)

    return Figure(
        "mistakes",
        f"{len(wrong)} handwritten digits the model got wrong, each labelled with the true digit and the model's "
        "answer.",
        f"The first {len(wrong)} test digits the model misread, with the true label and its answer.",
        write_renditions(out, "mistakes", draw),
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
    before = tuple(Tile(y[c].numpy(), f"channel {c}") for c in range(3))
    after = tuple(Tile(z[c].numpy(), f"ReLU(ch {c})", relu_note(y[c])) for c in range(3))
    sections = [
        Section(f"input: a {label}", (Tile(image.numpy()),)),
        Section("untrained Conv2d, then ReLU", before + after, scale),
    ]

    def draw(size: FigureSize, scheme: Scheme) -> plt.Figure:
        return sections_figure(sections, 3, size, scheme, side_by_side=size.wide)

    negative = float((y < 0).float().mean())
    dead = [c for c in range(3) if relu_note(y[c])]
    blank = "".join(f" Channel {c} is blank after ReLU: all {y[c].numel()} of its values were 0 or less." for c in dead)
    return Figure(
        "conv_relu_demo",
        f"A handwritten {label} passed through an untrained 3-channel convolution (one row of three maps) and then "
        f"ReLU (the row below it): {negative:.0%} of the convolution's outputs are negative and become 0.{blank}",
        f"An untrained Conv2d(1, 3, 3, padding=1) (seed {DEMO_SEED}) on the first digit of the first training "
        f"batch, before and after ReLU, on one colour scale: orange (negative) becomes 0.{blank}",
        write_renditions(out, "conv_relu_demo", draw),
    )


@torch.no_grad()
def predict(model: MnistConvNet, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Return the predicted digit for each uint8 image (N, 28, 28)."""
    return torch.cat(
        [model(images[s : s + batch_size, None].float() / 255).argmax(1) for s in range(0, len(images), batch_size)]
    ).numpy()


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
