"""The explorer page in Chromium: every operation's values, refusals and highlights against torch, the number
grammar of the command line, settings that round-trip through the URL, keyboard use, the layout on a laptop's
first screen and on a phone, accessibility, and the trained filters on a digit.

Most tests reuse one page and change its settings with the module's own `showSettings` (what opening the page
with that query does), so hundreds of settings take seconds."""

import json
import random
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import torch
import torch.nn.functional as F
from axe_playwright_python.sync_playwright import Axe
from explorer_cases import OPS, channel_cases, grids_text, one_channel_cases, pair, text
from test_browser import switch_scheme
from torch_reference import cells_torch_reads

from convlab import Geometry
from convlab.catalogue import LESSON
from convlab.cli import parse_grid, parse_size
from convlab.describe import explorer_query
from convlab.records import Settings

CASES = json.loads((Path(__file__).parent / "grammar_cases.json").read_text())
IMPORT = "path => import(new URL(path, location.href))"


def new_page(browser, base, reduced_motion="reduce", **options):
    context = browser.new_context(reduced_motion=reduced_motion, **options)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.errors.append(f"other host: {r.url}") if not r.url.startswith(base) else None)
    page.base = base
    return page


@pytest.fixture(scope="module")
def page(browser, site_server):
    page = new_page(browser, site_server[0], viewport={"width": 1280, "height": 800})
    open_explorer(page)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def phone(browser, site_server):
    page = new_page(browser, site_server[0], viewport={"width": 390, "height": 844})
    open_explorer(page)
    yield page
    page.context.close()


@pytest.fixture
def screen(page, phone):
    """Return a function giving the shared explorer page of a width (390: a phone's, else a laptop's) in a colour
    scheme; the scheme goes back to light after the test."""
    used = []

    def at(width, scheme="light"):
        shown = phone if width == 390 else page
        shown.emulate_media(color_scheme=scheme)
        used.append(shown)
        return shown

    yield at
    for shown in used:
        shown.emulate_media(color_scheme="light")


def open_explorer(page, **settings):
    page.goto(page.base + "explorer/?" + urlencode(settings))
    page.wait_for_selector("[data-testid=output-grid], [data-testid=config-error]:not([hidden])")


def show(page, **settings):
    """Show these settings on the open explorer, as opening the page with them as its query does."""
    page.evaluate(
        "query => import(new URL('../javascripts/explorer.js', location.href)).then(m => m.showSettings(query))",
        urlencode(settings),
    )


def error_text(page):
    error = page.get_by_test_id("config-error")
    return error.inner_text() if error.is_visible() else None


def output_values(page):
    return page.eval_on_selector_all("[data-testid=output-cell]", "cells => cells.map(c => Number(c.dataset.value))")


def cells(page, grid, state):
    """Return the [row, column] of each cell of a grid ("input" or "output") in a data-state, in its drawn grid."""
    return page.eval_on_selector_all(
        f"[data-testid={grid}-grid] .cell[data-state={state}]",
        "cells => cells.map(c => c.dataset.cell.split(',').map(Number))",
    )


def sum_text(page):
    """Return the step's arithmetic as one line of text, without the marks that pair weights and cells."""
    return page.eval_on_selector(
        "[data-testid=step-arithmetic]",
        "node => { const copy = node.cloneNode(true); copy.querySelectorAll('.mark').forEach(m => m.remove());"
        " return copy.textContent.replace(/\\s+/g, ' ').trim(); }",
    )


# ---- one number grammar with the command line (the Node tests check grammar.js on every case) ----------------


def python_outcome(parse, text, *args):
    try:
        value = parse(text, *args)
    except ValueError as error:
        return str(error)
    return list(value) if isinstance(value, tuple) else [value, value] if isinstance(value, int) else value


def test_the_page_refuses_bad_numbers_in_convlabs_words(page):
    for case, expected in CASES["sizes"]:
        show(page, size=case, kernel="1")
        if expected is None:
            assert error_text(page) == python_outcome(parse_size, case), case
        elif min(expected) < 1:
            assert error_text(page).startswith("input size must be at least 1"), case
        else:
            assert page.get_by_test_id("output-size").inner_text() == f"{expected[0]}×{expected[1]}", case
    for case, expected in CASES["grids"]:
        show(page, size="16", weights=case)
        if expected is None:
            assert error_text(page) == python_outcome(parse_grid, case), case
        else:
            shown = page.eval_on_selector_all(
                "[data-testid=kernel-grid] .value", "cells => cells.map(c => c.textContent)"
            )
            assert len(shown) == len(expected) * len(expected[0]), case
    assert page.errors == []


@pytest.mark.parametrize("name", ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])
def test_names_find_no_built_in_property(page, name):
    show(page, weights=name)
    assert error_text(page) == python_outcome(parse_grid, name)
    show(page, input=name)
    assert error_text(page) == python_outcome(parse_grid, name, "--input")
    show(page, op=name)
    assert error_text(page) == f"{name!r} is not an operation: choose conv, transposed, maxpool or avgpool"
    assert page.errors == []


# ---- bounds ------------------------------------------------------------------------------------------------------


def limits(page):
    return page.evaluate(f"({IMPORT})('../javascripts/explorer-state.js').then(m => [m.LIMITS, m.MAX_CANVAS])")


def test_the_limits_are_stated_and_each_is_refused_in_one_line_just_past_it(page):
    bounds, max_canvas = limits(page)
    open_explorer(page)
    stated = page.locator(".explorer-limits").inner_text()
    for key, (name, low, high) in bounds.items():
        assert f"{name} {low}–{high}" in stated
        op = "transposed" if key == "output_padding" else "conv"
        show(page, op=op, **{key: str(high + 1)})
        assert error_text(page).startswith(f"{name} must be at most {high}"), key
    assert f"at most {max_canvas} output cells per side" in stated
    show(page, op="transposed", size="16", kernel="8", stride="8")
    assert "more than the 40 per side" in error_text(page)
    show(page, op="transposed", size="16", kernel="4", stride="2", padding="1")  # DCGAN's upsampling fits
    assert page.get_by_test_id("output-size").inner_text() == "32×32"


@pytest.mark.parametrize(
    "query",
    [
        "size=1&padding=300",
        "size=1&padding=100000",
        "kernel=100000",
        "stride=1e9",
        "dilation=99999999999999999999",
        "size=100000x1",
        "op=transposed&output_padding=100000",
    ],
)
def test_huge_settings_are_refused_without_harm(page, query):
    page.goto(page.base + "explorer/?" + query)
    error = page.get_by_test_id("config-error")
    error.wait_for()
    assert "\n" not in error.inner_text() and page.get_by_test_id("output-cell").count() == 0
    assert page.errors == []


