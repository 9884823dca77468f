"""Pieces of the site that come from the build: animation and figure blocks, and the run's numbers.

Pages write placeholders and the MkDocs hook (mkdocs_hooks.py) replaces them in the built HTML of
every page, Markdown or notebook, with what the build computed, never with typed numbers:

- ``{{ animation NAME }}``: an animation in its wide and narrow renditions with their reduced-motion
  stills, alt text, caption and explorer link, all read from its JSON sidecar (the record);
- ``{{ still NAME }}``: an animation's still that plays on demand (a page stays light however many it has);
- ``{{ gallery GROUP }}``: one group of the catalogue as such stills;
- ``{{ figure NAME }}``: a figure of the trained run, with its alt text and caption from figures.json;
- ``{{ metric NAME }}``: a number the run measured, e.g. ``test_accuracy`` (a field of convlab.run.Metrics);
- ``{{ model NAME }}``: a number of the digit page's model (``convlab webmodel``), e.g. ``page_accuracy``;
- ``{{ exercises model }}``: the digit page's exercises, answered by the build's model;
- ``{{ repo NAME }}``: a line that names the repository, from REPO_URL (``url``, ``install``, ``install_cpu``,
  ``clone``, ``folder``), so that a fork's site and downloads name the fork.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from convlab.catalogue import CATALOGUE, FIGURE_INDEX, FIGURE_SCHEMES, GROUPS, in_group
from convlab.drawing import LIGHT, SCHEMES
from convlab.run import Metrics, RunFolder
from convlab.website.exercises import exercise

# Below Material's 45em breakpoint (720 px) the text column is narrower than a wide animation or figure: windows
# narrower than that get the narrow rendition.
NARROW_SCREEN = "(max-width: 44.984375em)"
# The schemes an animation is drawn in, the default first: each its own <picture>, which the stylesheet shows in
# Material's scheme of that name (light: "default", dark: "slate").
ANIMATION_SCHEMES = tuple(SCHEMES)
ANIMATION_DIR = "assets/anim"
FIGURE_DIR = "assets/figures"
MODEL_MANIFEST = "assets/model/model.json"
# A figure placeholder stands alone in its paragraph, which the figure replaces; a metric sits in text.
BLOCK = re.compile(r"(?:<p>\s*)?\{\{\s*(animation|still|figure|gallery|exercises)\s+([A-Za-z0-9_]+)\s*\}\}(?:\s*</p>)?")
INLINE = re.compile(r"\{\{\s*metric\s+([A-Za-z0-9_]+)\s*\}\}")
MODEL_NUMBER = re.compile(r"\{\{\s*model\s+([A-Za-z0-9_]+)\s*\}\}")
# What is left of a placeholder the patterns above did not take (no name, a misspelt kind); code is not searched.
LEFTOVER = re.compile(r"\{\{.{0,80}?\}\}", re.S)
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)
KINDS = "animation, still, figure, gallery, exercises, metric, model, repo"
REPO = re.compile(r"\{\{\s*repo\s+([A-Za-z0-9_]+)\s*\}\}")
# PyTorch's own index of CPU-only wheels: with it, pip takes torch's CPU build, without the CUDA libraries and
# triton that the default wheel brings along (a fraction of the download and of the disk).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The branch the Pages workflow publishes the downloadable notebooks to, where Colab opens them from GitHub.
NOTEBOOK_BRANCH = "gh-pages"

UrlFor = Callable[[str], str]


class PlaceholderError(ValueError):
    """A placeholder the build cannot fill: ``placeholder`` is the text as written, the message says why."""

    def __init__(self, placeholder: str, reason: str) -> None:
        super().__init__(f"{placeholder}: {reason}")
        self.placeholder = placeholder


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make site` to build it")
    return json.loads(path.read_text(encoding="utf-8"))


def _sidecar(name: str, docs_dir: Path) -> dict:
    """Return the JSON sidecar of animation ``name``; KeyError, listing the catalogue's names, if there is none."""
    path, names = docs_dir / ANIMATION_DIR / f"{name}.json", [animation.name for animation in CATALOGUE]
    if not path.is_file() and name not in names:  # else the build has not rendered it yet
        raise KeyError(f"no animation called {name!r}: choose from {', '.join(names)}")
    return _read_json(path)


