"""The animations on the built site, in Chromium: each screen gets its own rendition (and downloads only
that), every animation's smallest text shows at 12 CSS px or more on a 390 px phone and a 1280 px laptop,
reduced motion gets the stills, the gallery and the pooling page stay light and play on demand, and each
colour scheme shows (and downloads) its own files, following Material's palette toggle."""

import json
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest
from screenshots import VIEWPORTS
from test_browser import MATERIAL_SCHEME, Visit

from convlab.catalogue import CATALOGUE

PAGES = ["lesson/convolution/", "lesson/layers/", "lesson/cnn/", "lesson/pooling/", "gallery/"]
# The images the page displays: not those of the other scheme's pictures, which the stylesheet hides.
SHOWN = """[...document.querySelectorAll('figure.convlab-animation img, figure.convlab-still img')]
  .filter(i => i.offsetParent).map(i => ({
    id: i.closest('figure').id, onDemand: i.closest('figure').classList.contains('convlab-still'),
    src: i.currentSrc, natural: i.naturalWidth, shown: i.getBoundingClientRect().width
}))"""


def _open(browser, url, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="networkidle")
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => { if (i.offsetParent) i.loading = 'eager'; })"
    )
    page.wait_for_function("[...document.images].filter(i => i.offsetParent).every(i => i.complete && i.naturalWidth)")
    assert errors == [], errors
    return context, page, requests


def _rendition(built_site, src, scheme="light"):
    """Return the sidecar entry of the file a browser shows: a rendition's WebP, GIF or still, in ``scheme``."""
    name = PurePosixPath(urlsplit(src).path).name
    stem = name.split(".")[0]
    data = json.loads((built_site / "assets/anim" / f"{stem}.json").read_text())
    for entry in data["renditions"]:
        files = entry if scheme == "light" else entry[scheme]
        if name in (files["file"], files["webp"], files["still"]):
            return entry
    raise AssertionError(f"{name} is not a {scheme} rendition listed in {stem}.json")


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", PAGES)
def test_every_animations_smallest_text_shows_at_12_css_px_or_more(
    browser, site_server, built_site, path, viewport, motion
):
    base, _ = site_server
    context, page, _ = _open(browser, base + path, viewport=VIEWPORTS[viewport], reduced_motion=motion)
    shown = page.evaluate(SHOWN)
    context.close()
    if path == "lesson/convolution/" or path == "gallery/":
        assert shown, f"no animation on {path}"
    for figure in shown:
        entry = _rendition(built_site, figure["src"])
        assert figure["natural"] == entry["width"]
        css_px = entry["text_px"] * figure["shown"] / figure["natural"]
        assert css_px >= 12, f"{figure['id']} on {path} at {viewport}: smallest text {css_px:.1f} CSS px"
        is_still = figure["src"].endswith(".png")
        # The gallery's columns take narrow renditions; elsewhere each screen gets its own.
        assert entry["name"] == ("narrow" if viewport == "phone" or path == "gallery/" else "wide"), figure
        assert is_still == (figure["onDemand"] or motion == "reduce"), figure  # on demand: a still until asked


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_each_screen_downloads_only_its_own_rendition_as_webp(browser, site_server, viewport):
    base, _ = site_server
    context, _, requests = _open(browser, base + "lesson/convolution/", viewport=VIEWPORTS[viewport])
    context.close()
    names = [PurePosixPath(urlsplit(url).path).name for url in requests]
    webps = [name for name in names if name.endswith(".webp")]
    assert webps, "the page loads its animations"
    assert not [name for name in names if name.endswith(".gif")], "Chromium shows WebP: no GIF is fetched"
    if viewport == "phone":
        assert all(name.endswith(".narrow.webp") for name in webps), webps
    else:
        assert not any(name.endswith(".narrow.webp") for name in webps), webps


def test_the_gallery_shows_the_whole_catalogue_as_stills(browser, site_server):
    base, _ = site_server
    context, page, requests = _open(browser, base + "gallery/", viewport=VIEWPORTS["laptop"])
    ids = page.evaluate("[...document.querySelectorAll('.convlab-gallery figure')].map(f => f.id)")
    context.close()
    assert ids == [f"animation-{animation.name}" for animation in CATALOGUE]
    assert not any(url.endswith((".gif", ".webp")) for url in requests)  # stills only, until asked


