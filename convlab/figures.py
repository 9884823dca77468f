"""Figures from a trained run: learning curves, filters, feature maps, confusion matrix, mistakes, demos.

Every figure sits on a white card (it reads on light and dark pages alike), is written atomically with
fixed metadata (the same run gives the same bytes), and is listed in ``figures.json`` with its alt
text and caption, both built from the numbers the figure shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from convlab.arithmetic import Geometry
from convlab.catalogue import EXPLORER_DATA, FIGURE_INDEX, FIGURES
from convlab.data import check_mnist, load_split, split_indices
from convlab.files import atomic_paths, make_dir, write_text_atomic
from convlab.model import MnistConvNet, feature_sizes
from convlab.run import Metrics, RunFolder

DEMO_SEED = 0
# Okabe-Ito: safe for colour-blind readers.
TRAIN_COLOUR, VALIDATION_COLOUR = "#0072B2", "#D55E00"
STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 11,
    "svg.hashsalt": "convlab",  # fixed ids inside SVGs: the same figure gives the same bytes
    "svg.fonttype": "none",  # text stays text: smaller, selectable, crisp
}
NO_DATES = {".svg": {"Date": None, "Creator": None}, ".png": {"Software": None}}


@dataclass(frozen=True)
class Figure:
    """One written figure: its name, file name, alt text for screen readers, and a caption."""

    name: str
    alt: str
    caption: str

    @property
    def file(self) -> str:
        """Return the figure's file name, from the catalogue."""
        return FIGURES[self.name]


def _save(fig, out: Path, name: str) -> None:
    path = out / FIGURES[name]
    with atomic_paths(path) as (temp,):
        fig.savefig(temp, format=path.suffix[1:], dpi=120, metadata=NO_DATES[path.suffix], bbox_inches="tight")
    plt.close(fig)


def learning_curves(metrics: Metrics, out: Path) -> Figure:
    """Plot train and validation loss and accuracy per epoch (SVG)."""
    epochs = [result.epoch for result in metrics.epochs]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, name in zip(axes, ("loss", "accuracy"), strict=True):
        for split, key, colour, marker in (
            ("train", "train", TRAIN_COLOUR, "o"),
            ("validation", "val", VALIDATION_COLOUR, "s"),
        ):
            values = [getattr(result, f"{key}_{name}") for result in metrics.epochs]
            ax.plot(epochs, values, marker=marker, color=colour, label=split)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    last = metrics.epochs[-1]
    _save(fig, out, "learning_curves")
    return Figure(
        "learning_curves",
        f"Two line charts over {len(epochs)} epochs. Loss falls to {last.train_loss:.4f} (train) and "
        f"{last.val_loss:.4f} (validation); accuracy rises to {last.train_accuracy:.4f} (train) and "
        f"{last.val_accuracy:.4f} (validation).",
        "Learning curves: training (circles) and validation (squares) loss and accuracy after each epoch.",
    )