# ---- what is drawn is what the pure modules compute (tests/node checks them against torch on 650 settings) -------


def shown_tensor(page, testid, keys):
    """Return the cells with this data-testid as a tensor indexed by the given data attributes."""
    rows = page.eval_on_selector_all(
        f"[data-testid={testid}]",
        "(cells, keys) => cells.map(c => [...keys.map(k => Number(c.dataset[k])), Number(c.dataset.value)])",
        keys,
    )
    shape = [max(r[i] for r in rows) + 1 for i in range(len(keys))]
    tensor = torch.full(shape, float("nan"), dtype=torch.float64)
    for *index, value in rows:
        tensor[tuple(index)] = value
    return tensor


def shown_number(value, signed=False):
    """Return a value as the page writes it: two decimals at most, a true minus, negatives bracketed if signed."""
    text = f"{value:.2f}".rstrip("0").rstrip(".").replace("-", "−")
    return f"({text})" if signed and value < 0 else text


def module_model(page, settings):
    """Return what explorer-state.js computes for these settings: its outputs, inputs, weights and biases, or the
    message it refuses them with."""
    return page.evaluate(
        """async (query) => {
            const m = await import(new URL("../javascripts/explorer-state.js", location.href));
            try {
                const model = m.modelOf(m.readQuery(query));
                const { outputs, inputs, kernels, biases } = model;
                return { outputs, inputs, kernels, biases: model.ch.bias ? biases : null };
            } catch (e) { return { refusal: e.message }; }
        }""",
        urlencode(settings),
    )


DRAWN = [
    *(case for op in OPS for case in one_channel_cases(op, 2)[-3:]),
    *(case for op in ("conv", "transposed") for case in channel_cases(op, 2)[-3:]),
]


@pytest.mark.parametrize("case", DRAWN, ids=lambda c: c["settings"]["op"])
def test_the_page_draws_what_its_pure_module_computes_and_says_its_refusals(page, case):
    settings = case["settings"]
    show(page, **settings)
    model = module_model(page, settings)
    if "refusal" in model:
        assert case.get("refused") and error_text(page) == model["refusal"], settings
        return
    assert "expected" in case and error_text(page) is None, (settings, error_text(page))
    outputs = torch.tensor(model["outputs"], dtype=torch.float64)  # (C_out, H_out, W_out)
    assert page.get_by_test_id("output-size").inner_text() == f"{outputs.shape[1]}×{outputs.shape[2]}"
    assert torch.equal(shown_tensor(page, "output-cell", ["channel", "row", "col"]), outputs)
    assert torch.equal(
        shown_tensor(page, "input-cell", ["channel", "row", "col"]), torch.tensor(model["inputs"]).double()
    )
    if settings["op"] in ("conv", "transposed"):
        kernel_keys = ["in", "out"] if settings["op"] == "transposed" else ["out", "in"]
        kernels = torch.tensor(model["kernels"], dtype=torch.float64)
        assert torch.equal(shown_tensor(page, "kernel-cell", [*kernel_keys, "row", "col"]), kernels)
    if model["biases"] is None:
        assert page.get_by_test_id("bias-cell").count() == 0
    else:
        assert torch.equal(shown_tensor(page, "bias-cell", ["channel"]), torch.tensor(model["biases"]).double())
    assert page.errors == []


def test_groups_refused_by_pytorch_say_its_reason_and_what_to_change(page):
    show(page, in_channels="3", out_channels="4", groups="2")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups") as reason:
        torch.nn.Conv2d(3, 4, 3, groups=2)
    fix = "choose groups 1 (a divisor of both 3 and 4)"
    assert error_text(page) == f"{reason.value} (PyTorch's ValueError), got in_channels=3 with groups=2: {fix}"
    show(page, in_channels="4", out_channels="2", groups="4")
    assert error_text(page).startswith(
        "out_channels must be divisible by groups"
    ) and "choose groups 1, 2 " in error_text(page)


def test_each_step_sums_every_input_channel_it_sees_then_adds_the_bias_as_torch(page):
    x = torch.arange(2 * 36, dtype=torch.float64).reshape(2, 6, 6)
    w = torch.tensor([[[[1, 0, -1]] * 3, [[0.5] * 3] * 3], [[[0, 1, 0]] * 3, [[2, 0, 0]] * 3]], dtype=torch.float64)
    b = torch.tensor([0.5, -1.0], dtype=torch.float64)
    show(page, in_channels="2", out_channels="2", bias="0.5,-1", weights=grids_text(w.flatten(0, 1).tolist()))
    for step in (0, 7, 16 + 5, 31):
        page.get_by_role("slider", name="Step").fill(str(step))
        o, (i, j) = divmod(step, 16)[0], divmod(step % 16, 4)
        partials = [F.conv2d(x[c][None, None], w[o, c][None, None])[0, 0, i, j].item() for c in range(2)]
        shown = page.eval_on_selector_all("[data-testid=partial-sum]", "s => s.map(n => Number(n.dataset.value))")
        assert shown == partials
        total = F.conv2d(x[None], w, b)[0, o, i, j].item()
        terms = " + ".join(shown_number(v, signed=True) for v in partials)
        expected = (
            f"output[{o}, {i}, {j}] = {terms} + bias {shown_number(b[o].item(), signed=True)} = {shown_number(total)}"
        )
        assert page.get_by_test_id("step-total").inner_text() == expected
        assert cells(page, "output", "current") == [[i, j]]


def test_with_groups_each_output_channel_reads_only_the_input_channels_torch_lets_it_see(page):
    show(page, in_channels="4", out_channels="2", groups="2", size="5")
    for o in range(2):
        x = torch.zeros(1, 4, 5, 5, dtype=torch.float64, requires_grad=True)
        F.conv2d(x, torch.ones(2, 2, 3, 3, dtype=torch.float64), groups=2)[0, o, 1, 2].backward()
        seen = {c for c in range(4) if x.grad[0, c].abs().sum() > 0}
        page.get_by_role("slider", name="Step").fill(str(o * 9 + 1 * 3 + 2))
        read = page.eval_on_selector_all(
            "[data-testid=input-grid]:has(.cell[data-state=read])", "grids => grids.map(g => Number(g.dataset.channel))"
        )
        assert set(read) == seen
        groups = page.eval_on_selector_all(
            ".explorer-channel[data-channel]:has([data-testid=input-grid])", "b => b.map(n => n.dataset.group)"
        )
        assert groups == ["0", "0", "1", "1"]


