"""The lesson's convolutional network for MNIST, and its layer shapes worked out with convlab's arithmetic."""

from __future__ import annotations

from torch import nn

from convlab.arithmetic import Geometry

IMAGE_SIZE = 28
# (in channels, out channels, kernel, padding, stride) of the three conv + ReLU blocks.
CONV_LAYERS = ((1, 32, 3, 1, 2), (32, 64, 3, 1, 2), (64, 128, 3, 1, 3))
HIDDEN = 128
CLASSES = 10


def feature_sizes(size: int = IMAGE_SIZE) -> list[int]:
    """Return the side length after each conv layer: floor((n + 2p - k) / s) + 1, i.e. [14, 7, 3] for 28."""
    sizes = []
    for _, _, kernel, padding, stride in CONV_LAYERS:
        size = Geometry.of(size, kernel, stride, padding).output[0]
        sizes.append(size)
    return sizes


def layer_shapes(size: int = IMAGE_SIZE) -> list[tuple[str, tuple[int, ...]]]:
    """Return (layer, output shape per image) for each layer of MnistConvNet, from the arithmetic alone."""
    shapes = []
    for (_, channels, *_), side in zip(CONV_LAYERS, feature_sizes(size), strict=True):
        shapes += [("Conv2d", (channels, side, side)), ("ReLU", (channels, side, side))]
    flat = CONV_LAYERS[-1][1] * feature_sizes(size)[-1] ** 2
    return [*shapes, ("Flatten", (flat,)), ("Linear", (HIDDEN,)), ("ReLU", (HIDDEN,)), ("Linear", (CLASSES,))]


class MnistConvNet(nn.Module):
    """Three stride-2/2/3 conv + ReLU blocks (28 -> 14 -> 7 -> 3), then a two-layer classifier: 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        blocks = []
        for in_channels, out_channels, kernel, padding, stride in CONV_LAYERS:
            blocks += [nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding), nn.ReLU()]
        self.features = nn.Sequential(*blocks)
        flat = CONV_LAYERS[-1][1] * feature_sizes()[-1] ** 2  # 128 * 3 * 3 = 1152
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(flat, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))

    def forward(self, x):
        """Return logits (N, 10) for images (N, 1, 28, 28)."""
        return self.classifier(self.features(x))
