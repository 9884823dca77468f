"""The digit page in Chromium: a test digit by its number and a stroke drawn with a mouse (laptop) and a finger
(phone), each checked against torch running the page's int8 weights; the keyboard; the weight of what it loads;
its layout on a phone; accessibility."""

import json
import re

import pytest
import torch
from axe_playwright_python.sync_playwright import Axe
from test_browser import switch_scheme
from test_explorer import new_page

from convlab.data import load_split, split_indices
from convlab.webmodel import page_forward, page_layers

BUDGET = 600_000  # bytes the page and everything it loads may weigh, as a static host sends them
IMPORT = "path => import(new URL(path, location.href))"


@pytest.fixture(scope="module")
def layers(build_run):
    return page_layers(build_run.load_model())


@pytest.fixture(scope="module")
def test_digits(mnist_root):
    images, labels = load_split(mnist_root, train=False)
    _, index = split_indices(len(labels))
    return images[index], labels[index]


def open_digit(page, query=""):
    page.goto(page.base + "digit/" + query)
    page.wait_for_selector("#convlab-digit-page[data-ready]")


def shown_input(page) -> torch.Tensor:
    values = page.get_by_test_id("digit-input").get_attribute("data-values")
    return torch.tensor([float(v) for v in values.split(",")], dtype=torch.float64).reshape(1, 1, 28, 28)


def check_against_torch(page, layers, image: torch.Tensor):
    """The page's maps (their maxima), probabilities and prediction are torch's on the input the page shows."""
    maps, logits = page_forward(layers, image)
    probabilities = logits.softmax(1)[0]
    shown = page.eval_on_selector_all(
        "[data-testid=digit-probability]", "rows => rows.map(r => [Number(r.dataset.class), Number(r.dataset.value)])"
    )
    assert [c for c, _ in shown] == list(range(10))
    assert torch.allclose(torch.tensor([p for _, p in shown], dtype=torch.float64), probabilities, atol=1e-9)
    assert page.get_by_test_id("digit-prediction").inner_text() == str(int(probabilities.argmax()))
    maxima = page.eval_on_selector_all(
        "[data-testid=feature-map]",
        "maps => maps.map(m => [Number(m.dataset.layer), Number(m.dataset.channel), Number(m.dataset.max)])",
    )
    assert len(maxima) == sum(m.shape[1] for m in maps)
    for layer, channel, largest in maxima:
        assert abs(largest - float(maps[layer - 1][0, channel].max())) < 1e-9, (layer, channel)


def draw(page, points, touch=False):
    """Draw one stroke through points given as fractions of the drawing surface: with the mouse, or as a finger
    does (touch events, which Chromium turns into pointer events)."""
    box = page.get_by_test_id("digit-canvas").bounding_box()
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    if touch:
        cdp = page.context.new_cdp_session(page)
        for kind, (x, y) in [("touchStart", at[0]), *[("touchMove", p) for p in at[1:]]]:
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        page.mouse.move(*at[0])
        page.mouse.down()
        for x, y in at[1:]:
            page.mouse.move(x, y, steps=4)
        page.mouse.up()
    # The forward pass runs on the next animation frame, and says where its input came from.
    page.wait_for_function("document.querySelector('.digit-status').textContent.startsWith('Your drawing')")


def check_prepared_like_mnist(image: torch.Tensor):
    """A drawing reaches the model as MNIST's digits did: its ink fits 20×20, its centre of mass at (14, 14)."""
    pixels = image[0, 0]
    assert pixels.min() >= 0 and pixels.max() <= 1
    ink = pixels > 0
    rows, cols = torch.nonzero(ink.any(dim=1)).flatten(), torch.nonzero(ink.any(dim=0)).flatten()
    height, width = int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)
    assert max(height, width) == 20, (height, width)
    mass = pixels.sum()
    centre = [(pixels.sum(dim=1) * torch.arange(28)).sum() / mass, (pixels.sum(dim=0) * torch.arange(28)).sum() / mass]
    assert all(abs(float(c) - 14) <= 0.5 for c in centre), centre


