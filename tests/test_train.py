"""Training: the recipe's split and scaling, a short real run, its files, seeding and bad input."""

import json
import shutil
import subprocess
import sys

import pytest
import torch
from torch.utils.data import random_split
from torchvision import datasets, transforms

from convlab.data import split_indices
from convlab.run import EpochResult, RunFolder, TrainConfig
from convlab.train import choose_runtime, to_batch, train


@pytest.fixture(scope="module")
def short_run(mnist_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    config = TrainConfig(epochs=2, data_root=str(mnist_root), out=str(out), train_limit=1280, seed=3)
    return out, train(config, log=lambda line: None)


def test_split_is_the_lessons_random_split_with_seed_20(mnist_root):
    test_set = datasets.MNIST(mnist_root, train=False, download=False)
    validation, test = random_split(test_set, [0.7, 0.3], generator=torch.Generator().manual_seed(20))
    ours_validation, ours_test = split_indices(10000)
    assert (len(ours_validation), len(ours_test)) == (7000, 3000)
    assert ours_validation.tolist() == validation.indices and ours_test.tolist() == test.indices


def test_batches_are_scaled_exactly_as_to_tensor(mnist_root):
    train_set = datasets.MNIST(mnist_root, train=True, download=False)
    images = train_set.data[:64]
    expected = torch.stack([transforms.ToTensor()(train_set[k][0]) for k in range(64)])
    batch = to_batch(images, choose_runtime())
    assert batch.shape == (64, 1, 28, 28)
    torch.testing.assert_close(batch, expected, rtol=0, atol=0)


def test_short_run_learns_and_writes_its_files(short_run):
    out, metrics = short_run
    first, second = metrics.epochs
    assert isinstance(first, EpochResult) and [first.epoch, second.epoch] == [1, 2]
    assert second.train_loss < first.train_loss
    assert metrics.test_accuracy > 0.5  # 1,280 images, two epochs: far above chance (0.1)
    assert RunFolder(out).metrics() == metrics
    assert json.loads((out / "metrics.json").read_text())["config"]["seed"] == 3
    assert metrics.config.epochs == 2 and metrics.config.seed == 3 and metrics.torch == torch.__version__
    assert (metrics.validation_size, metrics.test_size, metrics.train_size) == (7000, 3000, 1280)
    log = (out / "train.log").read_text().splitlines()
    assert log[0].startswith("Epoch 1/2: train loss ") and log[-1].startswith("Test loss ")
    state = torch.load(out / "model.pt", weights_only=True)
    assert state["classifier.3.weight"].shape == (10, 128)
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "model.pt", "train.log"]


def _without_times(metrics):
    data = metrics.to_json()
    drop = {"seconds", "finished", "config"}
    return {k: ([{**e, "seconds": 0} for e in v] if k == "epochs" else v) for k, v in data.items() if k not in drop}


def test_the_same_seed_gives_the_same_metrics(short_run, mnist_root, tmp_path):
    _, metrics = short_run
    again = train(
        TrainConfig(epochs=2, data_root=str(mnist_root), out=str(tmp_path), train_limit=1280, seed=3),
        log=lambda line: None,
    )
    assert _without_times(again) == _without_times(metrics)


def test_tensorboard_logs_are_written(mnist_root, tmp_path):
    train(
        TrainConfig(epochs=1, data_root=str(mnist_root), out=str(tmp_path), train_limit=64, tensorboard=True),
        log=lambda line: None,
    )
    assert list((tmp_path / "tensorboard").glob("**/events.out.tfevents.*"))


def test_an_interrupted_run_leaves_no_half_written_results(mnist_root, tmp_path, monkeypatch):
    (tmp_path / "metrics.json").write_text('{"old": true}')

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("convlab.run.json.dumps", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(
            TrainConfig(epochs=1, data_root=str(mnist_root), out=str(tmp_path), train_limit=64), log=lambda line: None
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"old": True}


def convlab_train(*args, cwd):
    return subprocess.run([sys.executable, "-m", "convlab", "train", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["--seed", "-1"], "--seed must be 0 or more, got -1"),
        (["--data-root", "nowhere"], "MNIST is not in nowhere/MNIST/raw"),
        (["--out", "blocker/run"], "cannot write blocker/run"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(mnist_root, tmp_path, args, says):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    # Defaults first: argparse lets the case's own flags, which come later, override them.
    result = convlab_train("--epochs", "1", "--train-limit", "64", "--data-root", str(mnist_root), *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr and "Traceback" not in result.stderr


def test_corrupt_data_names_the_file(mnist_root, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(mnist_root, root)
    (root / "MNIST/raw/t10k-images-idx3-ubyte").write_bytes(b"\0" * 100)
    result = convlab_train("--data-root", str(root), "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "t10k-images-idx3-ubyte" in result.stderr and "damaged" in result.stderr and "convlab data" in result.stderr