def test_padding_same_pads_as_torch_does_and_a_stride_is_refused_in_torchs_words(page):
    show(page, size="6x5", padding="same", weights="1,-2;3,0.5")
    x = torch.arange(30.0).reshape(1, 1, 6, 5)
    expected = F.conv2d(x, torch.tensor([[[[1, -2], [3, 0.5]]]]), padding="same")  # the odd padding row goes below
    assert output_values(page) == expected.flatten().tolist()
    assert page.get_by_test_id("output-size").inner_text() == "6×5"
    assert "padding='same'" in page.locator(".explorer-torch code").inner_text()
    show(page, size="6", padding="same", stride="2")
    with pytest.raises(ValueError) as refusal:
        torch.nn.Conv2d(1, 1, 3, stride=2, padding="same")
    assert str(refusal.value) in error_text(page)


@pytest.mark.parametrize(
    "settings",
    [
        {"in_channels": "2", "out_channels": "4", "groups": "2", "bias": "1", "size": "5x6"},
        {"in_channels": "4", "out_channels": "4", "groups": "4", "kernel": "3", "padding": "1"},
        {"op": "transposed", "in_channels": "2", "out_channels": "4", "groups": "2", "stride": "2", "bias": "0.5"},
    ],
)
def test_the_pytorch_line_weight_shape_and_parameter_count_follow_the_channels(page, settings):
    show(page, **settings)
    line = page.locator(".explorer-torch code").inner_text()
    layer = eval(line.replace("nn.", "torch.nn."))
    rows, cols = (
        parse_size(settings.get("size", "6"))
        if "x" in settings.get("size", "6")
        else [int(settings.get("size", "6"))] * 2
    )
    out = layer(torch.zeros(1, int(settings["in_channels"]), rows, cols))
    count = sum(p.numel() for p in layer.parameters())
    described = page.locator(".explorer-shape").inner_text()
    assert f"gives output torch.Size([{', '.join(map(str, out.shape))}])" in described
    assert f"Weight torch.Size([{', '.join(map(str, layer.weight.shape))}])" in described
    assert described.endswith(f"= {count} parameters.")


def test_each_step_reads_what_torch_reads(page):
    rng = random.Random(7)
    for _ in range(12):
        size, kernel = (rng.randint(3, 9), rng.randint(3, 9)), (rng.randint(1, 3), rng.randint(1, 3))
        stride, padding, dilation = (rng.randint(1, 2), 1), (rng.randint(0, 1), 0), (rng.randint(1, 2), 2)
        try:
            geometry = Geometry.of(size, kernel, stride, padding, dilation)
        except ValueError:
            continue
        show(
            page,
            size=pair(size),
            kernel=pair(kernel),
            stride=pair(stride),
            padding=pair(padding),
            dilation=pair(dilation),
        )
        reads = cells_torch_reads(geometry)
        for step in rng.sample(range(len(reads)), min(4, len(reads))):
            page.get_by_role("slider", name="Step").fill(str(step))
            out = divmod(step, geometry.output[1])
            assert {tuple(c) for c in cells(page, "input", "read")} == reads[out]
            assert cells(page, "output", "current") == [list(out)]


def test_cells_no_step_reads_are_marked_as_torch_leaves_them(page):
    for size, stride, padding in [(6, 2, 0), (7, 3, 1), ((5, 8), (2, 3), (0, 1))]:
        geometry = Geometry.of(size, 3, stride, padding)
        show(page, size=pair(geometry.size), stride=pair(geometry.stride), padding=pair(geometry.padding))
        read = set().union(*cells_torch_reads(geometry).values())
        everything = {(r, c) for r in range(geometry.padded[0]) for c in range(geometry.padded[1])}
        unread = page.eval_on_selector_all("[data-unread]", "cells => cells.map(c => c.dataset.cell)")
        assert {tuple(map(int, cell.split(","))) for cell in unread} == everything - read
    assert page.locator(".explorer-legend").inner_text().count("never read") == 1


def test_max_pooling_marks_torchs_winner_and_counts_padding_as_minus_infinity(page):
    grid = [[3, 9, 1, 4], [2, 9, 0, 7], [5, 5, 8, 6]]
    show(page, op="maxpool", input=text(grid), kernel="2", stride="1", padding="1")
    _, indices = F.max_pool2d(torch.tensor(grid, dtype=torch.float64)[None, None], 2, 1, 1, return_indices=True)
    for step, index in enumerate(indices.flatten().tolist()):
        page.get_by_role("slider", name="Step").fill(str(step))
        winner = page.eval_on_selector("[data-winner]", "c => c.dataset.cell.split(',').map(Number)")
        assert [winner[0] - 1, winner[1] - 1] == list(divmod(index, 4))  # the drawn grid is padded by one
    page.get_by_role("slider", name="Step").fill("0")
    assert sum_text(page) == "output[0, 0] = max(−∞, −∞, −∞, 3) = 3"


def test_transposed_convolution_scatters_each_input_cell_where_torch_does(page):
    show(page, op="transposed", size="3x4", kernel="3", stride="2", padding="1", output_padding="1", weights="mean")
    rows, cols = 3, 4
    for step in (0, 5, 11):
        one_hot = torch.zeros(1, 1, rows, cols, dtype=torch.float64)
        one_hot[0, 0, divmod(step, cols)[0], divmod(step, cols)[1]] = 1
        reach = F.conv_transpose2d(one_hot, torch.ones(1, 1, 3, 3, dtype=torch.float64), None, 2, 1, 1)[0, 0]
        page.get_by_role("slider", name="Step").fill(str(step))
        assert cells(page, "input", "read") == [list(divmod(step, cols))]
        current = {(r - 1, c - 1) for r, c in cells(page, "output", "current")}  # drawn before cropping by 1
        inside = {cell for cell in current if 0 <= cell[0] < reach.shape[0] and 0 <= cell[1] < reach.shape[1]}
        assert inside == {tuple(cell) for cell in torch.nonzero(reach).tolist()}
    assert "+" not in page.get_by_test_id("step-arithmetic").inner_text().split("=")[0]


def test_average_pooling_counts_padding_but_not_cells_past_it(page):
    show(page, op="avgpool", size="6", kernel="3", stride="2", padding="1", ceil_mode="1")
    expected = F.avg_pool2d(torch.arange(36.0).reshape(1, 1, 6, 6), 3, 2, 1, ceil_mode=True)[0, 0]
    page.get_by_role("slider", name="Step").fill(str(expected.numel() - 1))  # the last window hangs past the padding
    sum_text = page.get_by_test_id("step-arithmetic").inner_text()
    assert "/ 4 (4 cells counted)" in sum_text and sum_text.endswith(f"= {expected[-1, -1].item():g}")


