"""Training: the recipe's split and batches, the page's loop, a short real run, its files, seeding, checkpoints
and --resume, and bad input."""

import ast
import dataclasses
import errno
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from in_process import convlab_in_process
from terminal import run_in_terminal
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

from convlab import cli
from convlab.data import split_indices
from convlab.errors import UsageError
from convlab.folders import RUN_DIR
from convlab.run import EpochResult, RunFolder, TrainConfig
from convlab.train import mnist_batches, train, training_code_digest

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_are_the_plain_dataloaders_batches_in_the_same_order(mnist_root, shuffle):
    train_set = datasets.MNIST(mnist_root, train=True, download=False, transform=transforms.ToTensor())
    plain = DataLoader(train_set, batch_size=64, shuffle=shuffle, generator=torch.Generator().manual_seed(7))
    ours = mnist_batches(
        train_set.data, train_set.targets, 64, shuffle, torch.Generator().manual_seed(7), channels_last=True
    )
    assert len(ours) == len(plain) == 938
    for epoch in range(2):  # the second epoch's order follows from the same generator in both
        for step, ((x, y), (plain_x, plain_y)) in enumerate(zip(ours, plain, strict=False)):
            assert x.shape == (64, 1, 28, 28) and x.is_contiguous(memory_format=torch.channels_last)
            torch.testing.assert_close(x, plain_x, rtol=0, atol=0)
            assert torch.equal(y, plain_y), (epoch, step)
            if step == 2:
                break


def _functions(path: Path, names: set[str]) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    return {node.name: ast.dump(node) for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names}


def test_the_loop_on_the_cnn_page_is_the_loop_convlab_train_runs():
    names = {"train_one_epoch", "evaluate"}
    page = _functions(ROOT / "notebooks/cnn.py", names)
    assert set(page) == names
    assert page == _functions(ROOT / "convlab/train.py", names)


def test_in_float32_convlab_train_computes_what_the_plain_loop_on_the_page_computes(mnist_root, tmp_path):
    from convlab.model import MnistConvNet
    from convlab.train import evaluate, train_one_epoch

    train_set = datasets.MNIST(mnist_root, train=True, download=False, transform=transforms.ToTensor())
    loader = DataLoader(
        torch.utils.data.Subset(train_set, range(640)),
        batch_size=64,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    torch.manual_seed(0)
    model = MnistConvNet()
    optimizer = torch.optim.Adam(model.parameters())
    loss, accuracy = train_one_epoch(model, loader, torch.nn.CrossEntropyLoss(), optimizer)

    config = TrainConfig(epochs=1, data_root=str(mnist_root), out=str(tmp_path), train_limit=640, float32=True)
    metrics = train(config, log=_quiet)
    assert metrics.runtime.dtype == "float32"
    (epoch,) = metrics.epochs
    assert epoch.train_loss == pytest.approx(loss, rel=1e-4) and epoch.train_accuracy == accuracy
    ours = RunFolder(tmp_path).load_model().state_dict()
    for name, weights in model.state_dict().items():  # channels-last and fused Adam round differently, slightly
        torch.testing.assert_close(ours[name], weights, rtol=1e-3, atol=1e-4)
    test = datasets.MNIST(mnist_root, train=False, download=False, transform=transforms.ToTensor())
    _, test_indices = split_indices(len(test))
    plain_test = DataLoader(torch.utils.data.Subset(test, test_indices.tolist()), batch_size=64)
    _, plain_accuracy = evaluate(model, plain_test, torch.nn.CrossEntropyLoss())
    assert abs(plain_accuracy - metrics.test_accuracy) <= 2 / len(test_indices)


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


def _quiet(line):
    pass


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
        train(TrainConfig(epochs=1, data_root=str(mnist_root), out=str(tmp_path), train_limit=64), log=_quiet)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"old": True}


def _stopped_during(epoch: int):
    """Return a log function that stops the run (as Ctrl-C would) when it reports the given epoch."""

    def log(line):
        if line.startswith(f"Epoch {epoch}/"):
            raise KeyboardInterrupt

    return log


