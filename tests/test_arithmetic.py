"""convlab.arithmetic against torch.nn.functional.conv2d and the lesson's hand-worked numbers."""

import ast
import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import cells_torch_reads, torch_conv

import convlab.arithmetic
from convlab import Geometry, output_size
from convlab.arithmetic import (
    Convolution,
    arange_grid,
    check_channels,
    convolve,
    convolve_channels,
    convolve_layer,
    mean_divisor,
    mean_kernel,
    pad,
)
from convlab.catalogue import LESSON
from convlab.errors import UsageError


def torch_output(size, kernel, stride, padding, dilation):
    """Return torch's output (H, W) for the settings, or None where torch refuses them."""
    try:
        out = F.conv2d(torch.zeros(1, 1, *size), torch.zeros(1, 1, *kernel), None, stride, padding, dilation)
    except RuntimeError:
        return None
    return tuple(out.shape[2:])


pairs = st.tuples
settings_strategy = st.fixed_dictionaries(
    {
        "size": pairs(st.integers(1, 12), st.integers(1, 12)),
        "kernel": pairs(st.integers(1, 6), st.integers(1, 6)),
        "stride": pairs(st.integers(0, 4), st.integers(0, 4)),
        "padding": pairs(st.integers(-1, 3), st.integers(-1, 3)),
        "dilation": pairs(st.integers(0, 4), st.integers(0, 4)),
    }
)


@settings(max_examples=400, deadline=None)
@given(settings_strategy)
def test_output_size_matches_torch_and_refuses_exactly_where_torch_does(s):
    expected = torch_output(**s)
    if expected is None:
        with pytest.raises(ValueError):
            output_size(**s)
    else:
        assert output_size(**s) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_single_int_arguments_give_one_int(size, kernel, stride, padding, dilation):
    expected = torch_output((size, size), (kernel, kernel), stride, padding, dilation)
    if expected is None:
        with pytest.raises(ValueError):
            output_size(size, kernel, stride, padding, dilation)
    else:
        assert output_size(size, kernel, stride, padding, dilation) == expected[0]


def test_floor_is_taken_7x7_kernel_3_stride_3():
    # (7 - 3) / 3 + 1 = 2.33...: without the floor the formula is wrong.
    assert output_size(7, 3, stride=3) == 2 == torch_output((7, 7), (3, 3), 3, 0, 1)[0]


def test_the_lessons_output_sizes():
    sizes = {animation.name: animation.geometry.output for animation in LESSON}
    assert sizes == {"conv": (4, 4), "conv_stride_2": (2, 2), "conv_pad_1": (6, 6), "conv_dilation_2": (2, 2)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"size": 3, "kernel": 3, "dilation": 3},
            "a 3-wide kernel at dilation 3 spans 7 cells but the padded input is "
            "only 3 wide: lower the dilation or add padding",
        ),
        (
            {"size": (2, 9), "kernel": 3},
            "a 3-tall kernel at dilation 1 spans 3 cells but the padded input is only 2 "
            "tall: use a smaller kernel or add padding",
        ),
        ({"size": 0, "kernel": 1}, "input size must be at least 1, got 0"),
        ({"size": 5, "kernel": 0}, "kernel size must be at least 1, got 0"),
        ({"size": 5, "kernel": 3, "stride": 0}, "stride must be at least 1, got 0"),
        ({"size": 5, "kernel": 3, "dilation": 0}, "dilation must be at least 1, got 0"),
        ({"size": 5, "kernel": 3, "padding": -1}, "padding must be 0 or more, got -1"),
        ({"size": 5, "kernel": 2.5}, "kernel size must be a whole number, got 2.5"),
        ({"size": (5, 5, 5), "kernel": 3}, "input size takes one number or a (height, width) pair"),
    ],
)
def test_invalid_settings_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        output_size(**kwargs)


