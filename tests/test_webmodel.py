"""The digit page's model (convlab.webmodel): int8 levels as torch quantises them, the page's forward pass as
the model's own with those weights, receptive fields, and the files the build wrote, checked against the run,
the test split and the numbers the page prints."""

import copy
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from test_digit_js import window_torch_reads

from convlab.data import load_split, split_indices
from convlab.model import MnistConvNet
from convlab.webmodel import (
    DIGITS_PER_FILE,
    LARGEST_LEVEL,
    multiply_adds,
    page_forward,
    page_layers,
    quantise,
    receptive_field,
)


@pytest.fixture(scope="module")
def model(build_run):
    return build_run.load_model()


@pytest.fixture(scope="module")
def test_split(mnist_root):
    images, labels = load_split(mnist_root, train=False)
    _, index = split_indices(len(labels))
    return images[index], labels[index]


@pytest.fixture(scope="module")
def written(built_site):
    folder = built_site / "assets/model"
    return folder, json.loads((folder / "model.json").read_text())


def test_levels_are_the_nearest_of_255_steps_per_output_channel(model):
    for name, weight in model.state_dict().items():
        if not name.endswith("weight"):
            continue
        levels, scales = quantise(weight)
        assert levels.dtype == np.int8 and scales.dtype == np.float32 and len(scales) == len(weight), name
        largest = weight.reshape(len(weight), -1).abs().amax(dim=1)
        assert np.array_equal(scales, (largest.double() / 127).float().numpy()), name
        assert np.abs(levels.reshape(len(levels), -1)).max(axis=1).tolist() == [LARGEST_LEVEL] * len(levels), name
        scale = torch.from_numpy(scales).double().reshape(-1, *[1] * (weight.dim() - 1))
        assert ((torch.from_numpy(levels) * scale - weight.double()).abs() <= scale / 2 + 1e-12).all(), name


def test_the_page_forward_is_the_models_own_forward_with_the_page_weights(model, test_split):
    layers = page_layers(model)
    assert [(layer.kind, layer.relu) for layer in layers] == [("conv", True)] * 3 + [
        ("linear", True),
        ("linear", False),
    ]
    twin = MnistConvNet().double()
    twin.load_state_dict(
        {
            **{f"{layer.name}.weight": layer.weight() for layer in layers},
            **{f"{layer.name}.bias": torch.from_numpy(layer.bias).double() for layer in layers},
        }
    )
    images = test_split[0][:64, None].double() / 255
    maps, logits = page_forward(layers, images)
    with torch.no_grad():
        assert torch.allclose(logits, twin(images), atol=1e-12)
        assert torch.allclose(maps[1], twin.features[:4](images), atol=1e-12)


def test_receptive_fields_are_where_torchs_gradient_reaches(model):
    layers = page_layers(model)
    for layer, row, col in [(1, 0, 0), (2, 3, 3), (3, 1, 1), (3, 2, 0)]:
        top, left, bottom, right = receptive_field(layers, layer, row, col)
        clipped = [max(0, top), max(0, left), min(27, bottom), min(27, right)]
        assert clipped == window_torch_reads(copy.deepcopy(model), layer, row, col)


def test_multiply_adds_count_each_product_once(model):
    # conv: outputs × (in_channels · 3 · 3); linear: out × in. By hand for the lesson's network.
    by_hand = [32 * 14 * 14 * 9, 64 * 7 * 7 * 32 * 9, 128 * 3 * 3 * 64 * 9, 128 * 1152, 10 * 128]
    assert multiply_adds(page_layers(model)) == by_hand


def test_the_written_model_holds_the_runs_weights_and_the_test_split(written, model, test_split, build_run):
    folder, manifest = written
    levels = np.frombuffer((folder / manifest["weights"]).read_bytes(), dtype=np.int8)
    for entry, layer in zip(manifest["layers"], page_layers(model), strict=True):
        stored = levels[entry["offset"] : entry["offset"] + layer.levels.size].reshape(entry["shape"])
        assert np.array_equal(stored, layer.levels) and entry["scales"] == layer.scales.tolist(), entry["name"]
        assert entry["bias"] == layer.bias.tolist(), entry["name"]
    digits, labels = test_split
    test = manifest["test"]
    stored = b"".join((folder / name).read_bytes() for name in test["files"])
    assert stored == digits.numpy().tobytes() and len(test["files"]) == -(-len(labels) // DIGITS_PER_FILE)
    assert test["labels"] == "".join(map(str, labels.tolist()))
    assert manifest["numbers"]["float32_accuracy"] == f"{build_run.metrics().test_accuracy:.4f}"


def test_the_pages_accuracy_and_mistakes_are_the_int8_models(written, model, test_split):
    _, manifest = written
    digits, labels = test_split
    _, logits = page_forward(page_layers(model), digits[:, None].double() / 255)
    predicted = logits.argmax(1)
    assert manifest["numbers"]["page_accuracy"] == f"{(predicted == labels).double().mean():.4f}"
    assert manifest["mistakes"], "the build found digits the model gets wrong"
    for mistake in manifest["mistakes"]:
        k = mistake["digit"]
        assert labels[k] == mistake["label"] != mistake["predicted"] == predicted[k]


def test_webmodel_refuses_a_missing_run_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "convlab", "webmodel", "--run", str(tmp_path / "none"), "--out", str(tmp_path / "m")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "model.pt is missing" in result.stderr and not (tmp_path / "m").exists()
