"""Convolution arithmetic in plain Python: output sizes, the cells each output reads, the values.

Nothing here imports torch; the tests check every function against ``torch.nn.functional.conv2d``.
Like ``nn.Conv2d``, "convolution" here is cross-correlation: the kernel is not flipped.

``convolve(grid, weights, geometry)`` computes a convolution once into a ``Convolution`` record: its
settings, the padded input, every step's cells and value, the output and the size formula with its
numbers. The animations draw from that record and write it out as their JSON sidecar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convlab.errors import UsageError

Pair = tuple[int, int]
Grid = list[list[float]]

AXES = ("tall", "wide")  # how an extent reads along each axis, in messages


def as_pair(value: int | tuple[int, int], name: str) -> Pair:
    """Return ``value`` as a (height, width) pair; a single whole number stands for both."""
    items = value if isinstance(value, tuple | list) else (value, value)
    if len(items) != 2:
        raise UsageError(f"{name} takes one number or a (height, width) pair, got {value!r}")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            raise UsageError(f"{name} must be a whole number, got {item!r}")
    return (items[0], items[1])


def span(kernel: int, dilation: int) -> int:
    """Return how many input cells a kernel covers along one axis once its taps are spread apart."""
    return dilation * (kernel - 1) + 1


def check_settings(at_least_one: dict[str, int], at_least_zero: dict[str, int]) -> None:
    """Raise UsageError, saying what to change, for a setting below its least value (as torch refuses)."""
    for name, value in at_least_one.items():
        if value < 1:
            raise UsageError(f"{name} must be at least 1, got {value}: {_ADVICE[name]}")
    for name, value in at_least_zero.items():
        if value < 0:
            raise UsageError(f"{name} must be 0 or more, got {value}: use 0 for no {name}")


_ADVICE = {
    "input size": "the input needs at least one cell",
    "kernel size": "the kernel needs at least one cell",
    "stride": "use 1 to move one cell per step",
    "dilation": "use 1 for a kernel whose taps touch",
}


def _check_axis(size: int, kernel: int, stride: int, padding: int, dilation: int, axis: int) -> None:
    """Raise UsageError, saying what to change, if torch would refuse these settings on one axis."""
    check_settings(
        {"input size": size, "kernel size": kernel, "stride": stride, "dilation": dilation}, {"padding": padding}
    )
    extent = AXES[axis]
    padded = size + 2 * padding
    covered = span(kernel, dilation)
    if covered > padded:
        fix = "lower the dilation or add padding" if dilation > 1 else "use a smaller kernel or add padding"
        raise UsageError(
            f"a {kernel}-{extent} kernel at dilation {dilation} spans {covered} cells "
            f"but the padded input is only {padded} {extent}: {fix}"
        )


def _axis_output(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Return PyTorch's output length along one axis: floor((n + 2p - d(k-1) - 1) / s) + 1."""
    return (size + 2 * padding - span(kernel, dilation)) // stride + 1


class SlidingGeometry:
    """What the settings of a window sliding over a padded input (a convolution's kernel, a pooling's
    window) give the same way along each axis."""

    FIELDS = ("size", "kernel", "stride", "padding", "dilation")

    def axis_settings(self, axis: int) -> tuple[int, int, int, int, int]:
        """Return (size, kernel, stride, padding, dilation) along one axis (0 = height, 1 = width)."""
        return tuple(getattr(self, name)[axis] for name in self.FIELDS)

    @property
    def padded(self) -> Pair:
        """Return the size of the input once padding surrounds it."""
        return (self.size[0] + 2 * self.padding[0], self.size[1] + 2 * self.padding[1])

    @property
    def span(self) -> Pair:
        """Return the height and width the window covers (a dilated kernel's, holes included)."""
        return (span(self.kernel[0], self.dilation[0]), span(self.kernel[1], self.dilation[1]))

    @property
    def dilated(self) -> bool:
        """Return True if the window's cells (a kernel's taps) are spread apart along either axis."""
        return any(d > 1 for d in self.dilation)

    def is_padding(self, r: int, c: int) -> bool:
        """Return True if padded-input cell (r, c) is padding rather than part of the input."""
        (ph, pw), (h, w) = self.padding, self.size
        return not (ph <= r < ph + h and pw <= c < pw + w)

    def input_cells(self) -> set[Pair]:
        """Return the cells of the padded input that are the input itself, not its padding."""
        rows, cols = self.padded
        return {(r, c) for r in range(rows) for c in range(cols) if not self.is_padding(r, c)}


