"""The lesson's CNN: its shapes from convlab's arithmetic agree with torch and with the hand-worked 14/7/3."""

import torch
from torch import nn

from convlab.model import MnistConvNet, feature_sizes, layer_shapes


def test_feature_sizes_are_the_hand_worked_14_7_3():
    # floor((28+2-3)/2)+1 = 14, floor((14+2-3)/2)+1 = 7, floor((7+2-3)/3)+1 = 3
    assert feature_sizes() == [14, 7, 3]


def test_layer_shapes_match_what_torch_computes():
    model = MnistConvNet()
    layers = [*model.features, *model.classifier]
    shapes = []
    x = torch.zeros(2, 1, 28, 28)
    for layer in layers:
        x = layer(x)
        shapes.append((type(layer).__name__, tuple(x.shape[1:])))
    assert shapes == layer_shapes()


def test_the_layers_are_the_lessons():
    model = MnistConvNet()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding, c.stride) for c in convs] == [
        (1, 32, (3, 3), (1, 1), (2, 2)),
        (32, 64, (3, 3), (1, 1), (2, 2)),
        (64, 128, (3, 3), (1, 1), (3, 3)),
    ]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(128 * 3 * 3, 128), (128, 10)]


def test_a_batch_of_64_gives_64_by_10_logits():
    assert MnistConvNet()(torch.rand(64, 1, 28, 28)).shape == (64, 10)
