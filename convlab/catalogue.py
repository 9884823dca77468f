"""The site's named pictures: one table that the command line, the Makefile and the pages share.

``CATALOGUE`` holds every animation (its settings), grouped as the gallery shows them: the lesson's own,
then the set Dumoulin and Visin's "A guide to convolution arithmetic" made famous (convolution and its
transposed counterparts), then pooling. ``FIGURES`` names the files ``convlab figures`` draws from a
trained run (every rendition of each figure). ``python -m convlab.catalogue animations`` (or ``figures``)
prints the names or files for the Makefile; it needs nothing but Python.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from convlab.errors import UsageError
from convlab.records import AVG, MAX, SCATTER, TRANSPOSED, Record, Settings

LESSON_GROUP, CONVOLUTION, TRANSPOSED_GROUP, POOLING = "lesson", "convolution", "transposed", "pooling"
GROUPS = {
    LESSON_GROUP: "The lesson's animations",
    CONVOLUTION: "Convolution: padding, strides, dilation",
    TRANSPOSED_GROUP: "Transposed convolution",
    POOLING: "Pooling",
}


@dataclass(frozen=True)
class Animation:
    """A named animation: its settings and the gallery group it belongs to."""

    name: str
    settings: Settings
    group: str

    @property
    def geometry(self):
        """Return the checked geometry of this animation's settings."""
        return self.settings.geometry()

    def record(self) -> Record:
        """Return this animation's record, computed once."""
        return self.settings.record()


def counting(size: int, start: int = 0) -> tuple[list[list[float]], ...]:
    """Return one square channel holding start, start + 1, ... row by row."""
    return ([[float(start + r * size + c) for c in range(size)] for r in range(size)],)


# The kernel of Figure 1.1 in Dumoulin and Visin's guide, whose weights differ; ones for its 4×4 case.
GUIDE_KERNEL = ([[0.0, 1.0, 2.0], [2.0, 2.0, 0.0], [0.0, 1.0, 2.0]],)
ONES_4 = ([[1.0] * 4 for _ in range(4)],)
SOBEL_X = ([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],)  # finds vertical edges
STEP_EDGE = ([[0.0, 0.0, 0.0, 1.0, 1.0, 1.0] for _ in range(6)],)  # dark left half, bright right half
# Small whole numbers in no order, so each pooling window's maximum sits somewhere else.
DIGITS = (
    [
        [3.0, 1.0, 4.0, 1.0, 5.0, 9.0],
        [2.0, 6.0, 5.0, 3.0, 5.0, 8.0],
        [9.0, 7.0, 9.0, 3.0, 2.0, 3.0],
        [8.0, 4.0, 6.0, 2.0, 6.0, 4.0],
        [3.0, 3.0, 8.0, 3.0, 2.0, 7.0],
        [9.0, 5.0, 0.0, 2.0, 8.0, 8.0],
    ],
)
# The layers page works this example by hand: two input channels of 3×3, a kernel of two 2×2 grids, bias 1.
TWO_CHANNELS = (
    [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0], [1.0, 0.0, 1.0]],
    [[0.0, 1.0, 1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 0.0]],
)
TWO_KERNELS = ([[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]])
TWO_CHANNELS_BIAS = 1.0
# A 1×1 convolution mixes channels at each pixel: three input channels (0, 1, ... 26) into two output channels,
# the weight [2, 3, 1, 1] in its order: 1, 0.5, −1 for the first, 0, 1, 1 for the second.
ONE_BY_ONE = ([[1.0]], [[0.5]], [[-1.0]], [[0.0]], [[1.0]], [[1.0]])
# A depthwise convolution (groups = channels): each of two input channels has its own 2×2 kernel.
DEPTHWISE_KERNELS = ([[1.0, -1.0], [0.0, 2.0]], [[0.5, 0.5], [-1.0, 1.0]])


def _guide(name: str, size: int, kernel: int = 3, **settings) -> Animation:
    weights = GUIDE_KERNEL if kernel == 3 else ONES_4
    return Animation(name, Settings(size=size, kernel=kernel, weights=weights, **settings), CONVOLUTION)


def _transposed(name: str, size: int, kernel: int = 3, **settings) -> Animation:
    weights = GUIDE_KERNEL if kernel == 3 else ONES_4
    chosen = Settings(op=TRANSPOSED, size=size, kernel=kernel, weights=weights, input=counting(size, 1), **settings)
    return Animation(name, chosen, TRANSPOSED_GROUP)


