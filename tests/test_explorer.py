"""The explorer page in Chromium: every value against torch.nn.functional.conv2d, convlab's own error
messages, settings that round-trip through the URL, keyboard use, and the trained filters on a digit."""

import json
import random
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import torch
import torch.nn.functional as F

from convlab import Geometry
from convlab.catalogue import LESSON
from convlab.cli import parse_size


@pytest.fixture(scope="module")
def page(browser, site_server):
    base, _ = site_server
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.errors.append(f"other host: {r.url}") if not r.url.startswith(base) else None)
    page.base = base
    yield page
    context.close()


def open_explorer(page, **settings):
    page.goto(page.base + "explorer/?" + urlencode(settings))
    page.wait_for_selector("[data-testid=output-grid], [data-testid=config-error]:not([hidden])")


def pair(values):
    return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"


def random_valid_settings(rng):
    """Return explorer settings (strings) and the Geometry they mean, drawn until torch would accept them."""
    while True:
        size = (rng.randint(1, 16), rng.randint(1, 16))
        kernel = (rng.randint(1, 5), rng.randint(1, 5))
        stride, padding, dilation = [
            (rng.randint(low, high), rng.randint(low, high)) for low, high in ((1, 3), (0, 2), (1, 3))
        ]
        try:
            geometry = Geometry.of(size, kernel, stride, padding, dilation)
        except ValueError:
            continue
        weights = [[rng.choice([-2, -1, -0.5, 0, 0.25, 1, 1.5, 3]) for _ in range(kernel[1])] for _ in range(kernel[0])]
        text = ";".join(",".join(f"{w:g}" for w in row) for row in weights)
        settings = {
            "size": pair(size),
            "kernel": pair(kernel),
            "stride": pair(stride),
            "padding": pair(padding),
            "dilation": pair(dilation),
            "weights": text,
        }
        return settings, geometry, weights


def test_fifty_random_settings_match_torch(page):
    rng = random.Random(20)
    for _ in range(50):
        settings, geometry, weights = random_valid_settings(rng)
        open_explorer(page, **settings)
        rows, cols = geometry.size
        x = torch.arange(rows * cols, dtype=torch.float64).reshape(1, 1, rows, cols)
        w = torch.tensor(weights, dtype=torch.float64)[None, None]
        expected = F.conv2d(x, w, None, geometry.stride, geometry.padding, geometry.dilation)[0, 0]
        assert page.get_by_test_id("output-size").inner_text() == f"{expected.shape[0]}x{expected.shape[1]}", settings
        values = page.eval_on_selector_all(
            "[data-testid=output-cell]", "cells => cells.map(c => Number(c.dataset.value))"
        )
        torch.testing.assert_close(torch.tensor(values, dtype=torch.float64), expected.flatten(), rtol=1e-12, atol=1e-9)
    assert page.errors == []


def convlab_message(settings):
    """Return the message convlab itself gives for these settings."""
    try:
        values = {key: parse_size(settings[key]) for key in ("size", "kernel", "stride", "padding", "dilation")}
        Geometry.of(**values)
    except ValueError as error:  # convlab's UsageError is a ValueError
        return str(error)
    raise AssertionError(f"{settings} are valid")


@pytest.mark.parametrize(
    "settings",
    [
        {"size": "3", "kernel": "3", "dilation": "3"},
        {"size": "2x9", "kernel": "3"},
        {"size": "6", "kernel": "3", "stride": "0"},
        {"size": "6", "kernel": "3", "padding": "-1"},
        {"size": "6", "kernel": "0"},
        {"size": "6", "kernel": "3", "dilation": "0"},
        {"size": "six", "kernel": "3"},
        {"size": "5", "kernel": "7", "padding": "0"},
    ],
)
def test_invalid_settings_are_explained_in_convlabs_words_and_show_no_grid(page, settings):
    open_explorer(page, weights="mean", **settings)
    error = page.get_by_test_id("config-error")
    assert error.is_visible()
    assert error.inner_text() == convlab_message({"stride": "1", "padding": "0", "dilation": "1", **settings})
    assert page.get_by_test_id("output-cell").count() == 0


def test_weights_that_do_not_fit_the_kernel_are_explained(page):
    open_explorer(page, size="6", kernel="5", weights="sobel-x")
    assert page.get_by_test_id("config-error").inner_text() == (
        "--weights is 3x3 but --kernel is 5: drop --kernel or make them agree"
    )
    open_explorer(page, size="17")
    assert "at most 16 per side" in page.get_by_test_id("config-error").inner_text()


