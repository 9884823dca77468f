"""Pieces of the site that come from the build: animation and figure blocks, and the run's numbers.

Pages write placeholders and the MkDocs hook (mkdocs_hooks.py) replaces them in the built HTML of
every page, Markdown or notebook, with what the build computed, never with typed numbers:

- ``{{ animation NAME }}``: an animation with its reduced-motion still, alt text and caption, all
  read from its JSON sidecar (the convolution's record);
- ``{{ figure NAME }}``: a figure of the trained run, with its alt text and caption from figures.json;
- ``{{ metric NAME }}``: a number the run measured, e.g. ``test_accuracy`` (a field of convlab.run.Metrics).
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image

from convlab.animate import settings_text
from convlab.arithmetic import Convolution, Geometry
from convlab.catalogue import FIGURE_INDEX, FIGURE_SCHEMES
from convlab.run import Metrics, RunFolder

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
    """Return the HTML figure of an animation: GIF, still for reduced motion and caption, all from its sidecar."""
    sidecar = docs_dir / ANIMATION_DIR / f"{name}.json"
    data = _read_json(sidecar)
    geometry = Convolution.from_json(data).geometry
    with Image.open(sidecar.with_suffix(".png")) as still:
        size = still.size
    gif, png = (url_for(f"{ANIMATION_DIR}/{name}.{suffix}") for suffix in ("gif", "png"))
    explore = (
        f' <a href="{html.escape(url_for("explorer/") + "?" + explorer_query(geometry))}">Try it in the explorer</a>.'
    )
    return _figure_html(f"animation-{name}", gif, data["alt"], _caption(geometry), size, still=png, more=explore)


def explorer_query(geometry: Geometry) -> str:
    """Return the explorer's URL query for these settings, with the averaging kernel."""

    def pair(values: tuple[int, int]) -> str:
        return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"

    fields = ("size", "kernel", "stride", "padding", "dilation")
    return urlencode({**{field: pair(getattr(geometry, field)) for field in fields}, "weights": "mean"})


def _caption(geometry: Geometry) -> str:
    (rows, cols), (out_rows, out_cols) = geometry.size, geometry.output
    return f"{settings_text(geometry).capitalize()}: the {rows}×{cols} input gives a {out_rows}×{out_cols} output."


# Below Material's 45em breakpoint the text column is narrower than a wide figure: phones get the narrow one.
NARROW_SCREEN = "(max-width: 44.984375em)"


def run_figure(name: str, docs_dir: Path, url_for: UrlFor) -> str:
    """Return the HTML figure for one figure of the trained run, from figures.json.

    One <picture> per colour scheme, each offering the narrow rendition to narrow screens; the stylesheet
    shows the one that matches Material's scheme (body[data-md-color-scheme]), and a browser loads only
    the lazy image it shows.
    """
    manifest = _read_json(docs_dir / FIGURE_DIR / FIGURE_INDEX)
    if name not in manifest:
        raise KeyError(f"no figure called {name!r}: figures.json has {', '.join(manifest)}")
    entry = manifest[name]
    pictures = []
    for scheme in FIGURE_SCHEMES:
        wide, narrow = (
            next(r for r in entry["renditions"] if r["scheme"] == scheme and r["layout"] == layout)
            for layout in ("wide", "narrow")
        )
        wide_url, narrow_url = (url_for(f"{FIGURE_DIR}/{r['file']}") for r in (wide, narrow))
        pictures.append(
            f'<a class="convlab-scheme-{scheme}" href="{wide_url}"><picture>'
            f'<source media="{NARROW_SCREEN}" srcset="{narrow_url}" width="{narrow["width"]}" '
            f'height="{narrow["height"]}">'
            f'<img src="{wide_url}" alt="{html.escape(entry["alt"])}" width="{wide["width"]}" '
            f'height="{wide["height"]}" loading="lazy"></picture></a>'
        )
    return (
        f'<figure class="convlab-figure convlab-run-figure" id="figure-{name}">{"".join(pictures)}'
        f"<figcaption>{html.escape(entry['caption'])}</figcaption></figure>"
    )


def metric_text(name: str, metrics: Metrics) -> str:
    """Return one number the run measured, formatted as the pages print it (4 decimals)."""
    numbers = [field.name for field in dataclasses.fields(Metrics) if field.type in ("float", "int")]
    if name not in numbers:
        raise KeyError(f"no metric called {name!r}: choose from {', '.join(numbers)}")
    value = getattr(metrics, name)
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def expand_placeholders(page_html: str, docs_dir: Path, run: RunFolder, url_for: UrlFor) -> str:
    """Return the page's HTML with every placeholder replaced by what the build computed.

    ``url_for`` turns a path inside docs/ into a URL relative to the page being built.
    """

    def figure(match: re.Match) -> str:
        kind, name = match.groups()
        make = animation_figure if kind == "animation" else run_figure
        return make(name, docs_dir, url_for)

    page_html = BLOCK.sub(figure, page_html)
    if INLINE.search(page_html) is None:
        return page_html
    metrics = run.metrics()
    return INLINE.sub(lambda match: metric_text(match.group(1), metrics), page_html)
