"""The built site in a real browser (the `browser` fixture: Debian's Chromium) over a local static server.

`make screenshots` saves every page at phone and laptop width, light and dark, for a person to look at;
the tests here check what can be measured: text sizes, widths, colours, requests, accessibility.
"""

import json
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from matplotlib.colors import to_rgb
from pageweight import Reader, page_resources, page_weight
from screenshots import VIEWPORTS

from convlab.figure_svg import SCHEMES

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK_PAGES = ["lesson/convolution/", "lesson/layers/", "lesson/cnn/", "lesson/pooling/"]
PAGES = ["", *NOTEBOOK_PAGES, "gallery/", "explorer/", "make-your-own/", "about/", "speed/"]
FIGURE_PAGES = ["lesson/layers/", "lesson/cnn/"]
MATERIAL_SCHEME = {"light": "default", "dark": "slate"}  # convlab's scheme names -> Material's
MAX_PAGE_BYTES = 800_000  # what a reader fetches for a page and all it loads
MIN_TEXT_PX = 12


def switch_scheme(page, scheme):
    """Click Material's palette toggle until ``page`` shows ``scheme`` ("light" or "dark")."""
    wanted = MATERIAL_SCHEME[scheme]
    for _ in range(3):
        if page.evaluate("document.body.getAttribute('data-md-color-scheme')") == wanted:
            return
        page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == wanted


def _local_sitemap(route):
    """Answer with the site's sitemap naming the local server's addresses. Material navigates instantly only to
    the sitemap's pages, which name the deployed site (site_url, whose path the local server lacks): without
    this, every link on the local server loads a whole new page."""
    response = route.fetch()
    sitemap = response.text()
    deployed = re.search(r"<loc>([^<]*)</loc>", sitemap).group(1)  # the first page: the home page, site_url
    local = route.request.url.removesuffix("sitemap.xml")
    route.fulfill(response=response, body=sitemap.replace(deployed, local))


def stays_instant(page):
    """Mark the page's window, to check after navigating that the page was never reloaded."""
    page.evaluate("window.convlabNotReloaded = true")


def was_instant(page) -> bool:
    """Return True if the window marked by ``stays_instant`` is still the one shown."""
    return page.evaluate("window.convlabNotReloaded === true")


class Visit:
    """A page opened in a fresh context, recording console errors, failed requests and every request.

    It waits for the page's load event, site.js's measuring and the fonts; with ``every_request``, until the
    network is idle (nothing fetched for half a second), for a test that checks all the page fetched. With
    ``instant``, Material's instant navigation works on the local server (see ``_local_sitemap``).
    """

    def __init__(self, browser, url, every_request=False, instant=False, **context_options):
        self.context = browser.new_context(**context_options)
        if instant:
            self.context.route("**/sitemap.xml", _local_sitemap)
        self.page = self.context.new_page()
        self.errors, self.failed, self.requests = [], [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url, wait_until="networkidle" if every_request else "load")
        # Under load, network idle can come before the page's own load handler (site.js measures what scrolls).
        self.page.wait_for_selector("html[data-convlab-settled]", state="attached")
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def load_every_image(self):
        """Scroll through the page so lazy images load, then wait for them."""
        self.page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
        self.page.wait_for_function("[...document.images].every(i => i.complete)")

    def show_every_image(self):
        """Load the lazy images the page displays (not those hidden by the stylesheet), then wait for them."""
        self.page.evaluate(
            "document.querySelectorAll('img[loading=lazy]').forEach(i => { if (i.offsetParent) i.loading = 'eager'; })"
        )
        self.page.wait_for_function("[...document.images].filter(i => i.offsetParent).every(i => i.complete)")

    def switch_scheme(self, scheme):
        """Click Material's palette toggle until the page shows ``scheme`` ("light" or "dark")."""
        switch_scheme(self.page, scheme)

    def close(self):
        self.context.close()


READERS = [
    (path, viewport, scheme) for path in [*PAGES, "digit/"] for viewport in VIEWPORTS for scheme in MATERIAL_SCHEME
]


