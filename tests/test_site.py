"""The built site, read as files: every link and anchor resolves, placeholders became build numbers."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from pagereader import read_page

from convlab import output_size, pool_output_size, transposed_output_size
from convlab.catalogue import LESSON
from convlab.model import feature_sizes

ROOT = Path(__file__).resolve().parent.parent


class _Page:
    """A page's ids, its links and resources, and its animation and figure blocks (each with the attributes of its
    <img> and <source>, and its caption's text)."""

    def __init__(self, html):
        document = read_page(html)
        elements = list(document.iter())
        self.ids = {e.attrs["id"] for e in elements if "id" in e.attrs}
        self.links = [
            e.attrs[name]
            for e in elements
            for name in ("href", "src", "srcset")
            if e.attrs.get(name) and not (name == "href" and e.tag == "link" and e.attrs.get("rel") == "canonical")
        ]
        self.figures = [_figure(e) for e in document.iter("figure") if "convlab-figure" in e.classes()]


def _figure(element):
    """Return a figure block's id, class, caption and the attributes of the (last) <img> and <source> of its first
    picture (the light scheme's, where it has one per scheme)."""
    caption = element.find("figcaption")
    figure = {"id": element.attrs["id"], "class": element.attrs["class"], "caption": caption.text() if caption else ""}
    picture = element.find("picture") or element
    for tag in ("img", "source"):
        for inner in picture.iter(tag):
            figure[tag] = inner.attrs
    return figure


def _pages(site):
    """Return the built pages, except 404.html, whose links are absolute to wherever the site is hosted."""
    return sorted(path for path in site.rglob("*.html") if path.name != "404.html")


def _parse(path):
    return _Page(path.read_text(encoding="utf-8"))


def test_every_internal_link_image_and_anchor_resolves(built_site):
    parsed = {path: _parse(path) for path in _pages(built_site)}
    broken = []
    for path, page in parsed.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "data:", "mailto:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(built_site)}: {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if parts.fragment not in ids:
                    broken.append(f"{path.relative_to(built_site)}: {link} (no such anchor)")
    assert broken == []


def test_no_page_links_resources_on_another_host(built_site):
    for path in _pages(built_site):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|source|iframe)\b[^>]*>", html):
            if 'rel="canonical"' in tag:
                continue
            assert not re.search(r'(?:src|href|srcset)="(?:https?:)?//', tag), f"{path}: {tag}"


def test_every_placeholder_was_filled_in_the_pages_and_the_downloads(built_site):
    for path in _pages(built_site):
        assert "{{" not in path.read_text(encoding="utf-8").replace("{{ ", "{{"), path
    downloads = sorted(built_site.glob("lesson/*/*.ipynb"))
    assert len(downloads) == len(list((ROOT / "notebooks").glob("*.py")))
    for path in downloads:
        markdown = [
            "".join(cell["source"]) for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "markdown"
        ]
        assert not any("{{" in text for text in markdown), path
        # Links lead to the site, not into the reader's folders (a relative "../layers/" would).
        targets = [t for text in markdown for t in re.findall(r"\]\(([^)\s]+)\)", text)]
        assert targets and all(t.startswith(("https://", "http://", "#")) for t in targets), path


def test_animations_carry_alt_text_captions_and_reduced_motion_stills(built_site):
    page = _parse(built_site / "lesson/convolution/index.html")
    animations = [f for f in page.figures if f["id"].startswith("animation-")]
    names = [f["id"].removeprefix("animation-") for f in animations]
    lesson = [animation.name for animation in LESSON]
    assert [name for name in names if name in lesson] == lesson
    for figure, name in zip(animations, names, strict=True):
        data = json.loads((built_site / f"assets/anim/{name}.json").read_text())
        assert figure["img"]["alt"] == data["alt"]
        # An animation that plays on demand shows its still first; the others play (the reduced-motion stills
        # come first, see test_placeholders): the last <source> read is the narrow still, or the wide WebP.
        still = "convlab-still" in figure["class"]
        assert figure["img"]["src"] == f"../../assets/anim/{name}.{'png' if still else 'gif'}"
        assert figure["source"]["srcset"] == f"../../assets/anim/{name}{'.narrow.png' if still else '.webp'}"
        rows, cols = data["output_size"]
        assert f"gives a {rows}×{cols} output." in figure["caption"]


def test_figures_of_the_run_are_on_the_pages_with_their_alt_text(built_site):
    manifest = json.loads((built_site / "assets/figures/figures.json").read_text())
    shown = {}
    for path in _pages(built_site):
        for figure in _parse(path).figures:
            if figure["id"].startswith("figure-"):
                shown[figure["id"].removeprefix("figure-")] = figure
    assert set(shown) == set(manifest)
    for name, entry in manifest.items():
        assert shown[name]["img"]["alt"] == entry["alt"]


