"""convlab.pooling against torch's max_pool2d and avg_pool2d: sizes, refusals, windows, winners, values."""

import ast
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import input_cells_each_window_covers, torch_pool

import convlab.pooling
from convlab import pool_output_size
from convlab.pooling import AVG, MAX, PoolGeometry, Pooling, pool


def torch_output(size, kernel, stride, padding, dilation, ceil_mode):
    """Return torch's max-pool output (H, W), or None where torch refuses the settings."""
    try:
        out = F.max_pool2d(torch.zeros(1, 1, *size), kernel, stride, padding, dilation, ceil_mode)
    except (RuntimeError, ValueError):
        return None
    return tuple(out.shape[2:])


def torch_avg_output(size, kernel, stride, padding, ceil_mode):
    try:
        out = F.avg_pool2d(torch.zeros(1, 1, *size), kernel, stride, padding, ceil_mode)
    except (RuntimeError, ValueError):
        return None
    return tuple(out.shape[2:])


pairs = st.tuples
settings_strategy = st.fixed_dictionaries(
    {
        "size": pairs(st.integers(1, 8), st.integers(1, 8)),
        "kernel": pairs(st.integers(0, 4), st.integers(0, 4)),
        "stride": pairs(st.integers(0, 4), st.integers(0, 4)),
        "padding": pairs(st.integers(-1, 2), st.integers(-1, 2)),
        "dilation": pairs(st.integers(0, 3), st.integers(0, 3)),
        "ceil_mode": st.booleans(),
    }
)


@settings(max_examples=400, deadline=None)
@given(settings_strategy)
def test_output_size_matches_torch_and_refuses_exactly_where_torch_does(s):
    expected = torch_output(**s)
    if expected is None:
        with pytest.raises(ValueError) as error:
            pool_output_size(**s)
        assert ": " in str(error.value) and "\n" not in str(error.value)
    else:
        assert pool_output_size(**s) == expected
    without_dilation = {key: value for key, value in s.items() if key != "dilation"}
    expected = torch_avg_output(**without_dilation)
    if expected is None:
        with pytest.raises(ValueError):
            pool_output_size(**without_dilation)
    else:
        assert pool_output_size(**without_dilation) == expected


def test_stride_defaults_to_the_window_and_ceil_mode_keeps_the_last_partial_window():
    assert pool_output_size(7, 2) == 3 == torch_output((7, 7), 2, None, 0, 1, False)[0]
    assert pool_output_size(7, 2, ceil_mode=True) == 4 == torch_output((7, 7), 2, None, 0, 1, True)[0]
    # ceil mode's rule: the last window must start inside the input (or its left padding).
    assert pool_output_size(6, 2, stride=2, padding=1, ceil_mode=True) == 4 == torch_output((6, 6), 2, 2, 1, 1, True)[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"size": 5, "kernel": 3, "padding": 2},
            "padding 2 is more than half the 3-wide window: use padding of at most 1",
        ),
        ({"size": 5, "kernel": 6}, "a 6-wide window at dilation 1 spans 6 cells but the padded input is only 5 wide"),
        ({"size": 5, "kernel": 2, "stride": 0}, "stride must be at least 1, got 0"),
    ],
)
def test_refusals_say_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        pool_output_size(**kwargs)


@st.composite
def valid_settings(draw):
    """Settings torch accepts (most of them; the few with an empty output are filtered out)."""
    axes = []
    for _ in range(2):
        kernel = draw(st.integers(1, 4))
        axes.append((draw(st.integers(1, 8)), kernel, draw(st.integers(1, 4)), draw(st.integers(0, kernel // 2))))
    names = ("size", "kernel", "stride", "padding")
    chosen = {name: (axes[0][k], axes[1][k]) for k, name in enumerate(names)}
    return chosen | {"dilation": draw(pairs(st.integers(1, 3), st.integers(1, 3))), "ceil_mode": draw(st.booleans())}


@settings(max_examples=200, deadline=None)
@given(valid_settings().filter(lambda s: torch_output(**s) is not None), st.data())
def test_max_pool_windows_winners_and_values_equal_torch(s, data):
    geometry = PoolGeometry.of(**s)
    rows, cols = geometry.size
    # Few distinct values, so ties are common: the first of equal values must win, as in torch.
    values = st.sampled_from([-2.5, 0.0, 1.0, 3.0]) if data.draw(st.booleans()) else st.floats(-100, 100, width=32)
    grid = data.draw(st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows))
    theirs, indices = torch_pool(MAX, grid, geometry, return_indices=True)
    if torch.isinf(theirs).any():  # a window of padding only: torch gives -inf, convlab refuses
        with pytest.raises(ValueError, match="covers only padding"):
            pool(MAX, grid, geometry)
        return
    record = pool(MAX, grid, geometry)
    torch.testing.assert_close(torch.tensor(record.output, dtype=torch.float64), theirs, rtol=0, atol=0)
    covers = input_cells_each_window_covers(geometry)
    (ph, pw) = geometry.padding
    for step, winner in zip(record.steps, record.winners, strict=True):
        assert set(step.taps) == covers[step.out]
        assert winner in step.taps
        assert (winner[0] - ph) * cols + (winner[1] - pw) == indices[step.out].item()


@settings(max_examples=200, deadline=None)
@given(valid_settings().filter(lambda s: torch_output(**{**s, "dilation": (1, 1)}) is not None), st.data())
def test_average_pool_windows_divisors_and_values_equal_torch(s, data):
    s = {**s, "dilation": 1}
    geometry = PoolGeometry.of(**s)
    rows, cols = geometry.size
    values = st.floats(-100, 100, width=32)
    grid = data.draw(st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows))
    record = pool(AVG, grid, geometry)
    theirs = torch_pool(AVG, grid, geometry)
    torch.testing.assert_close(torch.tensor(record.output, dtype=torch.float64), theirs, rtol=1e-12, atol=1e-9)
    covers = input_cells_each_window_covers(geometry)
    ones = torch_pool(AVG, [[1.0] * cols for _ in range(rows)], geometry)  # (input cells in window) / divisor
    for step, divisor in zip(record.steps, record.divisors, strict=True):
        inside = {tap for tap in step.taps if not geometry.is_padding(*tap)}
        assert inside == covers[step.out]
        assert len(step.taps) == divisor
        assert len(inside) / divisor == pytest.approx(ones[step.out].item(), rel=1e-12)


def test_average_pooling_counts_padding_in_the_divisor():
    record = pool(AVG, [[float(r * 5 + c) for c in range(5)] for r in range(5)], PoolGeometry.of(5, 3, 2, 1))
    first = record.steps[0]
    assert record.divisors[0] == 9 and sorted(record.padded[r][c] for r, c in first.taps) == [0] * 5 + [0, 1, 5, 6]
    assert first.value == pytest.approx(12 / 9)


def test_average_pooling_has_no_dilation():
    with pytest.raises(ValueError, match="average pooling has no dilation"):
        pool(AVG, [[1.0] * 4] * 4, PoolGeometry.of(4, 2, dilation=2))


def test_the_record_round_trips_through_json():
    for op in (MAX, AVG):
        record = pool(op, [[1, 5, 2], [0, 3, 3], [4, 1, 1]], PoolGeometry.of(3, 2, 1, 1, ceil_mode=True))
        assert Pooling.from_json(record.to_json()) == record


def test_pooling_imports_no_torch():
    tree = ast.parse(Path(convlab.pooling.__file__).read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert modules <= {"__future__", "math", "dataclasses", "convlab.arithmetic", "convlab.errors"}