@settings(max_examples=150, deadline=None)
@given(settings_strategy.filter(lambda s: torch_output(**s) is not None), st.data())
def test_every_step_reads_the_cells_torch_reads_and_gets_its_value(s, data):
    geometry = Geometry.of(**s)
    rows, cols = geometry.size
    values = st.floats(-100, 100, allow_nan=False, width=32)
    grid = data.draw(st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows))
    weights = data.draw(
        st.lists(
            st.lists(values, min_size=geometry.kernel[1], max_size=geometry.kernel[1]),
            min_size=geometry.kernel[0],
            max_size=geometry.kernel[0],
        )
    )
    record = convolve(grid, weights, geometry)
    theirs = torch_conv(grid, weights, geometry)
    torch.testing.assert_close(torch.tensor(record.output, dtype=torch.float64), theirs, rtol=1e-12, atol=1e-9)

    # Each step, in row-major order: exactly the padded cells whose one-hot input reaches that output in
    # torch, and torch's value for it.
    rows, cols = theirs.shape
    assert [step.out for step in record.steps] == [(i, j) for i in range(rows) for j in range(cols)]
    assert {step.out: set(step.taps) for step in record.steps} == cells_torch_reads(geometry)
    for step in record.steps:
        assert len(set(step.taps)) == len(step.taps) == geometry.kernel[0] * geometry.kernel[1]
        assert step.value == pytest.approx(theirs[step.out].item(), rel=1e-12, abs=1e-9)
    torch.testing.assert_close(
        torch.tensor(record.padded[0]), F.pad(torch.tensor(grid), [geometry.padding[1]] * 2 + [geometry.padding[0]] * 2)
    )


@settings(max_examples=100, deadline=None)
@given(settings_strategy.filter(lambda s: torch_output(**s) is not None), st.integers(1, 3), st.data())
def test_several_channels_add_their_sums_and_the_bias_as_torch_does(s, channels, data):
    geometry = Geometry.of(**s)
    values = st.floats(-100, 100, allow_nan=False, width=32)

    def grid(shape):
        rows, cols = shape
        return data.draw(st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows))

    inputs = [grid(geometry.size) for _ in range(channels)]
    kernels = [grid(geometry.kernel) for _ in range(channels)]
    bias = data.draw(values)
    record = convolve_channels(inputs, kernels, geometry, bias)
    theirs = torch_conv(inputs, kernels, geometry, bias)
    torch.testing.assert_close(torch.tensor(record.output, dtype=torch.float64), theirs, rtol=1e-12, atol=1e-9)
    for step in record.steps:
        # Each channel's own sum is torch's single-channel convolution of that channel at this cell.
        for c in range(channels):
            alone = torch_conv(inputs[c], kernels[c], geometry)[step.out].item()
            assert step.sums[c] == pytest.approx(alone, rel=1e-12, abs=1e-9)
        assert step.value == pytest.approx(sum(step.sums) + bias, rel=1e-12, abs=1e-9)


def test_first_cell_of_the_lesson_is_7():
    record = LESSON[0].record()
    first = record.steps[0]
    assert first.out == (0, 0)
    assert sorted(record.padded[0][r][c] for r, c in first.taps) == [0, 1, 2, 6, 7, 8, 12, 13, 14]
    assert first.value == pytest.approx(7, abs=1e-12)
    assert record.formula == ("⌊(6 + 2×0 − 1×(3 − 1) − 1) / 1⌋ + 1 = 4",) * 2


def test_the_record_round_trips_through_json_without_recomputing():
    record = convolve(
        arange_grid((5, 7)), [[1, 0, -1], [2, 0.5, -2]], Geometry.of((5, 7), (2, 3), 2, 1, (1, 2)), bias=0.5
    )
    data = record.to_json()
    assert Convolution.from_json(data) == record
    data["steps"][0]["value"] = 123.0  # read as written: a value in the file is never worked out again
    assert Convolution.from_json(data).output[0][0] == 123.0
    assert data["output_size"] == list(record.geometry.output) == [len(record.output), len(record.output[0])]


def test_a_kernel_that_does_not_match_the_settings_is_refused():
    with pytest.raises(ValueError, match="the kernel must be 3×3 for these settings, got 2×2"):
        convolve(arange_grid((6, 6)), [[1, 2], [3, 4]], Geometry.of(6, 3))
    with pytest.raises(ValueError, match="the input must be 6×6"):
        convolve([[1.0] * 6] * 5, mean_kernel((3, 3)), Geometry.of(6, 3))


