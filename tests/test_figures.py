"""Figures of a short real run: every file written, valid, listed with alt text, and byte-for-byte repeatable."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image

from convlab.catalogue import FIGURES
from convlab.data import load_split, split_indices
from convlab.errors import UsageError
from convlab.figures import confusion, make_figures, most_common_mistakes, most_common_mistakes_text
from convlab.run import RunFolder, TrainConfig
from convlab.train import train


@pytest.fixture(scope="module")
def run(mnist_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    train(TrainConfig(epochs=2, data_root=str(mnist_root), out=str(out), train_limit=640), log=lambda line: None)
    return out


def test_every_figure_is_written_valid_and_described(run, mnist_root, tmp_path):
    figures = make_figures(run, mnist_root, tmp_path)
    manifest = json.loads((tmp_path / "figures.json").read_text())
    assert [f.file for f in figures] == [entry["file"] for entry in manifest.values()]
    assert {name: entry["file"] for name, entry in manifest.items()} == FIGURES
    for entry in manifest.values():
        path = tmp_path / entry["file"]
        if path.suffix == ".svg":
            assert ET.parse(path).getroot().tag.endswith("svg")
        else:
            with Image.open(path) as image:
                image.verify()
        assert len(entry["alt"]) > 40 and entry["caption"]
    metrics = RunFolder(run).metrics()
    assert f"{metrics.epochs[-1].val_loss:.4f}" in manifest["learning_curves"]["alt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FIGURES.values(), "figures.json", "explorer.json"])


def test_the_confusion_matrix_counts_the_models_own_predictions(run, mnist_root, tmp_path):
    make_figures(run, mnist_root, tmp_path)
    model = RunFolder(run).load_model()
    images, labels = load_split(mnist_root, train=False)
    _, test = split_indices(len(labels))
    with torch.no_grad():
        predicted = model(images[test, None].float() / 255).argmax(1).numpy()
    truth = labels[test].numpy()
    expected = np.zeros((10, 10), dtype=int)
    for true_digit, said in zip(truth, predicted, strict=True):
        expected[true_digit, said] += 1
    alt = json.loads((tmp_path / "figures.json").read_text())["confusion_matrix"]["alt"]
    wrong = int((truth != predicted).sum())
    assert f"{len(truth) - wrong} lie on the diagonal (correct) and {wrong} off it" in alt
    np.fill_diagonal(expected, 0)
    top = expected.max()
    tied = [f"a {i} read as a {j}" for i, j in zip(*np.nonzero(expected == top), strict=True)]
    assert all(pair in alt for pair in tied) and str(top) in alt


def test_figures_are_the_same_bytes_every_time(run, mnist_root, tmp_path):
    make_figures(run, mnist_root, tmp_path / "a")
    make_figures(run, mnist_root, tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_confusion_counts_true_rows_and_predicted_columns():
    matrix = confusion(np.array([1, 1, 2, 3]), np.array([1, 2, 2, 3]))
    assert matrix[1, 1] == 1 and matrix[1, 2] == 1 and matrix[2, 2] == 1 and matrix[3, 3] == 1
    assert matrix.sum() == 4


def test_a_tie_for_the_most_common_mistake_is_reported_as_a_tie():
    # 4 read as 9 twice, 7 read as 2 twice, 3 read as 5 once.
    matrix = confusion(np.array([4, 4, 7, 7, 3, 1]), np.array([9, 9, 2, 2, 5, 1]))
    assert most_common_mistakes(matrix) == ([(4, 9), (7, 2)], 2)
    assert most_common_mistakes_text(matrix) == (
        "The most common mistakes, tied at 2 times each, are a 4 read as a 9 and a 7 read as a 2."
    )
    single = confusion(np.array([4, 4, 7]), np.array([9, 9, 2]))
    assert most_common_mistakes_text(single) == "The most common mistake is a 4 read as a 9 (2 times)."
    assert most_common_mistakes_text(confusion(np.array([1]), np.array([1]))) == "The model made no mistake."


def test_figures_need_a_trained_run(mnist_root, tmp_path):
    with pytest.raises(UsageError, match=r"metrics\.json is missing: run `convlab train"):
        make_figures(tmp_path / "no-run", mnist_root, tmp_path / "out")
