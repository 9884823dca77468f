"""Each page's weight and first paint as a reader gets them, in Debian's Chromium.

    python scripts/bench_pages.py [--site site]

For every page of the built site, served as a static host serves it (statichost.py: text gzipped): the bytes
Chromium fetched with every lazy image loaded, at phone and laptop width in the light and the dark scheme (the
largest of the four is one reader's worst case: one scheme, one source per picture), beside the crawler's
bound (pageweight.py); then first contentful paint and largest contentful paint of a cold load on simulated
Fast 3G (CDP Network.emulateNetworkConditions with DevTools' preset), at phone width.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pageweight import page_weight
from playwright.sync_api import sync_playwright
from screenshots import CHROMIUM, CHROMIUM_FLAGS, SCHEMES, VIEWPORTS, site_pages
from statichost import served

# DevTools' "Fast 3G": 1.44 Mbit/s down, 675 kbit/s up, 562.5 ms round trip (its 0.9 and 3.75 factors applied).
FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 162_000, "uploadThroughput": 75_937.5}
PAINTS = """() => new Promise(resolve => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    new PerformanceObserver(list => {
        const entries = list.getEntries();
        resolve([fcp ? fcp.startTime : null, entries[entries.length - 1].startTime]);
    }).observe({type: 'largest-contentful-paint', buffered: true});
    setTimeout(() => resolve([fcp ? fcp.startTime : null, null]), 2000);
})"""


def fetched_bytes(browser, url: str, sent: dict[str, int], viewport: str, scheme: str) -> int:
    """Return the bytes the host sent for the page at ``url`` and all it loads, with every image it displays
    (not those of the other scheme, which the stylesheet hides), as for a reader scrolling through."""
    sent.clear()
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => { if (i.offsetParent) i.loading = 'eager'; })"
    )
    page.wait_for_function("[...document.images].filter(i => i.offsetParent).every(i => i.complete)")
    page.wait_for_load_state("networkidle")
    context.close()
    return sum(sent.values())


def paints_on_fast_3g(browser, url: str) -> tuple[float | None, float | None]:
    """Return first and largest contentful paint, in seconds, of a cold load of the page on Fast 3G."""
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    page.goto(url, wait_until="load", timeout=120_000)
    first, largest = page.evaluate(PAINTS)
    context.close()
    return tuple(None if ms is None else ms / 1000 for ms in (first, largest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"), help="the built site (default: site)")
    args = parser.parse_args()
    fetched = "fetched MB: phone light, dark; laptop light, dark"
    print(f"{'page':<24} {fetched:>50} {'bound MB':>9} {'FCP s':>6} {'LCP s':>6}")
    with served(args.site) as (base, sent), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for path in site_pages(args.site):
            weights = [fetched_bytes(browser, base + path, sent, v, s) for v in VIEWPORTS for s in SCHEMES]
            first, largest = paints_on_fast_3g(browser, base + path)
            shown = " ".join(f"{w / 1e6:.2f}" for w in weights)
            paints = " ".join(f"{p:6.2f}" if p is not None else f"{'-':>6}" for p in (first, largest))
            bound = page_weight(args.site, path + "index.html") / 1e6
            print(f"{path or '(home)':<24} {shown:>50} {bound:9.2f} {paints}")
        browser.close()


if __name__ == "__main__":
    main()
