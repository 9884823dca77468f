"""One entry point from settings to a record, and back from a record's JSON, for every operation.

``compute`` turns settings (as the command line and the catalogue give them) into the record of a
convolution, a transposed convolution, or a max or average pooling; ``from_json`` reads any of them back
from an animation's sidecar, by its ``op`` field.
"""

from __future__ import annotations

from dataclasses import dataclass

from convlab.arithmetic import (
    Convolution,
    Geometry,
    Grid,
    Layer,
    arange_grid,
    as_pair,
    check_channels,
    convolve_channels,
    convolve_layer,
    mean_kernel,
)
from convlab.errors import UsageError
from convlab.pooling import AVG, MAX, PoolGeometry, Pooling, pool
from convlab.transposed import TransposedConvolution, TransposedGeometry, conv_transpose

Record = Convolution | Layer | TransposedConvolution | Pooling
CONV, TRANSPOSED = "conv", "transposed"
OPS = (CONV, TRANSPOSED, MAX, AVG)
DIRECT, SCATTER = "direct", "scatter"  # the two views of a transposed convolution
VIEWS = (DIRECT, SCATTER)


@dataclass(frozen=True)
class Settings:
    """Everything that defines one computation: the operation, its sizes, and the numbers it works on.

    ``size`` None means the shape of ``input``, else 6. ``input`` holds one grid per input channel (None: 0,
    1, 2, ... row by row, channel after channel);
    ``weights`` one kernel per channel (None: the averaging kernel for a convolution, ones for a transposed
    convolution; pooling has none). ``stride`` None means 1, or the window size for pooling.
    """

    op: str = CONV
    size: int | tuple[int, int] | None = None
    kernel: int | tuple[int, int] | None = None
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    output_padding: int | tuple[int, int] = 0
    ceil_mode: bool = False
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    input: tuple[Grid, ...] | None = None
    weights: tuple[Grid, ...] | None = None
    bias: float | tuple[float, ...] = 0.0  # one value for every output channel, or one per channel
    view: str = DIRECT

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise UsageError(f"--op {self.op}: choose from {', '.join(OPS)}")
        if self.view not in VIEWS:
            raise UsageError(f"--view {self.view}: choose from {', '.join(VIEWS)}")
        misplaced = [
            ("--output-padding", self.output_padding not in (0, (0, 0)), (TRANSPOSED,)),
            ("--view scatter", self.view != DIRECT, (TRANSPOSED,)),
            ("--ceil-mode", self.ceil_mode, (MAX, AVG)),
            ("--weights", self.weights is not None, (CONV, TRANSPOSED)),
            ("--bias", any(v != 0 for v in (self.bias if isinstance(self.bias, tuple) else (self.bias,))), (CONV,)),
            ("--in-channels", self.in_channels != 1, (CONV,)),
            ("--out-channels", self.out_channels != 1, (CONV,)),
            ("--groups", self.groups != 1, (CONV,)),
        ]
        for flag, given, ops in misplaced:
            if given and self.op not in ops:
                raise UsageError(f"{flag} does not apply to --op {self.op}: it is for --op {' or '.join(ops)}")
        for flag, count in (("--in-channels", self.in_channels), ("--out-channels", self.out_channels)):
            if not 1 <= count <= 4:
                raise UsageError(f"{flag} {count}: choose from 1 to 4")
        check_channels(self.in_channels, self.out_channels, self.groups)
        if self.input is not None and len(self.input) != self.in_channels:
            raise UsageError(
                f"--input has {len(self.input)} channel(s) but --in-channels is {self.in_channels}: "
                "separate one grid per channel with '|'"
            )
        kernels = self.out_channels * self.in_channels // self.groups
        if self.weights is not None and len(self.weights) != kernels and self.out_channels == 1:
            raise UsageError(
                f"--weights has {len(self.weights)} channel(s) but --in-channels is {self.in_channels}: "
                "separate one grid per channel with '|'"
            )
        if self.weights is not None and len(self.weights) != kernels:
            raise UsageError(
                f"--weights has {len(self.weights)} grids but the weight [{self.out_channels}, "
                f"{self.in_channels // self.groups}, kH, kW] holds {kernels}: give them in its order, separated by '|'"
            )
        biases = self.bias if isinstance(self.bias, tuple) else (self.bias,)
        if len(biases) not in (1, self.out_channels):
            raise UsageError(
                f"--bias has {len(biases)} values but --out-channels is {self.out_channels}: "
                "give one, or one per channel"
            )

    @property
    def input_size(self) -> tuple[int, int]:
        """Return the input size: as given, else the shape of the input, else 6×6."""
        if self.input is not None:
            shape = (len(self.input[0]), len(self.input[0][0]))
            if self.size is not None and as_pair(self.size, "input size") != shape:
                raise UsageError(
                    f"--input is {shape[0]}x{shape[1]} but --size is {_text(self.size)}: drop --size or make them agree"
                )
            return shape
        return (6, 6) if self.size is None else as_pair(self.size, "input size")

    @property
    def kernel_size(self) -> tuple[int, int]:
        """Return the kernel size: as given, else the shape of the weights, else 3×3 (2×2 for pooling)."""
        if self.weights is not None:
            shape = (len(self.weights[0]), len(self.weights[0][0]))
            if self.kernel is not None and as_pair(self.kernel, "kernel size") != shape:
                raise UsageError(
                    f"--weights is {shape[0]}x{shape[1]} but --kernel is {_text(self.kernel)}: "
                    "drop --kernel or make them agree"
                )
            return shape
        if self.kernel is None:
            return (2, 2) if self.op in (MAX, AVG) else (3, 3)
        return as_pair(self.kernel, "kernel size")

    def geometry(self) -> Geometry | TransposedGeometry | PoolGeometry:
        """Return the checked geometry of these settings."""
        size, kernel, stride = self.input_size, self.kernel_size, self.stride
        if self.op == CONV:
            return Geometry.of(size, kernel, 1 if stride is None else stride, self.padding, self.dilation)
        if self.op == TRANSPOSED:
            stride = 1 if stride is None else stride
            return TransposedGeometry.of(size, kernel, stride, self.padding, self.output_padding, self.dilation)
        return PoolGeometry.of(size, kernel, stride, self.padding, self.dilation, self.ceil_mode)

    def inputs(self, size: tuple[int, int]) -> list[Grid]:
        """Return the input channels: as given, else 0, 1, 2, ... row by row, channel after channel."""
        if self.input is not None:
            return [list(grid) for grid in self.input]
        rows, cols = size
        return [[[v + c * rows * cols for v in row] for row in arange_grid(size)] for c in range(self.in_channels)]

    def kernels(self, kernel: tuple[int, int]) -> list[Grid]:
        """Return one kernel per channel: as given, else the averaging kernel (ones for transposed)."""
        if self.weights is not None:
            return [list(grid) for grid in self.weights]
        if self.op == TRANSPOSED:
            return [[[1.0] * kernel[1] for _ in range(kernel[0])]]
        return [mean_kernel(kernel) for _ in range(self.out_channels * self.in_channels // self.groups)]

    def biases(self) -> list[float]:
        """Return one bias per output channel (one value given stands for every channel)."""
        values = list(self.bias) if isinstance(self.bias, tuple) else [self.bias]
        return values * self.out_channels if len(values) == 1 else values

    def record(self) -> Record:
        """Return the record of these settings, computed once."""
        geometry = self.geometry()
        channels = self.inputs(geometry.size)
        if self.op == CONV and self.out_channels > 1:
            flat = self.kernels(geometry.kernel)
            per = self.in_channels // self.groups
            table = [flat[o * per : (o + 1) * per] for o in range(self.out_channels)]  # [out][in/groups]
            return convolve_layer(channels, table, geometry, self.biases(), self.groups)
        if self.op == CONV:
            return convolve_channels(channels, self.kernels(geometry.kernel), geometry, self.biases()[0])
        if self.op == TRANSPOSED:
            return conv_transpose(channels[0], self.kernels(geometry.kernel)[0], geometry)
        return pool(self.op, channels[0], geometry)


def _text(size) -> str:
    return f"{size[0]}x{size[1]}" if isinstance(size, tuple) else str(size)


def from_json(data: dict) -> Record:
    """Return the record a sidecar holds, whatever its operation (values as written)."""
    op = data.get("op")
    if op == CONV:
        return Layer.from_json(data) if "channels" in data else Convolution.from_json(data)
    if op == TRANSPOSED:
        return TransposedConvolution.from_json(data)
    if op in (MAX, AVG):
        return Pooling.from_json(data)
    raise ValueError(f"a sidecar's op must be one of {', '.join(OPS)}, got {op!r}")