# ---- the page as a teaching instrument ---------------------------------------------------------------------------


def test_it_opens_on_step_one_highlighted_and_plays_unless_motion_is_reduced(browser, site_server):
    page = new_page(browser, site_server[0])
    open_explorer(page, size="6", kernel="3", weights="mean")
    assert page.get_by_test_id("step-counter").inner_text() == "Step 1 of 16"
    assert sorted(map(tuple, cells(page, "input", "read"))) == [(r, c) for r in range(3) for c in range(3)]
    assert cells(page, "output", "current") == [[0, 0]]
    assert sum_text(page) == "output[0, 0] = (0 + 1 + 2 + 6 + 7 + 8 + 12 + 13 + 14) / 9 = 7"
    playing = new_page(browser, site_server[0], reduced_motion="no-preference")
    open_explorer(playing, size="6", kernel="3", weights="mean")
    playing.wait_for_function("document.querySelector('[data-testid=step-counter]').textContent !== 'Step 1 of 16'")
    # Opened first, the page with reduced motion has waited longer than the other took to move on: it stays.
    assert page.get_by_test_id("step-counter").inner_text() == "Step 1 of 16"
    playing.context.close()
    page.context.close()


def test_each_weight_and_the_cell_it_multiplies_share_a_number_and_a_dilated_span_one_outline(page):
    show(page, size="7", kernel="3", dilation="2", weights="1,2,3;4,5,6;7,8,9")
    marks = page.eval_on_selector_all(
        "[data-testid=input-grid] .cell",
        "cells => cells.map(c => [c.dataset.cell, c.dataset.state, c.firstChild.textContent])",
    )
    marked = {cell: mark for cell, state, mark in marks if mark}
    assert marked == {f"{2 * a},{2 * b}": str(3 * a + b + 1) for a in range(3) for b in range(3)}
    assert {cell for cell, state, _ in marks if state == "read"} == set(marked)  # the holes are not read
    kernel_marks = page.eval_on_selector_all("[data-testid=kernel-grid] .mark", "m => m.map(x => x.textContent)")
    assert kernel_marks == [str(k) for k in range(1, 10)]
    outline = page.locator("[data-testid=input-grid] .explorer-span")
    assert page.locator(".explorer-span:visible").count() == 1
    box = outline.bounding_box()
    first = page.locator("[data-testid=input-grid] [data-cell='0,0']").bounding_box()
    last = page.locator("[data-testid=input-grid] [data-cell='4,4']").bounding_box()
    assert abs(box["x"] - first["x"]) < 1.5 and abs(box["x"] + box["width"] - last["x"] - last["width"]) < 1.5
    assert sum_text(page) == "output[0, 0] = 1×0 + 2×2 + 3×4 + 4×14 + 5×16 + 6×18 + 7×28 + 8×30 + 9×32 = 984"


def test_pointing_at_cells_shows_what_they_read_and_what_reads_them(page):
    show(page, size="6", kernel="3", stride="2", weights="mean")
    page.locator("[data-testid=input-grid] [data-cell='2,2']").hover()  # read by all four outputs
    assert len(cells(page, "output", "current")) == 4
    page.locator("[data-testid=input-grid] [data-cell='0,0']").click()  # pin [0, 0]: read by output [0, 0] only
    page.locator("[data-testid=input-grid] [data-cell='0,5']").hover()
    assert cells(page, "output", "current") == [[0, 0]]
    page.locator("[data-testid=input-grid] [data-cell='0,0']").click()  # unpin
    page.locator("[data-testid=output-grid] [data-cell='1,1']").hover()
    assert sorted(map(tuple, cells(page, "input", "read"))) == [(r, c) for r in (2, 3, 4) for c in (2, 3, 4)]


def test_keyboard_steps_and_explains_a_cell(page):
    open_explorer(page, size="6", kernel="3", weights="mean")
    page.focus("button[aria-label='Next step']")
    page.keyboard.press("Enter")
    assert page.get_by_test_id("step-counter").inner_text() == "Step 2 of 16"
    assert sum_text(page).startswith("output[0, 1] = (1 + 2 + 3 + 7 + 8 + 9")
    for _ in range(30):  # tab on: one stop per grid, so the output grid is a few presses away
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "output-cell":
            break
    assert sum_text(page) == "output[0, 0] = (0 + 1 + 2 + 6 + 7 + 8 + 12 + 13 + 14) / 9 = 7"
    page.keyboard.press("ArrowDown")  # arrow keys move within the grid: output [1, 0]
    assert cells(page, "output", "current") == [[1, 0]]
    assert len(cells(page, "input", "read")) == 9


def test_play_runs_through_the_steps_and_stops(page):
    show(page, size="4", kernel="3", weights="mean")
    page.select_option("#explorer-speed", "fast")
    page.click("button[aria-label=Play]")
    page.wait_for_function("document.querySelector('[data-testid=step-counter]').textContent === 'All 4 steps done'")
    assert page.locator("button[aria-label=Play]").count() == 1


def test_steppers_and_choices_write_the_address_and_come_back_on_reload(page):
    open_explorer(page)
    page.fill("#explorer-size", "5x7")
    page.click("button[aria-label='Raise the stride']")
    page.fill("#explorer-dilation", "1x2")
    page.select_option("#explorer-weights", "sharpen")
    assert page.locator("#explorer-kernel").is_disabled()  # a named kernel fixes the kernel size
    query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert query == {"size": "5x7", "stride": "2", "dilation": "1x2", "weights": "sharpen"}
    before = output_values(page)
    page.reload()
    page.wait_for_selector("[data-testid=output-grid]")
    assert page.input_value("#explorer-size") == "5x7" and page.input_value("#explorer-weights") == "sharpen"
    rows, cols = Geometry.of((5, 7), 3, stride=2, dilation=(1, 2)).output
    assert output_values(page) == before and page.get_by_test_id("output-size").inner_text() == f"{rows}×{cols}"


def test_switching_operation_sets_aside_what_it_does_not_have(page):
    open_explorer(page, size="6", weights="sobel-x", dilation="2")
    page.select_option("#explorer-op", "avgpool")
    assert error_text(page) is None and page.locator("#explorer-dilation").is_hidden()
    # pooling's own default window, as `convlab render --help` documents it: 2, and a stride of the window's size
    assert page.locator("#explorer-weights").is_hidden() and page.input_value("#explorer-stride") == "2"
    assert page.get_by_test_id("output-size").inner_text() == "3×3"
    page.select_option("#explorer-op", "conv")
    query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert query == {"op": "conv", "size": "6", "weights": "sobel-x", "dilation": "2"}