def test_a_stopped_run_resumes_and_ends_as_if_it_had_not_stopped(mnist_root, tmp_path):
    settings = {"epochs": 3, "data_root": str(mnist_root), "train_limit": 640, "seed": 5}
    whole = train(TrainConfig(**settings, out=str(tmp_path / "whole")), log=_quiet)
    config = TrainConfig(**settings, out=str(tmp_path / "stopped"))
    with pytest.raises(KeyboardInterrupt):
        train(config, log=_stopped_during(3))
    folder = RunFolder(tmp_path / "stopped")
    assert sorted(p.name for p in folder.path.iterdir()) == ["checkpoint.pt"]  # epochs 1 and 2 kept
    assert [e.epoch for e in folder.checkpoint().epochs] == [1, 2]

    lines = []
    resumed = train(config, resume=True, log=lines.append)
    assert lines[0].startswith("Resuming after epoch 2/3") and lines[1].startswith("Epoch 3/3")
    assert _without_times(resumed) == _without_times(whole)
    ours, theirs = (torch.load(tmp_path / name / "model.pt", weights_only=True) for name in ("stopped", "whole"))
    assert all(torch.equal(ours[name], theirs[name]) for name in theirs)
    assert sorted(p.name for p in folder.path.iterdir()) == ["metrics.json", "model.pt", "train.log"]
    assert len(folder.log_file.read_text().splitlines()) == 4  # three epochs and the test line, none twice


def test_resume_with_nothing_to_resume_starts_from_the_first_epoch(mnist_root, tmp_path):
    # The build always trains with --resume, so that a build killed while training continues where it was.
    lines = []
    config = TrainConfig(epochs=1, data_root=str(mnist_root), out=str(tmp_path), train_limit=64)
    train(config, resume=True, log=lines.append)
    assert lines[0].startswith("Epoch 1/1") and RunFolder(tmp_path).metrics().config == config


def test_a_checkpoint_from_other_training_code_is_not_continued(mnist_root, tmp_path, monkeypatch):
    # A maintainer edits the model while a build is stopped mid-training: the build's --resume starts again.
    config = TrainConfig(epochs=2, data_root=str(mnist_root), out=str(tmp_path), train_limit=64)
    with pytest.raises(KeyboardInterrupt):
        train(config, log=_stopped_during(2))
    assert RunFolder(tmp_path).checkpoint().code == training_code_digest()
    monkeypatch.setattr("convlab.train.training_code_digest", lambda: "code edited since")
    lines = []
    train(config, resume=True, log=lines.append)
    assert (
        lines[0]
        == f"{tmp_path / 'checkpoint.pt'} was written by other convlab training code: starting from the first epoch"
    )
    assert lines[1].startswith("Epoch 1/2") and not (tmp_path / "checkpoint.pt").exists()


def test_an_unfinished_run_is_never_overwritten_nor_resumed_with_other_settings(mnist_root, tmp_path):
    config = TrainConfig(epochs=2, data_root=str(mnist_root), out=str(tmp_path), train_limit=64)
    with pytest.raises(KeyboardInterrupt):
        train(config, log=_stopped_during(2))
    checkpoint = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(UsageError, match=r"holds an unfinished run \(1 of 2 epochs done\): add --resume"):
        train(config, log=_quiet)
    with pytest.raises(UsageError, match="was started with --epochs 2 --train-limit 64, not --epochs 5 --train-limit"):
        train(TrainConfig(data_root=str(mnist_root), out=str(tmp_path)), resume=True, log=_quiet)
    assert (tmp_path / "checkpoint.pt").read_bytes() == checkpoint
    resumed = train(config, resume=True, log=_quiet)
    assert [e.epoch for e in resumed.epochs] == [1, 2] and not (tmp_path / "checkpoint.pt").exists()


