"""Max and average pooling in plain Python: output sizes, each window's cells, and the values.

A pooling layer slides a window over the input like a convolution, but has no weights: ``nn.MaxPool2d``
keeps the largest value in the window, ``nn.AvgPool2d`` their mean. Both default the stride to the window
size, so windows do not overlap. ``pool`` computes one pooling once into a ``Pooling`` record: every
window's cells and value, the winning cell of a max pool, the divisor of an average pool. Nothing here
imports torch; the tests compare it with ``torch.nn.functional.max_pool2d`` and ``avg_pool2d``.

Padding works differently from a convolution's: max pooling pads with minus infinity (a padding cell never
wins), and average pooling, with PyTorch's default ``count_include_pad=True``, counts padding cells in the
divisor as zeros. Average pooling has no dilation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convlab.arithmetic import (
    AXES,
    Grid,
    Pair,
    SlidingGeometry,
    SlidingRecord,
    Step,
    as_pair,
    check_settings,
    check_shape,
    floats,
    geometry_json,
    like_arguments,
    pad,
    span,
    steps_from_json,
    steps_to_json,
)
from convlab.errors import UsageError

MAX, AVG = "maxpool", "avgpool"


def _axis_output(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """Return PyTorch's pooled length: (n + 2p - d(k-1) - 1) / s rounded down (up in ceil mode), plus 1;
    in ceil mode the last window must start inside the input or its left padding."""
    reach = size + 2 * padding - span(kernel, dilation)
    out = (reach + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


@dataclass(frozen=True)
class PoolGeometry(SlidingGeometry):
    """The shape side of a pooling layer: window size, stride, padding, dilation and ceil mode."""

    size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    ceil_mode: bool = False

    @classmethod
    def of(cls, size, kernel, stride=None, padding=0, dilation=1, ceil_mode=False) -> PoolGeometry:
        """Return checked settings; the stride defaults to the window size, as in PyTorch."""
        kernel_pair = as_pair(kernel, "kernel size")
        stride_pair = kernel_pair if stride is None else as_pair(stride, "stride")
        if not isinstance(ceil_mode, bool):
            raise UsageError(f"ceil_mode must be True or False, got {ceil_mode!r}")
        return cls(
            as_pair(size, "input size"),
            kernel_pair,
            stride_pair,
            as_pair(padding, "padding"),
            as_pair(dilation, "dilation"),
            ceil_mode,
        )

    def __post_init__(self) -> None:
        for axis in (1, 0):
            self._check_axis(axis)

    def _check_axis(self, axis: int) -> None:
        n, k, s, p, d = self.axis_settings(axis)
        check_settings({"input size": n, "kernel size": k, "stride": s, "dilation": d}, {"padding": p})
        if p > k // 2:
            raise UsageError(
                f"padding {p} is more than half the {k}-{AXES[axis]} window: use padding of at most {k // 2}"
            )
        out = _axis_output(n, k, s, p, d, self.ceil_mode)
        if out < 1:
            raise UsageError(
                f"a {k}-{AXES[axis]} window at dilation {d} spans {span(k, d)} cells but the padded input is only "
                f"{n + 2 * p} {AXES[axis]}: use a smaller window"
            )

    @property
    def output(self) -> Pair:
        """Return the output size, exactly as ``nn.MaxPool2d`` and ``nn.AvgPool2d`` compute it."""
        return tuple(_axis_output(*self.axis_settings(axis), self.ceil_mode) for axis in (0, 1))

    def window(self, i: int, j: int) -> list[Pair]:
        """Return the cells of output (i, j)'s window inside the padded input, row by row (in ceil mode the
        last window may hang past the edge: those cells do not exist and are left out)."""
        (sh, sw), (dh, dw), (rows, cols) = self.stride, self.dilation, self.padded
        cells = [(i * sh + a * dh, j * sw + b * dw) for a in range(self.kernel[0]) for b in range(self.kernel[1])]
        return [(r, c) for r, c in cells if r < rows and c < cols]

    def formula(self, axis: int) -> str:
        """Return the output-size formula along one axis with the numbers filled in (⌈⌉ in ceil mode)."""
        n, k, s, p, d = self.axis_settings(axis)
        left, right = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        text = f"{left}({n} + 2×{p} − {d}×({k} − 1) − 1) / {s}{right} + 1"
        rounded = (n + 2 * p - span(k, d) + (s - 1 if self.ceil_mode else 0)) // s + 1
        if rounded != self.output[axis]:
            text += f" = {rounded}, less 1 as the last window would start past the input"
        return f"{text} = {self.output[axis]}"


def pool_output_size(size, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Return the output length ``nn.MaxPool2d`` gives (``nn.AvgPool2d`` too, without dilation); a pair for
    pair arguments, else one int. The stride defaults to the window size.

    >>> pool_output_size(7, 2)
    3
    >>> pool_output_size(7, 2, ceil_mode=True)
    4
    >>> pool_output_size((5, 6), 3, stride=2, padding=1)
    (3, 3)
    """
    geometry = PoolGeometry.of(size, kernel, stride, padding, dilation, ceil_mode)
    return like_arguments(geometry.output, size, kernel, stride, padding, dilation)