@pytest.fixture(scope="module")
def page(browser, site_server):
    page = new_page(browser, site_server[0], viewport={"width": 1280, "height": 800})
    yield page
    page.context.close()


@pytest.mark.parametrize("n", [0, 141, 2999])
def test_a_test_digit_by_its_number_is_the_datasets_pixels_and_torchs_answer(page, layers, test_digits, n):
    open_digit(page, f"?digit={n}")
    image = shown_input(page)
    assert torch.equal(image[0, 0], test_digits[0][n].double() / 255)
    check_against_torch(page, layers, image)
    assert f"labelled {int(test_digits[1][n])}" in page.locator(".digit-status").inner_text()
    assert page.errors == []


def test_the_mistake_buttons_show_digits_the_model_gets_wrong(page, test_digits):
    open_digit(page)
    buttons = page.locator(".digit-mistakes button")
    assert buttons.count() >= 3
    buttons.nth(0).click()
    page.wait_for_function("location.search.startsWith('?digit=')")
    n = int(page.evaluate("location.search").split("=")[1])
    assert page.get_by_test_id("digit-prediction").inner_text() != str(int(test_digits[1][n]))
    assert page.errors == []


def test_a_mouse_stroke_is_prepared_as_mnist_did_and_read_as_torch_reads_it(page, layers, test_digits):
    open_digit(page)  # a first visit shows test digit 0; the first stroke replaces it
    assert torch.equal(shown_input(page)[0, 0], test_digits[0][0].double() / 255)
    draw(page, [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)])  # a 7
    image = shown_input(page)
    check_prepared_like_mnist(image)
    check_against_torch(page, layers, image)
    page.get_by_test_id("digit-clear").click()
    assert page.get_by_test_id("digit-input").get_attribute("data-values") is None
    assert page.get_by_test_id("digit-prediction").inner_text() == "–"
    assert page.locator("[data-testid=feature-map][data-max]").count() == 0
    assert page.locator(".digit-detail:not([hidden])").count() == 0
    assert page.errors == []


@pytest.mark.parametrize("asked", ["abc", "-1", "1.5", "", "3000"])
def test_a_digit_that_is_not_in_the_test_split_is_refused_in_one_line(page, asked):
    open_digit(page, f"?digit={asked}")
    status = page.locator(".digit-status").inner_text()
    assert "choose a whole number from 0 to 2999" in status and "NaN" not in status and "\n" not in status
    if asked:
        assert f"“{asked}”" in status
    assert page.errors == []


