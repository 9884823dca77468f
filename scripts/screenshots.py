"""Screenshots of every page of the built site at phone and laptop width, light and dark, for review.

    python scripts/screenshots.py [--site site] [--out build/screenshots]

Serves the site on a local port, opens each page in Debian's Chromium and saves a full-page PNG named
PAGE-VIEWPORT-SCHEME.png. Lazy images are loaded first, so the pictures are in the screenshots.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright
from statichost import served

# Debian's headless build of Chromium (package chromium-headless-shell): the engine without the windowed browser's
# code, as Playwright runs it headless; a page loads in about 0.6 of the time the full chromium takes here.
# Playwright's own browser download cannot run here.
CHROMIUM = "/usr/bin/chromium-headless-shell"
# No sandbox (root in a container) and no background traffic: the machine reaches no other host.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
SCHEMES = ("light", "dark")


def site_pages(site: Path) -> list[str]:
    """Return the path of every page of the site, e.g. "lesson/cnn/" ("" for the home page)."""
    pages = [path.parent.relative_to(site).as_posix() for path in site.rglob("index.html")]
    return sorted("" if page == "." else page + "/" for page in pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"), help="the built site (default: site)")
    parser.add_argument("--out", type=Path, default=Path("build/screenshots"), help="where to write the PNGs")
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        parser.exit(1, f"screenshots: {CHROMIUM} is missing: apt-get install chromium-headless-shell\n")
    args.out.mkdir(parents=True, exist_ok=True)

    with served(args.site) as (base, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for page_path in site_pages(args.site):
            for viewport, size in VIEWPORTS.items():
                for scheme in SCHEMES:
                    context = browser.new_context(viewport=size, color_scheme=scheme)
                    page = context.new_page()
                    page.goto(base + page_path, wait_until="networkidle")
                    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
                    page.wait_for_function("[...document.images].every(i => i.complete)")
                    name = (page_path.strip("/").replace("/", "-") or "home") + f"-{viewport}-{scheme}.png"
                    page.screenshot(path=args.out / name, full_page=True)
                    print(args.out / name)
                    context.close()
        browser.close()


if __name__ == "__main__":
    main()