@dataclass(frozen=True)
class Pooling(SlidingRecord):
    """A pooling computed once: settings, input, padded input, and every window. A step's taps are the
    cells its value comes from: for a max pool the input cells in the window, ``winners`` naming the one
    that holds the maximum; for an average pool every cell of the window inside the padded input (padding
    counts as 0), ``divisors`` holding how many."""

    op: str
    geometry: PoolGeometry
    input: Grid
    padded: Grid
    steps: tuple[Step, ...]
    winners: tuple[Pair, ...] = ()
    divisors: tuple[int, ...] = ()

    def unread(self) -> set[Pair]:
        """Return the cells of the input (not its padding) that no window covers: what a stride skips."""
        covered = {cell for step in self.steps for cell in self.geometry.window(*step.out)}
        return self.geometry.input_cells() - covered

    def to_json(self) -> dict:
        """Return the record as JSON-ready data: settings, grids, every window, the output and the formula."""
        g = self.geometry
        data = {
            "op": self.op,
            **geometry_json(g, g.FIELDS),
            "ceil_mode": g.ceil_mode,
            "input": self.input,
            "padded": self.padded,
            "output": self.output,
            "output_size": list(g.output),
            "formula": list(self.formula),
            "steps": steps_to_json(self.steps),
        }
        if self.op == MAX:
            data["winners"] = [list(cell) for cell in self.winners]
        else:
            data["count_include_pad"] = True
            data["divisors"] = list(self.divisors)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Pooling:
        """Return the record that ``to_json`` wrote, values as written."""
        geometry = PoolGeometry.of(
            *(tuple(data[key]) for key in ("size", "kernel_size", "stride", "padding", "dilation")), data["ceil_mode"]
        )
        winners = tuple(tuple(cell) for cell in data.get("winners", ()))
        return cls(
            data["op"],
            geometry,
            data["input"],
            data["padded"],
            steps_from_json(data["steps"]),
            winners,
            tuple(data.get("divisors", ())),
        )


def _max_steps(padded: Grid, geometry: PoolGeometry) -> tuple[list[Step], list[Pair]]:
    steps, winners = [], []
    for i in range(geometry.output[0]):
        for j in range(geometry.output[1]):
            taps = tuple(cell for cell in geometry.window(i, j) if not geometry.is_padding(*cell))
            if not taps:
                raise UsageError(
                    f"output[{i}, {j}]'s window covers only padding, so its maximum would be minus infinity: "
                    "lower the padding or the dilation"
                )
            winner = taps[0]
            for cell in taps[1:]:  # the first of equal values wins, as in PyTorch
                if padded[cell[0]][cell[1]] > padded[winner[0]][winner[1]]:
                    winner = cell
            steps.append(Step((i, j), taps, padded[winner[0]][winner[1]]))
            winners.append(winner)
    return steps, winners


def _average_steps(padded: Grid, geometry: PoolGeometry) -> tuple[list[Step], list[int]]:
    steps, divisors = [], []
    for i in range(geometry.output[0]):
        for j in range(geometry.output[1]):
            taps = tuple(geometry.window(i, j))
            divisor = len(taps)
            steps.append(Step((i, j), taps, math.fsum(padded[r][c] for r, c in taps) / divisor))
            divisors.append(divisor)
    return steps, divisors


def pool(op: str, grid: Grid, geometry: PoolGeometry) -> Pooling:
    """Return the record of max pooling (``op`` "maxpool") or average pooling ("avgpool") over ``grid``."""
    if op not in (MAX, AVG):
        raise UsageError(f"pooling is {MAX!r} or {AVG!r}, got {op!r}")
    if op == AVG and geometry.dilated:
        raise UsageError("average pooling has no dilation (nn.AvgPool2d takes none): use dilation 1")
    check_shape(grid, geometry.size, "input")
    grid = floats(grid)
    padded = pad(grid, geometry.padding)
    if op == MAX:
        steps, winners = _max_steps(padded, geometry)
        return Pooling(op, geometry, grid, padded, tuple(steps), winners=tuple(winners))
    steps, divisors = _average_steps(padded, geometry)
    return Pooling(op, geometry, grid, padded, tuple(steps), divisors=tuple(divisors))
