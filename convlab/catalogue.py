"""The lesson's named pictures: one table that the command line, the Makefile and the pages share.

``LESSON`` holds the animations (their settings), ``FIGURES`` the files ``convlab figures`` draws from a
trained run (every rendition of each figure). ``python -m convlab.catalogue animations`` (or ``figures``)
prints their names or files for the Makefile; it needs nothing but Python.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from convlab.arithmetic import Convolution, Geometry, arange_grid, convolve, mean_kernel
from convlab.errors import UsageError


@dataclass(frozen=True)
class Animation:
    """A named animation: a square input holding 0, 1, 2, ... row by row, and the mean kernel."""

    name: str
    size: int = 6
    kernel: int = 3
    stride: int = 1
    padding: int = 0
    dilation: int = 1

    @property
    def geometry(self) -> Geometry:
        """Return the checked convolution settings of this animation."""
        return Geometry.of(self.size, self.kernel, self.stride, self.padding, self.dilation)

    def convolution(self) -> Convolution:
        """Return this animation's convolution, computed once."""
        geometry = self.geometry
        return convolve(arange_grid(geometry.size), mean_kernel(geometry.kernel), geometry)


LESSON = (
    Animation("conv"),
    Animation("conv_stride_2", stride=2),
    Animation("conv_pad_1", padding=1),
    Animation("conv_dilation_2", dilation=2),
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


def lesson_animation(name: str) -> Animation:
    """Return the lesson animation called ``name``; UsageError lists the names if there is none."""
    for animation in LESSON:
        if animation.name == name:
            return animation
    raise UsageError(f"no lesson animation is called {name!r}: choose from {', '.join(a.name for a in LESSON)}")


def _listing(what: str) -> list[str]:
    if what == "animations":
        return [animation.name for animation in LESSON]
    return [*(file for files in FIGURES.values() for file in files), FIGURE_INDEX, EXPLORER_DATA]


if __name__ == "__main__":
    print(" ".join(_listing(sys.argv[1] if len(sys.argv) > 1 else "animations")))
