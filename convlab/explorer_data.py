"""The explorer's data file: the trained first layer's filters, biases and settings, and one test digit."""

from __future__ import annotations

import torch

from convlab.arithmetic import Geometry
from convlab.model import MnistConvNet


def explorer_data(model: MnistConvNet, image: torch.Tensor, label: int) -> dict:
    """Return the first layer's filters, biases and settings, and one test digit, for the explorer page."""
    conv = model.features[0]
    geometry = Geometry.of(tuple(image.shape), conv.kernel_size, conv.stride, conv.padding, conv.dilation)
    return {
        "filters": conv.weight.detach()[:, 0].tolist(),  # (32, 3, 3)
        "bias": conv.bias.detach().tolist(),
        "kernel_size": list(geometry.kernel),
        "stride": list(geometry.stride),
        "padding": list(geometry.padding),
        "dilation": list(geometry.dilation),
        "output_size": list(geometry.output),
        "digit": image.tolist(),  # (28, 28) uint8 pixels
        "label": label,
    }
