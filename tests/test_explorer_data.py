"""The explorer's data file holds the model's own first-layer weights and the shape torch computes for them."""

import torch

from convlab.explorer_data import explorer_data
from convlab.model import MnistConvNet


def test_explorer_data_is_the_first_layers_weights_and_the_output_size_torch_computes():
    torch.manual_seed(0)
    model = MnistConvNet()
    digit = torch.randint(0, 256, (28, 28), dtype=torch.uint8)
    data = explorer_data(model, digit, 7)
    conv = model.features[0]
    assert torch.equal(torch.tensor(data["filters"]), conv.weight.detach()[:, 0])
    assert torch.equal(torch.tensor(data["bias"]), conv.bias.detach())
    assert data["output_size"] == list(conv(digit[None, None].float()).shape[-2:])
    assert data["kernel_size"] == list(conv.kernel_size) and data["stride"] == list(conv.stride)
    assert data["digit"] == digit.tolist() and data["label"] == 7
