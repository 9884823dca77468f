"""Benchmark: the plain training recipe a reader would write against `convlab train`, in one run.

Both train the lesson's model on MNIST for the same epochs with batch 64 and Adam; the plain one
reads through torchvision's dataset (PIL image + ToTensor per item) and a DataLoader, with torch's
default thread count, as a reader's code would; convlab train uses its defaults (one thread; the
bfloat16 forward pass where the CPU computes bfloat16 natively), and convlab train again with --float32,
which answers what bfloat16 costs in accuracy. Each runs in its own process, so peak memory is its own.
Prints time, test accuracy, peak memory and the ratio.
Target: convlab at least 2x faster at test accuracy >= 0.985.

    python scripts/bench_train.py [--data-root data] [--epochs 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap

PLAIN = textwrap.dedent(
    """
    import json, resource, sys, time
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, random_split
    from torchvision import datasets, transforms
    from convlab.model import MnistConvNet

    root, epochs = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(0)
    start = time.perf_counter()
    train_set = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    test_set = datasets.MNIST(root, train=False, transform=transforms.ToTensor())
    val_set, test_set = random_split(test_set, [0.7, 0.3], generator=torch.Generator().manual_seed(20))
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    val_loader, test_loader = DataLoader(val_set, batch_size=64), DataLoader(test_set, batch_size=64)
    model, loss_fn = MnistConvNet(), nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters())

    def accuracy(loader):
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in loader:
                correct += (model(x).argmax(1) == y).sum().item()
        return correct / len(loader.dataset)

    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        accuracy(val_loader)
    test_accuracy = accuracy(test_loader)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - start, "test_accuracy": test_accuracy, "peak_mb": peak}))
    """
)

CONVLAB = textwrap.dedent(
    """
    import json, resource, sys, time
    from convlab.run import TrainConfig
    from convlab.train import train

    root, epochs, out, float32 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "float32"
    start = time.perf_counter()
    config = TrainConfig(epochs=epochs, data_root=root, out=out, float32=float32)
    metrics = train(config, log=lambda line: None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - start, "test_accuracy": metrics.test_accuracy,
                      "peak_mb": peak, "dtype": metrics.runtime.dtype}))
    """
)


def run(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python process; return the JSON it prints last."""
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="data", help="where MNIST is (default: data)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs for both (default: 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as float32_out:
        plain = run(PLAIN, args.data_root, str(args.epochs))
        ours = run(CONVLAB, args.data_root, str(args.epochs), out, "default")
        float32 = run(CONVLAB, args.data_root, str(args.epochs), float32_out, "float32")

    print(f"MNIST, lesson CNN, {args.epochs} epochs, batch 64, Adam; each in its own process")
    print(f"{'recipe':<30}{'seconds':>9}{'test acc':>10}{'peak MB':>9}")
    rows = (
        ("plain (ToTensor+DataLoader)", plain),
        (f"convlab train ({ours['dtype']})", ours),
        ("convlab train --float32", float32),
    )
    for name, result in rows:
        print(f"{name:<30}{result['seconds']:>9.1f}{result['test_accuracy']:>10.4f}{result['peak_mb']:>9.0f}")
    ratio = plain["seconds"] / ours["seconds"]
    print(
        f"convlab train is {ratio:.2f}x faster (target >= 2x) at test accuracy {ours['test_accuracy']:.4f} "
        f"(target >= 0.985)"
    )


if __name__ == "__main__":
    main()