def _renditions(data: dict) -> tuple[dict, dict]:
    by_name = {entry["name"]: entry for entry in data["renditions"]}
    return by_name["wide"], by_name["narrow"]


def _in_scheme(entry: dict, scheme: str) -> dict:
    """Return a rendition's entry with the files of ``scheme`` (``file``, ``still``, ``webp``): the sidecar lists
    the light ones at the top of the entry and each other scheme's under its name (convlab.animate)."""
    return entry if scheme == LIGHT.name else {**entry, **entry[scheme]}


def _picture(data: dict, url: Callable[[str], str], scheme: str) -> str:
    """Return a <picture> serving each reader one rendition in ``scheme``, shown only in that scheme: the narrow one
    in windows matching NARROW_SCREEN, else the wide one, and their stills (last frames) for readers who prefer
    reduced motion. Each animation is offered as WebP first (a third of the GIF's bytes), the GIF for browsers
    that do not show WebP. A browser downloads only the source it picks, and nothing of a picture it does not
    show."""
    wide, narrow = (_in_scheme(entry, scheme) for entry in _renditions(data))

    def source(media: str, file: str, entry: dict, webp: bool = False) -> str:
        kind = ' type="image/webp"' if webp else ""
        where = f' media="{media}"' if media else ""
        size = f'width="{entry["width"]}" height="{entry["height"]}"'
        return f'<source{where}{kind} srcset="{url(file)}" {size}>'

    reduce = "(prefers-reduced-motion: reduce)"
    sources = [
        source(f"{reduce} and {NARROW_SCREEN}", narrow["still"], narrow),
        source(reduce, wide["still"], wide),
        source(NARROW_SCREEN, narrow["webp"], narrow, webp=True),
        source(NARROW_SCREEN, narrow["file"], narrow),
        source("", wide["webp"], wide, webp=True),
    ]
    alt, size = html.escape(data["alt"]), f'width="{wide["width"]}" height="{wide["height"]}"'
    image = f'<img src="{url(wide["file"])}" alt="{alt}" {size} loading="lazy">'
    return f'<picture class="convlab-scheme-{scheme}">{"".join(sources)}{image}</picture>'


def _caption_links(data: dict, url_for: UrlFor) -> str:
    """Return what follows a caption: the PyTorch line, and a link to the explorer with these settings."""
    more = f" <code>{html.escape(data['pytorch'])}</code>."
    query = data["explorer_query"]
    return more + f' <a href="{html.escape(url_for("explorer/") + "?" + query)}">Try it in the explorer</a>.'


def animation_figure(name: str, docs_dir: Path, url_for: UrlFor) -> str:
    """Return the HTML figure of an animation, all from its sidecar: a <picture> with the wide and the
    narrow rendition and their stills, the caption with the PyTorch line, and a link to the explorer with
    its settings."""
    data = _sidecar(name, docs_dir)

    def url(file: str) -> str:
        return url_for(f"{ANIMATION_DIR}/{file}")

    caption_html = html.escape(data["caption"]) + _caption_links(data, url_for)
    pictures = "".join(_picture(data, url, scheme) for scheme in ANIMATION_SCHEMES)
    return (
        f'<figure class="convlab-figure convlab-animation" id="animation-{name}">{pictures}'
        f"<figcaption>{caption_html}</figcaption></figure>"
    )


def still_figure(name: str, docs_dir: Path, url_for: UrlFor, narrow_only: bool = False) -> str:
    """Return an animation that plays on demand: per colour scheme a <picture> of its stills (last frames), shown
    only in that scheme, the narrow one in windows matching NARROW_SCREEN and the wide one in wider windows (only
    the narrow one with ``narrow_only``, for the gallery's columns, 380 px wide or more), a link that plays it
    (gallery.js swaps each still for its rendition's WebP in place, or its GIF in a browser that does not show
    WebP, in both schemes; without JavaScript the link opens the narrow light GIF), its caption and its explorer
    link."""
    data = _sidecar(name, docs_dir)

    def url(file: str) -> str:
        return url_for(f"{ANIMATION_DIR}/{file}")

    def swappable(entry: dict) -> str:
        size = f'width="{entry["width"]}" height="{entry["height"]}"'
        files = f'data-still="{url(entry["still"])}" data-gif="{url(entry["file"])}" data-webp="{url(entry["webp"])}"'
        return f"{files} {size}"

    def picture(scheme: str) -> str:
        wide, narrow = (_in_scheme(entry, scheme) for entry in _renditions(data))
        shown = narrow if narrow_only else wide
        source = (
            ""
            if narrow_only
            else f'<source media="{NARROW_SCREEN}" srcset="{url(narrow["still"])}" {swappable(narrow)}>'
        )
        image = f'<img src="{url(shown["still"])}" alt="{html.escape(data["alt"])}" {swappable(shown)} loading="lazy">'
        return f'<picture class="convlab-scheme-{scheme}">{source}{image}</picture>'

    play = f'<a class="convlab-play" href="{url(_renditions(data)[1]["file"])}">Play the animation</a>.'
    caption_html = html.escape(data["caption"]) + _caption_links(data, url_for)
    pictures = "".join(picture(scheme) for scheme in ANIMATION_SCHEMES)
    return (
        f'<figure class="convlab-figure convlab-still" id="animation-{name}">{pictures}'
        f"<figcaption>{play} {caption_html}</figcaption></figure>"
    )