def readers(paths=(*PAGES, "digit/"), viewports=tuple(VIEWPORTS), schemes=tuple(MATERIAL_SCHEME)):
    """Return the parameters of the ``reader`` fixture for these pages, screens and schemes."""
    return pytest.mark.parametrize(
        "reader",
        [r for r in READERS if r[0] in paths and r[1] in viewports and r[2] in schemes],
        indirect=True,
        ids="-".join,
    )


@pytest.fixture(scope="module")
def reader(request, browser, site_server):
    """Return one reader's visit: a page at one screen (``VIEWPORTS``) in one scheme, in a fresh context (nothing
    cached), scrolled through so every picture it shows has loaded, after the network went idle; with ``sent``,
    the bytes the server sent for it, and ``fetched``, the paths it requested, both as they were then.

    The tests that only look at a page share its visit: the fixture is module-scoped and parametrized, so pytest
    runs every test of one reader before it opens the next.
    """
    path, viewport, scheme = request.param
    base, sent = site_server
    sent.clear()
    visit = Visit(browser, base + path, every_request=True, viewport=VIEWPORTS[viewport], color_scheme=scheme)
    visit.show_every_image()
    visit.page.wait_for_load_state("networkidle")
    visit.path, visit.viewport, visit.scheme = path, viewport, scheme
    visit.sent, visit.fetched = sum(sent.values()), {urlsplit(url).path for url in visit.requests}
    yield visit
    visit.close()


def test_dark_mode_toggle_switches_the_scheme(browser, site_server):
    base, _ = site_server
    visit = Visit(browser, base, color_scheme="light")
    page = visit.page
    schemes = []
    for _ in range(3):  # automatic -> light -> dark -> automatic: find both schemes on the way
        page.locator("form[data-md-component=palette] label:visible").first.click()
        schemes.append(page.evaluate("document.body.getAttribute('data-md-color-scheme')"))
    assert {"default", "slate"} <= set(schemes)
    visit.close()


def test_search_finds_the_lesson_for_dilation(browser, site_server):
    base, _ = site_server
    visit = Visit(browser, base)
    page = visit.page
    query = page.locator("input[data-md-component=search-query]")
    query.click()
    query.press_sequentially("dilation", delay=20)  # Material searches on key presses
    results = page.locator(".md-search-result__item a")
    results.first.wait_for()
    hrefs = [results.nth(k).get_attribute("href") for k in range(results.count())]
    assert any("lesson/convolution/" in href for href in hrefs), hrefs
    visit.close()


def test_results_table_equals_the_builds_metrics(browser, site_server, build_run):
    base, _ = site_server
    metrics = build_run.metrics()
    visit = Visit(browser, base + "lesson/cnn/")
    rows = visit.page.locator("#results tr").all_inner_texts()[1:]
    expected = [
        "\t".join([str(e.epoch)] + [f"{v:.4f}" for v in (e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy)])
        for e in metrics.epochs
    ]
    assert [row.strip() for row in rows] == expected
    result = visit.page.locator("#test-result").inner_text()
    assert f"Test loss {metrics.test_loss:.4f}, test accuracy {metrics.test_accuracy:.4f}" in result
    visit.close()


# Of the images selected, the files those the page displays show (not those of the other scheme's pictures).
DISPLAYED_SOURCES = ".filter(i => i.offsetParent).map(i => i.currentSrc)"


def test_reduced_motion_shows_the_stills(browser, site_server):
    base, _ = site_server
    visit = Visit(browser, base + "lesson/convolution/", reduced_motion="reduce")
    visit.show_every_image()  # one picture per scheme: the shown one
    shown = visit.page.evaluate(f"[...document.querySelectorAll('.convlab-figure img')]{DISPLAYED_SOURCES}")
    animations = [src for src in shown if "/assets/anim/" in src]
    placeholders = re.findall(r"\{\{ (?:animation|still) ", (ROOT / "notebooks" / "convolution.py").read_text())
    assert len(animations) == len(placeholders) >= 5 and all(src.endswith(".png") for src in animations)
    visit.close()
    visit = Visit(browser, base + "lesson/convolution/")
    visit.show_every_image()
    shown = visit.page.evaluate(f"[...document.querySelectorAll('.convlab-animation img')]{DISPLAYED_SOURCES}")
    assert shown and all(src.endswith(".webp") for src in shown)  # they play (WebP); those on demand show stills
    visit.close()


