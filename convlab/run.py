"""A training run's folder: what ``convlab train`` writes, and what figures, notebooks and pages read.

    RUN/metrics.json  the run's settings (TrainConfig), how it used the machine (Runtime), every epoch's
                      numbers and the test result: a ``Metrics`` value written out
    RUN/train.log     the lines training printed
    RUN/model.pt      the trained weights (the model's state dict)

``RunFolder(path).write(...)`` writes the three files; ``RunFolder(path).metrics()`` and
``.load_model()`` read them back as typed values, with a one-line error that names a missing or
damaged file and says what to run. Reading the metrics needs neither torch nor numpy (the page build
reads them); only the model's weights import torch.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from convlab.errors import UsageError
from convlab.files import atomic_paths

DEFAULT_DIR = "build/run"
# The settings that decide what a run computes; a run is the lesson's when they are the defaults.
RECIPE = ("epochs", "batch_size", "seed", "eval_batch_size", "train_limit")


@dataclass(frozen=True)
class TrainConfig:
    """The settings of one training run; saved in metrics.json beside the numbers."""

    epochs: int = 5
    batch_size: int = 64
    seed: int = 0
    data_root: str = "data"
    out: str = DEFAULT_DIR
    eval_batch_size: int = 1000
    train_limit: int | None = None  # use only the first N training images (smoke runs)
    tensorboard: bool = False

    def check(self) -> None:
        """Raise UsageError, saying what to change, for settings the run cannot use."""
        if self.epochs < 1:
            raise UsageError(f"--epochs must be at least 1, got {self.epochs}")
        if self.seed < 0:
            raise UsageError(f"--seed must be 0 or more, got {self.seed}")
        if self.batch_size < 1:
            raise UsageError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.train_limit is not None and self.train_limit < 1:
            raise UsageError(f"--train-limit must be at least 1, got {self.train_limit}")

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
        return [
            f"--{name.replace('_', '-')} {getattr(other, name)}"
            for name in RECIPE
            if getattr(self, name) != getattr(other, name)
        ]


@dataclass(frozen=True)
class Runtime:
    """How the run used the machine: chosen once, by train.choose_runtime(), and recorded with the results."""

    device: str
    threads: int
    channels_last: bool
    fused_adam: bool
    bf16_autocast: bool
    cpu: str


@dataclass(frozen=True)
class EpochResult:
    """One epoch: the mean training loss and accuracy over its batches, then validation loss and accuracy."""

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
        return cls(
            **{
                **data,
                "config": TrainConfig(**data["config"]),
                "runtime": Runtime(**data["runtime"]),
                "epochs": tuple(EpochResult(**epoch) for epoch in data["epochs"]),
            }
        )


@dataclass(frozen=True)
class RunFolder:
    """The folder of one training run: metrics.json, train.log and model.pt."""

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
    def files(self) -> list[Path]:
        """Return the run's three files, in the order they are written."""
        return [self.model_file, self.log_file, self.metrics_file]

    def write(self, state_dict: dict, metrics: Metrics, log_lines: list[str]) -> None:
        """Write the weights, the log and the metrics; each file whole, and none unless all three were written."""
        import torch

        with atomic_paths(*self.files) as (model_path, log_path, metrics_path):
            torch.save(state_dict, model_path)
            log_path.write_text("\n".join(log_lines) + "\n", encoding="utf-8")
            metrics_path.write_text(json.dumps(metrics.to_json(), indent=1) + "\n", encoding="utf-8")

    def _retrain(self) -> str:
        return f"run `convlab train --out {self.path}` to train it again"

    def metrics(self) -> Metrics:
        """Return the run's metrics; UsageError naming the file if it is missing or damaged."""
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
        import torch

        from convlab.model import MnistConvNet

        path = self.model_file
        if not path.is_file():
            raise UsageError(f"{path} is missing: {self._retrain()}")
        model = MnistConvNet()
        try:
            model.load_state_dict(torch.load(path, weights_only=True))
        except (RuntimeError, EOFError, ValueError, KeyError, TypeError) as error:
            reason = str(error).splitlines()[0][:120]
            raise UsageError(f"{path} is damaged or not this model's weights ({reason}): {self._retrain()}") from None
        return model.eval()
