"""Pages whose interactive parts cannot load their data, or are opened as files: in Chromium, each part says on
the page which file failed and what to do, and the parts that need no data keep working."""

import pytest
from test_explorer import new_page

EXPLORER_DATA = "**/assets/figures/explorer.json"


def refused(status=404, body="not here"):
    return lambda route: route.fulfill(status=status, body=body)


def uncaught(page) -> list[str]:
    """Return the page's errors other than the browser's own line for a file it was refused."""
    return [error for error in page.errors if "Failed to load resource" not in error]


@pytest.fixture
def page(browser, site_server):
    page = new_page(browser, site_server[0], viewport={"width": 1280, "height": 800})
    yield page
    page.context.close()


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (refused(404), "Could not load ../assets/figures/explorer.json (HTTP 404). Rebuild the site with make site"),
        (refused(200, "{"), "../assets/figures/explorer.json is not the file the build writes ("),
        (refused(200, '{"filters": []}'), "is not the file the build writes (it has no bias, kernel_size"),
    ],
)
def test_the_explorer_without_its_data_says_so_and_still_explores(page, answer, says):
    page.route(EXPLORER_DATA, answer)
    page.goto(page.base + "explorer/?size=5&kernel=3")
    failure = page.locator("#convlab-digit [data-testid=load-error]")
    failure.wait_for()
    assert says in failure.inner_text()
    assert failure.locator("code").inner_text() == "make site"
    # The convolution explorer needs no data: it draws its 3×3 output as ever.
    assert page.locator("#convlab-explorer [data-grid=output] [data-cell]").count() == 9
    assert uncaught(page) == []


@pytest.mark.parametrize(
    ("file", "answer", "says"),
    [
        ("model.json", refused(404), "Could not load "),
        ("model.json", refused(200, "[]"), "is not the file the build writes (it has no layers, test"),
        ("model.bin", refused(200, "abc"), "model.bin holds 3 weights, but its layers need "),
    ],
)
def test_the_digit_page_without_its_model_says_which_file_failed(page, file, answer, says):
    page.route(f"**/assets/model/{file}", answer)
    page.goto(page.base + "digit/")
    failure = page.locator("#convlab-digit-page [data-testid=load-error]")
    failure.wait_for()
    assert says in failure.inner_text() and file in failure.inner_text() and "make site" in failure.inner_text()
    assert uncaught(page) == []


@pytest.mark.parametrize(("path", "parts"), [("explorer/index.html", 2), ("digit/index.html", 1)])
def test_a_page_opened_as_a_file_says_how_to_serve_the_site(page, built_site, path, parts):
    page.goto((built_site / path).resolve().as_uri())
    messages = page.get_by_test_id("needs-server")
    messages.first.wait_for()
    assert messages.count() == parts
    folder = str(built_site.resolve()) + "/"
    expected = f"python3 -m http.server --directory {folder} and open http://localhost:8000/{path}"
    assert all(expected in text for text in messages.all_inner_texts())
    commands = page.locator("[data-testid=needs-server] code").all_inner_texts()
    assert commands[:2] == [f"python3 -m http.server --directory {folder}", f"http://localhost:8000/{path}"]
