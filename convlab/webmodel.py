"""The trained network as the digit page runs it: int8 weights, one scale per output channel.

``convlab webmodel`` writes, into one folder, what the page loads:

    OUT/model.json      every layer's settings, scales and biases, the test split's labels, the digits the
                        model gets wrong, the numbers the page prints and its exercises
    OUT/model.bin       every layer's int8 weights, one layer after another, in PyTorch's order
    OUT/digits-NN.bin   the lesson's test split, 28×28 uint8 pixels a digit, DIGITS_PER_FILE to a file

Each weight is stored as a whole number ``q`` from -127 to 127 and read back as ``q * scale``, with one
``scale = max|w| / 127`` for each output channel (each filter, each neuron). The page computes in
float64 with those weights; ``page_forward`` does the same arithmetic in torch, so the build can measure,
on the whole test split, what the quantisation costs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convlab.data import check_mnist, load_split, split_indices
from convlab.exercises import settings_query
from convlab.files import write_files
from convlab.model import IMAGE_SIZE, MnistConvNet
from convlab.run import RunFolder

LARGEST_LEVEL = 127  # int8, symmetric: -127..127, so that 0 is exactly 0 and the scale is max|w| / 127
MODEL_FILE = "model.json"
WEIGHTS_FILE = "model.bin"
DIGITS_PER_FILE = 50  # 39 kB a file: a static host sends binary files as they are, not gzipped
MISTAKES_SHOWN = 6


@dataclass(frozen=True)
class PageLayer:
    """One layer as the page stores it: its settings, int8 weights, per-output-channel scales, float32 bias."""

    name: str
    kind: str  # "conv" or "linear"
    levels: np.ndarray  # int8, the weight's shape
    scales: np.ndarray  # float32, one per output channel
    bias: np.ndarray  # float32
    relu: bool
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)

    def weight(self) -> torch.Tensor:
        """Return the weight the page computes with: each level times its channel's scale, in float64."""
        scales = torch.from_numpy(self.scales).double().reshape(-1, *[1] * (self.levels.ndim - 1))
        return torch.from_numpy(self.levels).double() * scales