@pytest.mark.parametrize("op", OPS)
def test_the_defaults_are_the_command_lines(page, op):
    record = Settings(op=op).record()  # what `convlab render --op OP` draws with nothing else given
    show(page, op=op)
    g = record.geometry
    assert page.get_by_test_id("output-size").inner_text() == f"{g.output[0]}×{g.output[1]}"
    assert page.input_value("#explorer-kernel") == pair(g.kernel) and page.input_value("#explorer-stride") == pair(
        g.stride
    )
    if op in ("conv", "transposed"):
        kernel = record.kernel[0] if op == "conv" else record.kernel
        shown = page.eval_on_selector_all(
            "[data-testid=kernel-cell]", "cells => cells.map(c => Number(c.dataset.value))"
        )
        assert shown == pytest.approx([w for row in kernel for w in row])
        assert output_values(page) == pytest.approx([v for row in record.output for v in row])


def test_the_direct_view_of_a_transposed_convolution_slides_the_flipped_kernel_over_the_zero_inserted_input(page):
    x = torch.tensor([[1.0, -2, 3], [0.5, 4, -1], [2, 0, 1]])
    w = torch.tensor([[1.0, 2, 0], [-1, 3, 1], [0.5, 0, 2]])
    show(page, op="transposed", stride="2", padding="1", output_padding="1", input=text(x), weights=text(w))
    page.check("[data-testid=direct-view]")
    assert parse_qs(urlsplit(page.url).query)["view"] == ["direct"]
    expected = F.conv_transpose2d(x[None, None], w[None, None], stride=2, padding=1, output_padding=1)[0, 0]
    assert output_values(page) == expected.flatten().tolist()
    # (3 - 1)·2 + 1 cells, then d·(k - 1) - p = 1 zero around and the output padding's row and column: 8×8
    assert page.eval_on_selector_all("[data-testid=input-grid] .cell", "cells => cells.length") == 8 * 8
    inputs = page.eval_on_selector_all(
        "[data-testid=input-cell]",
        "cells => cells.map(c => [Number(c.dataset.row), Number(c.dataset.col), c.dataset.cell])",
    )
    assert inputs == [[i, j, f"{1 + 2 * i},{1 + 2 * j}"] for i in range(3) for j in range(3)]
    kernel = page.eval_on_selector_all("[data-testid=kernel-cell]", "cells => cells.map(c => Number(c.dataset.value))")
    assert kernel == w.flip(0, 1).flatten().tolist()
    go_to_step(page, 9)  # output[1, 3] reads the window from [1, 3] of the grid
    assert cells(page, "input", "read") == [[r, c] for r in range(1, 4) for c in range(3, 6)]
    page.uncheck("[data-testid=direct-view]")
    assert "view" not in parse_qs(urlsplit(page.url).query)
    assert output_values(page) == expected.flatten().tolist()
    show(page, view="direct")
    assert (
        error_text(page) == "the direct view belongs to transposed convolution only: drop view, or choose op transposed"
    )


def test_custom_input_values_set_the_size(page):
    open_explorer(page, kernel="2")
    page.select_option("#explorer-input", "custom")
    page.fill("#explorer-input-custom", "1,2,3;4,5,6")
    assert page.input_value("#explorer-size") == "2x3" and page.locator("#explorer-size").is_disabled()
    assert output_values(page) == [12.0 / 4, 16.0 / 4]


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"size": "5x7", "kernel": "2x3", "stride": "2x1", "padding": "1"},
            "nn.Conv2d(1, 1, kernel_size=(2, 3), stride=(2, 1), padding=1, dilation=1, bias=False)",
        ),
        (
            {"op": "transposed", "size": "4", "stride": "2", "padding": "1", "output_padding": "1"},
            "nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1, bias=False)",
        ),
        (
            {"op": "maxpool", "size": "7", "kernel": "3", "padding": "1", "ceil_mode": "1"},
            "nn.MaxPool2d(kernel_size=3, stride=3, padding=1, dilation=1, ceil_mode=True)",
        ),
        (
            {"op": "avgpool", "size": "6x5", "kernel": "2"},
            "nn.AvgPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=False, count_include_pad=True)",
        ),
    ],
)
def test_the_pytorch_line_runs_and_gives_the_shape_shown(page, settings, line):
    show(page, **settings)
    assert page.locator(".explorer-torch code").inner_text() == line
    layer = eval(line.replace("nn.", "torch.nn."))
    rows, cols = parse_size(settings["size"]) if "x" in settings["size"] else [int(settings["size"])] * 2
    out = layer(torch.zeros(1, 1, rows, cols))
    assert page.get_by_test_id("output-size").inner_text() == f"{out.shape[2]}×{out.shape[3]}"
    assert (
        f"gives output torch.Size([1, 1, {out.shape[2]}, {out.shape[3]}])"
        in page.locator(".explorer-shape").inner_text()
    )


def test_lesson_animations_link_to_their_settings(page, built_site):
    html = (built_site / "lesson/convolution/index.html").read_text()
    for animation in LESSON:
        geometry = animation.geometry
        link = html.split(f'id="animation-{animation.name}"')[1].split('href="../../explorer/?')[1].split('"')[0]
        show(page, **{k: v[0] for k, v in parse_qs(link.replace("&amp;", "&")).items()})
        assert page.get_by_test_id("output-size").inner_text() == f"{geometry.output[0]}×{geometry.output[1]}"


def assert_channels_match_torch(page, link):
    """Open an explorer link with channels and check that its outputs are what torch computes from the input,
    weights and bias the page shows."""
    settings = {k: v[0] for k, v in parse_qs(link).items()}
    show(page, **settings)
    assert error_text(page) is None, (link, error_text(page))
    x = shown_tensor(page, "input-cell", ["channel", "row", "col"])
    w = shown_tensor(page, "kernel-cell", ["out", "in", "row", "col"])
    b = shown_tensor(page, "bias-cell", ["channel"]) if "bias" in settings else None
    sizes = {k: parse_size(settings[k]) for k in ("stride", "padding", "dilation") if k in settings}
    expected = F.conv2d(x[None], w, b, groups=int(settings.get("groups", "1")), **sizes)
    torch.testing.assert_close(shown_tensor(page, "output-cell", ["channel", "row", "col"]), expected[0])