def test_math_is_typeset_after_instant_navigation(browser, site_server):
    base, _ = site_server
    visit = Visit(browser, base, instant=True)
    page = visit.page
    stays_instant(page)
    page.locator("article a[href$='lesson/convolution/']").first.click()
    page.wait_for_url("**/lesson/convolution/")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")
    assert was_instant(page)
    assert page.evaluate("typeof renderMathInElement") == "function"
    assert page.locator(".katex-error").count() == 0
    assert visit.errors == []
    visit.close()


def test_the_explorer_and_the_digit_page_load_their_modules_themselves_and_after_instant_navigation(
    browser, site_server
):
    base, _ = site_server
    visit = Visit(browser, base, every_request=True, instant=True, viewport=VIEWPORTS["laptop"])
    page = visit.page
    stays_instant(page)

    def modules():
        return {PurePosixPath(urlsplit(url).path).name for url in visit.requests if "/javascripts/" in url}

    assert not modules() & {"explorer.js", "digit.js", "conv.js", "network.js"}  # a page fetches only its own
    page.locator("article a[href$='explorer/']").first.click()
    page.wait_for_url("**/explorer/")
    page.wait_for_selector("[data-testid=output-grid]")
    assert "explorer.js" in modules() and "digit.js" not in modules()
    page.locator("a.md-nav__link[href$='digit/']").dispatch_event("click")  # the menu's link, folded away here
    page.wait_for_url("**/digit/")
    page.wait_for_selector("#convlab-digit-page[data-ready]")
    page.go_back()  # instantly back: the explorer, set up again by the module loaded before
    page.wait_for_url("**/explorer/")
    page.wait_for_selector("[data-testid=output-grid]")
    assert was_instant(page) and visit.errors == []
    visit.close()


@readers()
def test_every_page_weighs_at_most_0_8_mb_as_chromium_fetches_it_and_the_summary_measures_all_it_loads(
    reader, built_site
):
    path, one_reader = reader.path, Reader(VIEWPORTS[reader.viewport]["width"], reader.scheme)
    measured = {
        "/" + file.relative_to(built_site.resolve()).as_posix()
        for file in page_resources(built_site, path + "index.html", one_reader)
    }
    measured |= {url.removesuffix("index.html") for url in measured}
    assert reader.fetched <= measured, reader.fetched - measured  # the summary counts all this reader fetched
    bound = page_weight(built_site, path + "index.html", [one_reader])
    print(f"{path or 'home'} {reader.viewport} {reader.scheme}: {reader.sent / 1e6:.2f} MB; bound {bound / 1e6:.2f}")
    assert reader.sent <= bound
    assert reader.sent <= MAX_PAGE_BYTES, f"{path or 'home'}: {reader.sent / 1e6:.2f} MB"


