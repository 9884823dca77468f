"""The training benchmark's rounds: every side runs once a round, the order turned each round; medians and ranges."""

import subprocess
import sys
from pathlib import Path

from bench_train import alternate, flops_per_image, least_seconds, report, spread

ROOT = Path(__file__).resolve().parent.parent


def test_each_round_runs_every_side_once_in_an_order_turned_by_one():
    calls = []

    def side(name):
        def runner():
            calls.append(name)
            return {"name": name}

        return runner

    results = alternate({name: side(name) for name in ("plain", "ours", "float32")}, pairs=4)
    assert calls == [
        *("plain", "ours", "float32"),
        *("ours", "float32", "plain"),
        *("float32", "plain", "ours"),
        *("plain", "ours", "float32"),
    ]
    assert {name: len(runs) for name, runs in results.items()} == {"plain": 4, "ours": 4, "float32": 4}
    assert all(run["name"] == name for name, runs in results.items() for run in runs)


def test_spread_is_the_median_and_the_range():
    assert spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert spread([4.0, 1.0, 2.0, 10.0]) == (3.0, 1.0, 10.0)


def test_a_round_count_below_one_is_refused_in_one_line():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench_train.py"), "--pairs", "0"], capture_output=True, text=True
    )
    assert result.returncode != 0 and result.stderr.strip().splitlines() == ["--pairs and --epochs must be at least 1"]


def _runs(seconds, accuracy, peak, dtype="bfloat16"):
    return [{"seconds": s, "test_accuracy": accuracy, "peak_mb": peak, "dtype": dtype} for s in seconds]


def test_the_report_takes_the_median_of_the_rounds_ratios_and_checks_each_target(capsys):
    results = {
        "plain": _runs([120.0, 150.0, 90.0], 0.9880, 700),
        "ours": _runs([40.0, 60.0, 20.0], 0.9890, 650),
        "float32": _runs([50.0, 70.0, 45.0], 0.9875, 640, "float32"),
    }
    checks = report(results, epochs=5, pairs=3)
    printed = capsys.readouterr().out
    assert "convlab train is 3.00x faster (range 2.50-4.50x over the rounds)" in printed  # ratios 3, 2.5, 4.5
    assert list(checks.values()) == [True, True, True]
    (row,) = [line for line in printed.splitlines() if line.startswith("convlab train (bfloat16)")]
    assert row.split()[-4:] == ["40.0", "20.0-60.0", "0.9890", "650"]  # median, range, accuracy, peak

    results["ours"] = _runs([41.0, 61.0, 21.0], 0.9896, 701)
    checks = report(results, epochs=5, pairs=3)
    assert list(checks.values()) == [False, False, False]  # under 3x, 0.0021 from float32, above plain's 700 MB
    assert capsys.readouterr().out.count("MISSED: ") == 3


def test_the_floor_counts_the_lessons_multiply_adds_and_a_step_as_forward_and_backward():
    # Each layer's outputs per image (the lesson's shapes) times the inputs each one adds up, two FLOPs apiece.
    conv1, conv2, conv3 = 32 * 14 * 14 * (1 * 9), 64 * 7 * 7 * (32 * 9), 128 * 3 * 3 * (64 * 9)
    forward, step = flops_per_image()
    assert forward == 2 * (conv1 + conv2 + conv3 + 128 * 1152 + 10 * 128)
    # Backward: each weight's gradient and each layer's input gradient, but none for the image itself.
    assert step == 3 * forward - 2 * conv1


def test_the_least_time_is_every_image_pass_at_the_rate():
    run = {"images": [600, 70, 30]}
    # 2 epochs of (600 steps of 6 FLOPs + 70 forward passes of 2), then 30 test passes, at 10 FLOP/s
    assert least_seconds(run, epochs=2, flops=(2, 6), rate=10) == (2 * (600 * 6 + 70 * 2) + 30 * 2) / 10
