"""A record in words and in code: its settings, its PyTorch line, its alt text, its numbers as shown.

The frames, the captions on the pages, and the sidecars all describe a record through these functions,
so an animation and the text around it never disagree.
"""

from __future__ import annotations

from urllib.parse import urlencode

from convlab.arithmetic import Convolution, Layer, Pair, arange_grid, mean_divisor
from convlab.pooling import MAX, Pooling
from convlab.records import Record
from convlab.transposed import TransposedConvolution

LAYER = {"conv": "Conv2d", "transposed": "ConvTranspose2d", "maxpool": "MaxPool2d", "avgpool": "AvgPool2d"}


def format_value(value: float, precision: int = 2) -> str:
    """Return ``value`` rounded (never truncated) to ``precision`` decimals, without trailing zeros."""
    text = f"{value:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace("-", "\u2212")


def is_rounded(value: float, precision: int) -> bool:
    """Return True if showing ``value`` at ``precision`` decimals changes it (beyond float noise: 7 computed
    as nine ninths is shown as 7 and is not called rounded)."""
    return abs(round(value, precision) - value) > 1e-9 * max(1.0, abs(value))


def size_text(pair: Pair) -> str:
    """Return a size as ``H×W``."""
    return f"{pair[0]}\u00d7{pair[1]}"


def setting_text(pair: Pair) -> str:
    """Return a setting as one number when both axes agree, else ``(h, w)``."""
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def settings_text(record: Record) -> str:
    """Return the settings in words, e.g. ``kernel 3×3, stride 2, padding 0, dilation 1``."""
    g = record.geometry
    if isinstance(record, Pooling):
        text = f"window {size_text(g.kernel)}, stride {setting_text(g.stride)}, padding {setting_text(g.padding)}"
        if record.op == MAX:
            text += f", dilation {setting_text(g.dilation)}"
        return text + (", ceil mode" if g.ceil_mode else "")
    text = f"kernel {size_text(g.kernel)}, stride {setting_text(g.stride)}, padding {setting_text(g.padding)}"
    if isinstance(record, TransposedConvolution):
        text += f", output padding {setting_text(g.output_padding)}"
    text += f", dilation {setting_text(g.dilation)}"
    if isinstance(record, Layer):
        groups = f", groups {record.groups}" if record.groups > 1 else ""
        biases = sorted(set(record.bias))
        bias = "" if biases == [0] else f", bias {', '.join(format_value(b) for b in record.bias)}"
        return text + f", {record.in_channels} → {record.out_channels} channels{groups}{bias}"
    if isinstance(record, Convolution) and record.in_channels > 1:
        text += f", {record.in_channels} input channels"
    if isinstance(record, Convolution) and record.bias:
        text += f", bias {format_value(record.bias)}"
    return text


def title(record: Record) -> str:
    """Return a frame's title: the layer and its settings."""
    return f"{LAYER[record.op]}: {settings_text(record)}"


def _argument(name: str, pair: Pair, default: Pair | None) -> str | None:
    if pair == default:
        return None
    value = pair[0] if pair[0] == pair[1] else pair
    return f"{name}={value}"


def pytorch_line(record: Record) -> str:
    """Return the PyTorch layer that computes the record, defaults left out, e.g.
    ``nn.Conv2d(1, 1, kernel_size=3, stride=2)``."""
    g = record.geometry
    kernel = g.kernel[0] if g.kernel[0] == g.kernel[1] else g.kernel
    if isinstance(record, Pooling):
        arguments = [
            f"kernel_size={kernel}",
            _argument("stride", g.stride, g.kernel),
            _argument("padding", g.padding, (0, 0)),
            _argument("dilation", g.dilation, (1, 1)),
            "ceil_mode=True" if g.ceil_mode else None,
        ]
    else:
        channels = f"{record.in_channels}, {getattr(record, 'out_channels', 1)}" if record.op == "conv" else "1, 1"
        arguments = [
            channels,
            f"kernel_size={kernel}",
            _argument("stride", g.stride, (1, 1)),
            _argument("padding", g.padding, (0, 0)),
            _argument("output_padding", g.output_padding, (0, 0)) if record.op == "transposed" else None,
            _argument("dilation", g.dilation, (1, 1)),
            f"groups={record.groups}" if getattr(record, "groups", 1) > 1 else None,
        ]
        if (isinstance(record, Layer) and not any(record.bias)) or (
            not isinstance(record, Layer) and not getattr(record, "bias", 0)
        ):
            arguments.append("bias=False")
    return f"nn.{LAYER[record.op]}({', '.join(a for a in arguments if a)})"


def output_text(record: Record) -> str:
    """Return the output-size formula with its numbers, once when both axes read the same, else per axis."""
    height, width = record.formula
    return f"{height} per side" if height == width else f"height {height}; width {width}"


