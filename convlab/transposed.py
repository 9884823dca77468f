"""Transposed convolution in plain Python: output sizes, both ways of seeing it, and the values.

``nn.ConvTranspose2d`` runs a convolution backwards: each input cell **scatters** its value times the
whole kernel into the output, and where two scattered kernels overlap their contributions add up. The
same numbers come from a **direct** convolution: insert ``stride - 1`` zeros between the input's cells,
pad with ``dilation × (kernel - 1) - padding`` zeros (plus ``output_padding`` on the bottom and right),
and slide the flipped kernel over it with stride 1. ``conv_transpose`` computes both views once into one
``TransposedConvolution`` record. Nothing here imports torch; the tests compare it with
``torch.nn.functional.conv_transpose2d``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convlab.arithmetic import (
    AXES,
    Geometry,
    Grid,
    Pair,
    SlidingRecord,
    Step,
    as_pair,
    check_settings,
    check_shape,
    flat,
    floats,
    geometry_json,
    like_arguments,
    steps_from_json,
    steps_to_json,
    weighted_sum,
)
from convlab.errors import UsageError

INPUT, INSERTED, PADDING = "input", "inserted", "padding"  # what a cell of the direct view's grid holds
_FIELDS = ("size", "kernel", "stride", "padding", "output_padding", "dilation")


def _axis_output(size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int) -> int:
    """Return ``nn.ConvTranspose2d``'s output length: (n - 1)s - 2p + d(k - 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