CATALOGUE = (
    Animation("conv", Settings(), LESSON_GROUP),
    Animation("conv_stride_2", Settings(stride=2), LESSON_GROUP),
    Animation("conv_pad_1", Settings(padding=1), LESSON_GROUP),
    Animation("conv_dilation_2", Settings(dilation=2), LESSON_GROUP),
    Animation("conv_edge", Settings(input=STEP_EDGE, weights=SOBEL_X), LESSON_GROUP),
    Animation(
        "conv_two_channels",
        Settings(size=3, in_channels=2, input=TWO_CHANNELS, weights=TWO_KERNELS, bias=TWO_CHANNELS_BIAS),
        LESSON_GROUP,
    ),
    Animation("conv_1x1", Settings(size=3, kernel=1, in_channels=3, out_channels=2, weights=ONE_BY_ONE), LESSON_GROUP),
    Animation(
        "conv_depthwise",
        Settings(size=3, in_channels=2, out_channels=2, groups=2, weights=DEPTHWISE_KERNELS),
        LESSON_GROUP,
    ),
    _guide("conv_no_padding_no_strides", 4),
    _guide("conv_arbitrary_padding", 5, kernel=4, padding=2),
    _guide("conv_half_padding", 5, padding=1),
    _guide("conv_full_padding", 5, padding=2),
    _guide("conv_no_padding_strides", 5, stride=2),
    _guide("conv_padding_strides", 5, stride=2, padding=1),
    _guide("conv_padding_strides_odd", 6, stride=2, padding=1),
    _guide("conv_dilation", 7, dilation=2),
    _transposed("transposed_no_padding_no_strides", 2),
    _transposed("transposed_arbitrary_padding", 6, kernel=4, padding=2),
    _transposed("transposed_half_padding", 5, padding=1),
    _transposed("transposed_full_padding", 7, padding=2),
    _transposed("transposed_no_padding_strides", 2, stride=2),
    _transposed("transposed_no_padding_strides_scatter", 2, stride=2, view=SCATTER),
    _transposed("transposed_padding_strides", 3, stride=2, padding=1),
    _transposed("transposed_padding_strides_odd", 3, stride=2, padding=1, output_padding=1),
    Animation("maxpool_2x2", Settings(op=MAX, kernel=2, input=DIGITS), POOLING),
    Animation("avgpool_2x2", Settings(op=AVG, kernel=2, input=DIGITS), POOLING),
    Animation("maxpool_3x3_pad_1", Settings(op=MAX, kernel=3, stride=2, padding=1, input=DIGITS), POOLING),
    Animation("avgpool_3x3_pad_1", Settings(op=AVG, kernel=3, stride=2, padding=1, input=DIGITS), POOLING),
)

# The four animations of the lesson's first page, in its order: stride, padding and dilation on the running example.
LESSON = tuple(
    animation for animation in CATALOGUE if animation.name in ("conv", "conv_stride_2", "conv_pad_1", "conv_dilation_2")
)

# The figures of a trained run, by name (as pages write `{{ figure NAME }}`). Each is drawn in four renditions:
# wide (a laptop's text column) and narrow (a phone's), for the light and the dark scheme.
FIGURE_LAYOUTS = ("wide", "narrow")
FIGURE_SCHEMES = ("light", "dark")
FIGURE_NAMES = ("learning_curves", "filters", "feature_maps", "confusion_matrix", "mistakes", "conv_relu_demo")


def figure_file(name: str, layout: str, scheme: str) -> str:
    """Return the file name of one rendition of a figure, e.g. ``filters-narrow-dark.svg``."""
    return f"{name}-{layout}-{scheme}.svg"


FIGURES = {
    name: tuple(figure_file(name, layout, scheme) for layout in FIGURE_LAYOUTS for scheme in FIGURE_SCHEMES)
    for name in FIGURE_NAMES
}
FIGURE_INDEX = "figures.json"  # every figure's file, alt text and caption
EXPLORER_DATA = "explorer.json"  # the first layer's filters and one digit, for the explorer page


def find(name: str) -> Animation:
    """Return the animation called ``name``; UsageError lists the names if there is none."""
    for animation in CATALOGUE:
        if animation.name == name:
            return animation
    raise UsageError(f"no animation is called {name!r}: choose from {', '.join(a.name for a in CATALOGUE)}")


def in_group(group: str) -> list[Animation]:
    """Return the animations of one gallery group, in catalogue order."""
    return [animation for animation in CATALOGUE if animation.group == group]


def _listing(what: str) -> list[str]:
    if what == "animations":
        return [animation.name for animation in CATALOGUE]
    return [*(file for files in FIGURES.values() for file in files), FIGURE_INDEX, EXPLORER_DATA]


if __name__ == "__main__":
    print(" ".join(_listing(sys.argv[1] if len(sys.argv) > 1 else "animations")))