@readers(paths=PAGES, viewports=["laptop"])
def test_no_serious_accessibility_problems(reader):
    violations = Axe().run(reader.page).response["violations"]
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def _rendition(manifest, src):
    """Return (figure name, rendition) for the URL of a figure file."""
    file = PurePosixPath(urlsplit(src).path).name
    return next((name, r) for name, entry in manifest.items() for r in entry["renditions"] if r["file"] == file)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_figures_follow_the_scheme_toggle_and_their_text_is_at_least_12_px(
    browser, site_server, built_site, viewport, scheme
):
    base, _ = site_server
    manifest = json.loads((built_site / "assets/figures/figures.json").read_text())
    layout = "narrow" if viewport == "phone" else "wide"
    shown = {}
    for path in FIGURE_PAGES:
        # The reader's system says the other scheme; Material's toggle chooses this one.
        other = "dark" if scheme == "light" else "light"
        visit = Visit(browser, base + path, viewport=VIEWPORTS[viewport], color_scheme=other)
        visit.switch_scheme(scheme)
        visit.show_every_image()
        for figure in visit.page.locator("figure.convlab-run-figure").all():
            images = figure.evaluate(
                """f => [...f.querySelectorAll('img')].filter(i => i.offsetParent).map(i => ({
                    src: i.currentSrc, natural: i.naturalWidth, width: i.getBoundingClientRect().width}))"""
            )
            assert len(images) == 1, f"{path}: one picture per figure is shown, not {len(images)}"
            (image,) = images
            name, rendition = _rendition(manifest, image["src"])
            assert (rendition["scheme"], rendition["layout"]) == (scheme, layout), image["src"]
            assert image["natural"] == rendition["width"]
            shown[name] = rendition["text_px"] * image["width"] / image["natural"]
        visit.close()
    sizes = ", ".join(f"{name} {px:.1f} px" for name, px in shown.items())
    print(f"smallest figure text at {viewport} width, {scheme}: {sizes}")
    assert set(shown) == set(manifest)
    assert all(px >= MIN_TEXT_PX for px in shown.values()), shown


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_notebooks_pictures_follow_the_system_scheme_and_the_toggle(browser, site_server, scheme):
    base, _ = site_server
    other = "dark" if scheme == "light" else "light"
    shown = "[...document.querySelectorAll('.convlab-picture img')].filter(i => i.offsetParent).map(i => i.className)"
    for path in ["lesson/layers/", "lesson/cnn/", "lesson/pooling/"]:
        visit = Visit(browser, base + path, color_scheme=scheme)  # a first visit: the system's scheme
        count = visit.page.locator(".convlab-picture").count()
        assert count and visit.page.evaluate(shown) == [f"convlab-scheme-{scheme}"] * count, path
        visit.switch_scheme(other)  # then Material's toggle
        assert visit.page.evaluate(shown) == [f"convlab-scheme-{other}"] * count, path
        visit.close()


# Each text the page shows, with its size: maths aside (KaTeX sets sub- and superscripts smaller, as print does),
# and the explorer's grids, whose numbers keep an 11 px floor where a grid is too large for the screen.
SMALL_TEXTS = """min => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent.getClientRects().length || parent.closest(".katex")) continue;
    if (parent.closest(".explorer-grid, .explorer-arithmetic")) continue;
    const px = parseFloat(getComputedStyle(parent).fontSize);
    if (px < min) small.push(`${parent.tagName.toLowerCase()} ${px} px: ${node.textContent.trim().slice(0, 30)}`);
  }
  return small;
}"""


@readers(schemes=["light"])
def test_every_text_a_page_shows_is_at_least_12_px(reader):
    small = reader.page.evaluate(SMALL_TEXTS, MIN_TEXT_PX)
    assert small == []


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_a_notebooks_pictures_show_their_text_at_12_px_or_more(browser, site_server, viewport):
    base, _ = site_server
    sizes = """[...document.querySelectorAll('.convlab-picture img')].filter(i => i.offsetParent).map(
        i => Number(i.dataset.textPx) * i.getBoundingClientRect().width / i.naturalWidth)"""
    shown = {}
    for path in ["lesson/layers/", "lesson/cnn/", "lesson/pooling/"]:
        visit = Visit(browser, base + path, viewport=VIEWPORTS[viewport], color_scheme="light")
        for scheme in ("light", "dark"):
            visit.switch_scheme(scheme)
            visit.show_every_image()
            shown[path, scheme] = visit.page.evaluate(sizes)
        visit.close()
    print(f"smallest text of each notebook picture at {viewport} width:", shown)
    assert all(sizes and min(sizes) >= MIN_TEXT_PX for sizes in shown.values()), shown


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_phone_downloads_only_the_figures_it_shows_on_a_page_of_its_scheme(browser, site_server, scheme):
    base, _ = site_server
    visit = Visit(browser, base + "lesson/cnn/", viewport=VIEWPORTS["phone"], color_scheme=scheme)
    visit.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    visit.show_every_image()
    visit.page.wait_for_load_state("networkidle")
    body = visit.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert body == "rgb({}, {}, {})".format(*(round(255 * c) for c in to_rgb(SCHEMES[scheme].page)))
    figures = [PurePosixPath(urlsplit(url).path).name for url in visit.requests if "/assets/figures/" in url]
    assert len(figures) == visit.page.locator("figure.convlab-run-figure").count() > 0
    assert all(file.endswith(f"-narrow-{scheme}.svg") for file in figures), figures
    visit.close()