def gallery_block(group: str, docs_dir: Path, url_for: UrlFor) -> str:
    """Return one group of the catalogue as narrow stills that play on demand, each linked to the explorer."""
    animations = in_group(group)
    if not animations:
        raise KeyError(f"no gallery group called {group!r}: choose from {', '.join(GROUPS)}")
    figures = "".join(still_figure(a.name, docs_dir, url_for, narrow_only=True) for a in animations)
    return f'<div class="convlab-gallery">{figures}</div>'


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


def model_exercises(name: str, docs_dir: Path, url_for: UrlFor) -> str:
    """Return the digit page's exercises (``{{ exercises model }}``), answered by the build's model, each linked
    to the test digit or the explorer settings it names."""
    if name != "model":
        raise KeyError(f"no exercises called {name!r}: write {{{{ exercises model }}}}")

    def block(entry: dict) -> str:
        if "digit" in entry:
            link, text = f"{url_for('digit/')}?digit={entry['digit']}", f"Show test digit {entry['digit']}"
        else:
            link, text = f"{url_for('explorer/')}?{entry['explore']}", "Try these settings in the explorer"
        return exercise(entry["question"], entry["answer"], link, text)

    return "".join(block(entry) for entry in _read_json(docs_dir / MODEL_MANIFEST)["exercises"])


def _fill_model_numbers(text: str, docs_dir: Path) -> str:
    def number(match: re.Match) -> str:
        numbers = _read_json(docs_dir / MODEL_MANIFEST)["numbers"]
        if match.group(1) not in numbers:
            raise KeyError(f"no model number called {match.group(1)!r}: choose from {', '.join(numbers)}")
        return numbers[match.group(1)]

    return _filled(MODEL_NUMBER, number, text)