def test_mean_divisor_recognises_only_an_averaging_kernel():
    assert mean_divisor(mean_kernel((3, 3))) == 9
    assert mean_divisor([[0.5, 0.5]]) == 2
    assert mean_divisor([[1, 1]]) is None and mean_divisor([[0.25, 0.75]]) is None


def test_dilation_taps_are_the_nine_spread_cells_not_a_5x5_box():
    geometry = Geometry.of(6, 3, dilation=2)
    assert geometry.span == (5, 5)
    assert geometry.taps(0, 0) == [(0, 0), (0, 2), (0, 4), (2, 0), (2, 2), (2, 4), (4, 0), (4, 2), (4, 4)]


def test_pad_surrounds_with_zeros():
    assert pad([[1, 2]], (1, 0)) == [[0, 0], [1, 2], [0, 0]]
    assert pad([[1]], (0, 2)) == [[0, 0, 1, 0, 0]]


def test_arithmetic_imports_no_torch():
    tree = ast.parse(Path(convlab.arithmetic.__file__).read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "math", "dataclasses", "convlab"}
    assert {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} <= {
        "__future__",
        "dataclasses",
        "convlab.errors",
    }


# ---- a layer: several output channels, groups, a bias per output channel --------------------------------------------

layer_strategy = st.fixed_dictionaries(
    {
        "in_channels": st.integers(1, 4),
        "out_channels": st.integers(1, 4),
        "groups": st.integers(0, 4),
        "size": pairs(st.integers(2, 6), st.integers(2, 6)),
        "kernel": pairs(st.integers(1, 2), st.integers(1, 2)),
        "stride": st.integers(1, 2),
        "padding": st.integers(0, 1),
        "seed": st.integers(0, 2**16),
    }
)


@settings(max_examples=150, deadline=None)
@given(layer_strategy)
def test_a_layer_with_groups_and_bias_matches_torch_and_refuses_as_nn_conv2d_does(s):
    try:
        torch.nn.Conv2d(s["in_channels"], s["out_channels"], 1, groups=s["groups"])
        reason = None
    except ValueError as error:
        reason = str(error)
    generator = torch.Generator().manual_seed(s["seed"])
    per_group = s["in_channels"] // max(s["groups"], 1)
    x = torch.randint(-4, 5, (s["in_channels"], *s["size"]), generator=generator).double()  # (C, H, W)
    w = torch.randint(-3, 4, (s["out_channels"], max(per_group, 1), *s["kernel"]), generator=generator).double()
    b = torch.randint(-2, 3, (s["out_channels"],), generator=generator).double()
    geometry = Geometry.of(s["size"], s["kernel"], s["stride"], s["padding"])
    if reason is not None:
        with pytest.raises(UsageError) as refused:
            convolve_layer(x.tolist(), w.tolist(), geometry, b.tolist(), s["groups"])
        assert str(refused.value).startswith(reason) and (
            "choose groups" in str(refused.value) or "use 1" in str(refused.value)
        )
        return
    layer = convolve_layer(x.tolist(), w.tolist(), geometry, b.tolist(), s["groups"])
    expected = F.conv2d(x[None], w, b, s["stride"], s["padding"], groups=s["groups"])[0]
    torch.testing.assert_close(torch.tensor(layer.output, dtype=torch.float64), expected, rtol=0, atol=1e-12)
    assert type(layer).from_json(layer.to_json()) == layer


CHANNEL_COUNTS = json.loads((Path(__file__).parent / "grammar_cases.json").read_text())["channel_counts"]


@pytest.mark.parametrize(("in_channels", "out_channels", "groups", "accepted"), CHANNEL_COUNTS)
def test_channel_counts_are_refused_where_nn_conv2d_refuses_them_in_its_words(
    in_channels, out_channels, groups, accepted
):
    try:
        torch.nn.Conv2d(in_channels, out_channels, 1, groups=groups)
        reason = None
    except ValueError as error:
        reason = str(error)
    assert (reason is None) == accepted
    if accepted:
        check_channels(in_channels, out_channels, groups)
        return
    with pytest.raises(UsageError) as refused:
        check_channels(in_channels, out_channels, groups)
    assert str(refused.value).startswith(reason) and "\n" not in str(refused.value)
