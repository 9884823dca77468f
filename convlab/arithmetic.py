"""Convolution arithmetic in plain Python: output sizes, the cells each output reads, the values.

Nothing here imports torch; the tests check every function against ``torch.nn.functional.conv2d``.
Like ``nn.Conv2d``, "convolution" here is cross-correlation: the kernel is not flipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Pair = tuple[int, int]
Grid = list[list[float]]

_AXES = ("tall", "wide")
_FIELDS = ("size", "kernel", "stride", "padding", "dilation")


def as_pair(value: int | tuple[int, int], name: str) -> Pair:
    """Return ``value`` as a (height, width) pair; a single whole number stands for both."""
    items = value if isinstance(value, tuple | list) else (value, value)
    if len(items) != 2:
        raise ValueError(f"{name} takes one number or a (height, width) pair, got {value!r}")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValueError(f"{name} must be a whole number, got {item!r}")
    return (items[0], items[1])


def span(kernel: int, dilation: int) -> int:
    """Return how many input cells a kernel covers along one axis once its taps are spread apart."""
    return dilation * (kernel - 1) + 1


def _check_axis(size: int, kernel: int, stride: int, padding: int, dilation: int, axis: int) -> None:
    """Raise ValueError, saying what to change, if torch would refuse these settings on one axis."""
    at_least_one = (
        ("input size", size, "the input needs at least one cell"),
        ("kernel size", kernel, "the kernel needs at least one cell"),
        ("stride", stride, "use 1 to move one cell per step"),
        ("dilation", dilation, "use 1 for a kernel whose taps touch"),
    )
    for name, value, advice in at_least_one:
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}: {advice}")
    if padding < 0:
        raise ValueError(f"padding must be 0 or more, got {padding}: use 0 for no padding")
    extent = _AXES[axis]
    padded = size + 2 * padding
    covered = span(kernel, dilation)
    if covered > padded:
        fix = "lower the dilation or add padding" if dilation > 1 else "use a smaller kernel or add padding"
        raise ValueError(
            f"a {kernel}-{extent} kernel at dilation {dilation} spans {covered} cells "
            f"but the padded input is only {padded} {extent}: {fix}"
        )


def _axis_output(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Return PyTorch's output length along one axis: floor((n + 2p - d(k-1) - 1) / s) + 1."""
    return (size + 2 * padding - span(kernel, dilation)) // stride + 1


@dataclass(frozen=True)
class Geometry:
    """The shape side of a 2-D convolution: input size, kernel size, stride, padding and dilation."""

    size: Pair
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)

    @classmethod
    def of(cls, size, kernel, stride=1, padding=0, dilation=1) -> Geometry:
        """Return checked settings; each argument is a whole number or a (height, width) pair."""
        return cls(
            as_pair(size, "input size"),
            as_pair(kernel, "kernel size"),
            as_pair(stride, "stride"),
            as_pair(padding, "padding"),
            as_pair(dilation, "dilation"),
        )

    def __post_init__(self) -> None:
        for axis in (1, 0):  # width first, so square settings are explained in terms of width
            _check_axis(*self.axis_settings(axis), axis=axis)

    def axis_settings(self, axis: int) -> tuple[int, int, int, int, int]:
        """Return (size, kernel, stride, padding, dilation) along one axis (0 = height, 1 = width)."""
        return tuple(getattr(self, name)[axis] for name in _FIELDS)

    @property
    def padded(self) -> Pair:
        """Return the size of the input once padding surrounds it."""
        return (self.size[0] + 2 * self.padding[0], self.size[1] + 2 * self.padding[1])

    @property
    def span(self) -> Pair:
        """Return the height and width the dilated kernel covers."""
        return (span(self.kernel[0], self.dilation[0]), span(self.kernel[1], self.dilation[1]))

    @property
    def output(self) -> Pair:
        """Return the output size, exactly as ``nn.Conv2d`` computes it."""
        return (_axis_output(*self.axis_settings(0)), _axis_output(*self.axis_settings(1)))

    def taps(self, i: int, j: int) -> list[Pair]:
        """Return the padded-input cells that output cell (i, j) reads, row by row."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return [(i * sh + a * dh, j * sw + b * dw) for a in range(self.kernel[0]) for b in range(self.kernel[1])]

    def steps(self) -> list[tuple[Pair, list[Pair]]]:
        """Return each output cell in row-major order with the padded-input cells it reads."""
        rows, cols = self.output
        return [((i, j), self.taps(i, j)) for i in range(rows) for j in range(cols)]


def output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Return the output length ``nn.Conv2d`` gives; a pair for pair arguments, else one int.

    >>> output_size(7, 3, stride=3)
    3
    """
    geometry = Geometry.of(size, kernel, stride, padding, dilation)
    if any(isinstance(arg, tuple | list) for arg in (size, kernel, stride, padding, dilation)):
        return geometry.output
    return geometry.output[0]


def pad(grid: Grid, padding: Pair) -> Grid:
    """Return ``grid`` surrounded by ``padding`` rows and columns of zeros."""
    ph, pw = padding
    width = len(grid[0]) + 2 * pw
    blank = [[0.0] * width for _ in range(ph)]
    body = [[0.0] * pw + [float(v) for v in row] + [0.0] * pw for row in grid]
    return [list(row) for row in blank] + body + [list(row) for row in blank]


def tap_value(padded: Grid, weights: Grid, taps: list[Pair]) -> float:
    """Return the weighted sum of the tapped cells, summed without rounding error building up."""
    flat_weights = [w for row in weights for w in row]
    return math.fsum(w * padded[r][c] for w, (r, c) in zip(flat_weights, taps, strict=True))


def correlate(grid: Grid, weights: Grid, geometry: Geometry) -> Grid:
    """Return the output of sliding ``weights`` over ``grid`` (cross-correlation, as nn.Conv2d)."""
    padded = pad(grid, geometry.padding)
    rows, cols = geometry.output
    values = [tap_value(padded, weights, taps) for _, taps in geometry.steps()]
    return [values[i * cols : (i + 1) * cols] for i in range(rows)]