def test_a_full_disk_is_one_line_naming_the_file_and_keeps_the_old_run(mnist_root, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.pt").write_bytes(b"the old weights")
    write_bytes = Path.write_bytes

    def full_disk(path, data):
        if path.name.startswith(".model.pt."):
            raise OSError(errno.ENOSPC, "No space left on device")  # as write() reports it: no file name
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    args = ["train", "--epochs", "1", "--train-limit", "64", "--data-root", str(mnist_root), "--out", str(out)]
    assert cli.main(args) == 2
    error = capsys.readouterr().err
    assert error.endswith(f"\nconvlab: error: cannot write {out / 'model.pt'}: No space left on device\n")
    assert "Traceback" not in error and error.count("error") == 1
    assert sorted(p.name for p in out.iterdir()) == ["model.pt"]
    assert (out / "model.pt").read_bytes() == b"the old weights"


def test_the_lesson_recipe_is_the_defaults_wherever_the_run_is_written():
    assert TrainConfig().is_lesson_recipe()
    assert TrainConfig(out="elsewhere", data_root="/data", tensorboard=True).is_lesson_recipe()
    for change in ({"epochs": 2}, {"batch_size": 32}, {"seed": 1}, {"eval_batch_size": 1000}, {"train_limit": 500}):
        assert not TrainConfig(**change).is_lesson_recipe(), change
    assert RUN_DIR == "runs/mnist"


def convlab_train(*args, cwd):
    return subprocess.run([sys.executable, "-m", "convlab", "train", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--epochs", "0"], "--epochs must be from 1 to 1000, got 0"),
        (["--seed", "-1"], "--seed must be a whole number from 0 to 18446744073709551615 (2**64 - 1), got -1"),
        (["--data-root", "nowhere"], "MNIST is not in nowhere/MNIST/raw"),
        (["--out", "blocker/run"], "cannot write into blocker/run: blocker is a file"),
        (["--seed", "99999999999999999999999"], "--seed: '99999999999999999999999' is too large"),
        (["--data-root", "/nonexistent"], "MNIST is not in /nonexistent/MNIST/raw"),
        (["--threads", "0"], "--threads must be from 1 to"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_creates_nothing(mnist_root, tmp_path, args, says, monkeypatch, capsys):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    # Defaults first: argparse lets the case's own flags, which come later, override them.
    flags = ["--epochs", "1", "--train-limit", "64", "--data-root", str(mnist_root), *args]
    result = convlab_in_process("train", *flags, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_the_quick_try_writes_its_own_folder_not_the_builds(mnist_root, tmp_path):
    result = convlab_train("--epochs", "1", "--train-limit", "64", "--data-root", str(mnist_root), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [f"{RUN_DIR}/{name}" for name in ("metrics.json", "model.pt", "train.log")]
    assert not RunFolder(tmp_path / RUN_DIR).metrics().config.is_lesson_recipe()


def test_corrupt_data_names_the_file(mnist_root, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(mnist_root, root)
    (root / "MNIST/raw/t10k-images-idx3-ubyte").write_bytes(b"\0" * 100)
    result = convlab_train("--data-root", str(root), "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "t10k-images-idx3-ubyte" in result.stderr and "damaged" in result.stderr and "convlab data" in result.stderr


@pytest.fixture(scope="module")
def stopped_run(mnist_root, tmp_path_factory):
    """A run of 3 epochs stopped after its first: its settings and the bytes of its checkpoint."""
    out = tmp_path_factory.mktemp("stopped")
    config = TrainConfig(epochs=3, data_root=str(mnist_root), out=str(out), train_limit=128, seed=2)
    with pytest.raises(KeyboardInterrupt):
        train(config, log=_stopped_during(2))
    return config, (out / "checkpoint.pt").read_bytes()


def _flipped(data: bytes) -> bytes:
    middle = len(data) // 2  # inside the weights' bytes, which the zip itself does not check
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 4]) + data[middle + 4 :]


def _rewritten(**fields):
    """Return a damage that writes the checkpoint again, with a correct digest, with some fields replaced."""

    def damage(folder: RunFolder):
        checkpoint = folder.checkpoint()
        changed = {name: make(checkpoint) for name, make in fields.items()}
        folder.write_checkpoint(dataclasses.replace(checkpoint, **changed))

    return damage


def _wrong_adam_state(checkpoint):
    state = {**checkpoint.optimizer["state"], 0: {**checkpoint.optimizer["state"][0], "exp_avg": torch.zeros(2)}}
    return {**checkpoint.optimizer, "state": state}


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda f: f.checkpoint_file.write_bytes(_flipped(f.checkpoint_file.read_bytes())), "is damaged (its contents"),
        (lambda f: f.checkpoint_file.write_bytes(b"not a zip" * 50), "is damaged (not a file that torch.save wrote)"),
        (lambda f: f.checkpoint_file.write_bytes(f.checkpoint_file.read_bytes()[:2000]), "is damaged ("),
        (
            lambda f: torch.save({"what": 1}, f.checkpoint_file),
            "is damaged (not a checkpoint that convlab train wrote)",
        ),
        (
            _rewritten(model=lambda c: {**c.model, "features.0.weight": torch.zeros(3, 3)}),
            "does not fit this model (Error(s) in loading state_dict for MnistConvNet: size mismatch",
        ),
        (_rewritten(shuffle_state=lambda c: torch.zeros(3, dtype=torch.uint8)), "does not fit this model (Expected"),
        (_rewritten(optimizer=_wrong_adam_state), "does not fit this model (Adam's exp_avg of weight 0 is [2]"),
        (
            _rewritten(
                epochs=lambda c: tuple(dataclasses.replace(c.epochs[0], epoch=k) for k in range(1, 16)),
                log_lines=lambda c: c.log_lines * 15,
            ),
            "is damaged (it claims 15 of 3 epochs done; an unfinished run has 1 to 2)",
        ),
        (_rewritten(log_lines=lambda c: ()), "is damaged (its epochs and log lines do not count 1 to 1)"),
    ],
)
def test_a_damaged_checkpoint_is_refused_in_one_line_and_kept(stopped_run, tmp_path, damage, says, monkeypatch, capsys):
    config, checkpoint = stopped_run
    config = dataclasses.replace(config, out=str(tmp_path))
    folder = RunFolder(tmp_path)
    folder.checkpoint_file.write_bytes(checkpoint)
    damage(folder)
    damaged = folder.checkpoint_file.read_bytes()
    result = convlab_in_process(
        "train", *_flags(config), "--resume", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"convlab: error: {folder.checkpoint_file} ")
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr
    assert result.stderr.rstrip().endswith("delete it to train from the start") and "weights_only" not in result.stderr
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]
        and folder.checkpoint_file.read_bytes() == damaged
    )


def test_the_checkpoint_as_written_resumes(stopped_run, tmp_path):
    config, checkpoint = stopped_run
    (tmp_path / "checkpoint.pt").write_bytes(checkpoint)
    result = convlab_train(*_flags(dataclasses.replace(config, out=str(tmp_path))), "--resume", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("Resuming after epoch 1/3")


def _flags(config: TrainConfig) -> list[str]:
    return [
        "--epochs",
        str(config.epochs),
        "--train-limit",
        str(config.train_limit),
        "--seed",
        str(config.seed),
        "--data-root",
        config.data_root,
        "--out",
        config.out,
    ]


def test_training_shows_a_bar_of_batches_on_a_terminal_and_only_its_lines_in_a_log(mnist_root, tmp_path):
    command = [Path(sys.executable).parent / "convlab", "train", "--epochs", "1", "--train-limit", "640"]
    command += ["--data-root", str(mnist_root)]
    status, shown = run_in_terminal([*command, "--out", "terminal"], tmp_path)
    assert status == 0, shown
    assert re.search(r"Epoch 1/1: +\d+%.*\| \d+/10 \[", shown), shown  # 640 images: 10 batches of 64
    logged = subprocess.run([*command, "--out", "log"], cwd=tmp_path, capture_output=True, text=True)
    lines = (tmp_path / "log/train.log").read_text().splitlines()
    assert logged.returncode == 0 and logged.stderr.splitlines() == lines, logged.stderr