@dataclass(frozen=True)
class Geometry(SlidingGeometry):
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

    @property
    def output(self) -> Pair:
        """Return the output size, exactly as ``nn.Conv2d`` computes it."""
        return (_axis_output(*self.axis_settings(0)), _axis_output(*self.axis_settings(1)))

    def taps(self, i: int, j: int) -> list[Pair]:
        """Return the padded-input cells that output cell (i, j) reads, row by row."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return [(i * sh + a * dh, j * sw + b * dw) for a in range(self.kernel[0]) for b in range(self.kernel[1])]

    def formula(self, axis: int) -> str:
        """Return PyTorch's output-size formula along one axis with the numbers filled in, floor included."""
        n, k, s, p, d = self.axis_settings(axis)
        return f"⌊({n} + 2×{p} − {d}×({k} − 1) − 1) / {s}⌋ + 1 = {self.output[axis]}"


def output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Return the output length ``nn.Conv2d`` gives; a pair for pair arguments, else one int.

    >>> output_size(7, 3, stride=3)
    2
    >>> output_size((5, 9), 3, padding=(1, 0))
    (5, 7)
    """
    geometry = Geometry.of(size, kernel, stride, padding, dilation)
    return like_arguments(geometry.output, size, kernel, stride, padding, dilation)


def like_arguments(pair: Pair, *arguments) -> Pair | int:
    """Return ``pair`` if any argument was a pair, else its first number: ints in, an int out."""
    return pair if any(isinstance(arg, tuple | list) for arg in arguments) else pair[0]


def arange_grid(size: Pair) -> Grid:
    """Return a grid of the given (height, width) holding 0, 1, 2, ... row by row, as in the lesson."""
    rows, cols = size
    return [[float(r * cols + c) for c in range(cols)] for r in range(rows)]


def mean_kernel(kernel: Pair) -> Grid:
    """Return the averaging kernel of the given size: every weight is 1 / (height * width)."""
    rows, cols = kernel
    return [[1.0 / (rows * cols)] * cols for _ in range(rows)]


def mean_divisor(weights: Grid) -> int | None:
    """Return n if every weight is 1/n (an averaging kernel of n > 1 weights), else None: a lone weight of 1 is
    shown as 1, not 1/1."""
    count = sum(len(row) for row in weights)
    uniform = all(w == weights[0][0] for row in weights for w in row)
    return count if count > 1 and uniform and math.isclose(weights[0][0] * count, 1.0) else None


def pad(grid: Grid, padding: Pair) -> Grid:
    """Return ``grid`` surrounded by ``padding`` rows and columns of zeros."""
    ph, pw = padding
    width = len(grid[0]) + 2 * pw
    blank = [[0.0] * width for _ in range(ph)]
    body = [[0.0] * pw + [float(v) for v in row] + [0.0] * pw for row in grid]
    return [list(row) for row in blank] + body + [list(row) for row in blank]


def check_shape(grid: Grid, shape: Pair, name: str) -> None:
    """Raise UsageError unless ``grid`` has ``shape`` (rows, columns) with every row the same length."""
    found = (len(grid), len(grid[0]) if grid else 0)
    if found != shape or any(len(row) != shape[1] for row in grid):
        raise UsageError(f"the {name} must be {shape[0]}×{shape[1]} for these settings, got {found[0]}×{found[1]}")


def floats(grid: Grid) -> Grid:
    """Return a copy of ``grid`` holding floats."""
    return [[float(v) for v in row] for row in grid]


def weighted_sum(weights: list[float], values: list[float]) -> float:
    """Return the sum of weight × value, correctly rounded (fsum), so 16 shows as 16 and not 15.999..."""
    return math.fsum(w * v for w, v in zip(weights, values, strict=True))


def flat(grid: Grid) -> list[float]:
    """Return the grid's values row by row."""
    return [v for row in grid for v in row]


@dataclass(frozen=True)
class Step:
    """One output cell: where it is, the cells it reads (row by row, in kernel order), its value, and, for a
    convolution, the weighted sum of each input channel (the value is their total plus the bias)."""

    out: Pair
    taps: tuple[Pair, ...]
    value: float
    sums: tuple[float, ...] = ()


def steps_to_json(steps: tuple[Step, ...]) -> list[dict]:
    """Return the steps as JSON-ready data (``sums`` only where there are some)."""
    written = []
    for step in steps:
        item = {"out": list(step.out), "taps": [list(tap) for tap in step.taps], "value": step.value}
        if step.sums:
            item["sums"] = list(step.sums)
        written.append(item)
    return written


def steps_from_json(data: list[dict]) -> tuple[Step, ...]:
    """Return the steps that ``steps_to_json`` wrote, values as written."""
    return tuple(
        Step(tuple(s["out"]), tuple(tuple(tap) for tap in s["taps"]), s["value"], tuple(s.get("sums", ())))
        for s in data
    )