def test_every_explorer_link_of_the_lesson_opens_a_view_torch_agrees_with(page, built_site):
    """Every link from a lesson page (animations, exercises, the channel sections) opens without a refusal,
    and where it sets channels, the page shows the output torch computes for those settings."""
    links = set()
    for html in sorted(built_site.glob("lesson/*/index.html")):
        links |= {unescape(q) for q in re.findall(r'href="\.\./\.\./explorer/\?([^"]+)"', html.read_text())}
    with_channels = [link for link in links if "in_channels" in link]
    assert len(with_channels) >= 4, with_channels  # conv_two_channels, conv_1x1, the sections, the exercises
    for link in sorted(links):
        if link in with_channels:
            assert_channels_match_torch(page, link)
        else:
            show(page, **{k: v[0] for k, v in parse_qs(link).items()})
            assert error_text(page) is None, (link, error_text(page))
    assert page.errors == []


def test_a_layer_the_command_line_draws_links_to_the_same_layer_in_the_explorer(page):
    weights = tuple([[float(k), -1.0], [0.5, 2.0]] for k in range(4))
    record = Settings(
        size=5, kernel=2, padding=1, in_channels=4, out_channels=2, groups=2, weights=weights, bias=(0.5, -1.0)
    ).record()
    assert_channels_match_torch(page, explorer_query(record))
    assert shown_tensor(page, "output-cell", ["channel", "row", "col"]).tolist() == record.output


# ---- layout: the first screen of a laptop, a phone, both schemes, accessibility ------------------------------------

FIRST_SCREEN = [
    {"size": "8"},
    {"size": "8", "padding": "1", "weights": "sobel-x"},
    {"size": "8", "dilation": "2", "padding": "2"},
    {"size": "8", "kernel": "5", "weights": "mean"},
    {"op": "transposed", "size": "4", "stride": "2", "padding": "1", "output_padding": "1"},
    {"op": "maxpool", "size": "8", "kernel": "2"},
]


def rectangles(page, selector):
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.getBoundingClientRect().toJSON())")


@pytest.mark.parametrize("settings", FIRST_SCREEN, ids=lambda s: "-".join(f"{k}{v}" for k, v in s.items()))
def test_grids_and_arithmetic_fit_the_first_screen_of_a_laptop(page, settings):
    open_explorer(page, **settings)
    grids = rectangles(page, "[data-testid=input-grid], [data-testid=kernel-grid], [data-testid=output-grid]")
    arithmetic = rectangles(page, "[data-testid=step-arithmetic]")[0]
    assert [g["top"] for g in grids] == [grids[0]["top"]] * 3  # input, kernel and output side by side
    assert max(g["right"] for g in grids) <= 1280 and arithmetic["top"] >= max(g["bottom"] for g in grids)
    assert arithmetic["bottom"] <= 800, f"the arithmetic ends at {arithmetic['bottom']:.0f} px"


def test_the_first_screen_of_a_laptop_holds_two_input_and_two_output_channels_with_their_sums(page):
    weights = "1,0,-1;2,0,-2;1,0,-1|0,1,0;1,-4,1;0,1,0|1,1,1;1,1,1;1,1,1|0,0,0;0,1,0;0,0,0"
    open_explorer(page, in_channels="2", out_channels="2", size="6", bias="0.5,-1", weights=weights)
    assert page.viewport_size == {"width": 1280, "height": 800}
    parts = "[data-testid=input-grid], [data-testid=kernel-grid], [data-testid=output-grid], [data-testid=bias-cell]"
    shown = rectangles(page, f"{parts}, [data-testid=step-arithmetic], [data-testid=step-total]")
    assert len(shown) == 2 + 4 + 2 + 2 + 2
    assert all(r["top"] >= 0 and r["bottom"] <= 800 and r["right"] <= 1280 for r in shown), shown
    assert page.get_by_test_id("output-size").inner_text() == "4×4"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def overlaps(page, selector):
    """Return the pairs of elements matching selector whose boxes overlap (by more than half a pixel)."""
    return page.eval_on_selector_all(
        selector,
        """nodes => {
            const boxes = nodes.map(n => [n.className + ':' + (n.dataset.channel ?? ''), n.getBoundingClientRect()]);
            const pairs = [];
            boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
                const x = Math.min(p.right, q.right) - Math.max(p.left, q.left);
                const y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
                if (x > 0.5 && y > 0.5 && !(p.width === 0 || q.width === 0)) pairs.push([a, b]);
            }));
            return pairs;
        }""",
    )


