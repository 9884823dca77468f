"""The figures of the build's run: every rendition written, legible, on colour bars, for its scheme, repeatable."""

import base64
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb
from PIL import Image
from terminal import run_in_terminal

from convlab.catalogue import FIGURE_NAMES, FIGURES
from convlab.data import load_split, split_indices
from convlab.describe import format_value
from convlab.errors import UsageError
from convlab.figure_grids import Scale, blank_zeros
from convlab.figure_svg import SCHEMES
from convlab.figures import (
    DEMO_SEED,
    confusion,
    learning_curves,
    make_figures,
    most_common_mistakes,
    most_common_mistakes_text,
    relu_note,
)
from convlab.first_batch import first_training_digit
from convlab.run import EpochResult, Metrics, Runtime, TrainConfig

SVG = "{http://www.w3.org/2000/svg}"
# The figures where colour stands for a value (weights, activations, counts); the others show lines or digits.
VALUE_FIGURES = {"filters", "feature_maps", "confusion_matrix", "conv_relu_demo"}


@pytest.fixture(scope="module")
def figures(built_site):
    """Return the folder of the figures the site serves (the build's run drawn by `make site`), and figures.json."""
    out = built_site / "assets/figures"
    return out, json.loads((out / "figures.json").read_text())


def test_figures_shows_a_bar_on_a_terminal_nothing_in_a_log_and_the_same_bytes_as_the_build(
    figures, build_run, mnist_root, tmp_path
):
    command = [sys.executable, "-m", "convlab", "figures", "--run", build_run.path, "--data-root", mnist_root]
    logged = subprocess.Popen(  # drawn alongside the terminal's run, on the other core
        [*command, "--out", "log"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    status, shown = run_in_terminal([*command, "--out", "terminal"], tmp_path)
    assert status == 0 and re.search(rf"figures: +\d+%.*\| \d/{len(FIGURE_NAMES)} \[", shown), shown
    _, errors = logged.communicate()
    assert logged.returncode == 0 and errors == "", errors
    built, _ = figures
    for path in sorted(built.iterdir()):  # the same run and data give the same bytes, whichever process drew them
        for again in ("terminal", "log"):
            assert (tmp_path / again / path.name).read_bytes() == path.read_bytes(), (again, path.name)


def _renditions(manifest):
    return [(name, rendition) for name, entry in manifest.items() for rendition in entry["renditions"]]


def _parents(root):
    return {child: parent for parent in root.iter() for child in parent}


def _ancestor_ids(element, parents):
    ids = []
    while element in parents:
        element = parents[element]
        ids.append(element.get("id", ""))
    return ids


def _contrast(a, b):
    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(to_rgb(a)), luminance(to_rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_figure_is_written_in_every_rendition_and_described(figures, build_run):
    out, manifest = figures
    assert list(manifest) == list(FIGURE_NAMES)
    for name, entry in manifest.items():
        assert tuple(r["file"] for r in entry["renditions"]) == FIGURES[name]
        assert {(r["layout"], r["scheme"]) for r in entry["renditions"]} == {
            (layout, scheme) for layout in ("wide", "narrow") for scheme in ("light", "dark")
        }
        assert len(entry["alt"]) > 40 and entry["caption"]
    for _, rendition in _renditions(manifest):
        root = ET.parse(out / rendition["file"]).getroot()
        assert root.tag == f"{SVG}svg"
        width, height = (float(root.get(side).removesuffix("pt")) * 4 / 3 for side in ("width", "height"))
        assert (round(width), round(height)) == (rendition["width"], rendition["height"])
    assert {r["width"] for _, r in _renditions(manifest) if r["layout"] == "narrow"} == {340}  # a 390 px phone
    metrics = build_run.metrics()
    assert f"{metrics.epochs[-1].val_loss:.4f}" in manifest["learning_curves"]["alt"]
    written = [file for files in FIGURES.values() for file in files]
    assert sorted(p.name for p in out.iterdir()) == sorted([*written, "figures.json", "explorer.json"])


def test_the_filters_caption_gives_the_trained_weights_range_with_minus_signs(figures, build_run):
    weights = torch.load(build_run.model_file, weights_only=True)["features.0.weight"]
    low, high = (format_value(float(v)) for v in (weights.min(), weights.max()))
    assert low.startswith("\u2212")  # a minus sign, not a hyphen
    entry = figures[1]["filters"]
    assert f"from {low} to {high}" in entry["alt"] and f"from {low} to {high}" in entry["caption"]


def test_text_px_is_the_smallest_text_the_file_draws_and_at_least_12_px(figures):
    out, manifest = figures
    for _, rendition in _renditions(manifest):
        root = ET.parse(out / rendition["file"]).getroot()
        px_per_unit = rendition["width"] / float(root.get("viewBox").split()[2])
        sizes = [
            float(re.search(r"font-size: ([\d.]+)px", text.get("style")).group(1)) * px_per_unit
            for text in root.iter(f"{SVG}text")
        ]
        assert sizes, rendition["file"]
        assert rendition["text_px"] == pytest.approx(min(sizes), abs=0.01), rendition["file"]
        assert rendition["text_px"] >= 12, rendition["file"]


def test_colour_that_stands_for_a_value_has_a_colour_bar(figures):
    out, manifest = figures
    for name, rendition in _renditions(manifest):
        root = ET.parse(out / rendition["file"]).getroot()
        parents = _parents(root)
        ids = {element.get("id", "") for element in root.iter()}
        scales = {re.match(r"(scale\d+)-panel", i).group(1) for i in ids if re.match(r"scale\d+-panel", i)}
        assert (len(scales) > 0) == (name in VALUE_FIGURES), rendition["file"]
        assert {f"{scale}-colourbar" for scale in scales} <= ids, rendition["file"]
        for image in root.iter(f"{SVG}image"):  # every raster is a value map, its colour bar, or a digit
            owners = [i for i in _ancestor_ids(image, parents) if re.match(r"(scale\d+|picture\d+)-", i)]
            assert owners, f"{rendition['file']}: an image outside any panel or colour bar"


def test_each_scheme_has_a_transparent_background_and_text_that_reads_on_its_page(figures):
    out, manifest = figures
    for _, rendition in _renditions(manifest):
        page = SCHEMES[rendition["scheme"]].page
        root = ET.parse(out / rendition["file"]).getroot()
        parents = _parents(root)
        background = root.find(f".//{SVG}g[@id='patch_1']/{SVG}path")
        assert "fill: none" in background.get("style", "fill: none"), rendition["file"]
        for text in root.iter(f"{SVG}text"):
            if any(re.match(r"scale\d+-panel", i) for i in _ancestor_ids(text, parents)):
                continue  # written on a coloured cell, in the colour that reads best on it
            fill = re.search(r"fill: (#[0-9a-f]{6})", text.get("style")).group(1)
            assert _contrast(fill, page) >= 4.5, f"{rendition['file']}: {fill} on {page}"


# The faintest colour of a value scale (the value next to 0) against its page (WCAG contrast): a tint on a
# white page shows at 1.15:1; a dark page needs 1.5:1 (at 1.24:1 counts of 1 were hard to tell from it).
FAINTEST = {"light": 1.15, "dark": 1.5}
STANDS_OUT = 3  # the strongest colour of a scale: WCAG's contrast for graphics that carry meaning


def _over(rgba, page):
    """Return the colour an RGBA colour (0 to 1) shows laid over the page."""
    return tuple(np.array(rgba[:3]) * rgba[3] + np.array(to_rgb(page)) * (1 - rgba[3]))


@pytest.mark.parametrize("scheme_name", list(SCHEMES))
def test_a_value_scale_runs_from_the_page_through_a_visible_floor_to_a_colour_that_stands_out(scheme_name):
    scheme = SCHEMES[scheme_name]
    page = scheme.page
    for scale, ends in (
        (Scale("value", 0.0, 1.0), (1.0,)),
        (Scale.symmetric("weight", np.array([-1.0, 1.0])), (-1, 1)),
    ):
        cmap, norm = scale.colours(scheme)
        assert cmap(norm(blank_zeros(np.array([0.0]))))[0][3] == 0  # exactly 0 is the page
        for end in ends:
            assert _contrast(_over(cmap(norm(end)), page), page) >= STANDS_OUT, (scale, end)
            assert _contrast(_over(cmap(norm(end * 1e-4)), page), page) >= FAINTEST[scheme_name], (scale, end)


def _images(root, parents, pattern):
    """Yield the RGBA pixels (0 to 1) of every raster inside a group whose id matches ``pattern``."""
    for image in root.iter(f"{SVG}image"):
        if any(re.fullmatch(pattern, i) for i in _ancestor_ids(image, parents)):
            data = image.get("{http://www.w3.org/1999/xlink}href").split(",", 1)[1]
            png = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA")
            yield np.asarray(png, dtype=float).reshape(-1, 4) / 255


def test_every_value_drawn_is_the_page_or_stands_apart_from_it_and_bars_reach_a_colour_that_stands_out(figures):
    out, manifest = figures
    for name, rendition in _renditions(manifest):
        if name not in VALUE_FIGURES:
            continue
        page = SCHEMES[rendition["scheme"]].page
        root = ET.parse(out / rendition["file"]).getroot()
        parents = _parents(root)
        for pattern, blank in ((r"scale\d+-panel\d+", True), (r"scale\d+-colourbar", False)):
            pixels = np.concatenate(list(_images(root, parents, pattern)))
            shown = pixels[pixels[:, 3] > 0]
            assert blank or len(shown) == len(pixels), f"{rendition['file']}: a colour bar with a blank part"
            contrasts = [_contrast(_over(rgba, page), page) for rgba in np.unique(shown, axis=0)]
            assert min(contrasts) >= FAINTEST[rendition["scheme"]], f"{rendition['file']}: {pattern} {min(contrasts)}"
            assert max(contrasts) >= STANDS_OUT, f"{rendition['file']}: {pattern} {max(contrasts)}"


def test_the_relu_demo_shows_the_digit_the_layers_page_prints_first(figures, mnist_root):
    _, manifest = figures
    _, label = first_training_digit(mnist_root)  # the layers page's first digit (test_first_batch)
    assert manifest["conv_relu_demo"]["alt"].startswith(f"A handwritten {label} passed")


def test_a_map_that_relu_left_blank_says_why(figures, mnist_root):
    out, manifest = figures
    digit, _ = first_training_digit(mnist_root)
    image = digit.float() / 255
    torch.manual_seed(DEMO_SEED)
    conv = torch.nn.Conv2d(1, 3, kernel_size=3, padding=1)
    with torch.no_grad():
        before = conv(image[None, None])[0]
    dead = [c for c in range(3) if (before[c] <= 0).all()]
    caption = manifest["conv_relu_demo"]["caption"]
    for c in range(3):
        assert (f"Channel {c} is blank after ReLU" in caption) == (c in dead)
    for rendition in manifest["conv_relu_demo"]["renditions"]:
        notes = (out / rendition["file"]).read_text().count("ReLU made")
        assert notes == len(dead), rendition["file"]
    assert relu_note(torch.tensor([[-1.0, 0.0]])).startswith("all 2")
    assert relu_note(torch.tensor([[-1.0, 0.5]])) == ""


def test_the_confusion_matrix_counts_the_models_own_predictions(figures, build_run, mnist_root):
    model = build_run.load_model()
    images, labels = load_split(mnist_root, train=False)
    _, test = split_indices(len(labels))
    with torch.no_grad():
        predicted = model(images[test, None].float() / 255).argmax(1).numpy()
    truth = labels[test].numpy()
    expected = np.zeros((10, 10), dtype=int)
    for true_digit, said in zip(truth, predicted, strict=True):
        expected[true_digit, said] += 1
    alt = figures[1]["confusion_matrix"]["alt"]
    wrong = int((truth != predicted).sum())
    assert f"{len(truth) - wrong} lie on the diagonal (correct) and {wrong} off it" in alt
    np.fill_diagonal(expected, 0)
    top = expected.max()
    tied = [f"a {i} read as a {j}" for i, j in zip(*np.nonzero(expected == top), strict=True)]
    assert all(pair in alt for pair in tied) and str(top) in alt


def test_confusion_counts_true_rows_and_predicted_columns():
    matrix = confusion(np.array([1, 1, 2, 3]), np.array([1, 2, 2, 3]))
    assert matrix[1, 1] == 1 and matrix[1, 2] == 1 and matrix[2, 2] == 1 and matrix[3, 3] == 1
    assert matrix.sum() == 4


def test_a_tie_for_the_most_common_mistake_is_reported_as_a_tie():
    # 4 read as 9 twice, 7 read as 2 twice, 3 read as 5 once.
    matrix = confusion(np.array([4, 4, 7, 7, 3, 1]), np.array([9, 9, 2, 2, 5, 1]))
    assert most_common_mistakes(matrix) == ([(4, 9), (7, 2)], 2)
    assert most_common_mistakes_text(matrix) == (
        "The most common mistakes, tied at 2 times each, are a 4 read as a 9 and a 7 read as a 2."
    )
    single = confusion(np.array([4, 4, 7]), np.array([9, 9, 2]))
    assert most_common_mistakes_text(single) == "The most common mistake is a 4 read as a 9 (2 times)."
    assert most_common_mistakes_text(confusion(np.array([1]), np.array([1]))) == "The model made no mistake."


def test_figures_need_a_trained_run(mnist_root, tmp_path):
    with pytest.raises(UsageError, match=r"metrics\.json is missing: run `convlab train"):
        make_figures(tmp_path / "no-run", mnist_root, tmp_path / "out")


def _metrics_of(epochs: int) -> Metrics:
    results = tuple(EpochResult(k, 0.3 / k, 1 - 0.1 / k, 0.2 / k, 1 - 0.05 / k, 9.0) for k in range(1, epochs + 1))
    runtime = Runtime("cpu", 1, True, True, "float32", "x86_64")
    config = TrainConfig(epochs=epochs)
    return Metrics(
        config, runtime, results, 0.05, 0.98, 60000, 7000, 3000, 9.0 * epochs, "2.14.1", "2026-12-02 12:00 UTC"
    )


@pytest.mark.parametrize(("epochs", "ticks"), [(1, {1}), (5, {1, 2, 3, 4, 5}), (20, None), (100, None)])
def test_learning_curves_tick_whole_epochs_that_fit_for_any_epoch_count(tmp_path, epochs, ticks):
    figure = learning_curves(_metrics_of(epochs), tmp_path)  # check_text_fits refuses overlapping texts
    assert len(figure.renditions) == 4
    for rendition in figure.renditions:
        svg = (tmp_path / rendition.file).read_text()
        whole = {int(text) for text in re.findall(r"<text[^>]*>(\d+)</text>", svg)}  # the epoch ticks
        assert whole and max(whole) <= epochs and len(whole) <= 7, (rendition.file, whole)
        if ticks is not None:
            assert whole == ticks, (rendition.file, whole)
