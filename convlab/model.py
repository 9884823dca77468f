"""The lesson's convolutional network for MNIST, and its layer shapes worked out with convlab's arithmetic."""

from __future__ import annotations

from torch import nn

from convlab.arithmetic import Geometry

IMAGE_SIZE = 28


class MnistConvNet(nn.Module):
    """Three conv + ReLU blocks (28 -> 14 -> 7 -> 3 cells a side), then a two-layer classifier: 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1, stride=2),  # (N, 32, 14, 14)
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, padding=1, stride=2),  # (N, 64, 7, 7)
            nn.ReLU(),
            nn.Conv2d(64, 128, kernel_size=3, padding=1, stride=3),  # (N, 128, 3, 3)
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 1152)
            nn.Linear(128 * 3 * 3, 128),
            nn.ReLU(),
            nn.Linear(128, 10),  # (N, 10): one logit per digit
        )

    def forward(self, x):
        """Return logits (N, 10) for images (N, 1, 28, 28)."""
        return self.classifier(self.features(x))


def conv_layers(model: nn.Module | None = None) -> list[nn.Conv2d]:
    """Return the Conv2d layers of the model (by default a fresh MnistConvNet), in order."""
    return [layer for layer in (model or MnistConvNet()).modules() if isinstance(layer, nn.Conv2d)]


def feature_sizes(size: int = IMAGE_SIZE) -> list[int]:
    """Return the side length after each conv layer: floor((n + 2p - k) / s) + 1, i.e. [14, 7, 3] for 28."""
    sizes = []
    for conv in conv_layers():
        size = Geometry.of(size, conv.kernel_size, conv.stride, conv.padding, conv.dilation).output[0]
        sizes.append(size)
    return sizes


def layer_shapes(size: int = IMAGE_SIZE) -> list[tuple[str, tuple[int, ...]]]:
    """Return (layer, output shape per image) for each layer of MnistConvNet, from the arithmetic alone."""
    model = MnistConvNet()
    sides = iter(feature_sizes(size))
    shape: tuple[int, ...] = (1, size, size)
    shapes = []
    for layer in [*model.features, *model.classifier]:
        if isinstance(layer, nn.Conv2d):
            side = next(sides)
            shape = (layer.out_channels, side, side)
        elif isinstance(layer, nn.Flatten):
            shape = (shape[0] * shape[1] * shape[2],)
        elif isinstance(layer, nn.Linear):
            shape = (layer.out_features,)
        shapes.append((type(layer).__name__, shape))
    return shapes
