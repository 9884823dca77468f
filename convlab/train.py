"""Train the lesson's CNN on MNIST, the lesson's recipe unchanged, and log what happened.

The recipe: 70/30 validation/test split of the 10,000 test images (seed 20), batches of 64 (training
shuffled), CrossEntropyLoss, Adam with default settings, 5 epochs. What makes it fast changes none of
that: the IDX bytes go straight into one uint8 tensor, batches are taken by index and scaled as
ToTensor does, validation and test run in large batches, and the runtime settings (threads, memory
format, bf16 autocast where the CPU computes bf16 natively) are chosen in one place and recorded.

Read top to bottom: settings, runtime, data, one epoch, evaluation, the run, the files it writes.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from convlab.data import check_mnist, load_split, split_indices
from convlab.files import make_dir, write_text_atomic
from convlab.model import MnistConvNet
from convlab.run import EpochResult, Metrics, RunFolder, Runtime, TrainConfig


def cpu_has_native_bf16() -> bool:
    """Return True if the CPU computes bf16 in hardware (AMX or AVX-512 BF16), where autocast pays off."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def choose_runtime() -> Runtime:
    """Decide device, threads and dtype for this machine (measured in scripts/bench_train.py)."""
    return Runtime(
        device="cpu",
        threads=torch.get_num_threads(),
        channels_last=True,
        fused_adam=True,
        bf16_autocast=cpu_has_native_bf16(),
        cpu=platform.processor() or platform.machine(),
    )


def to_batch(images: torch.Tensor, runtime: Runtime) -> torch.Tensor:
    """Return uint8 images (B, 28, 28) as floats in [0, 1] of shape (B, 1, 28, 28), exactly as ToTensor scales."""
    x = images.unsqueeze(1).float().div_(255)
    return x.contiguous(memory_format=torch.channels_last) if runtime.channels_last else x


def train_one_epoch(model, optimizer, images, labels, config: TrainConfig, runtime: Runtime, generator, label: str):
    """Train for one epoch over shuffled batches; return (mean batch loss, accuracy)."""
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(labels), generator=generator)
    images, labels = images[order], labels[order]  # shuffle once; each batch is then a slice, not a gather
    total_loss, correct = torch.zeros(()), torch.zeros((), dtype=torch.long)
    batches = range(0, len(labels), config.batch_size)
    for start in tqdm(batches, desc=label, unit="batch", leave=False, disable=None):
        x = to_batch(images[start : start + config.batch_size], runtime)
        y = labels[start : start + config.batch_size]
        optimizer.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=runtime.bf16_autocast):
            logits = model(x)
            loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.detach()  # summed as tensors: no .item() sync on every step
        correct += (logits.argmax(1) == y).sum()
    return total_loss.item() / len(batches), correct.item() / len(labels)


@torch.no_grad()
def evaluate(model, images, labels, runtime: Runtime, batch_size: int = 1000):
    """Return (mean loss, accuracy) over all images, in float32 and large batches."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(labels), batch_size):
        x, y = to_batch(images[start : start + batch_size], runtime), labels[start : start + batch_size]
        logits = model(x)
        loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / len(labels), correct / len(labels)


def _check_output_folder(out: Path) -> None:
    """Fail before training, not after, if the results cannot be written."""
    make_dir(out)
    write_text_atomic(out / ".write-test", "")
    (out / ".write-test").unlink()


def _load_data(root: Path):
    """Return the training images and labels, and the validation and test splits, checked by MD5."""
    check_mnist(root)
    train_images, train_labels = load_split(root, train=True)
    test_images, test_labels = load_split(root, train=False)
    validation, test = split_indices(len(test_labels))
    return (
        (train_images, train_labels),
        (test_images[validation], test_labels[validation]),
        (test_images[test], test_labels[test]),
    )


def epoch_line(result: EpochResult, epochs: int) -> str:
    """Return the printed line for one epoch, as the lesson prints it."""
    return (
        f"Epoch {result.epoch}/{epochs}: train loss {result.train_loss:.4f}, "
        f"train accuracy {result.train_accuracy:.4f}, validation loss {result.val_loss:.4f}, "
        f"validation accuracy {result.val_accuracy:.4f} ({result.seconds:.1f} s)"
    )


def train(config: TrainConfig, log=print) -> Metrics:
    """Run the lesson's training; write metrics.json, train.log and model.pt into config.out; return the metrics."""
    config.check()
    out, root = Path(config.out), Path(config.data_root)
    _check_output_folder(out)
    (train_images, train_labels), validation, test = _load_data(root)
    if config.train_limit is not None:
        train_images, train_labels = train_images[: config.train_limit], train_labels[: config.train_limit]

    runtime = choose_runtime()
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = MnistConvNet()
    if runtime.channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), fused=runtime.fused_adam)  # default settings otherwise
    writer = _tensorboard_writer(out) if config.tensorboard else None

    lines, epochs, started = [], [], time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()
        label = f"epoch {epoch}/{config.epochs}"
        train_loss, train_accuracy = train_one_epoch(
            model, optimizer, train_images, train_labels, config, runtime, generator, label
        )
        val_loss, val_accuracy = evaluate(model, *validation, runtime, config.eval_batch_size)
        result = EpochResult(
            epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds=time.perf_counter() - epoch_start
        )
        epochs.append(result)
        lines.append(epoch_line(result, config.epochs))
        log(lines[-1])
        if writer is not None:
            writer.add_scalars("loss", {"train": train_loss, "validation": val_loss}, epoch)
            writer.add_scalars("accuracy", {"train": train_accuracy, "validation": val_accuracy}, epoch)
    test_loss, test_accuracy = evaluate(model, *test, runtime, config.eval_batch_size)
    seconds = time.perf_counter() - started
    lines.append(f"Test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f} ({seconds:.1f} s in all)")
    log(lines[-1])
    if writer is not None:
        writer.close()

    metrics = Metrics(
        config=config,
        runtime=runtime,
        epochs=tuple(epochs),
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        train_size=len(train_labels),
        validation_size=len(validation[1]),
        test_size=len(test[1]),
        seconds=seconds,
        torch=torch.__version__,
        finished=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    )
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    RunFolder(out).write(state, metrics, lines)
    return metrics


def _tensorboard_writer(out: Path):
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(out / "tensorboard"))
