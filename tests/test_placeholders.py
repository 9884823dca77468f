"""Placeholders become what the build computed: animations from their sidecar, figures, the run's numbers."""

import json
import re

import pytest
from placeholders import NARROW_SCREEN, animation_figure, expand_placeholders, metric_text, run_figure

from convlab.animate import render
from convlab.arithmetic import Geometry, arange_grid, convolve
from convlab.run import EpochResult, Metrics, RunFolder, Runtime, TrainConfig

METRICS = Metrics(
    config=TrainConfig(),
    runtime=Runtime("cpu", 2, True, True, False, "x86_64"),
    epochs=(EpochResult(1, 0.25516, 0.92071, 0.08061, 0.97357, 6.2),),
    test_loss=0.04104,
    test_accuracy=0.98767,
    train_size=60000,
    validation_size=7000,
    test_size=3000,
    seconds=31.4,
    torch="2.14.1",
    finished="2026-11-25 12:00 UTC",
)


def _url_for(path):
    return "../" + path


@pytest.fixture
def docs(tmp_path):
    """A docs folder holding one rendered animation with settings no catalogue entry has."""
    geometry = Geometry.of((5, 7), (2, 3), stride=(2, 1), padding=1, dilation=(1, 2))
    (tmp_path / "assets/anim").mkdir(parents=True)
    render(tmp_path / "assets/anim/mine.gif", convolve(arange_grid(geometry.size), [[1, 0, -1], [2, 0, -2]], geometry))
    return tmp_path


def test_an_animation_block_is_read_from_its_sidecar(docs):
    data = json.loads((docs / "assets/anim/mine.json").read_text())
    block = animation_figure("mine", docs, _url_for)
    assert 'id="animation-mine"' in block and f'alt="{data["alt"]}"' in block
    assert '<source srcset="../assets/anim/mine.png" media="(prefers-reduced-motion: reduce)">' in block
    assert "the 5×7 input gives a 3×5 output." in block  # output_size from the sidecar: [3, 5]
    query = re.search(r'explorer/\?([^"]+)"', block).group(1).replace("&amp;", "&")
    assert query == "size=5x7&kernel=2x3&stride=2x1&padding=1&dilation=1x2&weights=mean"


def test_metrics_come_from_the_run_as_typed_fields(tmp_path):
    assert metric_text("test_accuracy", METRICS) == "0.9877"
    assert metric_text("test_size", METRICS) == "3000"
    with pytest.raises(KeyError, match="no metric called 'accuracy'"):
        metric_text("accuracy", METRICS)
    (tmp_path / "run").mkdir()
    (tmp_path / "run/metrics.json").write_text(json.dumps(METRICS.to_json()))
    html = expand_placeholders("<p>{{ metric test_loss }}</p>", tmp_path, RunFolder(tmp_path / "run"), _url_for)
    assert html == "<p>0.0410</p>"


def test_a_missing_sidecar_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.json is missing: run `make site`"):
        expand_placeholders("<p>{{ animation nothing }}</p>", tmp_path, RunFolder(tmp_path), _url_for)


def test_a_run_figure_shows_each_scheme_its_wide_and_its_narrow_rendition(tmp_path):
    sizes = {"wide": (680, 300), "narrow": (340, 520)}
    renditions = [
        {"file": f"curves-{layout}-{scheme}.svg", "layout": layout, "scheme": scheme, "width": w, "height": h}
        for layout, (w, h) in sizes.items()
        for scheme in ("light", "dark")
    ]
    manifest = {"curves": {"alt": "Loss <falls>", "caption": "Loss & accuracy", "renditions": renditions}}
    (tmp_path / "assets/figures").mkdir(parents=True)
    (tmp_path / "assets/figures/figures.json").write_text(json.dumps(manifest))
    block = run_figure("curves", tmp_path, _url_for)
    for scheme in ("light", "dark"):
        picture = re.search(rf'<a class="convlab-scheme-{scheme}" href="([^"]+)"><picture>(.*?)</picture></a>', block)
        assert picture.group(1) == f"../assets/figures/curves-wide-{scheme}.svg"
        assert (
            f'<source media="{NARROW_SCREEN}" srcset="../assets/figures/curves-narrow-{scheme}.svg" width="340" '
            'height="520">' in picture.group(2)
        )
        assert (
            f'<img src="../assets/figures/curves-wide-{scheme}.svg" alt="Loss &lt;falls&gt;" width="680" '
            'height="300" loading="lazy">' in picture.group(2)
        )
    assert block.endswith("<figcaption>Loss &amp; accuracy</figcaption></figure>")
    with pytest.raises(KeyError, match=r"no figure called 'loss': figures\.json has curves"):
        run_figure("loss", tmp_path, _url_for)
