"""The notebooks a reader downloads run top to bottom in an empty folder, offline, with MNIST where torchvision's
download puts it; the layers page gives the same numbers every time."""

import base64
import io
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from convlab.arithmetic import Geometry, as_pair
from convlab.cli import parse_grid, parse_size
from convlab.data import MD5, raw_dir

ROOT = Path(__file__).resolve().parent.parent

NAMES = ["convolution", "layers", "cnn"]
OFFLINE = "http://127.0.0.1:9"  # a port nothing listens on: any download attempt fails at once


def _downloaded(site, name):
    """Return the notebook behind the page's download button, without its outputs."""
    notebook = nbformat.read(site / f"lesson/{name}/{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


@pytest.fixture
def empty_folder(tmp_path, mnist_root, monkeypatch):
    """Return an empty folder holding only MNIST's files where torchvision's download would put them; offline."""
    shutil.copytree(raw_dir(mnist_root), raw_dir(tmp_path / "data"))
    monkeypatch.delenv("CONVLAB_RUN", raising=False)
    monkeypatch.setenv("CONVLAB_QUICK", "1")  # the cnn notebook's quick try, as it tells its readers
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, OFFLINE)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    return tmp_path


def _run(notebook, folder):
    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    ).execute()
    return notebook


def _text(notebook) -> list[str]:
    """Return each code cell's text output, in order. What a cell prints is joined into one text: the kernel
    sends it in as many chunks as timing happens to give."""
    return [
        "".join(output.get("text") or output.get("data", {}).get("text/html", "") for output in cell["outputs"])
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_downloaded_notebook_runs_in_an_empty_folder_offline(built_site, empty_folder, name):
    notebook = _run(_downloaded(built_site, name), empty_folder)
    assert all(cell.get("outputs") is not None for cell in notebook.cells if cell.cell_type == "code")
    written = {path.relative_to(empty_folder).parts[0] for path in empty_folder.iterdir()}
    assert written == {"data"}, f"{name} wrote {written} into the reader's folder"
    assert sorted(path.name for path in raw_dir(empty_folder / "data").iterdir()) == sorted(MD5)
    if name == "cnn":
        assert any("No run found: trained here" in text for text in _text(notebook))


@pytest.mark.slow
def test_the_layers_page_gives_the_same_numbers_every_time(built_site, empty_folder):
    first, second = (_text(_run(_downloaded(built_site, "layers"), empty_folder)) for _ in range(2))
    assert first == second
    assert any("negative values before ReLU" in text for text in first)


def _cells(name):
    import jupytext

    return jupytext.read(ROOT / f"notebooks/{name}.py").cells


def test_words_are_defined_in_bold_where_a_reader_first_meets_them():
    markdown = "\n".join(cell.source for name in NAMES for cell in _cells(name) if cell.cell_type == "markdown")
    prose = "\n".join(line for line in markdown.splitlines() if not line.startswith("#"))  # headings announce
    for word in ("batch", "channel", "feature map", "logits", "tap", "epoch", "receptive field"):
        first = re.search(rf"(\*\*)?\b{word}", prose, re.IGNORECASE)
        assert first and first.group(1) == "**", f"{word!r} is first used without being defined"


def test_the_code_a_reader_sees_is_the_recipe_not_the_page_layout():
    for name in NAMES:
        for cell in _cells(name):
            if cell.cell_type == "code" and "hide-input" not in cell.metadata.get("tags", []):
                for layout in ("inspect.getsource", "<table", "display(", "<details"):
                    assert layout not in cell.source, f"{name}: a shown cell lays out the page ({layout})"


@pytest.mark.parametrize("name", NAMES)
def test_each_page_ends_with_two_to_four_exercises_whose_links_open_the_explorer_with_valid_settings(built_site, name):
    html = (built_site / f"lesson/{name}/index.html").read_text()
    questions = re.findall(r'<details class="question"><summary>.+?</details>', html, re.S)
    assert 2 <= len(questions) <= 4
    for question in questions:
        (link,) = re.findall(r'href="\.\./\.\./explorer/\?([^"]+)"', question)
        settings = dict(parse_qsl(unescape(link)))
        sizes = {key: parse_size(settings[key]) for key in ("size", "kernel", "stride", "padding", "dilation")}
        if settings["weights"] != "mean":
            weights = parse_grid(settings["weights"])
            assert as_pair(sizes["kernel"], "kernel") == (len(weights), len(weights[0]))
        Geometry.of(*sizes.values())  # raises if the explorer would refuse the settings
    assert html.rindex('<details class="question">') > html.rindex("<h2")  # at the end, after the last heading


@pytest.mark.parametrize("name", NAMES)
def test_every_picture_a_notebook_draws_has_alt_text(built_site, name):
    html = (built_site / f"lesson/{name}/index.html").read_text()
    assert "No description has been provided for this image" not in html
    assert all(re.search(r'\balt="[^"]{20,}"', tag) for tag in re.findall(r"<img\b[^>]*>", html))


@pytest.mark.parametrize("name", ["layers", "cnn", "pooling"])
def test_every_picture_a_notebook_draws_comes_in_both_schemes_and_the_dark_one_has_no_white_panel(built_site, name):
    html = (built_site / f"lesson/{name}/index.html").read_text()
    drawn = [tag for tag in re.findall(r"<img\b[^>]*>", html) if "data:image/png" in tag]
    pictures = re.findall(r'<span class="convlab-picture">(<img[^>]*>)(<img[^>]*>)</span>', html)
    assert pictures and len(drawn) == 2 * len(pictures), f"{name}: a picture drawn in one scheme only"
    for light, dark in pictures:
        assert 'class="convlab-scheme-light"' in light and 'class="convlab-scheme-dark"' in dark
        source = re.search(r'src="data:image/png;base64,([^"]+)"', dark).group(1)
        pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(source))).convert("RGBA"))
        assert pixels[0, 0, 3] == pixels[-1, -1, 3] == 0, f"{name}: the dark page does not show through"
        # A white panel or background covers 40% to 96% of a picture; a digit drawn light, a few percent.
        white = (pixels[:, :, 3] > 128) & (pixels[:, :, :3].min(axis=2) > 200)
        assert white.mean() < 0.1, f"{name}: {white.mean():.0%} of the dark picture is white"
