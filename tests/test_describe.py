"""Words and code for a record: the PyTorch line builds the layer that computes it, values show rounded."""

import pytest
import torch
from torch import nn

from convlab.catalogue import CATALOGUE, find
from convlab.describe import alt_text, caption, format_value, is_rounded, pytorch_line, title


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (16, "16"),
        (15.999999999999998, "16"),
        (14 / 9, "1.56"),
        (7.0, "7"),
        (-0.001, "0"),
        (-2.5, "−2.5"),
        (0.125, "0.12"),
    ],
)
def test_values_are_rounded_never_truncated(value, shown):
    assert format_value(value) == shown


def test_float_noise_is_not_called_rounded():
    assert not is_rounded(sum([1 / 9] * 63), 2)  # 7, computed as 63 ninths
    assert is_rounded(14 / 9, 2)


@pytest.mark.parametrize("animation", CATALOGUE, ids=lambda a: a.name)
def test_the_pytorch_line_builds_the_layer_that_computes_the_record(animation):
    record = animation.record()
    layer = eval(pytorch_line(record), {"nn": nn})
    x = torch.tensor(record.input, dtype=torch.float64)
    x = x[None] if x.dim() == 3 else x[None, None]  # (N, C, H, W)
    layer = layer.double()
    if record.op in ("conv", "transposed"):
        with torch.no_grad():
            kernel = torch.tensor(record.kernel, dtype=torch.float64)  # a layer's is already [out, in/groups, kH, kW]
            layer.weight.copy_(
                kernel if kernel.dim() == 4 else kernel[None] if kernel.dim() == 3 else kernel[None, None]
            )
            if layer.bias is not None:
                layer.bias.copy_(torch.tensor(record.bias, dtype=torch.float64).expand_as(layer.bias))
    expected = torch.tensor(record.output, dtype=torch.float64)
    torch.testing.assert_close(layer(x)[0].detach() if expected.dim() == 3 else layer(x)[0, 0].detach(), expected)


def test_descriptions_name_the_layer_and_settings():
    record = find("transposed_padding_strides_odd").record()
    assert title(record) == "ConvTranspose2d: kernel 3×3, stride 2, padding 1, output padding 1, dilation 1"
    assert caption(record).endswith("the 3×3 input gives a 6×6 output.")
    assert "flipped" in alt_text(record) and "overlap" in alt_text(record, "scatter")
    assert pytorch_line(find("avgpool_3x3_pad_1").record()) == "nn.AvgPool2d(kernel_size=3, stride=2, padding=1)"
    assert pytorch_line(find("conv_two_channels").record()) == "nn.Conv2d(2, 1, kernel_size=2)"
