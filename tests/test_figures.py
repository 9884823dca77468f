"""Figures of a short real run: every file written, valid, listed with alt text, and byte-for-byte repeatable."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from convlab.figures import confusion, make_figures
from convlab.train import TrainConfig, train


@pytest.fixture(scope="module")
def run(mnist_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    train(TrainConfig(epochs=2, data_root=str(mnist_root), out=str(out), train_limit=640), log=lambda line: None)
    return out


def test_every_figure_is_written_valid_and_described(run, mnist_root, tmp_path):
    figures = make_figures(run, mnist_root, tmp_path)
    manifest = json.loads((tmp_path / "figures.json").read_text())
    assert [f.file for f in figures] == [entry["file"] for entry in manifest.values()]
    assert set(manifest) == {
        "learning_curves",
        "filters",
        "feature_maps",
        "confusion_matrix",
        "mistakes",
        "conv_relu_demo",
    }
    for entry in manifest.values():
        path = tmp_path / entry["file"]
        if path.suffix == ".svg":
            assert ET.parse(path).getroot().tag.endswith("svg")
        else:
            with Image.open(path) as image:
                image.verify()
        assert len(entry["alt"]) > 40 and entry["caption"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert f"{metrics['epochs'][-1]['val_loss']:.4f}" in manifest["learning_curves"]["alt"]


def test_figures_are_the_same_bytes_every_time(run, mnist_root, tmp_path):
    make_figures(run, mnist_root, tmp_path / "a")
    make_figures(run, mnist_root, tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_confusion_counts_true_rows_and_predicted_columns():
    matrix = confusion(np.array([1, 1, 2, 3]), np.array([1, 2, 2, 3]))
    assert matrix[1, 1] == 1 and matrix[1, 2] == 1 and matrix[2, 2] == 1 and matrix[3, 3] == 1
    assert matrix.sum() == 4


def test_figures_need_a_trained_run(mnist_root, tmp_path):
    from convlab.data import DataError

    with pytest.raises(DataError, match=r"metrics\.json is missing: run `convlab train"):
        make_figures(tmp_path / "no-run", mnist_root, tmp_path / "out")
