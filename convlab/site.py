"""Pieces of the site that come from the build: animation figures with their alt text and captions.

Pages write ``{{ animation NAME }}``; the MkDocs hook (scripts/mkdocs_hooks.py) replaces it with a
figure whose numbers are read from the animation's JSON sidecar, never typed into the page.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from convlab.animate import settings_text
from convlab.arithmetic import Geometry
from convlab.catalogue import lesson_animation

ANIMATION_DIR = "assets/anim"
PLACEHOLDER = re.compile(r"\{\{\s*animation\s+([A-Za-z0-9_]+)\s*\}\}")


def animation_figure(name: str, docs_dir: Path, url_for: Callable[[str], str]) -> str:
    """Return the HTML figure for a lesson animation: the GIF, its still for reduced motion, a caption."""
    geometry = lesson_animation(name).geometry
    sidecar = docs_dir / ANIMATION_DIR / f"{name}.json"
    if not sidecar.exists():
        raise FileNotFoundError(f"{sidecar} is missing: run `make site` (or `convlab gifs --out {sidecar.parent}`)")
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    width, height = Image.open(sidecar.with_suffix(".png")).size
    caption = _caption(geometry, data)
    gif, png = (url_for(f"{ANIMATION_DIR}/{name}.{suffix}") for suffix in ("gif", "png"))
    return (
        f'<figure class="convlab-animation" id="animation-{name}">\n'
        f"<picture>\n"
        f'<source srcset="{png}" media="(prefers-reduced-motion: reduce)">\n'
        f'<img src="{gif}" alt="{html.escape(data["alt"])}" width="{width}" height="{height}" loading="lazy">\n'
        f"</picture>\n"
        f"<figcaption>{html.escape(caption)}</figcaption>\n"
        f"</figure>"
    )


def _caption(geometry: Geometry, data: dict) -> str:
    (rows, cols), (out_rows, out_cols) = geometry.size, data["output_size"]
    return f"{settings_text(geometry).capitalize()}: the {rows}×{cols} input gives a {out_rows}×{out_cols} output."


def expand_placeholders(markdown: str, docs_dir: Path, url_for: Callable[[str], str]) -> str:
    """Return ``markdown`` with every ``{{ animation NAME }}`` replaced by its figure.

    ``url_for`` turns a path inside docs/ into a URL relative to the page being built.
    """
    return PLACEHOLDER.sub(lambda match: animation_figure(match.group(1), docs_dir, url_for), markdown)
