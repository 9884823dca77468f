"""A training run's folder: what ``convlab train`` writes, and what figures, notebooks and pages read.

    RUN/metrics.json   the run's settings (TrainConfig), how it used the machine (Runtime), every epoch's
                       numbers and the test result: a ``Metrics`` value written out
    RUN/train.log      the lines training printed
    RUN/model.pt       the trained weights (the model's state dict)
    RUN/checkpoint.pt  only while a run is unfinished: everything needed to continue it (``--resume``)

``RunFolder(path).write(...)`` writes the three files of a finished run; ``RunFolder(path).metrics()``
and ``.load_model()`` read them back as typed values, with a one-line error that names a missing or
damaged file and says what to run. Reading the metrics needs neither torch nor numpy (the page build
reads them); only the weights import torch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import pickle
from dataclasses import dataclass
from pathlib import Path

from convlab.errors import UsageError, cut
from convlab.files import check_can_create, write_files
from convlab.folders import DATA_ROOT, RUN_DIR
from convlab.machine import available_cores

LARGEST_SEED = 2**64 - 1  # torch.manual_seed takes 64 bits
TRAINING_IMAGES = 60_000  # MNIST's training set: no batch or limit needs more
MOST_EPOCHS = 1000  # about three hours here, far past where this model stops improving


# The settings that decide what a run computes; a run is the lesson's when they are the defaults.
RECIPE = ("epochs", "batch_size", "seed", "eval_batch_size", "train_limit")


@dataclass(frozen=True)
class TrainConfig:
    """The settings of one training run; saved in metrics.json beside the numbers."""

    epochs: int = 5
    batch_size: int = 64
    seed: int = 0
    data_root: str = DATA_ROOT
    out: str = RUN_DIR
    eval_batch_size: int = 64  # validation and test, as the lesson's DataLoaders
    train_limit: int | None = None  # use only the first N training images (smoke runs)
    tensorboard: bool = False
    float32: bool = False  # no bfloat16 autocast, even where the CPU computes bfloat16 natively
    threads: int = 1  # CPU threads: one keeps the time steady on a busy machine (see train.choose_runtime)

    def check(self) -> None:
        """Raise UsageError, saying what to change, for settings the run cannot use."""
        if not 1 <= self.epochs <= MOST_EPOCHS:
            raise UsageError(f"--epochs must be from 1 to {MOST_EPOCHS}, got {self.epochs}")
        if not 0 <= self.seed <= LARGEST_SEED:
            raise UsageError(f"--seed must be a whole number from 0 to {LARGEST_SEED} (2**64 - 1), got {self.seed}")
        if not 1 <= self.batch_size <= TRAINING_IMAGES:
            raise UsageError(
                f"--batch-size must be from 1 to {TRAINING_IMAGES:,} (the training set), got {self.batch_size}"
            )
        if not 1 <= self.eval_batch_size <= TRAINING_IMAGES:
            raise UsageError(
                f"the evaluation batch size must be from 1 to {TRAINING_IMAGES:,}, got {self.eval_batch_size}"
            )
        if self.train_limit is not None and not 1 <= self.train_limit <= TRAINING_IMAGES:
            raise UsageError(
                f"--train-limit must be from 1 to {TRAINING_IMAGES:,} (the training set), got {self.train_limit}"
            )
        cores = available_cores()
        if not 1 <= self.threads <= cores:
            raise UsageError(
                f"--threads must be from 1 to {cores}, the cores this machine gives it, got {self.threads}"
            )

    def recipe(self) -> dict:
        """Return the settings that decide what the run computes (not where it reads or writes)."""
        return {name: getattr(self, name) for name in RECIPE}

    def is_lesson_recipe(self) -> bool:
        """Return True if this run trains exactly as the lesson does: the default epochs, batches, seed and data.

        >>> TrainConfig(out="elsewhere", tensorboard=True).is_lesson_recipe()
        True
        >>> TrainConfig(epochs=2, train_limit=500).is_lesson_recipe()
        False
        """
        return self.recipe() == TrainConfig().recipe()

    def differences(self, other: TrainConfig) -> list[str]:
        """Return the settings that change the results in which ``other`` differs from this one, as other's flags."""
        flags = [
            f"--{name.replace('_', '-')} {getattr(other, name)}"
            for name in RECIPE
            if getattr(self, name) != getattr(other, name)
        ]
        if self.float32 != other.float32:
            flags.append("--float32" if other.float32 else "no --float32")
        return flags


@dataclass(frozen=True)
class Runtime:
    """How the run used the machine: chosen once, by train.choose_runtime(), and recorded with the results."""

    device: str
    threads: int
    channels_last: bool
    fused_adam: bool
    dtype: str  # "float32", or "bfloat16": the training forward pass under bfloat16 autocast
    cpu: str


