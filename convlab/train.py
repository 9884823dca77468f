"""Train the lesson's CNN on MNIST, shaped like pytorch/examples' mnist, and log what happened.

The recipe is the lesson's: the 10,000 test images split 70/30 into validation and test (seed 20),
training batches of 64 shuffled by a seeded generator, CrossEntropyLoss, Adam with its default
settings, 5 epochs. ``train_one_epoch`` and ``evaluate`` are the loop the cnn page shows, word for
word. What makes the run fast (docs/speed.md, the page "How the build trains faster", explains each
choice; scripts/bench_train.py measures the whole):

- the batches come from the images held in memory as bytes (``mnist_batches``), a whole batch at a
  time, instead of one PIL image and one ``ToTensor`` call per image; they are the same batches;
- the model and its inputs use the channels-last memory layout;
- Adam updates all the weights in one fused step;
- on a CPU that computes bfloat16 natively, the training forward pass runs under bfloat16 autocast
  (``BFloat16Forward``); weights, gradients, the loss and all evaluation stay float32. This one
  changes the arithmetic, so ``--float32`` turns it off (scripts/bench_train.py trains both ways).

After every epoch but the last, the run writes a checkpoint, so a run that was stopped continues
with ``--resume`` and ends exactly as if it had not been.

Read top to bottom: the machine, the data, one epoch, evaluation, the run.
"""

from __future__ import annotations

import hashlib
import platform
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler
from tqdm import tqdm

from convlab.data import check_mnist, load_split, split_indices
from convlab.errors import UsageError
from convlab.model import MnistConvNet
from convlab.run import Checkpoint, EpochResult, Metrics, RunFolder, Runtime, TrainConfig, why_unusable


def cpu_has_native_bf16() -> bool:
    """Return True if the CPU computes bfloat16 in hardware (AMX or AVX-512 BF16), where autocast pays off."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def choose_runtime(config: TrainConfig) -> Runtime:
    """Decide device, threads, memory layout and dtype, once (docs/speed.md explains each; make bench measures).

    Sets torch's thread count for this process to ``config.threads``. One thread is the default: on the
    2-core build machine two train faster while nothing else runs, but slowed down many times over
    whenever other programs kept the cores busy (docs/speed.md).
    """
    torch.set_num_threads(config.threads)
    return Runtime(
        device="cpu",
        threads=torch.get_num_threads(),
        channels_last=True,
        fused_adam=True,
        dtype="float32" if config.float32 or not cpu_has_native_bf16() else "bfloat16",
        cpu=platform.processor() or platform.machine(),
    )


class BFloat16Forward(nn.Module):
    """The model's forward pass under bfloat16 autocast, returning float32 logits; the weights stay float32."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.model(images).float()


class _ImagesInMemory(Dataset):
    """MNIST's uint8 images and labels, indexed a whole batch at a time."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, channels_last: bool) -> None:
        self.images, self.labels, self.channels_last = images, labels, channels_last

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, batch: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.images[batch].unsqueeze(1).float().div_(255)  # (B, 1, 28, 28), scaled exactly as ToTensor
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, self.labels[batch]


def mnist_batches(
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    channels_last: bool = False,
) -> DataLoader:
    """Return a DataLoader over uint8 images (N, 28, 28) that yields, in the same order, the very batches that
    ``DataLoader(dataset, batch_size, shuffle, generator=generator)`` over a ToTensor dataset yields."""
    dataset = _ImagesInMemory(images, labels, channels_last)
    order = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
    # batch_size=None: the sampler hands over a whole batch of indices, and the dataset answers with one tensor.
    return DataLoader(
        dataset, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None, generator=generator
    )


def train_one_epoch(model, loader, loss_fn, optimizer):
    """Train on every batch once.

    Returns the loss and the accuracy,
    averaged while the model learned.
    """
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        logits = model(images)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimizer.step()
        n = len(labels)
        total_loss += loss.item() * n
        hits = logits.argmax(1) == labels
        correct += hits.sum().item()
        seen += n
    return total_loss / seen, correct / seen


def evaluate(model, loader, loss_fn):
    """Return the loss and the accuracy on
    every batch, without training."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss = loss_fn(logits, labels)
            n = len(labels)
            total_loss += loss.item() * n
            hits = logits.argmax(1) == labels
            correct += hits.sum().item()
            seen += n
    return total_loss / seen, correct / seen