def repo_text(name: str, repo_url: str) -> str:
    """Return the line ``{{ repo NAME }}`` stands for: the repository's address, the pip line that installs convlab
    from it (``install_cpu``: with PyTorch's CPU wheels), the command that clones it, or the folder it clones into."""
    if not repo_url:
        raise KeyError("the repository is not known: set repo_url in mkdocs.yml (the build sets it from REPO_URL)")
    lines = {
        "url": repo_url,
        "install": f'pip install "convlab @ git+{repo_url}"',
        "install_cpu": f'pip install --extra-index-url {TORCH_CPU_INDEX} "convlab @ git+{repo_url}"',
        "clone": f"git clone {repo_url}",
        "folder": urlsplit(repo_url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"),
    }
    if name not in lines:
        raise KeyError(f"no repo line called {name!r}: choose from {', '.join(lines)}")
    return lines[name]


def fill_repo(text: str, repo_url: str, escape: bool = False) -> str:
    """Return ``text`` with every ``{{ repo NAME }}`` replaced by its line for ``repo_url`` (HTML-escaped if asked)."""

    def line(match: re.Match) -> str:
        value = repo_text(match.group(1), repo_url)
        return html.escape(value, quote=False) if escape else value

    return _filled(REPO, line, text)


def colab_url(repo_url: str, notebook: str) -> str | None:
    """Return the address that opens the published notebook ``notebook`` (its path in the site) in Colab, from the
    repository's NOTEBOOK_BRANCH on GitHub; None for a repository that is not on GitHub."""
    parts = urlsplit(repo_url)
    path = parts.path.strip("/").removesuffix(".git")
    if parts.netloc != "github.com" or path.count("/") != 1:
        return None
    return f"https://colab.research.google.com/github/{path}/blob/{NOTEBOOK_BRANCH}/{notebook}"


# Each animation's figure carries this id (animation_figure, still_figure): the first one names the page's picture.
FIRST_ANIMATION = re.compile(r'<figure class="convlab-figure[^"]*" id="animation-([A-Za-z0-9_]+)"')


def social_picture(page_html: str, docs_dir: Path) -> dict:
    """Return the picture a shared link to the page shows: the wide still of its first animation (the catalogue's
    first on a page without one), as its path in the site, its size and its alt text."""
    match = FIRST_ANIMATION.search(page_html)
    name = match.group(1) if match else CATALOGUE[0].name
    data = _read_json(docs_dir / ANIMATION_DIR / f"{name}.json")
    wide, _ = _renditions(data)
    return {
        "path": f"{ANIMATION_DIR}/{wide['still']}",
        "width": wide["width"],
        "height": wide["height"],
        "alt": data["alt"],
    }


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
        return MAKERS[kind](name, docs_dir, url_for)

    page_html = _filled(BLOCK, figure, page_html)
    page_html = _fill_model_numbers(_fill_metrics(page_html, run), docs_dir)
    leftover = LEFTOVER.search(CODE.sub("", page_html))
    if leftover:
        raise PlaceholderError(leftover.group(0), f"not a placeholder: write {{{{ KIND NAME }}}}, KIND one of {KINDS}")
    return page_html


MAKERS = {
    "animation": animation_figure,
    "still": still_figure,
    "figure": run_figure,
    "gallery": gallery_block,
    "exercises": model_exercises,
}


def _filled(pattern: re.Pattern, fill: Callable[[re.Match], str], text: str) -> str:
    """Return ``text`` with each match of ``pattern`` replaced by ``fill(match)``; PlaceholderError, quoting the
    placeholder, if one cannot be filled (an unknown name, a file the build has not made)."""

    def filled(match: re.Match) -> str:
        try:
            return fill(match)
        except (KeyError, FileNotFoundError) as error:
            written = re.search(r"\{\{.*?\}\}", match.group(0), re.S).group(0)
            raise PlaceholderError(written, error.args[0] if isinstance(error, KeyError) else str(error)) from None

    return pattern.sub(filled, text)


def _fill_metrics(text: str, run: RunFolder) -> str:
    if INLINE.search(text) is None:
        return text
    metrics = run.metrics()
    return _filled(INLINE, lambda match: metric_text(match.group(1), metrics), text)


# A notebook's Markdown names its pictures with block placeholders, written alone on their line.
MARKDOWN_BLOCK = re.compile(r"\{\{\s*(animation|still|figure)\s+([A-Za-z0-9_]+)\s*\}\}")


def placeholders_as_markdown(markdown: str, docs_dir: Path, run: RunFolder, page_url: str, repo_url: str) -> str:
    """Return a notebook cell's Markdown with each placeholder replaced for the downloadable notebook: a picture
    by its description, linked to it on the lesson page at ``page_url``; a metric by its number; a repo line by
    its line for ``repo_url``."""

    def described(match: re.Match) -> str:
        kind, name = match.groups()
        if kind == "figure":
            alt, anchor = _read_json(docs_dir / FIGURE_DIR / FIGURE_INDEX)[name]["alt"], f"figure-{name}"
        else:
            alt, anchor = _sidecar(name, docs_dir)["alt"], f"animation-{name}"
        shown = "Figure" if kind == "figure" else "Animation"
        return f"*{shown} on [the lesson page]({page_url}#{anchor}): {alt}*"

    filled = fill_repo(_fill_metrics(MARKDOWN_BLOCK.sub(described, markdown), run), repo_url)
    return _absolute_links(filled, page_url)


# A Markdown link's target, when it is relative to the page (not a URL of its own, not an anchor).
RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)")


def _absolute_links(markdown: str, page_url: str) -> str:
    """Return the Markdown with links relative to the lesson page made absolute: in a downloaded notebook
    they would point into the reader's own folders."""
    return RELATIVE_LINK.sub(lambda match: f"]({urljoin(page_url, match.group(1))})", markdown)