@dataclass(frozen=True)
class TransposedGeometry:
    """The shape side of a transposed convolution: the settings of ``nn.ConvTranspose2d``."""

    size: Pair
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    output_padding: Pair = (0, 0)
    dilation: Pair = (1, 1)

    @classmethod
    def of(cls, size, kernel, stride=1, padding=0, output_padding=0, dilation=1) -> TransposedGeometry:
        """Return checked settings; each argument is a whole number or a (height, width) pair."""
        names = ("input size", "kernel size", "stride", "padding", "output padding", "dilation")
        values = (size, kernel, stride, padding, output_padding, dilation)
        return cls(*(as_pair(value, name) for value, name in zip(values, names, strict=True)))

    def __post_init__(self) -> None:
        for axis in (1, 0):
            self._check_axis(axis)

    def axis_settings(self, axis: int) -> tuple[int, ...]:
        """Return (size, kernel, stride, padding, output_padding, dilation) along one axis."""
        return tuple(getattr(self, name)[axis] for name in _FIELDS)

    def _check_axis(self, axis: int) -> None:
        n, k, s, p, op, d = self.axis_settings(axis)
        check_settings(
            {"input size": n, "kernel size": k, "stride": s, "dilation": d},
            {"padding": p, "output padding": op},
        )
        if op >= s and op >= d:
            raise UsageError(
                f"output padding {op} must be smaller than the stride ({s}) or the dilation ({d}): "
                f"use an output padding below {max(s, d)}"
            )
        out = _axis_output(n, k, s, p, op, d)
        if out < 1:
            raise UsageError(f"the output would be {out} {AXES[axis]} ({self._formula(axis, out)}): lower the padding")

    @property
    def output(self) -> Pair:
        """Return the output size, exactly as ``nn.ConvTranspose2d`` computes it."""
        return (_axis_output(*self.axis_settings(0)), _axis_output(*self.axis_settings(1)))

    @property
    def edge(self) -> Pair:
        """Return the zeros the direct view pads before the first input cell, d(k - 1) - p per axis
        (negative: that many rows or columns of the zero-inserted input are cut off instead)."""
        return tuple(self.dilation[a] * (self.kernel[a] - 1) - self.padding[a] for a in (0, 1))

    @property
    def stretched(self) -> Pair:
        """Return the size of the direct view's grid: the zero-inserted input with its padding."""
        return tuple(
            (self.size[a] - 1) * self.stride[a] + 1 + 2 * self.edge[a] + self.output_padding[a] for a in (0, 1)
        )

    @property
    def direct(self) -> Geometry:
        """Return the direct view's convolution: the flipped kernel over the stretched grid, stride 1."""
        return Geometry.of(self.stretched, self.kernel, 1, 0, self.dilation)

    def source(self, r: int, c: int) -> tuple[str, Pair | None]:
        """Return what cell (r, c) of the stretched grid holds: (INPUT, input cell), (INSERTED, None) for a
        zero between input cells, or (PADDING, None) for a zero around them."""
        kinds, cell = [], []
        for a, t in enumerate((r - self.edge[0], c - self.edge[1])):
            last = (self.size[a] - 1) * self.stride[a]
            if not 0 <= t <= last:
                return PADDING, None
            kinds.append(t % self.stride[a] == 0)
            cell.append(t // self.stride[a])
        return (INPUT, (cell[0], cell[1])) if all(kinds) else (INSERTED, None)

    def targets(self, x: int, y: int) -> tuple[Pair | None, ...]:
        """Return the output cells input cell (x, y) writes into, one per kernel tap row by row; None where
        the padding cuts that contribution off."""
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        rows, cols = self.output
        found = []
        for a in range(self.kernel[0]):
            for b in range(self.kernel[1]):
                i, j = x * sh - ph + a * dh, y * sw - pw + b * dw
                found.append((i, j) if 0 <= i < rows and 0 <= j < cols else None)
        return tuple(found)

    def formula(self, axis: int) -> str:
        """Return the output-size formula along one axis with the numbers filled in."""
        return self._formula(axis, self.output[axis])

    def _formula(self, axis: int, out: int) -> str:
        n, k, s, p, op, d = self.axis_settings(axis)
        return f"({n} − 1)×{s} − 2×{p} + {d}×({k} − 1) + {op} + 1 = {out}"


def transposed_output_size(size, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """Return the output length ``nn.ConvTranspose2d`` gives; a pair for pair arguments, else one int.

    >>> transposed_output_size(2, 3, stride=2)
    5
    >>> transposed_output_size((3, 4), 3, stride=2, padding=1, output_padding=1)
    (6, 8)
    """
    geometry = TransposedGeometry.of(size, kernel, stride, padding, output_padding, dilation)
    return like_arguments(geometry.output, size, kernel, stride, padding, output_padding, dilation)


@dataclass(frozen=True)
class Scatter:
    """One input cell's turn in the scatter view: the output cell each kernel tap writes to (None where cut
    off), and each such output cell's running total once this contribution is added."""

    src: Pair
    targets: tuple[Pair | None, ...]
    totals: tuple[float | None, ...]


@dataclass(frozen=True)
class TransposedConvolution(SlidingRecord):
    """A transposed convolution computed once, in both views: the input, the kernel, the direct view's
    stretched grid and steps (one per output cell, reading with the flipped kernel), and the scatter
    view's turns (one per input cell). Both give the same output."""

    geometry: TransposedGeometry
    input: Grid
    kernel: Grid
    stretched: Grid
    steps: tuple[Step, ...]
    scatters: tuple[Scatter, ...]

    op = "transposed"

    @property
    def flipped(self) -> Grid:
        """Return the kernel turned by 180 degrees: what the direct view slides."""
        return [list(reversed(row)) for row in reversed(self.kernel)]

    @property
    def overlaps(self) -> list[list[int]]:
        """Return, per output cell, how many kernel taps of how many input cells write into it (the cells
        that sum several contributions: where checkerboard patterns come from)."""
        rows, cols = self.geometry.output
        counts = [[0] * cols for _ in range(rows)]
        for scatter in self.scatters:
            for target in scatter.targets:
                if target is not None:
                    counts[target[0]][target[1]] += 1
        return counts

    def to_json(self) -> dict:
        """Return the record as JSON-ready data: settings, both views, the output and the formula."""
        g = self.geometry
        return {
            "op": self.op,
            **geometry_json(g, _FIELDS),
            "input": self.input,
            "kernel": self.kernel,
            "flipped": self.flipped,
            "stretched": self.stretched,
            "output": self.output,
            "output_size": list(g.output),
            "overlaps": self.overlaps,
            "formula": list(self.formula),
            "steps": steps_to_json(self.steps),
            "scatters": [
                {
                    "src": list(s.src),
                    "targets": [None if t is None else list(t) for t in s.targets],
                    "totals": list(s.totals),
                }
                for s in self.scatters
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> TransposedConvolution:
        """Return the record that ``to_json`` wrote, values as written."""
        names = ("size", "kernel_size", "stride", "padding", "output_padding", "dilation")
        geometry = TransposedGeometry.of(*(tuple(data[name]) for name in names))
        scatters = tuple(
            Scatter(tuple(s["src"]), tuple(None if t is None else tuple(t) for t in s["targets"]), tuple(s["totals"]))
            for s in data["scatters"]
        )
        return cls(geometry, data["input"], data["kernel"], data["stretched"], steps_from_json(data["steps"]), scatters)


def _stretch(grid: Grid, geometry: TransposedGeometry) -> Grid:
    """Return the direct view's grid: input values at their places, zeros everywhere else."""
    rows, cols = geometry.stretched
    stretched = [[0.0] * cols for _ in range(rows)]
    for r in range(rows):
        for c in range(cols):
            kind, cell = geometry.source(r, c)
            if kind == INPUT:
                stretched[r][c] = float(grid[cell[0]][cell[1]])
    return stretched


def _scatters(grid: Grid, weights: Grid, geometry: TransposedGeometry) -> tuple[Scatter, ...]:
    """Return each input cell's turn, row by row, with the running totals of the cells it writes."""
    rows, cols = geometry.output
    written: list[list[list[float]]] = [[[] for _ in range(cols)] for _ in range(rows)]
    turns = []
    for x, row in enumerate(grid):
        for y, value in enumerate(row):
            targets = geometry.targets(x, y)
            totals = []
            for weight, target in zip(flat(weights), targets, strict=True):
                if target is None:
                    totals.append(None)
                    continue
                written[target[0]][target[1]].append(weight * value)
                totals.append(math.fsum(written[target[0]][target[1]]))
            turns.append(Scatter((x, y), targets, tuple(totals)))
    return tuple(turns)


def conv_transpose(grid: Grid, weights: Grid, geometry: TransposedGeometry) -> TransposedConvolution:
    """Return the record of ``nn.ConvTranspose2d`` (one channel in, one out, no bias) on ``grid``."""
    check_shape(grid, geometry.size, "input")
    check_shape(weights, geometry.kernel, "kernel")
    grid, weights = floats(grid), floats(weights)
    stretched = _stretch(grid, geometry)
    direct = geometry.direct
    flipped = flat([list(reversed(row)) for row in reversed(weights)])
    rows, cols = geometry.output
    steps = []
    for i in range(rows):
        for j in range(cols):
            taps = tuple(direct.taps(i, j))
            steps.append(Step((i, j), taps, weighted_sum(flipped, [stretched[r][c] for r, c in taps])))
    return TransposedConvolution(geometry, grid, weights, stretched, tuple(steps), _scatters(grid, weights, geometry))
