"""What a page makes a browser load from the site, and how many bytes a static host sends for it all.

The crawler reads the built HTML: stylesheets and the fonts they reference, scripts and the modules they import,
images, data a page fetches, and Material's own start-up files.
"""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

MAIN_PAGE = "lesson/convolution/index.html"
# What a static host such as GitHub Pages sends gzipped; images and fonts go as they are.
COMPRESSED = frozenset({".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb"})


def transfer_size(path: Path) -> int:
    """Return the bytes a static host sends for a file: gzipped for text, as is for images and fonts."""
    data = path.read_bytes()
    return len(gzip.compress(data, mtime=0)) if path.suffix in COMPRESSED else len(data)


class _Resources(HTMLParser):
    """Collects what a page makes the browser load: stylesheets, icons, scripts, images, fetched data.

    ``urls`` holds one URL per resource; ``pictures`` one list per <picture>, of which a browser loads one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.pictures: list[list[str]] = []
        self.config = ""
        self._in_config = self._in_picture = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        images = self.pictures[-1] if self._in_picture else self.urls
        if tag == "picture":
            self._in_picture = True
            self.pictures.append([])
        elif tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "modulepreload"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "img" and attrs.get("src"):
            images.append(attrs["src"])
        elif tag == "source" and attrs.get("srcset"):
            images += [part.split()[0] for part in attrs["srcset"].split(",")]
        if attrs.get("data-source"):
            self.urls.append(attrs["data-source"])
        self._in_config = tag == "script" and attrs.get("id") == "__config"

    def handle_endtag(self, tag):
        if tag == "picture":
            self._in_picture = False

    def handle_data(self, data):
        if self._in_config:
            self.config += data


def _local(base: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or url.startswith(("//", "data:")) or not parts.path:
        return None
    path = (base / parts.path).resolve()
    return path if path.is_file() else None


def page_resources(site: Path, page: str = MAIN_PAGE) -> list[Path]:
    """Return the page and every file it can make a browser load from the site, each once.

    That is the page's stylesheets and what they reference (fonts), its scripts and the modules they
    import, its images (of a <picture>, the source that costs most), data it fetches, and Material's own
    start-up files (the search worker and index, the sitemap that instant navigation reads). An upper
    bound: a browser loads a font only if the page uses it.
    """
    html_path = (site / page).resolve()
    parser = _Resources()
    parser.feed(html_path.read_text(encoding="utf-8"))
    files = [html_path]
    pending = [(html_path.parent, url) for url in parser.urls]
    for sources in parser.pictures:
        found = [path for path in (_local(html_path.parent, url) for url in sources) if path is not None]
        if found:
            pending.append((html_path.parent, str(max(found, key=transfer_size))))
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


def page_weight(site: Path, page: str = MAIN_PAGE) -> int:
    """Return the bytes a static host sends for the page and everything it can load (see page_resources)."""
    return sum(transfer_size(path) for path in page_resources(site, page))