@dataclass(frozen=True)
class EpochResult:
    """One epoch: loss and accuracy averaged over its training batches, then validation loss and accuracy."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float


@dataclass(frozen=True)
class Metrics:
    """Everything a run measured, with the settings and the machine it ran on."""

    config: TrainConfig
    runtime: Runtime
    epochs: tuple[EpochResult, ...]
    test_loss: float
    test_accuracy: float
    train_size: int
    validation_size: int
    test_size: int
    seconds: float
    torch: str
    finished: str

    def to_json(self) -> dict:
        """Return the metrics as JSON-ready data (the contents of metrics.json)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Metrics:
        """Return the metrics that ``to_json`` wrote; KeyError or TypeError if a field is missing or wrong."""
        fields = {field.name for field in dataclasses.fields(cls)}
        if set(data) != fields:
            raise KeyError(", ".join(sorted(fields ^ set(data))))
        metrics = cls(
            **{
                **data,
                "config": TrainConfig(**data["config"]),
                "runtime": Runtime(**data["runtime"]),
                "epochs": tuple(EpochResult(**epoch) for epoch in data["epochs"]),
            }
        )
        metrics.check()
        return metrics

    def check(self) -> None:
        """Raise ValueError unless these are a finished run's numbers: every planned epoch, in order, and losses
        and accuracies that a run can measure (finite losses of 0 or more, accuracies from 0 to 1)."""
        count = self.config.epochs
        if [result.epoch for result in self.epochs] != list(range(1, count + 1)):
            raise ValueError(f"its epochs are not 1 to {count}, as its settings say")
        measured = [("test", self.test_loss, self.test_accuracy)] + [
            (f"epoch {r.epoch}", loss, accuracy)
            for r in self.epochs
            for loss, accuracy in ((r.train_loss, r.train_accuracy), (r.val_loss, r.val_accuracy))
        ]
        for where, loss, accuracy in measured:
            if not (isinstance(loss, int | float) and math.isfinite(loss) and loss >= 0):
                raise ValueError(f"{where} has a loss of {loss}; a loss is a finite number, 0 or more")
            if not (isinstance(accuracy, int | float) and 0 <= accuracy <= 1):
                raise ValueError(f"{where} has an accuracy of {accuracy}; an accuracy is from 0 to 1")


@dataclass(frozen=True)
class Checkpoint:
    """An unfinished run after its last completed epoch: enough to continue it exactly where it stopped."""

    config: TrainConfig
    epochs: tuple[EpochResult, ...]  # the epochs done so far
    log_lines: tuple[str, ...]
    seconds: float  # training time so far
    model: dict  # the model's state dict
    optimizer: dict  # the optimizer's state dict (Adam's running averages and step counts)
    shuffle_state: object  # the state of the generator that shuffles the training batches (a uint8 tensor)
    code: str = ""  # digest of the training code that wrote it (see train.training_code_digest)

    def to_state(self) -> dict:
        """Return the checkpoint as plain data that ``torch.save`` writes and ``weights_only`` loading reads,
        with the digest of that data (``from_state`` checks it)."""
        state = {
            "config": dataclasses.asdict(self.config),
            "epochs": [dataclasses.asdict(epoch) for epoch in self.epochs],
            "log_lines": list(self.log_lines),
            "seconds": self.seconds,
            "model": self.model,
            "optimizer": self.optimizer,
            "shuffle_state": self.shuffle_state,
            "code": self.code,
        }
        return {**state, "digest": contents_digest(state)}

    @classmethod
    def from_state(cls, state: dict) -> Checkpoint:
        """Return the checkpoint that ``to_state`` gave; ValueError if its contents are not what was written (the
        digest differs) or do not make an unfinished run; KeyError or TypeError if a field is missing or wrong."""
        state = dict(state)
        written = state.pop("digest", None)
        if written is None:  # from before checkpoints had a digest: other training code, which train() starts over
            state["code"] = ""
        elif written != contents_digest(state):
            raise ValueError("its contents differ from what was written")
        checkpoint = cls(
            **{
                **state,
                "config": TrainConfig(**state["config"]),
                "epochs": tuple(EpochResult(**epoch) for epoch in state["epochs"]),
                "log_lines": tuple(state["log_lines"]),
            }
        )
        checkpoint.check()
        return checkpoint

    def check(self) -> None:
        """Raise ValueError unless this is a run stopped after a whole epoch: epochs 1 to N done, N fewer than the
        run's, one log line each."""
        done, planned = len(self.epochs), self.config.epochs
        if not 1 <= done < planned:
            raise ValueError(f"it claims {done} of {planned} epochs done; an unfinished run has 1 to {planned - 1}")
        if [epoch.epoch for epoch in self.epochs] != list(range(1, done + 1)) or len(self.log_lines) != done:
            raise ValueError(f"its epochs and log lines do not count 1 to {done}")