def test_a_finger_draws_on_a_phone_without_scrolling_the_page(browser, site_server, layers):
    page = new_page(browser, site_server[0], viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    open_digit(page)
    page.get_by_test_id("digit-canvas").scroll_into_view_if_needed()
    before = page.evaluate("scrollY")
    draw(page, [(0.5, 0.1), (0.5, 0.5), (0.52, 0.9)], touch=True)  # a 1, drawn downwards
    assert page.evaluate("scrollY") == before
    image = shown_input(page)
    check_prepared_like_mnist(image)
    check_against_torch(page, layers, image)
    assert page.get_by_test_id("digit-prediction").inner_text() == "1"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert page.errors == []
    page.context.close()


def test_the_drawing_is_in_the_schemes_ink_on_a_sheet_of_its_page_and_recoloured_when_the_scheme_changes(
    browser, site_server
):
    page = new_page(browser, site_server[0], viewport={"width": 1280, "height": 800}, color_scheme="dark")
    open_digit(page)
    draw(page, [(0.5, 0.1), (0.5, 0.9)])  # a 1, through the middle of the surface
    surface = page.get_by_test_id("digit-canvas")
    middle = "c => Array.from(c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data)"
    alphas = "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, k) => k % 4 === 3).join()"
    drawn, read = surface.evaluate(alphas), shown_input(page)
    sheet = "c => getComputedStyle(c).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"
    for scheme, ink, dark_sheet in (("dark", [255, 255, 255, 255], True), ("light", [0, 0, 0, 255], False)):
        switch_scheme(page, scheme)  # the system's, then the toggle's
        assert (max(surface.evaluate(sheet)) < 100) == dark_sheet  # a dark sheet on a dark page, a light one on light
        assert surface.evaluate(middle) == ink
        assert surface.evaluate(alphas) == drawn  # the same drawing,
        assert torch.equal(shown_input(page), read)  # read by the model alike
    assert page.errors == []
    page.context.close()


def test_the_picker_and_the_maps_work_from_the_keyboard(page, test_digits):
    open_digit(page)
    page.locator("#digit-number").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    page.wait_for_function("location.search === '?digit=7'")
    assert "Test digit 7," in page.locator(".digit-status").inner_text()
    layer = page.locator(".digit-layer").nth(1)
    layer.locator(".digit-map[tabindex='0']").focus()  # one Tab stop per layer: its selected map
    layer.locator(".digit-map").nth(0).focus()
    for key in ["ArrowRight"] * 5 + ["ArrowDown", "ArrowUp"]:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    fifth = layer.locator("[data-channel='5']").locator("xpath=..")
    assert fifth.get_attribute("aria-pressed") == "true" and fifth.get_attribute("tabindex") == "0"
    assert layer.locator(".digit-detail").inner_text().startswith("Map 5:")
    assert layer.locator(".digit-map[tabindex='0']").count() == 1
    summary = layer.locator(".digit-detail p").first
    row, col = map(int, re.search(r"cell \((\d+), (\d+)\)", summary.inner_text()).groups())
    layer.locator(".digit-big").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    assert f"cell ({min(6, row + 1)}, {max(0, col - 1)})" in summary.inner_text()
    assert (
        f"Cell ({min(6, row + 1)}, {max(0, col - 1)}) reads input rows" in layer.locator(".digit-detail").inner_text()
    )
    page.locator("#digit-number").fill("3000")
    page.locator("#digit-number").press("Enter")
    assert "choose a whole number from 0 to 2999" in page.locator(".digit-status").inner_text()
    assert page.errors == []


def test_the_detail_shows_the_filter_and_the_receptive_field_torch_computes(page, layers, build_run):
    open_digit(page, "?digit=3")
    page.locator("[data-layer='1'][data-channel='4']").locator("xpath=..").click()
    detail = page.locator(".digit-layer").nth(0).locator(".digit-detail")
    weights = detail.locator(".digit-kernel span").evaluate_all("cells => cells.map(c => Number(c.dataset.value))")
    assert torch.allclose(torch.tensor(weights, dtype=torch.float64), layers[0].weight()[4].flatten(), atol=1e-15)
    assert "a 3×3 window." in detail.inner_text() or "its 3×3 window reaches past the edge" in detail.inner_text()
    page.locator("[data-layer='3'][data-channel='0']").locator("xpath=..").click()
    third = page.locator(".digit-layer").nth(2).locator(".digit-detail")
    big = third.locator(".digit-big")
    box = big.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 6, box["y"] + box["height"] / 6)  # cell (0, 0)
    assert "Cell (0, 0) reads input rows 0 to 7, columns 0 to 7: its 15×15 window reaches past" in third.inner_text()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # cell (1, 1)
    assert "Cell (1, 1) reads input rows 5 to 19, columns 5 to 19: a 15×15 window." in third.inner_text()


def test_the_page_weighs_less_than_its_budget_and_the_model_loads_only_there(browser, site_server):
    base, sent = site_server
    page = new_page(browser, base, viewport={"width": 1280, "height": 800})
    sent.clear()
    open_digit(page, "?digit=1234")
    draw(page, [(0.3, 0.3), (0.7, 0.7)])
    page.wait_for_load_state("networkidle")
    total = sum(sent.values())
    assert total <= BUDGET, json.dumps(dict(sorted(sent.items(), key=lambda kv: -kv[1])[:8]))
    assert any("assets/model/model.bin" in path for path in sent)
    assert page.errors == []
    sent.clear()
    page.goto(base + "explorer/")
    page.wait_for_load_state("networkidle")
    assert not any("assets/model" in path for path in sent)
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_problems(browser, site_server, scheme):
    page = new_page(browser, site_server[0], viewport={"width": 390, "height": 844}, color_scheme=scheme)
    open_digit(page, "?digit=5")
    violations = Axe().run(page).response["violations"]
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.context.close()
