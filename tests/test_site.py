"""A real ``mkdocs build --strict`` of the site, from a copy of the repository's pages."""

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from convlab.animate import render_animation
from convlab.catalogue import LESSON

ROOT = Path(__file__).resolve().parent.parent


class _Figures(HTMLParser):
    """Collects each <figure class="convlab-animation"> with its <img>, <source> and caption."""

    def __init__(self):
        super().__init__()
        self.figures, self._caption = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "convlab-animation" in attrs.get("class", ""):
            self.figures.append({"id": attrs["id"], "caption": ""})
        elif self.figures and tag in ("img", "source"):
            self.figures[-1][tag] = attrs
        self._caption = tag == "figcaption"

    def handle_endtag(self, tag):
        self._caption = False

    def handle_data(self, data):
        if self._caption:
            self.figures[-1]["caption"] += data


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("site")
    for name in ("docs", "overrides", "scripts"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("anim"))
    shutil.copy(ROOT / "mkdocs.yml", work)
    for animation in LESSON:
        render_animation(animation, work / "docs/assets/anim")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=work,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return work


def test_home_page_shows_the_four_animations_with_alt_text_captions_and_stills(built_site):
    parser = _Figures()
    parser.feed((built_site / "site/index.html").read_text())
    assert [f["id"] for f in parser.figures] == [f"animation-{a.name}" for a in LESSON]
    for figure, animation in zip(parser.figures, LESSON, strict=True):
        data = json.loads((built_site / f"docs/assets/anim/{animation.name}.json").read_text())
        assert figure["img"]["src"] == f"assets/anim/{animation.name}.gif"
        assert figure["img"]["alt"] == data["alt"]
        assert figure["source"] == {
            "srcset": f"assets/anim/{animation.name}.png",
            "media": "(prefers-reduced-motion: reduce)",
        }
        rows, cols = data["output_size"]
        assert figure["caption"].endswith(f"gives a {rows}×{cols} output.")
        for suffix in ("gif", "png"):
            assert (built_site / f"site/assets/anim/{animation.name}.{suffix}").stat().st_size > 0


def test_site_names_no_other_host_in_what_it_loads(built_site):
    page = (built_site / "site/index.html").read_text()
    tags = re.findall(r"<(?:script|link|img|source)\b[^>]*>", page)
    loaded = [tag for tag in tags if 'rel="canonical"' not in tag]
    assert [tag for tag in loaded if re.search(r'(?:src|href|srcset)="(?:https?:)?//', tag)] == []
    assert "fonts.googleapis" not in page
