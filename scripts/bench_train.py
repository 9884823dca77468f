"""Benchmark: the plain training recipe a reader would write against `convlab train`, in one run.

Both train the lesson's model on MNIST for the same epochs with batch 64 and Adam; the plain one
reads through torchvision's dataset (PIL image + ToTensor per item) and a DataLoader, with torch's
default thread count, as a reader's code would; convlab train uses its defaults (one thread; the
bfloat16 forward pass where the CPU computes bfloat16 natively), and convlab train again with --float32,
which answers what bfloat16 costs in accuracy. Each runs in its own process, so peak memory is its own.
The three run in rounds, the order turned each round, so the machine's load falls on each alike.
Prints each one's median time and range, test accuracy and peak memory, and checks the targets: convlab
train at least 3x faster than the plain recipe (the median of the rounds' ratios), its test accuracy within
0.002 of --float32's, and its peak memory not above the plain recipe's. Last it prints the floor: the
arithmetic convlab train's run does (torch's FlopCounterMode counts an image's forward pass and training step)
at the rate this machine multiplies large matrices on convlab's threads, and so the largest ratio the machine
allows without changing that arithmetic.

    python scripts/bench_train.py [--data-root data] [--epochs 5] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
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
                      "peak_mb": peak, "dtype": metrics.runtime.dtype, "threads": metrics.runtime.threads,
                      "images": [metrics.train_size, metrics.validation_size, metrics.test_size]}))
    """
)

# Float32 matrix products per second on the given threads: the best of several runs of a large product.
MATMUL_RATE = textwrap.dedent(
    """
    import json, sys, time, torch
    torch.set_num_threads(int(sys.argv[1]))
    a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
    a @ b
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(10):
            a @ b
        best = min(best, (time.perf_counter() - start) / 10)
    print(json.dumps({"flops_per_second": 2 * 1024**3 / best}))
    """
)


def run(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python process; return the JSON it prints last."""
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def alternate(runners: dict, pairs: int) -> dict[str, list[dict]]:
    """Run each of ``runners`` once per round, ``pairs`` rounds, the order turned by one each round (A B C, B C A,
    ...), so that a change in the machine's load falls on every side alike; return each side's results in order."""
    names = list(runners)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for round_ in range(pairs):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            results[name].append(runners[name]())
    return results


def spread(values: list[float]) -> tuple[float, float, float]:
    """Return (median, lowest, highest)."""
    return statistics.median(values), min(values), max(values)


def report(results: dict[str, list[dict]], epochs: int, pairs: int) -> dict[str, bool]:
    """Print each side's median time, range, test accuracy and peak memory, then each target as met or MISSED;
    return the targets (line: met)."""
    print(f"MNIST, lesson CNN, {epochs} epochs, batch 64, Adam; each in its own process, {pairs} rounds")
    print(f"{'recipe':<30}{'median s':>9}{'range s':>14}{'test acc':>10}{'peak MB':>9}")
    names = {
        "plain": "plain (ToTensor+DataLoader)",
        "ours": f"convlab train ({results['ours'][0]['dtype']})",
        "float32": "convlab train --float32",
    }
    for key, name in names.items():
        median, low, high = spread([r["seconds"] for r in results[key]])
        accuracy = statistics.median(r["test_accuracy"] for r in results[key])
        peak = max(r["peak_mb"] for r in results[key])
        print(f"{name:<30}{median:>9.1f}{f'{low:.1f}-{high:.1f}':>14}{accuracy:>10.4f}{peak:>9.0f}")

    ratios = [p["seconds"] / o["seconds"] for p, o in zip(results["plain"], results["ours"], strict=True)]
    ratio, low, high = spread(ratios)
    ours, float32 = results["ours"][0]["test_accuracy"], results["float32"][0]["test_accuracy"]
    checks = {
        f"convlab train is {ratio:.2f}x faster (range {low:.2f}-{high:.2f}x over the rounds), target >= 3x": ratio >= 3,
        f"its test accuracy {ours:.4f} is within 0.002 of --float32's {float32:.4f}": abs(ours - float32) <= 0.002,
        "its peak memory is not above the plain recipe's": max(r["peak_mb"] for r in results["ours"])
        <= min(r["peak_mb"] for r in results["plain"]),
    }
    for line, met in checks.items():
        print(f"{'met' if met else 'MISSED'}: {line}")
    return checks


def flops_per_image() -> tuple[int, int]:
    """Return the FLOPs of one image's forward pass and of its training step (forward and backward) through the
    lesson's model, as torch's FlopCounterMode counts them (its convolutions and matrix products)."""
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    from convlab.model import IMAGE_SIZE, MnistConvNet

    model, image = MnistConvNet(), torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)
    with FlopCounterMode(display=False) as forward:
        model(image)
    with FlopCounterMode(display=False) as step:
        nn.functional.cross_entropy(model(image), torch.zeros(1, dtype=torch.long)).backward()
    return forward.get_total_flops(), step.get_total_flops()


def least_seconds(run: dict, epochs: int, flops: tuple[int, int], rate: float) -> float:
    """Return the time a convlab run's arithmetic takes at ``rate`` FLOP/s: a training step for each training
    image every epoch, a forward pass for each validation image every epoch and for each test image once."""
    (forward, step), (train, validation, test) = flops, run["images"]
    return (epochs * (train * step + validation * forward) + test * forward) / rate


def report_floor(results: dict[str, list[dict]], epochs: int, rate: float) -> None:
    """Print the floor: the least time convlab train's arithmetic takes at ``rate``, and the largest ratio it allows."""
    ours, flops = results["ours"][0], flops_per_image()
    floor = least_seconds(ours, epochs, flops, rate)
    plain = statistics.median(r["seconds"] for r in results["plain"])
    print(
        f"floor: {flops[0] / 1e6:.2f} MFLOP an image forward, {flops[1] / 1e6:.2f} a training step; at the "
        f"{rate / 1e9:.0f} GFLOP/s this machine multiplies float32 matrices on {ours['threads']} thread(s), "
        f"{floor:.1f} s at the least, so at most {plain / floor:.2f}x the plain recipe"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="data", help="where MNIST is (default: data)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs for all (default: 5)")
    parser.add_argument("--pairs", type=int, default=3, help="rounds, each running every side once (default: 3)")
    args = parser.parse_args()
    if args.pairs < 1 or args.epochs < 1:
        sys.exit("--pairs and --epochs must be at least 1")

    with tempfile.TemporaryDirectory() as out:
        epochs = str(args.epochs)
        results = alternate(
            {
                "plain": lambda: run(PLAIN, args.data_root, epochs),
                "ours": lambda: run(CONVLAB, args.data_root, epochs, f"{out}/ours", "default"),
                "float32": lambda: run(CONVLAB, args.data_root, epochs, f"{out}/float32", "float32"),
            },
            args.pairs,
        )

    report(results, args.epochs, args.pairs)
    rate = run(MATMUL_RATE, str(results["ours"][0]["threads"]))["flops_per_second"]
    report_floor(results, args.epochs, rate)


if __name__ == "__main__":
    main()
