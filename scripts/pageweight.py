"""What a page makes a browser load from the site, and how many bytes a static host sends for it all.

The crawler reads the built HTML: stylesheets and the fonts they reference, scripts and the modules they import,
images, data a page fetches (the digit page: its model and first test digits), and Material's own start-up files.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pagereader import Element, read_page

MAIN_PAGE = "lesson/convolution/index.html"
# What a static host such as GitHub Pages sends gzipped; images and fonts go as they are.
COMPRESSED = frozenset({".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb"})


def transfer_size(path: Path) -> int:
    """Return the bytes a static host sends for a file: gzipped for text, as is for images and fonts."""
    data = path.read_bytes()
    return len(gzip.compress(data, mtime=0)) if path.suffix in COMPRESSED else len(data)


@dataclass(frozen=True)
class Reader:
    """One reader: a window this many CSS px wide, in one colour scheme ("light" or "dark"), motion allowed."""

    width: int
    scheme: str

    def matches(self, media: str) -> bool:
        """Return True if the media query list holds for this reader (a feature it does not know, as true)."""
        return any(all(self._has(feature) for feature in re.findall(r"\(([^)]*)\)", q)) for q in media.split(","))

    def _has(self, feature: str) -> bool:
        name, _, value = (part.strip() for part in feature.partition(":"))
        em = float(value.removesuffix("em")) * 16 if value.endswith("em") else None
        tests = {
            "max-width": lambda: em is None or self.width <= em,
            "min-width": lambda: em is None or self.width >= em,
            "prefers-reduced-motion": lambda: value != "reduce",
            "prefers-color-scheme": lambda: value == ("dark" if self.scheme == "dark" else "light"),
        }
        return tests.get(name, lambda: True)()


# The readers the build measures: a phone and a laptop (scripts/screenshots.py's widths), each scheme.
READERS = tuple(Reader(width, scheme) for width in (390, 1280) for scheme in ("light", "dark"))


@dataclass
class _Resources:
    """What a page makes the browser load: stylesheets, icons, scripts, images, fetched data.

    ``urls`` holds one URL per resource; ``pictures`` one (scheme, sources) per <picture>, where sources are
    (media, URL) pairs in order (the <img> last, media "") of which a browser loads the first that matches, and
    scheme is "light" or "dark" for a picture shown in that scheme only (placeholders.py's convlab-scheme-*
    class, on the picture or on the link around it), else "". ``models``: the digit page's model manifests
    (webmodel's model.json); ``config``: Material's configuration (its __config script), or "".
    """

    urls: list[str]
    pictures: list[tuple[str, list[tuple[str, str]]]]
    models: list[str]
    config: str


def _scheme(element: Element) -> str:
    """Return the scheme a picture is shown in only ("light", "dark"), from its own class or the link it sits in,
    else ""."""
    for candidate in (element, next((e for e in element.ancestors() if e.tag == "a"), None)):
        scheme = re.search(r"\bconvlab-scheme-(\w+)", (candidate.attrs.get("class") or "") if candidate else "")
        if scheme:
            return scheme.group(1)
    return ""


def _resources(html: str) -> _Resources:
    """Return what the page's HTML makes a browser load."""
    found = _Resources([], [], [], "")
    sources_of = {}  # id of each <picture> element: its list of sources
    for element in read_page(html).iter():
        tag, attrs = element.tag, element.attrs
        picture = next((sources_of[id(e)] for e in element.ancestors() if e.tag == "picture"), None)
        if tag == "picture":
            found.pictures.append((_scheme(element), []))
            sources_of[id(element)] = found.pictures[-1][1]
        elif tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "modulepreload"):
            found.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            found.urls.append(attrs["src"])
        elif tag == "img" and attrs.get("src"):
            if picture is not None:
                picture.append(("", attrs["src"]))
            else:
                found.pictures.append((_scheme(element), [("", attrs["src"])]))
        elif tag == "source" and attrs.get("srcset") and picture is not None:
            picture.append((attrs.get("media") or "", attrs["srcset"].split(",")[0].split()[0]))
        if attrs.get("data-source"):
            found.urls.append(attrs["data-source"])
        if attrs.get("data-model"):
            found.models.append(attrs["data-model"])
        if tag == "script" and attrs.get("id") == "__config":
            found.config += element.text()
    return found


def _local(base: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or url.startswith(("//", "data:")) or not parts.path:
        return None
    path = (base / parts.path).resolve()
    return path if path.is_file() else None


def _model_files(base: Path, url: str) -> list[tuple[Path, str]]:
    """Return what the digit page loads of its model on opening: the manifest, the weights, and the first file
    of test digits (it shows digit 0); the other files of test digits load one at a time as a reader asks."""
    manifest = _local(base, url)
    if manifest is None:
        return [(base, url)]
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return [(base, url), (manifest.parent, data["weights"]), (manifest.parent, data["test"]["files"][0])]


def page_resources(site: Path, page: str = MAIN_PAGE, reader: Reader = READERS[-1]) -> list[Path]:
    """Return the page and every file it can make a browser load from the site for the reader, each once.

    That is the page's stylesheets and what they reference (fonts), its scripts and the modules they
    import, its images (of a <picture>, the source the reader's browser picks; none of a picture shown in the
    other scheme), data it fetches, and Material's own
    start-up files (the search worker and index, the sitemap that instant navigation reads). An upper
    bound: a browser loads a font only if the page uses it.
    """
    html_path = (site / page).resolve()
    parser = _resources(html_path.read_text(encoding="utf-8"))
    files = [html_path]
    pending = [(html_path.parent, url) for url in parser.urls]
    for scheme, sources in parser.pictures:
        if scheme in ("", reader.scheme):
            pending.append((html_path.parent, next(url for media, url in sources if reader.matches(media))))
    for url in parser.models:
        pending += _model_files(html_path.parent, url)
    if parser.config:
        config = json.loads(parser.config)
        root = (html_path.parent / config["base"]).resolve()
        pending += [(html_path.parent, config["search"]), (root, "search/search_index.json"), (root, "sitemap.xml")]
    while pending:
        base, url = pending.pop()
        path = _local(base, url)
        if path is None or path in files:
            continue
        files.append(path)
        text = path.read_text(encoding="utf-8") if path.suffix in (".css", ".js") else ""
        references = re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if path.suffix == ".css" else []
        references += re.findall(r"""\bimport\b[^"']*["'](\.[^"']+)["']""", text) if path.suffix == ".js" else []
        pending += [(path.parent, reference) for reference in references]
    return files


def page_weight(site: Path, page: str = MAIN_PAGE, readers: Iterable[Reader] = READERS) -> int:
    """Return the most bytes a static host sends one of the readers for the page and everything it can load (see
    page_resources)."""
    return max(sum(transfer_size(path) for path in page_resources(site, page, reader)) for reader in readers)