def caption(record: Record) -> str:
    """Return a figure's caption: the settings and the sizes in and out."""
    (rows, cols), (out_rows, out_cols) = record.geometry.size, record.geometry.output
    return f"{settings_text(record).capitalize()}: the {rows}×{cols} input gives a {out_rows}×{out_cols} output."


def _input_words(record: Record) -> str:
    g = record.geometry
    if isinstance(record, Convolution | Layer) and record.in_channels > 1:
        return f"{record.in_channels} input channels of {size_text(g.size)}"
    return f"a {size_text(g.size)} input"


def alt_text(record: Record, view: str = "direct") -> str:
    """Return a description of the animation for readers who cannot see it."""
    g = record.geometry
    out = f"Each step fills one cell of the {size_text(g.output)} output."
    if isinstance(record, Pooling):
        what = "the largest value" if record.op == MAX else "the mean (padding counted as zeros)"
        window = f"A {size_text(g.kernel)} window slides over {_input_words(record)} ({settings_text(record)})"
        return f"{window} and keeps {what} of each window. {out}"
    if isinstance(record, TransposedConvolution):
        if view == "scatter":
            return (
                f"Each cell of {_input_words(record)} in turn adds its value times the {size_text(g.kernel)} kernel "
                f"into the {size_text(g.output)} output ({settings_text(record)}); where two placed kernels overlap, "
                "their contributions add up."
            )
        return (
            f"Transposed convolution as a direct convolution: zeros are inserted between and around the cells of "
            f"{_input_words(record)}, giving {size_text(g.stretched)} cells, and the flipped {size_text(g.kernel)} "
            f"kernel slides over them ({settings_text(record)}). " + out
        )
    if isinstance(record, Layer):
        groups = f" in {record.groups} groups" if record.groups > 1 else ""
        return (
            f"A {size_text(g.kernel)} convolution from {_input_words(record)} to {record.out_channels} output channels"
            f"{groups} ({settings_text(record)}): each output channel in turn slides its own kernels over the input "
            "channels of its group, adds their weighted sums and its bias. " + out
        )
    kernel = "averaging kernel" if all(mean_divisor(k) for k in record.kernel) else "kernel"
    text = f"A {size_text(g.kernel)} {kernel} slides over {_input_words(record)}"
    if any(g.padding):
        text += f", surrounded by zeros to {size_text(g.padded)}"
    text += f" ({settings_text(record)}). "
    if g.dilated:
        text += f"Its taps are spread over {size_text(g.span)} cells. "
    if record.in_channels > 1:
        text += "Each output adds the weighted sums of every channel and the bias. "
    return text + out


def _number(value: float) -> str:
    """Return a number as the explorer's grammar writes it: whole numbers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def rows_text(grid: list[list[float]]) -> str:
    """Return a grid written as the command line and the explorer read it: ``1,2;3,4``."""
    return ";".join(",".join(_number(v) for v in row) for row in grid)


def explorer_query(record: Record) -> str:
    """Return the explorer's URL query for the record's settings (``op``, sizes, ``weights`` and ``input``
    where they are not the defaults; ``in_channels`` and ``bias`` for a convolution that has them)."""
    g = record.geometry
    fields = {"op": record.op}
    fields |= {name: _pair_text(getattr(g, name)) for name in ("size", "kernel", "stride", "padding")}
    if isinstance(record, TransposedConvolution):
        fields["output_padding"] = _pair_text(g.output_padding)
    if record.op != "avgpool":  # nn.AvgPool2d has no dilation
        fields["dilation"] = _pair_text(g.dilation)
    if isinstance(record, Pooling):
        fields["ceil_mode"] = str(int(g.ceil_mode))
    grids = list(record.input) if isinstance(record, Convolution | Layer) else [record.input]
    if isinstance(record, Convolution | Layer) and record.in_channels > 1:
        fields["in_channels"] = str(record.in_channels)
    if isinstance(record, Layer):
        fields["out_channels"] = str(record.out_channels)
        fields["groups"] = str(record.groups)
    biases = record.bias if isinstance(record, Layer) else (getattr(record, "bias", 0),)
    if any(biases):
        fields["bias"] = ",".join(_number(b) for b in (biases if len(set(biases)) > 1 else biases[:1]))
    if not isinstance(record, Pooling):
        kernels = [k for row in record.kernel for k in row] if isinstance(record, Layer) else None
        kernels = kernels or (list(record.kernel) if isinstance(record, Convolution) else [record.kernel])
        same = all(kernel == kernels[0] for kernel in kernels)
        fields["weights"] = "mean" if same and mean_divisor(kernels[0]) else "|".join(map(rows_text, kernels))
    counting = [
        [[v + c * g.size[0] * g.size[1] for v in row] for row in arange_grid(g.size)] for c in range(len(grids))
    ]
    if grids != counting:
        fields["input"] = "|".join(map(rows_text, grids))
    return urlencode(fields)


def _pair_text(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"
