"""The training benchmark's rounds: every side runs once a round, the order turned each round; medians and ranges."""

import subprocess
import sys
from pathlib import Path

from bench_train import alternate, spread

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
