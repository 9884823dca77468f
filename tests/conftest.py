"""Shared fixtures: the real MNIST files, built once per test session from the packaged pickle."""

import pytest

from convlab.data import ensure_mnist


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory):
    """Return a data root holding the four official MNIST IDX files (checked by MD5)."""
    root = tmp_path_factory.mktemp("data")
    ensure_mnist(root, log=lambda line: None)
    return root