def contents_digest(value) -> str:
    """Return a SHA-256 of plain data holding tensors (a checkpoint's): every key and value, every tensor's dtype,
    shape and bytes. Two values have the same digest only if they hold the same numbers."""
    import torch

    digest = hashlib.sha256()

    def feed(item) -> None:
        if isinstance(item, dict):
            digest.update(b"{%d" % len(item))
            for key in sorted(item, key=repr):
                feed(key)
                feed(item[key])
        elif isinstance(item, list | tuple):
            digest.update(b"[%d" % len(item))
            for element in item:
                feed(element)
        elif isinstance(item, torch.Tensor):
            digest.update(f"T{item.dtype}{tuple(item.shape)}".encode())
            digest.update(item.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
        else:
            digest.update(repr(item).encode())

    feed(value)
    return digest.hexdigest()


def why_unusable(error: Exception) -> str:
    """Return why a file could not be used, in one short line; never torch's advice to load it unsafely."""
    if not isinstance(error, RuntimeError | ValueError) or isinstance(error, pickle.UnpicklingError):
        return "not a file that torch.save wrote"
    return cut(" ".join(line.strip() for line in str(error).splitlines() if line.strip()))


def _torch_load(path: Path, advice: str):
    """Return what torch.save wrote in ``path``; UsageError, naming it and giving ``advice``, if it cannot be read."""
    import torch

    try:
        return torch.load(path, weights_only=True)
    except Exception as error:  # a file torch did not write fails in many ways: a bad zip, a pickle, a struct
        raise UsageError(f"{path} is damaged ({why_unusable(error)}): {advice}") from None


def _torch_bytes(value) -> bytes:
    """Return what ``torch.save`` writes for ``value``, in memory (so that a failed write is an OSError)."""
    import torch

    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class RunFolder:
    """The folder of one training run: metrics.json, train.log and model.pt (and checkpoint.pt while unfinished)."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @property
    def metrics_file(self) -> Path:
        return self.path / "metrics.json"

    @property
    def log_file(self) -> Path:
        return self.path / "train.log"

    @property
    def model_file(self) -> Path:
        return self.path / "model.pt"

    @property
    def checkpoint_file(self) -> Path:
        return self.path / "checkpoint.pt"

    @property
    def files(self) -> list[Path]:
        """Return the finished run's three files, in the order they are written."""
        return [self.model_file, self.log_file, self.metrics_file]

    def check_writable(self) -> None:
        """Raise UsageError, naming the folder, if the run could not be written there; create nothing."""
        check_can_create(self.path, "choose another --out")

    def write(self, state_dict: dict, metrics: Metrics, log_lines: list[str]) -> None:
        """Write the weights, the log and the metrics; each file whole, and none unless all three were written."""
        log = "\n".join(log_lines) + "\n"
        write_files(
            {
                self.model_file: _torch_bytes(state_dict),
                self.log_file: log.encode("utf-8"),
                self.metrics_file: (json.dumps(metrics.to_json(), indent=1) + "\n").encode("utf-8"),
            }
        )

    def write_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Write checkpoint.pt whole (replacing the previous epoch's)."""
        write_files({self.checkpoint_file: _torch_bytes(checkpoint.to_state())})

    def checkpoint(self) -> Checkpoint | None:
        """Return the unfinished run's checkpoint, None if there is none; UsageError naming a damaged file."""

        path = self.checkpoint_file
        if not path.is_file():
            return None
        advice = "delete it to train from the start"
        state = _torch_load(path, advice)
        try:
            return Checkpoint.from_state(state)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            reason = str(error) if type(error) is ValueError else "not a checkpoint that convlab train wrote"
            raise UsageError(f"{path} is damaged ({reason}): {advice}") from None

    def remove_checkpoint(self) -> None:
        """Delete checkpoint.pt once the run it belongs to has finished."""
        self.checkpoint_file.unlink(missing_ok=True)

    def _retrain(self) -> str:
        return f"run `convlab train --out {self.path}` to train it again"

    def _check_is_a_folder(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise UsageError(f"{self.path} is a file, not a run's folder: name the folder `convlab train --out` wrote")

    def metrics(self) -> Metrics:
        """Return the run's metrics; UsageError naming the file if it is missing or damaged."""
        self._check_is_a_folder()
        path = self.metrics_file
        if not path.is_file():
            raise UsageError(f"{path} is missing: run `convlab train --out {self.path}` first")
        try:
            return Metrics.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as error:
            detail = f"{type(error).__name__}: {error}"
            raise UsageError(f"{path} is damaged ({detail}): {self._retrain()}") from None

    def load_model(self):
        """Return the trained MnistConvNet saved in model.pt, in eval mode; UsageError if the file is unusable."""
        from convlab.model import MnistConvNet

        self._check_is_a_folder()
        path = self.model_file
        if not path.is_file():
            raise UsageError(f"{path} is missing: {self._retrain()}")
        model = MnistConvNet()
        state = _torch_load(path, self._retrain())
        try:
            model.load_state_dict(state)
        except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as error:
            reason = why_unusable(error) if isinstance(error, RuntimeError) else "not a state dict"
            raise UsageError(f"{path} is damaged or not this model's weights ({reason}): {self._retrain()}") from None
        return model.eval()