PHONE_CHANNELS = [
    {"in_channels": "4", "out_channels": "4", "bias": "1,-2.5,0.25,3"},
    {"in_channels": "4", "out_channels": "4", "groups": "2", "size": "8", "padding": "1"},
    {"in_channels": "4", "out_channels": "4", "groups": "4", "size": "16", "kernel": "5", "bias": "-123.45"},
    {"op": "transposed", "in_channels": "4", "out_channels": "4", "stride": "2", "size": "5", "bias": "0.5"},
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_four_channels_stack_and_nothing_overlaps(screen, scheme):
    page = screen(390, scheme)
    for settings in PHONE_CHANNELS:
        show(page, **settings)
        assert error_text(page) is None, settings
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, settings
        parts = ".explorer-grid, .explorer-channel-label, .explorer-caption, .explorer-arithmetic, .explorer-torch"
        assert overlaps(page, parts) == [], settings
        assert overflowing_cells(page) == [], settings
        small = page.eval_on_selector_all(
            ".explorer-stage .value, .explorer-channel-label, .explorer-arithmetic",
            "nodes => nodes.filter(n => n.textContent && parseFloat(getComputedStyle(n).fontSize) < 7).length",
        )
        assert small == 0, settings
    assert page.errors == []


def overflowing_cells(page):
    """Return the cells whose text spills out of the cell, or whose mark touches its value."""
    return page.eval_on_selector_all(
        ".explorer-grid .cell",
        """cells => cells.filter(cell => {
            if (getComputedStyle(cell.lastChild).display === 'none') return false; // a value left out is not drawn
            const box = cell.getBoundingClientRect(), value = cell.lastChild.getBoundingClientRect();
            const drawn = cell.firstChild.textContent && getComputedStyle(cell.firstChild).display !== 'none';
            const mark = drawn ? cell.firstChild.getBoundingClientRect() : null;
            const inside = (r) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5
                && r.bottom <= box.bottom + 0.5;
            const apart = !mark || mark.bottom <= value.top + 0.5 || mark.right <= value.left + 0.5;
            const fits = cell.lastChild.scrollWidth <= cell.clientWidth;
            return !(inside(value) && (!mark || inside(mark)) && apart && fits);
        }).map(cell => cell.dataset.cell || cell.textContent)""",
    )


PHONE = [
    {"size": "16", "kernel": "5"},
    {"size": "16", "kernel": "5", "weights": "mean", "padding": "2"},
    {"size": "16", "kernel": "3", "dilation": "3", "input": ";".join([",".join(["-123.45"] * 16)] * 16)},
    {"op": "transposed", "size": "8", "kernel": "4", "stride": "2", "padding": "1"},
    {"op": "maxpool", "size": "9", "kernel": "3", "stride": "2", "padding": "1", "ceil_mode": "1"},
    {"size": "1", "padding": "300"},
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_no_cell_text_overflows_and_the_page_is_no_wider_than_the_screen(screen, scheme):
    page = screen(390, scheme)
    for settings in PHONE:
        show(page, **settings)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (settings, width)
        assert overflowing_cells(page) == [], settings
    assert page.errors == []


def go_to_step(page, step):
    page.eval_on_selector(
        "input[aria-label=Step]", "(node, step) => { node.value = step; node.dispatchEvent(new Event('input')); }", step
    )


STEP_PARTS = (
    "[data-testid=input-grid] [data-state=read], [data-testid=output-grid] [data-state=current], "
    "[data-testid=step-arithmetic]"
)


@pytest.mark.parametrize("size", ["6", "16"])
def test_on_a_phone_the_steps_window_its_output_cell_and_its_sum_share_one_screen(screen, size):
    page = screen(390)
    show(page, size=size)
    total = (int(size) - 2) ** 2
    for step in (0, total // 2 + 1, total - 1):
        go_to_step(page, step)
        top = min(r["top"] for r in rectangles(page, STEP_PARTS))
        page.evaluate("top => scrollBy(0, top)", top - 8)
        in_view = rectangles(page, STEP_PARTS)
        assert len(in_view) == 9 + 1 + 1
        assert all(r["top"] >= 0 and r["bottom"] <= 844 and r["left"] >= 0 and r["right"] <= 390 for r in in_view), (
            step,
            in_view,
        )
    assert page.errors == []


# A padded 8×8 input and a zero-inserted 11×11 one: too big to print side by side at 390 px, small enough to print.
PRINTABLE_ON_A_PHONE = [{"padding": "same"}, {"op": "transposed", "size": "4", "stride": "2", "view": "direct"}]


def drawn_texts(page, selector):
    """Return the text and font size (px) of each element matching selector, "" for one not drawn."""
    return page.eval_on_selector_all(
        selector,
        """nodes => nodes.map(n => [n.getClientRects().length && getComputedStyle(n).display !== 'none'
            ? n.textContent : '', parseFloat(getComputedStyle(n).fontSize)])""",
    )


@pytest.mark.parametrize("settings", PRINTABLE_ON_A_PHONE, ids=["padding-same", "transposed-direct"])
def test_on_a_phone_a_padded_or_zero_inserted_grid_up_to_11_by_11_prints_the_windows_values(screen, settings):
    page = screen(390)
    show(page, **settings)
    total = int(page.eval_on_selector("input[aria-label=Step]", "n => n.max"))
    for step in (0, total // 2, total - 1):
        go_to_step(page, step)
        window = drawn_texts(page, "[data-testid=input-grid] .cell[data-state=read] .value")
        current = drawn_texts(page, "[data-testid=output-grid] .cell[data-state=current] .value")
        assert len(window) == 9 and len(current) == 1, step
        assert all(text.strip() and size >= 11 for text, size in window + current), (step, window, current)
        top = min(r["top"] for r in rectangles(page, STEP_PARTS))
        page.evaluate("top => scrollBy(0, top)", top - 8)
        in_view = rectangles(page, STEP_PARTS)
        assert all(r["top"] >= 0 and r["bottom"] <= 844 and r["left"] >= 0 and r["right"] <= 390 for r in in_view), (
            step,
            in_view,
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.get_by_test_id("values-note").is_visible()
    assert page.errors == []


def sum_lines(page):
    """Return the lines the step's sum and the size formula are drawn in, read left to right, without tap numbers."""
    return page.evaluate(
        """() => {
            const lines = [];
            for (const box of document.querySelectorAll('[data-testid=step-arithmetic], .explorer-formula')) {
                const chars = [];
                const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    const node = walker.currentNode;
                    if (node.parentElement.closest('.mark')) continue;
                    for (let i = 0; i < node.length; i++) {
                        const range = document.createRange();
                        range.setStart(node, i);
                        range.setEnd(node, i + 1);
                        const r = range.getBoundingClientRect();
                        const char = node.data[i];
                        if (r.width > 0 && char.trim()) chars.push([r.top + r.height / 2, r.left, char]);
                    }
                }
                chars.sort((a, b) => a[0] - b[0]);
                const rows = [];
                for (const c of chars) {
                    const row = rows.at(-1);
                    if (row && c[0] - row[0][0] < 8) row.push(c);
                    else rows.push([c]);
                }
                lines.push(...rows.map(row => row.sort((a, b) => a[1] - b[1]).map(c => c[2]).join('')));
            }
            return lines;
        }"""
    )


def marks_touching_values(page):
    """Return the terms of the step's sum whose tap number's box touches the value beside it (under a 2 px gap)."""
    return page.eval_on_selector_all(
        "[data-testid=step-arithmetic] .term",
        """terms => terms.filter(term => {
            const mark = term.querySelector('.mark');
            const range = document.createRange();
            range.setStartAfter(mark);
            range.setEndAfter(term.lastChild);
            const m = mark.getBoundingClientRect(), v = range.getBoundingClientRect();
            return !(mark.nextSibling && m.right + 2 <= v.left);
        }).map(term => term.textContent)""",
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_the_sums_tap_numbers_stand_apart_from_its_values_and_its_lines_break_only_between_terms(screen, width):
    page = screen(width)
    for settings in [
        {},
        *PRINTABLE_ON_A_PHONE,
        {"size": "16", "kernel": "5"},
        {"weights": "-1,2;3,-4", "kernel": "2"},
        {"op": "maxpool", "size": "9", "kernel": "3", "stride": "2", "padding": "1", "ceil_mode": "1"},
        {"op": "avgpool", "size": "7", "kernel": "3", "stride": "2", "padding": "1", "ceil_mode": "1"},
        {"in_channels": "2", "out_channels": "2", "bias": "1.5", "size": "5"},
    ]:
        show(page, **settings)
        for step in (0, 3):
            go_to_step(page, step)
            assert page.locator("[data-testid=step-arithmetic] .term").count() > 0, settings
            assert marks_touching_values(page) == [], (settings, step)
            marks = drawn_texts(page, "[data-testid=step-arithmetic] .mark")
            assert all(text and size >= 11 for text, size in marks), (settings, marks)
            lines = sum_lines(page)
            assert len(lines) >= 2, (settings, lines)
            starts = [line for line in lines if re.match(r"\)|\d*[⌋⌉]|=", line)]
            assert starts == [], (settings, step, lines)
    assert page.errors == []


def small_texts(page):
    """Return every text the explorer draws (visible, with a text of its own) whose font is under 11 px."""
    return page.eval_on_selector_all(
        "#convlab-explorer *",
        """nodes => nodes.filter(n => [...n.childNodes].some(c => c.nodeType === 3 && c.textContent.trim())
            && n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden'
            && parseFloat(getComputedStyle(n).fontSize) < 11).map(n => [n.className, n.textContent.slice(0, 20),
            getComputedStyle(n).fontSize])""",
    )


LEGIBLE = [
    {"size": "6"},
    {"size": "16"},
    {"size": "16", "kernel": "5", "padding": "2"},
    {"op": "transposed", "size": "16", "stride": "2", "kernel": "4"},
    {"in_channels": "4", "out_channels": "4", "size": "16", "kernel": "5", "bias": "-123.45"},
    {"op": "maxpool", "size": "9", "kernel": "3", "stride": "2", "padding": "1", "ceil_mode": "1"},
]


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_no_text_in_the_explorer_is_drawn_under_11_px_and_a_value_left_out_is_shown_on_demand(screen, width, height):
    page = screen(width)
    for settings in LEGIBLE:
        show(page, **settings)
        for step in (0, 3):
            go_to_step(page, step)
            assert small_texts(page) == [], (settings, step)
    # The kernel, read at every step, prints its weights and tap numbers above the floor.
    for settings in [{}, {"size": "16"}, {"padding": "same"}, {"weights": "-1.5,2;3,-4", "kernel": "2"}]:
        show(page, **settings)
        kernel = drawn_texts(page, "[data-testid=kernel-grid] .cell .value, [data-testid=kernel-grid] .cell .mark")
        assert len(kernel) == 2 * page.locator("[data-testid=kernel-cell]").count() > 0, settings
        assert all(text and size >= 12 for text, size in kernel), (settings, kernel)
    show(page, size="16", input=";".join([",".join(["-123.45"] * 16)] * 16))
    assert page.eval_on_selector("[data-testid=input-grid]", "g => g.dataset.values") == "hidden"
    assert page.get_by_test_id("values-note").is_visible()
    page.locator("[data-testid=input-grid] .cell[data-cell='2,5']").click()
    assert "−123.45" in sum_text(page) and small_texts(page) == []
    assert page.errors == []


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_a_34_by_34_transposed_output_fits_the_screen_or_scrolls_in_its_own_box_with_a_cue(
    browser, site_server, width, height
):
    page = new_page(browser, site_server[0], viewport={"width": width, "height": height})
    open_explorer(page, op="transposed", size="16", stride="2", kernel="4")
    assert page.get_by_test_id("output-size").inner_text() == "34×34"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    grid = rectangles(page, "[data-testid=output-grid]")[0]
    scrolls = page.eval_on_selector_all("[data-scrolls=true]", "nodes => nodes.length")
    if grid["right"] > width:
        assert scrolls > 0 and page.get_by_test_id("scroll-cue").is_visible()
    else:
        assert scrolls == 0 and not page.get_by_test_id("scroll-cue").is_visible()
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_problems_in_any_operation(screen, scheme):
    page = screen(1280, scheme)
    for settings in [
        {"dilation": "2", "padding": "1"},
        {"op": "transposed", "stride": "2", "padding": "1"},
        {"op": "maxpool", "ceil_mode": "1", "size": "7"},
        {"op": "avgpool"},
        {"size": "0"},
        {"in_channels": "4", "out_channels": "2", "groups": "2", "bias": "1,-0.5"},
        {"op": "transposed", "in_channels": "2", "out_channels": "2", "stride": "2"},
    ]:
        show(page, **settings)
        violations = Axe().run(page).response["violations"]
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], settings


# ---- the real digit ----------------------------------------------------------------------------------------------


def test_the_real_digit_uses_the_trained_filters(page, built_site, build_run):
    open_explorer(page)
    page.wait_for_selector("[data-testid=digit-feature-map][data-values]", state="attached")
    page.select_option("#digit-filter", "5")
    data = json.loads((built_site / "assets/figures/explorer.json").read_text())
    state = torch.load(build_run.model_file, weights_only=True)
    torch.testing.assert_close(torch.tensor(data["filters"]), state["features.0.weight"][:, 0])
    assert data["output_size"] == [14, 14] and data["kernel_size"] == [3, 3]
    digit = torch.tensor(data["digit"], dtype=torch.float64)[None, None] / 255
    weight = state["features.0.weight"].double()[5:6]
    expected = F.relu(F.conv2d(digit, weight, state["features.0.bias"].double()[5:6], stride=2, padding=1))[0, 0]
    shown = json.loads(page.get_by_test_id("digit-feature-map").get_attribute("data-values"))
    torch.testing.assert_close(torch.tensor(shown, dtype=torch.float64), expected, rtol=1e-6, atol=1e-6)
    assert page.errors == []


def canvas_pixels(page, label):
    """Return the [r, g, b, a] of each pixel of the canvas with this aria-label."""
    return page.evaluate(
        """label => {
            const canvas = document.querySelector(`canvas[aria-label="${label}"]`);
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            return Array.from({ length: data.length / 4 }, (_, k) => Array.from(data.slice(4 * k, 4 * k + 4)));
        }""",
        label,
    )


def test_the_real_digit_is_drawn_in_the_schemes_colours_and_again_when_it_changes(browser, site_server):
    page = new_page(browser, site_server[0], viewport={"width": 390, "height": 844}, color_scheme="dark")
    open_explorer(page)
    page.wait_for_selector("[data-testid=digit-feature-map][data-values]", state="attached")
    label = page.eval_on_selector("canvas.digit-canvas", "c => c.getAttribute('aria-label')")
    digit = json.loads(page.evaluate("fetch('../assets/figures/explorer.json').then(r => r.text())"))["digit"]
    inkiest = max(range(28 * 28), key=lambda k: digit[k // 28][k % 28])
    for scheme, ink in (("dark", [255, 255, 255]), ("light", [0, 0, 0])):  # the system's, then the toggle's
        switch_scheme(page, scheme)
        pixels = canvas_pixels(page, label)
        # Paper is the page's own background (blank pixels are transparent); the most inked pixel is the ink.
        assert all(pixels[k][3] == 0 for k in range(28 * 28) if digit[k // 28][k % 28] == 0)
        assert pixels[inkiest] == [*ink, 255]
    assert page.errors == []
    page.context.close()
