"""The stories: each step marks exactly the cells torch reads and the cell it writes, the step line shows the
true value (products where weights differ, padding marked), strides' unread cells and dilated kernels'
holes are marked, and the legend names only what the frame shows."""

import pytest
import torch
import torch.nn.functional as F
from torch_reference import (
    cells_each_input_reaches,
    cells_torch_reads,
    input_cells_each_window_covers,
    torch_conv,
)

from convlab.arithmetic import Layer
from convlab.catalogue import CATALOGUE, find
from convlab.describe import format_value
from convlab.layout import PAD_OPEN
from convlab.pooling import MAX
from convlab.records import SCATTER
from convlab.stories import step_arithmetic, story, stretched_label
from convlab.transposed import TransposedGeometry

NAMES = [animation.name for animation in CATALOGUE]


def channels_torch_connects(record) -> list[set[int]]:
    """Return, per output channel of a layer, the input channels its gradient reaches in torch (groups)."""
    seen = []
    for o in range(record.out_channels):
        x = torch.zeros(1, record.in_channels, *record.geometry.size, requires_grad=True)
        w = torch.ones(record.out_channels, record.in_channels // record.groups, *record.geometry.kernel)
        F.conv2d(x, w, groups=record.groups)[0, o].sum().backward()
        seen.append({c for c in range(record.in_channels) if x.grad[0, c].abs().sum() > 0})
    return seen


def _expected_reads(animation, record):
    """Return, per step, the set of (panel, row, column) cells torch reads, and the cells it writes."""
    g = record.geometry
    if isinstance(record, Layer):
        reads, seen = cells_torch_reads(g), channels_torch_connects(record)
        return [
            ({(f"input{c}", *cell) for c in seen[o] for cell in reads[s.out]}, {(f"output{o}", *s.out)})
            for o, channel in enumerate(record.channels)
            for s in channel.steps
        ]
    if record.op == "conv":
        reads = cells_torch_reads(g)
        return [
            ({(f"input{c}", *cell) for c in range(record.in_channels) for cell in reads[s.out]}, {("output", *s.out)})
            for s in record.steps
        ]
    if animation.settings.view == SCATTER:
        reaches = cells_each_input_reaches(g)
        return [({("input", *s.src)}, {("output", *t) for t in reaches[s.src]}) for s in record.scatters]
    if record.op == "transposed":
        reads = cells_torch_reads(g.direct)
        return [({("stretched", *cell) for cell in reads[s.out]}, {("output", *s.out)}) for s in record.steps]
    covers = input_cells_each_window_covers(g)
    steps = []
    for s in record.steps:
        cells = set(covers[s.out])
        if record.op != MAX:  # average pooling also reads the padding in its window, as zeros
            cells |= {tap for tap in s.taps if g.is_padding(*tap)}
        steps.append(({("input", *cell) for cell in cells}, {("output", *s.out)}))
    return steps


@pytest.mark.parametrize("name", NAMES)
def test_every_step_marks_exactly_the_cells_torch_reads_and_writes(name):
    animation = find(name)
    record = animation.record()
    told = story(record, 2, animation.settings.view)
    if record.op == "conv":
        read_panels = {f"input{c}" for c in range(record.in_channels)}
    elif record.op == "transposed" and animation.settings.view != SCATTER:
        read_panels = {"stretched"}
    else:
        read_panels = {"input"}
    for k, (reads, writes) in enumerate(_expected_reads(animation, record)):
        frame = told.frame(k)
        marked = {key for key, cell in frame.cells.items() if key[0] in read_panels and cell.style.startswith("tap")}
        marked |= {key for key, cell in frame.cells.items() if cell.style == "winner"}
        assert marked == reads, (name, k)
        assert {key for key, cell in frame.cells.items() if cell.style == "current"} == writes, (name, k)
    final = told.frame(told.count - 1)
    assert {cell.style for cell in final.cells.values()}.isdisjoint({"tap", "tap-padding", "current", "winner"})


def test_a_max_pool_marks_torchs_winner():
    record = find("maxpool_3x3_pad_1").record()
    told = story(record)
    for k, winner in enumerate(record.winners):
        assert told.frame(k).cells["input", *winner].style == "winner"
        assert told.frame(k).caption.endswith(f"= {format_value(record.steps[k].value)}")


def test_the_lessons_first_step_writes_out_its_sum():
    told = story(find("conv").record())
    assert told.frame(0).caption == "Step 1 of 16: output[0, 0] = (0+1+2+6+7+8+12+13+14) / 9 = 7"
    assert step_arithmetic(["1", "2"], [[-1, 0.5]]) == "−1×1 + 0.5×2"


def test_where_the_weights_differ_the_step_line_shows_each_product():
    record = find("conv_edge").record()
    caption = story(record).frame(1).caption
    expected = torch_conv(record.input, record.kernel, record.geometry)[0, 1].item()
    # The window over columns 1-3 sees 0, 0, 1 on every row: only the right column's weights count.
    assert caption == "Step 2 of 16: output[0, 1] = −1×0 + 0×0 + 1×1 − 2×0 + 0×0 + 2×1 − 1×0 + 0×0 + 1×1 = 4"
    assert format_value(expected) == "4"


def test_padding_zeros_are_marked_apart_from_the_images_own_zeros():
    record = find("conv_pad_1").record()
    caption = story(record).frame(0).caption
    padding_taps = sum(record.geometry.is_padding(*tap) for tap in record.steps[0].taps)
    assert caption.count(PAD_OPEN) == padding_taps == 5
    assert "+0+1+" in caption.replace(PAD_OPEN, "").replace("\x02", "")  # the image's own 0 is unmarked
    assert caption.split("= (")[1].startswith(PAD_OPEN)


def test_the_cells_a_stride_never_reads_are_marked():
    record = find("conv_stride_2").record()
    read = {cell for cells in cells_torch_reads(record.geometry).values() for cell in cells}
    g = record.geometry
    never = {(r, c) for r in range(g.padded[0]) for c in range(g.padded[1]) if not g.is_padding(r, c)} - read
    assert never and record.unread() == never
    base = story(record).base()
    assert {(r, c) for (panel, r, c), cell in base.items() if cell.style == "unread"} == never


def test_a_dilated_kernel_is_drawn_over_its_span_with_holes():
    told = story(find("conv_dilation_2").record())
    kernel = {(r, c): cell for (panel, r, c), cell in told.base().items() if panel == "kernel0"}
    assert len(kernel) == 25
    assert {rc for rc, cell in kernel.items() if cell.style == "hole"} == {
        (r, c) for r in range(5) for c in range(5) if r % 2 or c % 2
    }
    assert ("kernel0", (0, 0), (4, 4), "span") in told.frame(0).outlines


def test_the_legend_names_only_what_the_frame_shows():
    told = story(find("conv_pad_1").record())
    assert told.frame(0).legend == ["tap", "current", "padding", "rounded"]
    assert told.frame(told.count - 1).legend == ["padding", "rounded"]
    edge = story(find("conv_edge").record())  # whole numbers only: nothing is rounded
    assert "rounded" not in edge.frame(0).legend
    assert "span" in story(find("conv_dilation_2").record()).frame(0).legend


def test_a_story_tells_the_record_it_is_given_and_computes_nothing_again():
    import dataclasses

    record = find("conv").record()
    first = dataclasses.replace(record.steps[0], value=99.0)
    told = story(dataclasses.replace(record, steps=(first, *record.steps[1:])))
    assert told.frame(0).caption.endswith("/ 9 = 99")


@pytest.mark.parametrize(
    ("settings", "label"),
    [
        ({"size": 2, "kernel": 3, "stride": 2}, "Zeros inserted and around"),
        ({"size": 5, "kernel": 3, "padding": 1}, "Zeros around"),
        ({"size": 7, "kernel": 3, "padding": 2}, "Input as the kernel reads it"),
        ({"size": 5, "kernel": 3, "stride": 2, "padding": 3}, "Zeros inserted, edges cut off"),
    ],
)
def test_the_direct_views_grid_says_what_was_done_to_the_input(settings, label):
    assert stretched_label(TransposedGeometry.of(**settings)) == label


def test_a_lone_weight_of_one_is_shown_as_1_and_an_averaging_kernel_as_1_over_n():
    layer = story(find("conv_1x1").record())  # the second output channel weighs its inputs 0, 1, 1
    texts = {cell.text for (panel, _, _), cell in layer.frame(9).cells.items() if panel.startswith("kernel")}
    assert texts == {"0", "1"}
    assert {cell.text for (panel, _, _), cell in story(find("conv").record()).base().items() if panel == "kernel0"} == {
        "1/9"
    }


@pytest.mark.parametrize("name", ["conv_1x1", "conv_depthwise"])
def test_a_layers_kernel_panels_name_the_output_channel_whose_weights_they_show(name):
    record = find(name).record()
    layer = story(record)
    own_labels = {panel.key: panel.label for panel in layer.panels}
    kernels = [f"kernel{i}" for i in range(record.in_channels // record.groups)]
    for k in range(layer.count):
        frame = layer.frame(k)
        o = min(k // layer.positions, record.out_channels - 1)  # the last frame (the still) shows the last's
        for i, panel in enumerate(kernels):
            assert frame.labels.get(panel, own_labels[panel]) == f"Kernel w[{o},\u00a0{i}]", (k, panel)
            shown = {(r, c): cell.text for (p, r, c), cell in frame.cells.items() if p == panel}
            weights = record.channels[o].kernel[i]
            assert shown == {(r, c): format_value(w) for r, row in enumerate(weights) for c, w in enumerate(row)}
    assert len({tuple(map(tuple, channel.kernel[0])) for channel in record.channels}) > 1  # the labels matter


def test_a_step_line_subtracts_a_negative_number_rather_than_adding_it():
    # conv_1x1 at output[0, 0, 0]: its three input channels read 0, 9 and 18, with weights 1, 0.5 and -1.
    told = story(find("conv_1x1").record())
    assert told.frame(0).caption == "Step 1 of 18: output[0, 0, 0] = (1×0) + (0.5×9) + (−1×18) = 0 + 4.5 − 18 = −13.5"
    captions = [caption for a in CATALOGUE for caption in _captions(story(a.record()))]
    assert not [caption for caption in captions if "+ −" in caption or "+−" in caption]


def _captions(told):
    return [told.frame(k).caption for k in range(told.count)]
