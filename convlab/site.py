"""Pieces of the site that come from the build: animation and figure blocks, and logged numbers.

Pages write placeholders and the MkDocs hook (scripts/mkdocs_hooks.py) replaces them in the built
HTML of every page, Markdown or notebook, with what the build computed, never with typed numbers:

- ``{{ animation NAME }}``: a lesson animation with its reduced-motion still, alt text and caption;
- ``{{ figure NAME }}``: a figure of the trained run, with its alt text and caption;
- ``{{ metric NAME }}``: a number from the run's metrics.json, e.g. ``test_accuracy``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image

from convlab.animate import settings_text
from convlab.arithmetic import Geometry
from convlab.catalogue import lesson_animation

ANIMATION_DIR = "assets/anim"
FIGURE_DIR = "assets/figures"
# A figure placeholder stands alone in its paragraph, which the figure replaces; a metric sits in text.
BLOCK = re.compile(r"(?:<p>\s*)?\{\{\s*(animation|figure)\s+([A-Za-z0-9_]+)\s*\}\}(?:\s*</p>)?")
INLINE = re.compile(r"\{\{\s*metric\s+([A-Za-z0-9_]+)\s*\}\}")

UrlFor = Callable[[str], str]


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make site` to build it")
    return json.loads(path.read_text(encoding="utf-8"))


def _figure_html(
    element_id: str, image: str, alt: str, caption: str, size: tuple[int, int], still: str = "", more: str = ""
) -> str:
    """Return a <figure>: the image (linked to itself, for zooming on a phone), its caption and ``more`` HTML."""
    source = f'<source srcset="{still}" media="(prefers-reduced-motion: reduce)">' if still else ""
    width, height = size
    return (
        f'<figure class="convlab-figure" id="{element_id}">'
        f'<a href="{image}"><picture>{source}'
        f'<img src="{image}" alt="{html.escape(alt)}" width="{width}" height="{height}" loading="lazy">'
        f"</picture></a><figcaption>{html.escape(caption)}{more}</figcaption></figure>"
    )


def animation_figure(name: str, docs_dir: Path, url_for: UrlFor) -> str:
    """Return the HTML figure for a lesson animation: the GIF, its still for reduced motion, a caption."""
    geometry = lesson_animation(name).geometry
    sidecar = docs_dir / ANIMATION_DIR / f"{name}.json"
    data = _read_json(sidecar)
    with Image.open(sidecar.with_suffix(".png")) as still:
        size = still.size
    gif, png = (url_for(f"{ANIMATION_DIR}/{name}.{suffix}") for suffix in ("gif", "png"))
    explore = (
        f' <a href="{html.escape(url_for("explorer/") + "?" + explorer_query(geometry))}">Try it in the explorer</a>.'
    )
    return _figure_html(f"animation-{name}", gif, data["alt"], _caption(geometry, data), size, still=png, more=explore)


def explorer_query(geometry: Geometry) -> str:
    """Return the explorer's URL query for these settings, with the averaging kernel."""

    def pair(values: tuple[int, int]) -> str:
        return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"

    fields = ("size", "kernel", "stride", "padding", "dilation")
    return urlencode({**{field: pair(getattr(geometry, field)) for field in fields}, "weights": "mean"})


def _caption(geometry: Geometry, data: dict) -> str:
    (rows, cols), (out_rows, out_cols) = geometry.size, data["output_size"]
    return f"{settings_text(geometry).capitalize()}: the {rows}×{cols} input gives a {out_rows}×{out_cols} output."


def run_figure(name: str, docs_dir: Path, url_for: UrlFor) -> str:
    """Return the HTML figure for one figure of the trained run, from figures.json."""
    manifest = _read_json(docs_dir / FIGURE_DIR / "figures.json")
    if name not in manifest:
        raise KeyError(f"no figure called {name!r}: figures.json has {', '.join(manifest)}")
    entry = manifest[name]
    path = docs_dir / FIGURE_DIR / entry["file"]
    size = _svg_size(path) if path.suffix == ".svg" else Image.open(path).size
    return _figure_html(
        f"figure-{name}", url_for(f"{FIGURE_DIR}/{entry['file']}"), entry["alt"], entry["caption"], size
    )


def _svg_size(path: Path) -> tuple[int, int]:
    """Return an SVG's width and height in CSS pixels (matplotlib writes them in points)."""
    head = path.read_text(encoding="utf-8")[:2000]
    width, height = (float(re.search(rf'{side}="([\d.]+)pt"', head).group(1)) for side in ("width", "height"))
    return round(width * 4 / 3), round(height * 4 / 3)


def metric_text(name: str, run_dir: Path) -> str:
    """Return a number from the run's metrics.json, formatted as the pages print it (4 decimals)."""
    metrics = _read_json(run_dir / "metrics.json")
    value = metrics[name]
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def expand_placeholders(page_html: str, docs_dir: Path, run_dir: Path, url_for: UrlFor) -> str:
    """Return the page's HTML with every placeholder replaced by what the build computed.

    ``url_for`` turns a path inside docs/ into a URL relative to the page being built.
    """

    def figure(match: re.Match) -> str:
        kind, name = match.groups()
        make = animation_figure if kind == "animation" else run_figure
        return make(name, docs_dir, url_for)

    page_html = BLOCK.sub(figure, page_html)
    return INLINE.sub(lambda match: metric_text(match.group(1), run_dir), page_html)