def quantise(weight: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Return (int8 levels, float32 scales): ``weight ≈ levels * scale``, one scale per output channel.

    >>> levels, scales = quantise(torch.tensor([[0.5, -1.0], [0.0, 0.0]]))
    >>> levels.tolist(), scales.tolist()
    ([[64, -127], [0, 0]], [0.007874015718698502, 1.0])
    """
    flat = weight.detach().double().reshape(len(weight), -1)
    largest = flat.abs().amax(dim=1)
    scales = torch.where(largest > 0, largest / LARGEST_LEVEL, 1.0).float()  # an all-zero channel keeps scale 1
    levels = torch.round(flat / scales.double()[:, None]).clamp(-LARGEST_LEVEL, LARGEST_LEVEL)
    return levels.to(torch.int8).reshape(weight.shape).numpy(), scales.numpy()


def page_layers(model: MnistConvNet) -> list[PageLayer]:
    """Return the model's Conv2d and Linear layers as the page stores them, in order, each marked if ReLU follows."""
    named = list(model.named_modules())
    layers = []
    for position, (name, module) in enumerate(named):
        if not isinstance(module, nn.Conv2d | nn.Linear):
            continue
        levels, scales = quantise(module.weight)
        following = next((m for _, m in named[position + 1 :] if isinstance(m, nn.ReLU | nn.Conv2d | nn.Linear)), None)
        settings = {}
        if isinstance(module, nn.Conv2d):
            settings = {"stride": module.stride, "padding": module.padding, "dilation": module.dilation}
        layers.append(
            PageLayer(
                name=name,
                kind="conv" if isinstance(module, nn.Conv2d) else "linear",
                levels=levels,
                scales=scales,
                bias=module.bias.detach().float().numpy(),
                relu=isinstance(following, nn.ReLU),
                **settings,
            )
        )
    return layers


def page_forward(layers: list[PageLayer], images: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Return (the feature map after each conv + ReLU, the logits) for images (N, 1, 28, 28) in [0, 1],
    computed in float64 with the page's weights, as the page's JavaScript computes them."""
    x = images.double()
    maps = []
    for layer in layers:
        bias = torch.from_numpy(layer.bias).double()
        if layer.kind == "conv":
            x = F.conv2d(x, layer.weight(), bias, layer.stride, layer.padding, layer.dilation)
        else:
            x = F.linear(x.flatten(1), layer.weight(), bias)
        if layer.relu:
            x = torch.relu(x)
        if layer.kind == "conv":
            maps.append(x)
    return maps, x


def receptive_field(layers: list[PageLayer], layer: int, row: int, col: int) -> tuple[int, int, int, int]:
    """Return (top, left, bottom, right), inclusive, of the input cells that cell (row, col) of conv layer
    ``layer`` (1 = the first) reads; padding cells count, so the window can reach past the input's edge."""
    top, left, bottom, right = row, col, row, col
    convs = [each for each in layers if each.kind == "conv"]
    for conv in reversed(convs[:layer]):
        (s_h, s_w), (p_h, p_w), (d_h, d_w) = conv.stride, conv.padding, conv.dilation
        k_h, k_w = conv.levels.shape[2:]
        top, left = top * s_h - p_h, left * s_w - p_w
        bottom, right = bottom * s_h - p_h + d_h * (k_h - 1), right * s_w - p_w + d_w * (k_w - 1)
    return top, left, bottom, right


def multiply_adds(layers: list[PageLayer]) -> list[int]:
    """Return each layer's multiplications (each added into a sum) in one forward pass of one image: its
    outputs times the weights each output reads."""
    maps, _ = page_forward(layers, torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE))
    conv_outputs = iter(maps)
    counts = []
    for layer in layers:
        per_output = int(np.prod(layer.levels.shape[1:]))
        outputs = next(conv_outputs)[0].numel() if layer.kind == "conv" else layer.levels.shape[0]
        counts.append(outputs * per_output)
    return counts


@torch.no_grad()
def _float32_probabilities(model: MnistConvNet, images: torch.Tensor) -> torch.Tensor:
    return torch.cat([model(images[s : s + 500]).softmax(1) for s in range(0, len(images), 500)])


def _layer_json(layer: PageLayer, offset: int, output: list[int] | None) -> dict:
    entry = {
        "name": layer.name,
        "kind": layer.kind,
        "shape": list(layer.levels.shape),
        "offset": offset,
        "scales": [float(s) for s in layer.scales],
        "bias": [float(b) for b in layer.bias],
        "relu": layer.relu,
    }
    if layer.kind == "conv":
        entry.update(stride=list(layer.stride), padding=list(layer.padding), dilation=list(layer.dilation))
        entry["output"] = output
    return entry


def _mistakes(labels: torch.Tensor, page: torch.Tensor, float32: torch.Tensor) -> list[dict]:
    """The first test digits that the page's model and the float32 model both get wrong, in the same way."""
    predicted = page.argmax(1)
    wrong = (predicted != labels) & (predicted == float32.argmax(1))
    return [
        {
            "digit": int(k),
            "label": int(labels[k]),
            "predicted": int(predicted[k]),
            "probability": round(float(page[k, predicted[k]]), 4),
        }
        for k in torch.nonzero(wrong).flatten()[:MISTAKES_SHOWN]
    ]


def _exercises(layers: list[PageLayer], images: torch.Tensor, labels: torch.Tensor, maps) -> list[dict]:
    """Predict-then-check questions, each answered by this build's model; each names what to look at: a test
    ``digit`` (its number), or the explorer's query (``explore``) with one layer's settings."""
    one = int(torch.nonzero(labels == 1)[0])
    brightest = maps[0][one].amax(dim=(1, 2))
    top = brightest.argsort(descending=True)[:3].tolist()
    t, left, b, right = receptive_field(layers, 3, 1, 1)
    work = multiply_adds(layers)
    conv, linear = layers[1], layers[3]  # the second convolution and the first linear layer
    positions = work[1] // int(np.prod(conv.levels.shape))
    return [
        {
            "question": f"Test digit {one} is a 1: one upright stroke. Which layer-1 maps will be brightest?",
            "answer": f"Maps {top[0]}, {top[1]} and {top[2]}, with largest values "
            + ", ".join(f"{brightest[c]:.2f}" for c in top)
            + ". Select one to see its filter: do its weights pick out an upright edge?",
            "digit": one,
        },
        {
            "question": "How much of the 28×28 input does the middle cell of a layer-3 map see?",
            "answer": f"Rows {t} to {b} and columns {left} to {right}: a {b - t + 1}×{right - left + 1} window, "
            "from kernel 3 and strides 2, 2 and 3 stacked. Select a layer-3 map to see its window on the input.",
            "explore": settings_query(7, stride=3, padding=1),
        },
        {
            "question": f"Which does more multiply-adds: the second convolution ({conv.levels.size:,} weights) or "
            f"the first linear layer ({linear.levels.size:,} weights)?",
            "answer": f"The second convolution: {work[1]:,} multiply-adds, against {work[3]:,}, of {sum(work):,} "
            f"for the whole pass. A convolution uses each weight at every output position ({positions} of them "
            "here); a linear layer uses each weight once.",
            "explore": settings_query(14, stride=2, padding=1),
        },
    ]


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """Return each image's centre of mass (row, column), counting pixels from 0: (N, 2) for images (N, H, W)."""
    images = images.double()
    mass = images.sum(dim=(1, 2))
    rows = (images.sum(dim=2) * torch.arange(images.shape[1])).sum(dim=1) / mass
    cols = (images.sum(dim=1) * torch.arange(images.shape[2])).sum(dim=1) / mass
    return torch.stack([rows, cols], dim=1)


def _numbers(layers, page: torch.Tensor, float32: torch.Tensor, labels: torch.Tensor, digits, weight_bytes) -> dict:
    """The numbers the page prints, formatted as it prints them."""
    agree = int((page.argmax(1) == float32.argmax(1)).sum())
    centre = centre_of_mass(digits).mean(dim=0)
    weights = sum(layer.levels.size for layer in layers)
    parameters = sum(layer.levels.size + layer.bias.size for layer in layers)
    return {
        "page_accuracy": f"{float((page.argmax(1) == labels).double().mean()):.4f}",
        "wrong": f"{int((page.argmax(1) != labels).sum())}",
        "float32_accuracy": f"{float((float32.argmax(1) == labels).double().mean()):.4f}",
        "test_digits": f"{len(labels):,}",
        "agree": f"{agree:,}",
        "largest_difference": f"{float((page - float32.double()).abs().max()):.3f}",
        "parameters": f"{parameters:,}",
        "weights": f"{weights:,}",
        "biases": f"{sum(layer.bias.size for layer in layers):,}",
        "weights_kb": f"{weight_bytes / 1000:.0f}",
        "float32_kb": f"{4 * weights / 1000:.0f}",
        "multiply_adds": f"{sum(multiply_adds(layers)):,}",
        "centre_row": f"{centre[0]:.2f}",
        "centre_col": f"{centre[1]:.2f}",
    }


def write_web_model(run: Path, data_root: Path, out: Path) -> list[Path]:
    """Write the page's model, the test split's digits and the numbers the page prints into ``out``;
    return the files written (all of them, or none)."""
    model = RunFolder(run).load_model()
    check_mnist(data_root)
    test_images, test_labels = load_split(data_root, train=False)
    _, test_index = split_indices(len(test_labels))
    digits, labels = test_images[test_index], test_labels[test_index]
    images = digits[:, None].float() / 255

    layers = page_layers(model)
    maps, logits = page_forward(layers, images)
    page, float32 = logits.softmax(1), _float32_probabilities(model, images)

    weights = b"".join(layer.levels.tobytes() for layer in layers)
    offsets = np.cumsum([0] + [layer.levels.size for layer in layers[:-1]]).tolist()  # where each layer starts
    outputs = iter([list(m.shape[2:]) for m in maps])
    digit_files = {
        f"digits-{k:02d}.bin": digits[s : s + DIGITS_PER_FILE].numpy().tobytes()
        for k, s in enumerate(range(0, len(digits), DIGITS_PER_FILE))
    }
    manifest = {
        "weights": WEIGHTS_FILE,
        "quantisation": "int8, one scale per output channel: weight = level × scale, scale = max|w| / 127",
        "layers": [
            _layer_json(layer, offset, next(outputs) if layer.kind == "conv" else None)
            for layer, offset in zip(layers, offsets, strict=True)
        ],
        "test": {
            "count": len(labels),
            "labels": "".join(map(str, labels.tolist())),
            "per_file": DIGITS_PER_FILE,
            "files": list(digit_files),
            "size": IMAGE_SIZE,
        },
        "mistakes": _mistakes(labels, page, float32),
        "numbers": _numbers(layers, page, float32, labels, digits, len(weights)),
        "exercises": _exercises(layers, images, labels, maps),
    }
    contents = {
        out / MODEL_FILE: (json.dumps(manifest, indent=1) + "\n").encode("utf-8"),
        out / WEIGHTS_FILE: weights,
        **{out / name: data for name, data in digit_files.items()},
    }
    write_files(contents)
    return list(contents)