class SlidingRecord:
    """What every operation's record (a convolution, a pooling, a transposed convolution) derives the same
    way from its ``geometry`` and its ``steps``, which run row by row over the output."""

    @property
    def output(self) -> Grid:
        """Return the output grid, row by row, at full precision."""
        values = [step.value for step in self.steps]
        cols = self.geometry.output[1]
        return [values[k : k + cols] for k in range(0, len(values), cols)]

    @property
    def formula(self) -> tuple[str, str]:
        """Return the output-size formula for the height and the width, with this operation's numbers."""
        return (self.geometry.formula(0), self.geometry.formula(1))


def geometry_json(geometry, fields: tuple[str, ...]) -> dict:
    """Return the named settings of a geometry as lists (pairs), the way every sidecar writes them."""
    return {("kernel_size" if name == "kernel" else name): list(getattr(geometry, name)) for name in fields}


@dataclass(frozen=True)
class Convolution(SlidingRecord):
    """A convolution computed once: settings, input channels, their kernels and padded inputs, the bias,
    every step and the output. One input channel is the lesson's case; ``nn.Conv2d(C, 1, ...)`` has C."""

    geometry: Geometry
    input: tuple[Grid, ...]  # (C, H, W): one grid per input channel
    kernel: tuple[Grid, ...]  # (C, kH, kW): one kernel per input channel
    padded: tuple[Grid, ...]
    steps: tuple[Step, ...]
    bias: float = 0.0

    op = "conv"

    @property
    def in_channels(self) -> int:
        """Return the number of input channels."""
        return len(self.input)

    def unread(self) -> set[Pair]:
        """Return the cells of the input (not its padding) that no step reads: what a stride skips."""
        return self.geometry.input_cells() - {tap for step in self.steps for tap in step.taps}

    def to_json(self) -> dict:
        """Return the record as JSON-ready data: settings, grids, every step, the output and the formula."""
        g = self.geometry
        return {
            "op": self.op,
            **geometry_json(g, ("size", "kernel", "stride", "padding", "dilation")),
            "in_channels": self.in_channels,
            "input": list(self.input),
            "kernel": list(self.kernel),
            "bias": self.bias,
            "padded": list(self.padded),
            "output": self.output,
            "output_size": list(g.output),
            "formula": list(self.formula),
            "steps": steps_to_json(self.steps),
        }

    @classmethod
    def from_json(cls, data: dict) -> Convolution:
        """Return the record that ``to_json`` wrote, steps and values as written (nothing is recomputed)."""
        geometry = Geometry.of(*(tuple(data[key]) for key in ("size", "kernel_size", "stride", "padding", "dilation")))
        steps = steps_from_json(data["steps"])
        return cls(geometry, tuple(data["input"]), tuple(data["kernel"]), tuple(data["padded"]), steps, data["bias"])


def convolve_channels(channels: list[Grid], kernels: list[Grid], geometry: Geometry, bias: float = 0.0) -> Convolution:
    """Return the record of a convolution over several input channels into one output channel:
    each kernel slides over its own channel and the output adds the channels' sums and the bias."""
    if not channels or len(channels) != len(kernels):
        raise UsageError(f"give one kernel per input channel: got {len(channels)} channels and {len(kernels)} kernels")
    for c, (grid, weights) in enumerate(zip(channels, kernels, strict=True)):
        name = "" if len(channels) == 1 else f" of channel {c}"
        check_shape(grid, geometry.size, "input" + name)
        check_shape(weights, geometry.kernel, "kernel" + name)
    padded = tuple(pad(grid, geometry.padding) for grid in channels)
    flat_kernels = [flat(weights) for weights in kernels]
    rows, cols = geometry.output
    steps = []
    for i in range(rows):
        for j in range(cols):
            taps = tuple(geometry.taps(i, j))
            sums = tuple(
                weighted_sum(w, [grid[r][c] for r, c in taps]) for w, grid in zip(flat_kernels, padded, strict=True)
            )
            products = [
                w * grid[r][c]
                for ws, grid in zip(flat_kernels, padded, strict=True)
                for w, (r, c) in zip(ws, taps, strict=True)
            ]
            steps.append(Step((i, j), taps, math.fsum([*products, bias]), sums))
    return Convolution(
        geometry,
        tuple(floats(g) for g in channels),
        tuple(floats(k) for k in kernels),
        padded,
        tuple(steps),
        float(bias),
    )


def convolve(grid: Grid, weights: Grid, geometry: Geometry, bias: float = 0.0) -> Convolution:
    """Return the record of sliding ``weights`` over ``grid`` (cross-correlation, as ``nn.Conv2d``)."""
    return convolve_channels([grid], [weights], geometry, bias)