def epoch_line(result: EpochResult, epochs: int) -> str:
    """Return the printed line for one epoch, as the lesson prints it."""
    return (
        f"Epoch {result.epoch}/{epochs}: train loss {result.train_loss:.4f}, "
        f"train accuracy {result.train_accuracy:.4f}, validation loss {result.val_loss:.4f}, "
        f"validation accuracy {result.val_accuracy:.4f} ({result.seconds:.1f} s)"
    )


def _load_data(root: Path, train_limit: int | None):
    """Return (train, validation, test), each a pair of uint8 images (N, 28, 28) and int64 labels (N,)."""
    train_images, train_labels = load_split(root, train=True)
    test_images, test_labels = load_split(root, train=False)
    validation, test = split_indices(len(test_labels))
    return (
        (train_images[:train_limit], train_labels[:train_limit]),
        (test_images[validation], test_labels[validation]),
        (test_images[test], test_labels[test]),
    )


def training_code_digest() -> str:
    """Return a digest of the modules whose code decides a run's result (data, model, training)."""
    digest = hashlib.sha256()
    for module in ("data.py", "model.py", "train.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()


def _checkpoint_to_resume(folder: RunFolder, config: TrainConfig, resume: bool, log) -> Checkpoint | None:
    """Return the checkpoint to continue from, or None to start; UsageError if that choice would lose work.

    A checkpoint that other training code wrote cannot be continued as this code would have run: the run
    starts again (after a line saying so), since what it did is no part of this code's result.
    """
    checkpoint = folder.checkpoint()
    if not resume:
        if checkpoint is not None:
            done = f"{len(checkpoint.epochs)} of {checkpoint.config.epochs} epochs done"
            raise UsageError(
                f"{folder.path} holds an unfinished run ({done}): add --resume to continue it, "
                f"or delete {folder.checkpoint_file} to start again"
            )
        return None
    if checkpoint is None:  # nothing to continue: start, as without --resume
        return None
    if checkpoint.code != training_code_digest():
        log(f"{folder.checkpoint_file} was written by other convlab training code: starting from the first epoch")
        return None
    differences = checkpoint.config.differences(config)
    if differences:
        started = " ".join(config.differences(checkpoint.config))
        raise UsageError(
            f"the unfinished run in {folder.path} was started with {started}, not {' '.join(differences)}: "
            f"resume it with its own settings, or delete {folder.checkpoint_file} to start again"
        )
    return checkpoint


def _restore(checkpoint: Checkpoint, model, optimizer, shuffle: torch.Generator, path: Path) -> None:
    """Put the checkpoint's weights, Adam's state and the shuffling state back; UsageError naming the file if they
    do not fit this model (Adam's state is checked by hand: loading it checks only the number of weights)."""
    try:
        model.load_state_dict(checkpoint.model)
        params = [p for group in optimizer.param_groups for p in group["params"]]
        for index, state in checkpoint.optimizer["state"].items():
            for name, value in state.items():
                if value.dim() > 0 and value.shape != params[index].shape:
                    raise ValueError(
                        f"Adam's {name} of weight {index} is {list(value.shape)}, not {list(params[index].shape)}"
                    )
        optimizer.load_state_dict(checkpoint.optimizer)
        shuffle.set_state(checkpoint.shuffle_state)
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        reason = why_unusable(error)
        raise UsageError(f"{path} does not fit this model ({reason}): delete it to train from the start") from None


def train(config: TrainConfig, resume: bool = False, log=print) -> Metrics:
    """Run the lesson's training; write metrics.json, train.log and model.pt into config.out; return the metrics.

    Everything the run needs is checked before anything is written. With ``resume``, continue the unfinished
    run in config.out from its last checkpoint, if there is one.
    """
    config.check()
    root, folder = Path(config.data_root), RunFolder(config.out)
    check_mnist(root)
    folder.check_writable()
    checkpoint = _checkpoint_to_resume(folder, config, resume, log)
    train_data, validation, test = _load_data(root, config.train_limit)

    runtime = choose_runtime(config)
    torch.manual_seed(config.seed)
    model = MnistConvNet()
    if runtime.channels_last:
        model = model.to(memory_format=torch.channels_last)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), fused=runtime.fused_adam)  # default settings otherwise
    shuffle = torch.Generator().manual_seed(config.seed)
    train_loader = mnist_batches(*train_data, config.batch_size, True, shuffle, runtime.channels_last)
    validation_loader, test_loader = (
        mnist_batches(*split, config.eval_batch_size, channels_last=runtime.channels_last)
        for split in (validation, test)
    )

    epochs, lines, seconds = [], [], 0.0
    if checkpoint is not None:
        _restore(checkpoint, model, optimizer, shuffle, folder.checkpoint_file)
        epochs, lines, seconds = list(checkpoint.epochs), list(checkpoint.log_lines), checkpoint.seconds
        log(f"Resuming after epoch {len(epochs)}/{config.epochs} from {folder.checkpoint_file}")
    trained = BFloat16Forward(model) if runtime.dtype == "bfloat16" else model  # evaluation stays float32
    writer = None
    for epoch in range(len(epochs) + 1, config.epochs + 1):
        started = time.perf_counter()
        # A bar of batches on a terminal (it is gone when the epoch's line is printed); nothing in a log.
        batches = tqdm(train_loader, desc=f"Epoch {epoch}/{config.epochs}", unit="batch", leave=False, disable=None)
        train_loss, train_accuracy = train_one_epoch(trained, batches, loss_fn, optimizer)
        val_loss, val_accuracy = evaluate(model, validation_loader, loss_fn)
        took = time.perf_counter() - started
        seconds += took
        epochs.append(EpochResult(epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds=took))
        lines.append(epoch_line(epochs[-1], config.epochs))
        log(lines[-1])
        if config.tensorboard:
            writer = writer or _tensorboard_writer(folder.path)
            writer.add_scalars("loss", {"train": train_loss, "validation": val_loss}, epoch)
            writer.add_scalars("accuracy", {"train": train_accuracy, "validation": val_accuracy}, epoch)
        if epoch < config.epochs:
            state = Checkpoint(
                config,
                tuple(epochs),
                tuple(lines),
                seconds,
                model.state_dict(),
                optimizer.state_dict(),
                shuffle.get_state(),
                training_code_digest(),
            )
            folder.write_checkpoint(state)
    if writer is not None:
        writer.close()

    started = time.perf_counter()
    test_loss, test_accuracy = evaluate(model, test_loader, loss_fn)
    seconds += time.perf_counter() - started
    lines.append(f"Test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f} ({seconds:.1f} s in all)")
    log(lines[-1])
    metrics = Metrics(
        config=config,
        runtime=runtime,
        epochs=tuple(epochs),
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        train_size=len(train_data[1]),
        validation_size=len(validation[1]),
        test_size=len(test[1]),
        seconds=seconds,
        torch=torch.__version__,
        finished=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    )
    weights = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    folder.write(weights, metrics, lines)
    folder.remove_checkpoint()
    return metrics


def _tensorboard_writer(out: Path):
    """Return a TensorBoard writer logging into OUT/tensorboard (imported only when asked for)."""
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(out / "tensorboard"))