def test_settings_round_trip_through_the_url(page):
    open_explorer(page)
    page.fill("#explorer-size", "5x7")
    page.fill("#explorer-stride", "2")
    page.fill("#explorer-dilation", "1x2")
    page.select_option("#explorer-weights", "sharpen")
    query = parse_qs(urlsplit(page.url).query)
    assert {k: v[0] for k, v in query.items()} == {
        "size": "5x7",
        "kernel": "3",
        "stride": "2",
        "padding": "0",
        "dilation": "1x2",
        "weights": "sharpen",
    }
    before = page.eval_on_selector_all("[data-testid=output-cell]", "cells => cells.map(c => c.dataset.value)")
    page.reload()
    page.wait_for_selector("[data-testid=output-grid]")
    assert page.input_value("#explorer-size") == "5x7" and page.input_value("#explorer-weights") == "sharpen"
    after = page.eval_on_selector_all("[data-testid=output-cell]", "cells => cells.map(c => c.dataset.value)")
    rows, cols = Geometry.of((5, 7), 3, stride=2, dilation=(1, 2)).output
    assert after == before and page.get_by_test_id("output-size").inner_text() == f"{rows}x{cols}"


def test_keyboard_steps_and_explains_a_cell(page):
    open_explorer(page, size="6", kernel="3", weights="mean")
    page.focus("button[aria-label='First step']")
    page.keyboard.press("Enter")
    assert page.input_value("input[aria-label=Step]") == "0"
    page.keyboard.press("Tab")  # to "Back"
    page.keyboard.press("Tab")  # to "Play"
    page.keyboard.press("Tab")  # to "Next"
    page.keyboard.press("Enter")
    assert page.input_value("input[aria-label=Step]") == "1"
    assert page.locator(".explorer-arithmetic").inner_text().startswith("Step 2 of 16: output[0, 1] = (1+2+3+7+8+9")
    for _ in range(12):  # tab on: one stop per grid, so the output grid is a few presses away
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "output-cell":
            break
    assert page.locator(".explorer-arithmetic").inner_text() == "output[0, 0] = (0+1+2+6+7+8+12+13+14) / 9 = 7"
    assert page.locator(".cell.tap").count() == 9
    page.keyboard.press("ArrowDown")  # arrow keys move within the grid: output [1, 0]
    assert page.locator(".explorer-arithmetic").inner_text().startswith("output[1, 0] = (6+7+8+12+13+14+18+19+20) / 9")


def test_pointing_at_an_input_cell_shows_the_outputs_that_read_it(page):
    open_explorer(page, size="6", kernel="3", stride="2", weights="mean")
    page.locator(".cell:not(.output):not(.kernel)").nth(2 * 6 + 2).hover()  # input [2, 2]: read by all four outputs
    assert page.locator(".cell.output.reads").count() == 4
    page.locator(".cell:not(.output):not(.kernel)").nth(0).click()  # pin input [0, 0]: read by output [0, 0] only
    page.locator(".cell:not(.output):not(.kernel)").nth(5).hover()
    assert page.locator(".cell.output.reads").count() == 1


def test_dilation_marks_the_nine_taps_not_a_solid_box(page):
    open_explorer(page, size="6", kernel="3", dilation="2", weights="mean")
    page.locator("[data-testid=output-cell]").first.hover()
    assert page.locator(".cell.tap").count() == 9
    assert page.locator(".cell.spanned").count() == 25  # the 5x5 area, outlined; 16 of it not read


def test_play_runs_through_the_steps(page):
    open_explorer(page, size="4", kernel="3", weights="mean")
    page.select_option("select[aria-label=Speed]", "fast")
    page.click("button[aria-label=Play]")
    page.wait_for_function("document.querySelector('input[aria-label=Step]').value === '4'", timeout=10_000)
    assert page.locator("button[aria-label=Play]").count() == 1  # stopped by itself at the end


def test_the_pytorch_line_and_shape(page):
    open_explorer(page, size="5x7", kernel="2x3", stride="2x1", padding="1", dilation="1", weights="mean")
    line = page.locator(".explorer-torch code").inner_text()
    assert line == "nn.Conv2d(1, 1, kernel_size=(2, 3), stride=(2, 1), padding=1, dilation=1, bias=False)"
    conv = eval(line.replace("nn.", "torch.nn."))  # the line runs, and gives the shape the page states
    out = conv(torch.zeros(1, 1, 5, 7))
    assert (
        f"gives output torch.Size([1, 1, {out.shape[2]}, {out.shape[3]}])"
        in page.locator(".explorer-shape").inner_text()
    )


def test_lesson_animations_link_to_their_settings(page, built_site):
    html = (built_site / "lesson/convolution/index.html").read_text()
    for animation in LESSON:
        geometry = animation.geometry
        link = html.split(f'id="animation-{animation.name}"')[1].split('href="../../explorer/?')[1].split('"')[0]
        open_explorer(page, **{k: v[0] for k, v in parse_qs(link.replace("&amp;", "&")).items()})
        assert page.get_by_test_id("output-size").inner_text() == f"{geometry.output[0]}x{geometry.output[1]}"


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