# Every element of the article lies inside the screen, or inside a box of its own that scrolls sideways.
STICKING_OUT = """() => {
  const out = [];
  for (const el of document.querySelectorAll("article *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === "hidden" || el.closest(".katex-mathml")) continue;
    let box = el.parentElement;
    while (box !== document.body && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
    const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
    const limit = box === document.body ? { left: 0, right: innerWidth } : box.getBoundingClientRect();
    if (!scrolls && (r.right > limit.right + 1 || r.left < limit.left - 1)) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}"`);
    }
  }
  return out;
}"""


@readers(paths=PAGES, viewports=["phone"], schemes=["light"])
def test_no_page_is_wider_than_a_phone_and_nothing_is_clipped(reader):
    page = reader.page
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    assert page.evaluate(STICKING_OUT) == []
    # Inline formulas stay on one line; notebook code and outputs keep their lines whole and scroll instead.
    broken = page.evaluate(
        """[...document.querySelectorAll('article .katex-html')].filter(k => !k.closest('.katex-display'))
            .filter(k => {
              const parts = [...k.children].map(b => b.getBoundingClientRect()).filter(r => r.height > 0);
              return parts.some(a => parts.some(b => b.top >= a.bottom - 1));  // one part on a later line
            }).map(k => k.textContent)"""
    )
    assert broken == []
    wrapping = page.evaluate(
        """[...document.querySelectorAll('.jupyter-wrapper pre')].filter(p => getComputedStyle(p).whiteSpace !== 'pre')
            .map(p => p.textContent.slice(0, 30))"""
    )
    assert wrapping == []


@readers(paths=PAGES, viewports=["laptop"], schemes=["light"])
def test_page_loads_cleanly_renders_math_and_every_image(reader, site_server):
    base, _ = site_server
    reader.load_every_image()  # the other scheme's pictures too (the last test of this reader: it looks only)
    page, path = reader.page, reader.path
    assert reader.errors == []
    assert reader.failed == []
    assert {urlsplit(url).netloc for url in reader.requests if not url.startswith("data:")} == {urlsplit(base).netloc}
    broken = page.evaluate("[...document.images].filter(i => i.naturalWidth === 0).map(i => i.src)")
    assert broken == []
    assert page.locator(".katex-error").count() == 0
    text = page.locator("article").inner_text()
    for raw in ("$$", "\\frac", "\\lfloor", "\\(", "W_{"):
        assert raw not in text, f"raw TeX {raw!r} left on {path or 'home'}"
    if path.startswith("lesson/") and path != "lesson/layers/":
        assert page.locator(".katex").count() > 0


BACKGROUND = """el => {
  for (; el; el = el.parentElement) {
    const colour = getComputedStyle(el).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)") return colour;
  }
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_notebook_code_cells_stand_apart_from_their_output(browser, site_server, path, scheme):
    base, _ = site_server
    visit = Visit(browser, base + path, viewport=VIEWPORTS["phone"])
    visit.switch_scheme(scheme)
    page = visit.page
    code = page.locator(".jp-CodeCell .jp-InputArea pre")
    output = page.locator(".jp-OutputArea-output")
    assert code.count() > 0 and output.count() > 0
    code_backgrounds = set(code.evaluate_all(f"cells => cells.map({BACKGROUND})"))
    output_backgrounds = set(output.evaluate_all(f"cells => cells.map({BACKGROUND})"))
    page_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert len(code_backgrounds) == 1 and code_backgrounds != {page_background}
    assert not code_backgrounds & output_backgrounds
    visit.close()
