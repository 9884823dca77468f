"""A run folder: written whole, read back as typed values, and a damaged file named in one line."""

import json
import re

import pytest
import torch

from convlab.errors import UsageError
from convlab.model import MnistConvNet
from convlab.run import EpochResult, Metrics, RunFolder, Runtime, TrainConfig, contents_digest

METRICS = Metrics(
    config=TrainConfig(epochs=1),
    runtime=Runtime("cpu", 2, True, True, "float32", "x86_64"),
    epochs=(EpochResult(1, 0.2, 0.9, 0.1, 0.95, 5.0),),
    test_loss=0.1,
    test_accuracy=0.96,
    train_size=100,
    validation_size=7000,
    test_size=3000,
    seconds=5.5,
    torch=torch.__version__,
    finished="2026-11-25 12:00 UTC",
)


@pytest.fixture
def run(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.path.mkdir()
    folder.write(MnistConvNet().state_dict(), METRICS, ["Epoch 1/1: ...", "Test loss 0.1000"])
    return folder


def test_a_run_reads_back_what_was_written(run):
    assert run.metrics() == METRICS
    assert run.log_file.read_text() == "Epoch 1/1: ...\nTest loss 0.1000\n"
    assert isinstance(run.load_model(), MnistConvNet)
    assert sorted(p.name for p in run.path.iterdir()) == ["metrics.json", "model.pt", "train.log"]


def _edit_metrics(run, **fields):
    run.metrics_file.write_text(json.dumps({**METRICS.to_json(), **fields}))


def _edit_epoch(run, **fields):
    _edit_metrics(run, epochs=[{**METRICS.to_json()["epochs"][0], **fields}])


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda run: run.metrics_file.unlink(), "metrics.json is missing: run `convlab train --out"),
        (lambda run: run.metrics_file.write_text('{"epochs": [\n'), "metrics.json is damaged (JSONDecodeError"),
        (lambda run: run.metrics_file.write_text("{}"), "metrics.json is damaged (KeyError"),
        (lambda run: run.metrics_file.write_text(json.dumps({**METRICS.to_json(), "epochs": [{}]})), "is damaged"),
        (lambda run: _edit_metrics(run, epochs=[]), "its epochs are not 1 to 1, as its settings say"),
        (lambda run: _edit_epoch(run, epoch=2), "its epochs are not 1 to 1"),
        (lambda run: _edit_epoch(run, train_loss=float("nan")), "epoch 1 has a loss of nan; a loss is a finite number"),
        (lambda run: _edit_epoch(run, val_loss=-1), "epoch 1 has a loss of -1; a loss is a finite number, 0 or more"),
        (lambda run: _edit_epoch(run, val_accuracy=7), "epoch 1 has an accuracy of 7; an accuracy is from 0 to 1"),
        (lambda run: _edit_metrics(run, test_accuracy="0.9"), "test has an accuracy of 0.9; an accuracy is from 0"),
        (lambda run: _edit_metrics(run, test_loss=float("inf")), "test has a loss of inf"),
    ],
)
def test_a_missing_or_damaged_metrics_file_is_named(run, damage, says):
    damage(run)
    with pytest.raises(UsageError, match=re.escape(says)) as error:
        run.metrics()
    assert str(run.metrics_file) in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda run: run.model_file.unlink(), "model.pt is missing"),
        (lambda run: run.model_file.write_bytes(run.model_file.read_bytes()[:1000]), "model.pt is damaged"),
        (lambda run: torch.save({"weight": torch.zeros(2)}, run.model_file), "not this model's weights"),
        (
            lambda run: run.model_file.write_bytes(b"junk"),
            "model.pt is damaged (not a file that torch.save wrote)",
        ),
        (lambda run: run.model_file.write_bytes(b"junk" * 100), "(not a file that torch.save wrote)"),
    ],
)
def test_a_missing_or_damaged_model_is_named(run, damage, says):
    damage(run)
    with pytest.raises(UsageError, match=re.escape(says)) as error:
        run.load_model()
    assert "\n" not in str(error.value) and f"convlab train --out {run.path}" in str(error.value)
    assert "weights_only" not in str(error.value)  # torch's advice to load the file unsafely is not passed on


def test_a_checkpoints_digest_covers_every_number_in_it():
    model = MnistConvNet()
    state = {"model": model.state_dict(), "step": torch.tensor(3.0), "lines": ["a"], "n": 1}
    same = {"model": {k: v.clone() for k, v in model.state_dict().items()}, "step": torch.tensor(3.0), "lines": ["a"]}
    assert contents_digest(state) == contents_digest({**same, "n": 1})
    changed = {k: v.clone() for k, v in model.state_dict().items()}
    changed["features.0.weight"].view(-1)[7] += 1e-6
    assert contents_digest({**state, "model": changed}) != contents_digest(state)
    assert contents_digest({**state, "step": torch.tensor(3.0, dtype=torch.float64)}) != contents_digest(state)
    assert contents_digest({**state, "step": torch.tensor([3.0])}) != contents_digest(state)  # shape
    assert contents_digest({**state, "n": 2}) != contents_digest(state)
