"""convlab.transposed against torch.nn.functional.conv_transpose2d: sizes, refusals, both views, values."""

import ast
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import cells_each_input_reaches, cells_torch_reads, torch_conv_transpose, torch_stretched

import convlab.transposed
from convlab import transposed_output_size
from convlab.transposed import INPUT, TransposedConvolution, TransposedGeometry, conv_transpose


def torch_output(size, kernel, stride, padding, output_padding, dilation):
    """Return torch's output (H, W), or None where torch refuses the settings.

    Torch refuses an output with no cells ("Output size is too small"), except for a 1×1 input, where it
    returns an empty tensor instead (one of its code paths skips the check); convlab always refuses it.
    """
    try:
        x, w = torch.zeros(1, 1, *size), torch.zeros(1, 1, *kernel)
        out = F.conv_transpose2d(x, w, None, stride, padding, output_padding, 1, dilation)
    except (RuntimeError, ValueError):
        return None
    return tuple(out.shape[2:]) if out.numel() else None


pairs = st.tuples
settings_strategy = st.fixed_dictionaries(
    {
        "size": pairs(st.integers(1, 5), st.integers(1, 5)),
        "kernel": pairs(st.integers(1, 4), st.integers(1, 4)),
        "stride": pairs(st.integers(0, 3), st.integers(0, 3)),
        "padding": pairs(st.integers(-1, 4), st.integers(-1, 4)),
        "output_padding": pairs(st.integers(-1, 3), st.integers(-1, 3)),
        "dilation": pairs(st.integers(0, 3), st.integers(0, 3)),
    }
)


@st.composite
def valid_settings(draw):
    """Settings torch accepts (most of them; the few with an empty output are filtered out)."""
    axes = [
        draw(pairs(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3)))
        for _ in range(2)
    ]
    output_padding = tuple(draw(st.integers(0, max(stride, dilation) - 1)) for _, _, stride, _, dilation in axes)
    names = ("size", "kernel", "stride", "padding", "dilation")
    return {name: (axes[0][k], axes[1][k]) for k, name in enumerate(names)} | {"output_padding": output_padding}


@settings(max_examples=400, deadline=None)
@given(settings_strategy)
def test_output_size_matches_torch_and_refuses_exactly_where_torch_does(s):
    expected = torch_output(**s)
    if expected is None:
        with pytest.raises(ValueError) as error:
            transposed_output_size(**s)
        assert ": " in str(error.value) and "\n" not in str(error.value)  # what is wrong: what to change
    else:
        assert transposed_output_size(**s) == expected


def test_an_output_with_no_cells_is_refused_as_torch_refuses_it_on_all_but_a_1x1_input():
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.conv_transpose2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3), padding=(0, 2))
    assert F.conv_transpose2d(torch.zeros(1, 1, 1, 1), torch.zeros(1, 1, 4, 4), padding=(0, 2)).shape[2:] == (4, 0)
    for size, kernel in ((2, 3), (1, 4)):
        with pytest.raises(ValueError, match=r"^the output would be 0 wide \("):
            transposed_output_size(size, kernel, padding=(0, 2))


def test_single_ints_give_one_int_and_pairs_a_pair():
    assert transposed_output_size(2, 3, stride=2) == 5 == torch_output((2, 2), (3, 3), 2, 0, 0, 1)[0]
    assert transposed_output_size((3, 4), 3, stride=2, padding=1, output_padding=1) == (6, 8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 2, "kernel": 3, "output_padding": 1}, "output padding 1 must be smaller than the stride (1)"),
        (
            {"size": 2, "kernel": 3, "padding": 2},
            "the output would be 0 wide ((2 − 1)×1 − 2×2 + 1×(3 − 1) + 0 + 1 = 0): lower the padding",
        ),
        ({"size": 2, "kernel": 3, "output_padding": -1}, "output padding must be 0 or more, got -1"),
    ],
)
def test_refusals_say_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        transposed_output_size(**kwargs)


def _grid(data, shape, values):
    rows, cols = shape
    return data.draw(st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows))


@settings(max_examples=150, deadline=None)
@given(valid_settings().filter(lambda s: torch_output(**s) is not None), st.data())
def test_both_views_give_torchs_values_and_read_the_cells_torch_reads(s, data):
    geometry = TransposedGeometry.of(**s)
    values = st.floats(-100, 100, allow_nan=False, width=32)
    grid, weights = _grid(data, geometry.size, values), _grid(data, geometry.kernel, values)
    record = conv_transpose(grid, weights, geometry)
    theirs = torch_conv_transpose(grid, weights, geometry)
    torch.testing.assert_close(torch.tensor(record.output, dtype=torch.float64), theirs, rtol=1e-12, atol=1e-9)

    # The direct view: torch's zero-inserted, padded grid, and each step reads the cells conv2d reads there.
    torch.testing.assert_close(torch.tensor(record.stretched, dtype=torch.float64), torch_stretched(grid, geometry))
    direct = geometry.direct
    assert {step.out: set(step.taps) for step in record.steps} == cells_torch_reads(direct)
    flipped = torch.tensor(weights, dtype=torch.float64).flip(0, 1)
    assert record.flipped == flipped.tolist()
    again = F.conv2d(
        torch.tensor(record.stretched, dtype=torch.float64)[None, None], flipped[None, None], dilation=geometry.dilation
    )
    torch.testing.assert_close(again[0, 0], theirs, rtol=1e-12, atol=1e-9)
    for step in record.steps:
        assert step.value == pytest.approx(theirs[step.out].item(), rel=1e-12, abs=1e-9)

    # The scatter view: each input cell writes where torch's one-hot reaches, and the last running total of
    # each output cell is torch's value.
    reaches = cells_each_input_reaches(geometry)
    last = {}
    for scatter in record.scatters:
        assert {t for t in scatter.targets if t is not None} == reaches[scatter.src]
        for target, total in zip(scatter.targets, scatter.totals, strict=True):
            if target is not None:
                last[target] = total
    for (i, j), total in last.items():
        assert total == pytest.approx(theirs[i, j].item(), rel=1e-12, abs=1e-9)
    # Both views agree on which input cells meet in each output cell: the overlaps.
    for step in record.steps:
        meeting = sum(geometry.source(r, c)[0] == INPUT for r, c in step.taps)
        assert meeting == record.overlaps[step.out[0]][step.out[1]]


def test_the_checkerboard_stride_2_kernel_3_overlaps_on_every_other_line():
    record = conv_transpose([[1, 1], [1, 1]], [[1] * 3] * 3, TransposedGeometry.of(2, 3, stride=2))
    assert record.overlaps == [
        [1, 1, 2, 1, 1],
        [1, 1, 2, 1, 1],
        [2, 2, 4, 2, 2],
        [1, 1, 2, 1, 1],
        [1, 1, 2, 1, 1],
    ]
    assert record.output == [[float(n) for n in row] for row in record.overlaps]  # ones in: the counts out


def test_the_record_round_trips_through_json():
    geometry = TransposedGeometry.of((2, 3), (3, 2), stride=(2, 1), padding=1, output_padding=(1, 0))
    record = conv_transpose([[1, 2, 3], [4, 5, 6]], [[1, -1], [2, 0.5], [0, 3]], geometry)
    assert TransposedConvolution.from_json(record.to_json()) == record


def test_transposed_imports_no_torch():
    tree = ast.parse(Path(convlab.transposed.__file__).read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert modules <= {"__future__", "math", "dataclasses", "convlab.arithmetic", "convlab.errors"}