def _image_grid(images, titles, columns: int, cmap: str, out: Path, name: str, symmetric=False, size: float = 1.1):
    """Draw images in a grid with a title under each; a diverging colour map centred on 0 if symmetric."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * size * 1.15), squeeze=False)
    for ax in axes.flat[len(images) :]:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        if image is None:  # a gap that keeps the next row aligned
            ax.axis("off")
            continue
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("#bbbbbb")  # a frame, so a map of zeros still shows its size
        limit = float(np.abs(image).max()) or 1.0
        kwargs = {"vmin": -limit, "vmax": limit} if symmetric else {}
        ax.imshow(image, cmap=cmap, interpolation="nearest", **kwargs)
        ax.set_title(title, fontsize=8, pad=2)
    fig.tight_layout()
    _save(fig, out, name)


def first_layer_filters(model: MnistConvNet, out: Path) -> Figure:
    """Show the 32 learned 3x3 filters of the first conv layer (PNG)."""
    weights = model.features[0].weight.detach()[:, 0].numpy()  # (32, 3, 3)
    titles = [f"filter {k}" for k in range(len(weights))]
    _image_grid(list(weights), titles, 8, "PuOr", out, "filters", symmetric=True)
    return Figure(
        "filters",
        f"A grid of {len(weights)} small 3 by 3 squares, the learned weights of the first convolution layer, "
        "purple for positive and orange for negative weights.",
        f"The {len(weights)} filters the first Conv2d learned: each 3×3 kernel, purple positive, orange negative.",
    )


@torch.no_grad()
def feature_maps(model: MnistConvNet, image: torch.Tensor, label: int, out: Path, per_layer: int = 8) -> Figure:
    """Show one test digit and the first channels after each conv + ReLU block (PNG)."""
    x = image[None, None].float() / 255  # (1, 1, 28, 28)
    stages, titles = [image.numpy()], [f"input, digit {label}"]
    for index in range(0, len(model.features), 2):
        x = model.features[index + 1](model.features[index](x))
        channels, side = x.shape[1], x.shape[2]
        if index:
            stages.append(None)  # one row per block: the input only heads the first
            titles.append("")
        for c in range(per_layer):
            stages.append(x[0, c].numpy())
            titles.append(f"conv{index // 2 + 1} ch {c}")
        titles[-per_layer] += f"\nof {channels}×{side}×{side}"
    _image_grid(stages, titles, per_layer + 1, "gray_r", out, "feature_maps", size=1.25)
    return Figure(
        "feature_maps",
        f"A handwritten {label} and, for each of the three convolution blocks, {per_layer} of its feature maps "
        f"after ReLU, shrinking to {' then '.join(f'{n} by {n}' for n in feature_sizes())} cells.",
        f"One test digit ({label}) through the network: the first {per_layer} channels after each Conv2d + ReLU.",
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


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, out: Path) -> Figure:
    """Draw the confusion matrix of the test split, with counts in the cells (PNG)."""
    matrix = confusion(labels, predicted)
    fig, ax = plt.subplots(figsize=(5.6, 5))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if count > matrix.max() / 4 else "black",
            )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    _save(fig, out, "confusion_matrix")
    wrong = int(matrix.sum() - np.trace(matrix))
    return Figure(
        "confusion_matrix",
        f"A 10 by 10 table of counts for the {int(matrix.sum())} test digits; {int(np.trace(matrix))} lie on the "
        f"diagonal (correct) and {wrong} off it. {most_common_mistakes_text(matrix)}",
        f"Confusion matrix on the test split: {wrong} of {int(matrix.sum())} digits misread.",
    )


def mistakes(images: torch.Tensor, labels: np.ndarray, predicted: np.ndarray, out: Path, limit: int = 24) -> Figure:
    """Show up to ``limit`` misclassified test digits with their true and predicted labels (PNG)."""
    wrong = np.flatnonzero(labels != predicted)[:limit]
    titles = [f"true {labels[k]}, said {predicted[k]}" for k in wrong]
    _image_grid([images[k].numpy() for k in wrong], titles, 8, "gray_r", out, "mistakes", size=1.3)
    return Figure(
        "mistakes",
        f"{len(wrong)} handwritten digits the model got wrong, each labelled with the true digit and the model's "
        "answer.",
        f"The first {len(wrong)} test digits the model misread, with the true label and its answer.",
    )


@torch.no_grad()
def conv_relu_demo(image: torch.Tensor, label: int, out: Path) -> Figure:
    """Apply an untrained, seeded Conv2d(1, 3, 3, padding=1) to one digit, then ReLU (PNG)."""
    torch.manual_seed(DEMO_SEED)
    conv = nn.Conv2d(1, 3, kernel_size=3, padding=1)
    x = image[None, None].float() / 255
    y = conv(x)[0]  # (3, 28, 28): padding 1 keeps 28
    z = torch.relu(y)
    images = [image.numpy(), *y.numpy(), image.numpy(), *z.numpy()]
    titles = [
        f"digit {label}",
        *[f"conv ch {c}" for c in range(3)],
        f"digit {label}",
        *[f"ReLU(conv ch {c})" for c in range(3)],
    ]
    _image_grid(images, titles, 4, "PuOr", out, "conv_relu_demo", symmetric=True, size=1.8)
    negative = float((y < 0).float().mean())
    return Figure(
        "conv_relu_demo",
        f"A handwritten {label} passed through an untrained 3-channel convolution (top row) and then ReLU (bottom "
        f"row): {negative:.0%} of the convolution's outputs are negative and become 0.",
        f"An untrained Conv2d(1, 3, 3, padding=1) (seed {DEMO_SEED}) on one digit, before and after ReLU: "
        "orange (negative) becomes 0.",
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
    make_dir(out)
    with plt.rc_context(STYLE):
        figures = [
            learning_curves(metrics, out),
            first_layer_filters(model, out),
            feature_maps(model, images[0], int(labels[0]), out),
            confusion_matrix(labels, predicted, out),
            mistakes(images, labels, predicted, out),
            conv_relu_demo(images[0], int(labels[0]), out),
        ]
    write_text_atomic(out / EXPLORER_DATA, json.dumps(explorer_data(model, images[0], int(labels[0]))) + "\n")
    manifest = {figure.name: {"file": figure.file, "alt": figure.alt, "caption": figure.caption} for figure in figures}
    write_text_atomic(out / FIGURE_INDEX, json.dumps(manifest, indent=1) + "\n")
    return figures