def divisors(n: int) -> list[int]:
    """Return the whole numbers that divide ``n``, smallest first."""
    return [d for d in range(1, n + 1) if n % d == 0]


def check_channels(in_channels: int, out_channels: int, groups: int) -> None:
    """Raise UsageError, with PyTorch's reason and what to change, where ``nn.Conv2d`` refuses the channels
    and groups (the explorer's conv.js words it the same)."""
    if groups < 1:
        raise UsageError(f"groups must be a positive integer, got {groups}: use 1 for an ordinary convolution")
    common = ", ".join(str(d) for d in divisors(in_channels) if out_channels % d == 0)
    for name, count in (("in_channels", in_channels), ("out_channels", out_channels)):
        if count % groups:
            raise UsageError(
                f"{name} must be divisible by groups (PyTorch's ValueError), got {name}={count} with "
                f"groups={groups}: choose groups {common} (a divisor of both {in_channels} and {out_channels})"
            )


@dataclass(frozen=True)
class Layer(SlidingRecord):
    """``nn.Conv2d`` with several output channels (and groups): every input channel, and one ``Convolution``
    per output channel over the input channels of its group, with its kernels and its bias. Its steps run
    output channel after output channel."""

    geometry: Geometry
    input: tuple[Grid, ...]  # (C_in, H, W)
    padded: tuple[Grid, ...]
    channels: tuple[Convolution, ...]  # one per output channel
    groups: int = 1

    op = "conv"

    @property
    def in_channels(self) -> int:
        """Return the number of input channels."""
        return len(self.input)

    @property
    def out_channels(self) -> int:
        """Return the number of output channels."""
        return len(self.channels)

    def first_input(self, o: int) -> int:
        """Return the first input channel that output channel ``o`` reads (its group's first)."""
        per_group = self.in_channels // self.groups
        return o // (self.out_channels // self.groups) * per_group

    @property
    def steps(self) -> tuple[Step, ...]:
        """Return every step, output channel after output channel."""
        return tuple(step for channel in self.channels for step in channel.steps)

    @property
    def kernel(self) -> tuple[tuple[Grid, ...], ...]:
        """Return the weight as [out][in/groups] grids, as ``nn.Conv2d`` holds it."""
        return tuple(channel.kernel for channel in self.channels)

    @property
    def bias(self) -> tuple[float, ...]:
        """Return one bias per output channel."""
        return tuple(channel.bias for channel in self.channels)

    @property
    def output(self) -> list[Grid]:
        """Return every output channel, row by row, at full precision."""
        return [channel.output for channel in self.channels]

    def to_json(self) -> dict:
        """Return the record as JSON-ready data: the layer's settings and grids, and each output channel's record."""
        g = self.geometry
        return {
            "op": self.op,
            **geometry_json(g, ("size", "kernel", "stride", "padding", "dilation")),
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "groups": self.groups,
            "input": list(self.input),
            "kernel": [list(k) for k in self.kernel],
            "bias": list(self.bias),
            "padded": list(self.padded),
            "output": self.output,
            "output_size": list(g.output),
            "formula": list(self.formula),
            "channels": [channel.to_json() for channel in self.channels],
        }

    @classmethod
    def from_json(cls, data: dict) -> Layer:
        """Return the record that ``to_json`` wrote, values as written."""
        geometry = Geometry.of(*(tuple(data[key]) for key in ("size", "kernel_size", "stride", "padding", "dilation")))
        channels = tuple(Convolution.from_json(channel) for channel in data["channels"])
        return cls(geometry, tuple(data["input"]), tuple(data["padded"]), channels, data["groups"])


def convolve_layer(
    channels: list[Grid], kernels: list[list[Grid]], geometry: Geometry, biases: list[float], groups: int = 1
) -> Layer:
    """Return the record of ``nn.Conv2d(C_in, C_out, ..., groups)``: output channel o correlates the input
    channels of its group with ``kernels[o]`` (the weight ``[out, in/groups, kH, kW]``) and adds ``biases[o]``."""
    check_channels(len(channels), len(kernels), groups)
    per_group = len(channels) // groups
    if any(len(row) != per_group for row in kernels) or len(biases) != len(kernels):
        raise UsageError(
            f"the weight must be [{len(kernels)}, {per_group}, kH, kW] with {len(kernels)} biases for these channels"
        )
    records = []
    for o, (row, bias) in enumerate(zip(kernels, biases, strict=True)):
        first = o // (len(kernels) // groups) * per_group
        records.append(convolve_channels(channels[first : first + per_group], row, geometry, bias))
    padded = tuple(pad(grid, geometry.padding) for grid in channels)
    return Layer(geometry, tuple(floats(grid) for grid in channels), padded, tuple(records), groups)
