"""The recipe's first training digit is the one the layers page's plain DataLoader prints first."""

import torch
from torch.utils.data import DataLoader, TensorDataset

from convlab.data import load_split
from convlab.first_batch import first_training_digit


def _first_digit_of_the_layers_page(mnist_root):
    """Return the first image (float, as ToTensor makes it) and label of the layers page's first training batch:
    a plain DataLoader, batches of 64 shuffled by a generator seeded with 0."""
    images, labels = load_split(mnist_root, train=True)
    dataset = TensorDataset(images.float() / 255, labels)
    loader = DataLoader(dataset, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
    batch, batch_labels = next(iter(loader))
    return batch[0], int(batch_labels[0])


def test_the_first_training_digit_is_the_one_the_layers_page_prints_first(mnist_root):
    image, label = _first_digit_of_the_layers_page(mnist_root)
    digit, digit_label = first_training_digit(mnist_root)
    assert digit.dtype == torch.uint8 and digit.shape == (28, 28)
    assert torch.equal(digit.float() / 255, image) and digit_label == label
