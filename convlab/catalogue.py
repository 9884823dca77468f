"""The lesson's four animations: one table that the command line, the Makefile and the pages share.

Run ``python -m convlab.catalogue`` to print their names (the Makefile does); it needs no dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass

from convlab.arithmetic import Geometry


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


LESSON = (
    Animation("conv"),
    Animation("conv_stride_2", stride=2),
    Animation("conv_pad_1", padding=1),
    Animation("conv_dilation_2", dilation=2),
)


def lesson_animation(name: str) -> Animation:
    """Return the lesson animation called ``name``; ValueError lists the names if there is none."""
    for animation in LESSON:
        if animation.name == name:
            return animation
    raise ValueError(f"no lesson animation is called {name!r}: choose from {', '.join(a.name for a in LESSON)}")


if __name__ == "__main__":
    print(" ".join(animation.name for animation in LESSON))
