"""A run folder: written whole, read back as typed values, and a damaged file named in one line."""

import json
import re

import pytest
import torch

from convlab.errors import UsageError
from convlab.model import MnistConvNet
from convlab.run import EpochResult, Metrics, RunFolder, Runtime, TrainConfig

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


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda run: run.metrics_file.unlink(), "metrics.json is missing: run `convlab train --out"),
        (lambda run: run.metrics_file.write_text('{"epochs": [\n'), "metrics.json is damaged (JSONDecodeError"),
        (lambda run: run.metrics_file.write_text("{}"), "metrics.json is damaged (KeyError"),
        (lambda run: run.metrics_file.write_text(json.dumps({**METRICS.to_json(), "epochs": [{}]})), "is damaged"),
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
    ],
)
def test_a_missing_or_damaged_model_is_named(run, damage, says):
    damage(run)
    with pytest.raises(UsageError, match=re.escape(says)) as error:
        run.load_model()
    assert "\n" not in str(error.value) and f"convlab train --out {run.path}" in str(error.value)
