"""The page-weight crawler (scripts/pageweight.py) on small sites written here."""

import gzip
import json

from pageweight import Reader, page_resources, page_weight


def test_page_weight_counts_the_page_and_everything_it_can_load(tmp_path):
    page = tmp_path / "lesson/convolution/index.html"
    page.parent.mkdir(parents=True)
    files = {
        "a.js": 'import { x } from "./b.js";' + "x" * 1000,
        "b.js": "y" * 300,
        "a.css": "@font-face { src: url(fonts/f.woff2) }" + "z" * 500,
        "fonts/f.woff2": "F" * 200,
        "a.gif": "G" * 300,
        "a.png": "P" * 100,
        "data.json": "{}",
        "unused.png": "U" * 999,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    html = (
        '<script src="../../a.js"></script><link rel="stylesheet" href="../../a.css">'
        '<picture><source srcset="../../a.png" media="(prefers-reduced-motion: reduce)">'
        '<img src="../../a.gif"></picture>'
        '<div data-source="../../data.json"></div><a href="../../unused.png">a link is not loaded</a>'
        '<script src="https://elsewhere.example/x.js"></script>'
    )
    page.write_text(html)
    loaded = {path.relative_to(tmp_path).as_posix() for path in page_resources(tmp_path)}
    # Of the picture's two sources a browser loads one: the bound counts the larger, the GIF.
    assert loaded == {"lesson/convolution/index.html", *files} - {"unused.png", "a.png"}
    text = len(gzip.compress(html.encode(), mtime=0)) + sum(
        len(gzip.compress(files[name].encode(), mtime=0)) for name in ("a.js", "b.js", "a.css", "data.json")
    )
    assert page_weight(tmp_path) == text + 200 + 300


def test_each_reader_counts_the_source_its_browser_picks_and_its_schemes_pictures_only(tmp_path):
    page = tmp_path / "lesson/convolution/index.html"
    page.parent.mkdir(parents=True)
    for name, size in {"wide.png": 500, "narrow.png": 200, "light.svg": 30, "dark.svg": 40}.items():
        (tmp_path / name).write_bytes(b"P" * size if name.endswith(".png") else b"<svg/>" * size)
    page.write_text(
        '<picture><source media="(max-width: 44.984375em)" srcset="../../narrow.png"><img src="../../wide.png">'
        '</picture><a class="convlab-scheme-light" href="x"><picture><img src="../../light.svg"></picture></a>'
        '<a class="convlab-scheme-dark" href="x"><picture><img src="../../dark.svg"></picture></a>'
    )

    def loaded(reader):
        return {path.name for path in page_resources(tmp_path, reader=reader)} - {"index.html"}

    assert loaded(Reader(390, "light")) == {"narrow.png", "light.svg"}
    assert loaded(Reader(1280, "dark")) == {"wide.png", "dark.svg"}
    assert page_weight(tmp_path) == page_weight(tmp_path, readers=[Reader(1280, "dark")])  # the heaviest reader


def test_the_digit_page_counts_its_model_and_the_test_digits_it_shows_first(tmp_path):
    page = tmp_path / "digit/index.html"
    model = tmp_path / "assets/model"
    model.mkdir(parents=True)
    page.parent.mkdir()
    manifest = {"weights": "model.bin", "test": {"files": ["digits-00.bin", "digits-01.bin"]}}
    (model / "model.json").write_text(json.dumps(manifest))
    for name in ("model.bin", "digits-00.bin", "digits-01.bin"):
        (model / name).write_bytes(b"W" * 100)
    page.write_text('<div id="convlab-digit-page" data-model="../assets/model/model.json"></div>')
    loaded = {path.relative_to(tmp_path).as_posix() for path in page_resources(tmp_path, "digit/index.html")}
    # digits-01.bin loads only when a reader asks for a digit from 50 on
    assert loaded == {
        "digit/index.html",
        "assets/model/model.json",
        "assets/model/model.bin",
        "assets/model/digits-00.bin",
    }