def test_the_numbers_in_prose_are_the_builds(built_site, build_run):
    accuracy = f"{build_run.metrics().test_accuracy:.4f}"
    assert f"test accuracy of {accuracy}" in (built_site / "index.html").read_text()
    cnn = (built_site / "lesson/cnn/index.html").read_text()
    assert f"test accuracy of {accuracy}" in cnn
    assert " → ".join(str(n) for n in [28, *feature_sizes()]) in cnn
    assert str(128 * feature_sizes()[-1] ** 2) in cnn


def _article(path):
    """Return the text of a page's article (its content, without the navigation around it)."""
    html = path.read_text()
    return html[html.index("<article") : html.index("</article>")]


def test_the_speed_story_is_an_aside_the_cnn_lesson_links_to_with_no_timing_typed_in(built_site, build_run):
    cnn = _article(built_site / "lesson/cnn/index.html")
    assert 'href="../../speed/"' in cnn
    for plumbing in ("BFloat16Forward", "channels_last", "fused=True", 'id="speed"', 'id="bfloat16"', " ms<"):
        assert plumbing not in cnn, plumbing
    speed = _article(built_site / "speed/index.html")
    for told in ("mnist_batches", "channels_last", "fused=True", "BFloat16Forward", "make bench", "--float32"):
        assert told in speed, told
    assert f"test accuracy of {build_run.metrics().test_accuracy:.4f}" in speed
    prose = re.sub(r"<[^>]+>", "", speed)
    assert not re.search(r"\d\s*(ms|s|seconds|×)\b", prose), "a timing typed into the speed page"
    assert "scripts/bench_train.py" in speed and (ROOT / "scripts/bench_train.py").is_file()


def test_the_learning_curves_caption_says_what_the_training_curves_measure(built_site):
    cnn = _parse(built_site / "lesson/cnn/index.html")
    (curves,) = [figure for figure in cnn.figures if figure["id"] == "figure-learning_curves"]
    assert "averaged over the epoch's batches while the model learned" in curves["caption"]
    assert "validation (squares) measured after the epoch" in curves["caption"]


def test_the_examples_in_make_your_own_are_true():
    page = (ROOT / "docs/make-your-own.md").read_text()
    python = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    checked = 0
    for line in python.splitlines():
        if "#" in line:
            expression, expected = (part.strip() for part in line.split("#", 1))
            names = {"output_size": output_size, "pool_output_size": pool_output_size}
            names["transposed_output_size"] = transposed_output_size
            assert repr(eval(expression, names)) == expected
            checked += 1
    assert checked == 4
    shown = re.search(r"\$ (convlab render [^\n]+)\n(convlab: error: [^\n]+)", page)
    result = subprocess.run(
        [sys.executable, "-m", "convlab", *shown.group(1).split()[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT / "build",
    )
    assert result.stderr.strip() == shown.group(2)


@pytest.mark.parametrize("name", ["convolution", "layers", "cnn"])
def test_each_notebook_page_offers_its_notebook_for_download(built_site, name):
    html = (built_site / f"lesson/{name}/index.html").read_text()
    assert re.search(rf'href="[^"]*{name}\.ipynb"[^>]*download', html) or f'{name}.ipynb" download' in html
    assert (built_site / f"lesson/{name}/{name}.ipynb").is_file()


@pytest.mark.parametrize("name", ["convolution", "layers", "cnn"])
def test_each_lesson_page_edit_link_opens_its_notebook_source(built_site, name):
    html = (built_site / f"lesson/{name}/index.html").read_text()
    edit = re.search(r'href="([^"]+/edit/[^"]+)"', html).group(1)
    assert edit.endswith(f"/notebooks/{name}.py") and (ROOT / f"notebooks/{name}.py").is_file()


def test_the_library_knows_nothing_of_the_site_build():
    """convlab/ imports nothing from scripts/ and names none of the site's folders; the run's default is named once."""
    scripts = {path.stem for path in (ROOT / "scripts").glob("*.py")}
    for path in (ROOT / "convlab").glob("*.py"):
        text = path.read_text()
        imports = re.findall(r"^\s*(?:from|import) ([\w.]+)", text, re.M)
        assert not {name.split(".")[0] for name in imports} & scripts, path
        # The strings its code uses, not its comments or docstrings (which may point a reader to the site).
        tree = ast.parse(text)
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(node) is not None
        }
        strings = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        ]
        for folder in ("docs/", "assets/anim", "assets/figures", "site/", "build/steps"):
            assert not any(folder in string for string in strings), f"{path.name} names {folder}"
    python = [*(ROOT / "convlab").glob("*.py"), *(ROOT / "scripts").glob("*.py"), *(ROOT / "notebooks").glob("*.py")]
    spelled = {path.name for path in python if '"build/run"' in path.read_text()}
    assert spelled == set()  # the build's run is named in the Makefile; convlab's default is folders.RUN_DIR