def test_play_swaps_the_still_for_the_animation_and_back(browser, site_server):
    base, _ = site_server
    context, page, requests = _open(browser, base + "gallery/", viewport=VIEWPORTS["phone"])
    figure = page.locator("#animation-maxpool_2x2")
    link, image = figure.locator("a.convlab-play"), figure.locator(".convlab-scheme-light img")
    assert image.get_attribute("src").endswith("maxpool_2x2.narrow.png")
    link.click()
    page.wait_for_function(
        "document.querySelector('#animation-maxpool_2x2 img').currentSrc.endsWith('maxpool_2x2.narrow.webp')"
    )
    assert link.get_attribute("aria-pressed") == "true"
    assert any(url.endswith("maxpool_2x2.narrow.webp") for url in requests)
    assert not any(url.endswith(".gif") for url in requests)
    link.click()
    assert image.get_attribute("src").endswith("maxpool_2x2.narrow.png")
    assert link.get_attribute("aria-pressed") == "false"
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_pooling_pages_figures_all_play_on_demand_in_their_screens_rendition(browser, site_server, viewport):
    base, _ = site_server
    context, page, requests = _open(browser, base + "lesson/pooling/", viewport=VIEWPORTS[viewport])
    kinds = page.evaluate("[...document.querySelectorAll('article figure.convlab-figure')].map(f => f.className)")
    assert kinds and set(kinds) == {"convlab-figure convlab-still"}, kinds
    assert not any(url.endswith((".gif", ".webp")) for url in requests)
    first = page.locator("article figure.convlab-still").first
    name = first.get_attribute("id").removeprefix("animation-")
    webp = f"{name}.narrow.webp" if viewport == "phone" else f"{name}.webp"
    first.locator("a.convlab-play").click()
    page.wait_for_function(f"document.querySelector('#animation-{name} img').currentSrc.endsWith('/{webp}')")
    context.close()
    played = [url for url in requests if url.endswith((".gif", ".webp"))]
    assert played == [url for url in requests if url.endswith("/" + webp)]


def _shown(visit):
    """Return the file names of the animations' images the page shows, once they have loaded."""
    visit.show_every_image()
    return [PurePosixPath(urlsplit(figure["src"]).path).name for figure in visit.page.evaluate(SHOWN)]


def _animation_files(requests):
    return [PurePosixPath(urlsplit(url).path).name for url in requests if "/assets/anim/" in url]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["lesson/convolution/", "lesson/pooling/"])
def test_each_scheme_shows_and_downloads_its_own_animations_and_follows_the_toggle(
    browser, site_server, built_site, path, scheme
):
    base, _ = site_server
    other = "dark" if scheme == "light" else "light"
    visit = Visit(browser, base + path, every_request=True, viewport=VIEWPORTS["laptop"], color_scheme=scheme)
    shown = _shown(visit)
    assert shown and all(_rendition(built_site, name, scheme) for name in shown), shown
    assert all((".dark." in name) == (scheme == "dark") for name in shown), shown
    fetched = _animation_files(visit.requests)
    assert fetched and all((".dark." in name) == (scheme == "dark") for name in fetched), fetched
    filters = visit.page.evaluate("[...document.querySelectorAll('figure img')].map(i => getComputedStyle(i).filter)")
    assert set(filters) == {"none"}  # drawn for the scheme, not dimmed
    # Material's toggle, not the system, now chooses: the other scheme's pictures show, as their own files.
    visit.switch_scheme(other)
    assert visit.page.evaluate("document.body.getAttribute('data-md-color-scheme')") == MATERIAL_SCHEME[other]
    toggled = _shown(visit)
    assert len(toggled) == len(shown) and all(_rendition(built_site, name, other) for name in toggled), toggled
    assert all((".dark." in name) == (other == "dark") for name in toggled), toggled
    visit.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_play_on_demand_plays_the_animation_of_the_scheme_shown_and_keeps_playing_after_a_toggle(
    browser, site_server, scheme
):
    base, _ = site_server
    visit = Visit(browser, base + "gallery/", every_request=True, viewport=VIEWPORTS["phone"], color_scheme=scheme)
    figure = visit.page.locator("#animation-maxpool_2x2")
    tail = ".dark" if scheme == "dark" else ""
    assert f"maxpool_2x2.narrow{tail}.png" in _shown(visit)
    figure.locator("a.convlab-play").click()
    visit.page.wait_for_load_state("networkidle")
    assert f"maxpool_2x2.narrow{tail}.webp" in _shown(visit)  # Chromium shows animated WebP
    animations = [name for name in _animation_files(visit.requests) if name.endswith((".gif", ".webp"))]
    assert animations == [f"maxpool_2x2.narrow{tail}.webp"], animations  # not the other scheme's, nor the GIF
    visit.switch_scheme("light" if scheme == "dark" else "dark")
    other_tail = "" if scheme == "dark" else ".dark"
    assert f"maxpool_2x2.narrow{other_tail}.webp" in _shown(visit)
    visit.close()
