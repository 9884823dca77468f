"""The first digit of the recipe's first shuffled training batch: the one the layers page prints first."""

from __future__ import annotations

from pathlib import Path

import torch

from convlab.data import load_split
from convlab.run import TrainConfig
from convlab.train import mnist_batches


def first_training_digit(data_root: Path) -> tuple[torch.Tensor, int]:
    """Return the image (uint8, 28×28) and label that start the recipe's first shuffled training batch: the digit
    the layers page prints first, from its DataLoader of the same batch size and seed."""
    images, labels = load_split(data_root, train=True)
    recipe = TrainConfig()
    shuffle = torch.Generator().manual_seed(recipe.seed)
    # The positions stand in for the labels, so the first batch says which images it holds.
    _, positions = next(iter(mnist_batches(images, torch.arange(len(labels)), recipe.batch_size, True, shuffle)))
    first = int(positions[0])
    return images[first], int(labels[first])
