"""Placeholders become what the build computed: animations from their sidecar, figures, the run's numbers."""

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from placeholders import (
    NARROW_SCREEN,
    PlaceholderError,
    animation_figure,
    colab_url,
    expand_placeholders,
    fill_repo,
    metric_text,
    repo_text,
    run_figure,
    still_figure,
)

from convlab.animate import render, render_animation
from convlab.arithmetic import Geometry, arange_grid, convolve
from convlab.catalogue import find
from convlab.run import EpochResult, Metrics, RunFolder, Runtime, TrainConfig

METRICS = Metrics(
    config=TrainConfig(epochs=1),
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


def _query(block):
    return re.search(r'explorer/\?([^"]+)"', block).group(1).replace("&amp;", "&")


def test_an_animation_block_serves_each_screen_its_rendition_from_the_sidecar(docs):
    data = json.loads((docs / "assets/anim/mine.json").read_text())
    block = animation_figure("mine", docs, _url_for)
    wide, narrow = data["renditions"]
    assert 'id="animation-mine"' in block and f'alt="{data["alt"]}"' in block
    narrow_still = f"(prefers-reduced-motion: reduce) and {NARROW_SCREEN}"
    # One picture per scheme, each shown only in its scheme (the stylesheet's convlab-scheme-* rules).
    pictures = re.findall(r'<picture class="convlab-scheme-(\w+)">(.*?)</picture>', block)
    assert [scheme for scheme, _ in pictures] == ["light", "dark"]
    for scheme, picture in pictures:
        tail = "" if scheme == "light" else ".dark"
        assert re.findall(r'<source (?:media="([^"]+)" )?(?:type="([^"]+)" )?srcset="([^"]+)"', picture) == [
            (narrow_still, "", f"../assets/anim/mine.narrow{tail}.png"),
            ("(prefers-reduced-motion: reduce)", "", f"../assets/anim/mine{tail}.png"),
            (NARROW_SCREEN, "image/webp", f"../assets/anim/mine.narrow{tail}.webp"),  # WebP first, then the GIF
            (NARROW_SCREEN, "", f"../assets/anim/mine.narrow{tail}.gif"),
            ("", "image/webp", f"../assets/anim/mine{tail}.webp"),
        ]
        assert f'<img src="../assets/anim/mine{tail}.gif" alt="{data["alt"]}" width="{wide["width"]}"' in picture
        narrow_size = f'width="{narrow["width"]}" height="{narrow["height"]}"'
        assert f'srcset="../assets/anim/mine.narrow{tail}.gif" {narrow_size}' in picture
    assert "the 5×7 input gives a 3×5 output." in block  # output_size from the sidecar: [3, 5]
    assert (
        "<code>nn.Conv2d(1, 1, kernel_size=(2, 3), stride=(2, 1), padding=1, dilation=(1, 2), bias=False)</code>"
        in block
    )
    query = _query(block)
    assert query == "op=conv&size=5x7&kernel=2x3&stride=2x1&padding=1&dilation=1x2&weights=1%2C0%2C-1%3B2%2C0%2C-2"


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("conv", "op=conv&size=6&kernel=3&stride=1&padding=0&dilation=1&weights=mean"),
        (
            "transposed_padding_strides_odd",
            "op=transposed&size=3&kernel=3&stride=2&padding=1&output_padding=1&dilation=1"
            "&weights=0,1,2;2,2,0;0,1,2&input=1,2,3;4,5,6;7,8,9",
        ),
        ("maxpool_2x2", "op=maxpool&size=6&kernel=2&stride=2&padding=0&dilation=1&ceil_mode=0&input=3,1,4,1,5,9;"),
        ("avgpool_3x3_pad_1", "op=avgpool&size=6&kernel=3&stride=2&padding=1&ceil_mode=0&input=3,1,4,1,5,9;"),
    ],
)
def test_explorer_links_carry_every_setting_of_each_operation(tmp_path, name, query):
    (tmp_path / "assets/anim").mkdir(parents=True)
    render_animation(find(name), tmp_path / "assets/anim")
    found = unquote(_query(animation_figure(name, tmp_path, _url_for)))
    assert found.startswith(query)


def test_two_channels_link_to_the_explorer_with_their_channels_and_a_still_plays_on_demand(tmp_path):
    (tmp_path / "assets/anim").mkdir(parents=True)
    render_animation(find("conv_two_channels"), tmp_path / "assets/anim")
    query = unquote(_query(animation_figure("conv_two_channels", tmp_path, _url_for)))
    assert "&in_channels=2&bias=1&weights=1,0;0,1|0,1;1,0&input=1,2,0;0,1,2;1,0,1|0,1,1;2,0,1;1,1,0" in query
    still = still_figure("conv_two_channels", tmp_path, _url_for)
    source, image = re.search(r"<source [^>]+>", still).group(0), re.search(r"<img [^>]+>", still).group(0)
    assert f'media="{NARROW_SCREEN}" srcset="../assets/anim/conv_two_channels.narrow.png"' in source
    assert 'data-gif="../assets/anim/conv_two_channels.narrow.gif"' in source
    assert 'data-webp="../assets/anim/conv_two_channels.narrow.webp"' in source
    assert image.startswith('<img src="../assets/anim/conv_two_channels.png"')
    assert 'data-gif="../assets/anim/conv_two_channels.gif"' in image
    for tag in (source, image):  # the animations are loaded only on demand
        assert ".gif" not in re.sub(r'data-gif="[^"]+"', "", tag)
        assert ".webp" not in re.sub(r'data-webp="[^"]+"', "", tag)
    in_gallery = still_figure("conv_two_channels", tmp_path, _url_for, narrow_only=True)
    assert "<source" not in in_gallery
    assert '<img src="../assets/anim/conv_two_channels.narrow.png"' in in_gallery
    # The dark scheme's picture swaps its own still for its own GIF.
    dark = re.search(r'<picture class="convlab-scheme-dark">(.*?)</picture>', still).group(1)
    assert 'srcset="../assets/anim/conv_two_channels.narrow.dark.png"' in dark
    assert 'data-gif="../assets/anim/conv_two_channels.narrow.dark.gif"' in dark
    assert '<img src="../assets/anim/conv_two_channels.dark.png"' in dark
    assert 'data-gif="../assets/anim/conv_two_channels.dark.gif"' in dark


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
    with pytest.raises(PlaceholderError, match=r"^\{\{ animation conv \}\}: .*conv\.json is missing: run `make site`"):
        expand_placeholders("<p>{{ animation conv }}</p>", tmp_path, RunFolder(tmp_path), _url_for)


@pytest.mark.parametrize(
    ("page", "says"),
    [
        ("{{ animation no_such }}", "{{ animation no_such }}: no animation called 'no_such': choose from conv, "),
        ("{{ still no_such }}", "{{ still no_such }}: no animation called 'no_such': choose from conv, "),
        ("{{ figure no_such }}", "{{ figure no_such }}: no figure called 'no_such': figures.json has learning_curves"),
        ("{{ gallery no_such }}", "{{ gallery no_such }}: no gallery group called 'no_such': choose from "),
        ("<p>is {{ metric no_such }}.</p>", "{{ metric no_such }}: no metric called 'no_such': choose from test_loss"),
        (
            "<p>{{ model no_such }}</p>",
            "{{ model no_such }}: no model number called 'no_such': choose from page_accuracy",
        ),
        ("<p>{{ metric }}</p>", "{{ metric }}: not a placeholder: write {{ KIND NAME }}, KIND one of animation,"),
        ("<p>{{ animation }}</p>", "{{ animation }}: not a placeholder"),
        ("<p>{{ animaton conv }}</p>", "{{ animaton conv }}: not a placeholder"),
        ("<p>{{ metric test-loss }}</p>", "{{ metric test-loss }}: not a placeholder"),
    ],
)
def test_a_placeholder_that_cannot_be_filled_says_which_and_the_names_there_are(tmp_path, page, says):
    (tmp_path / "run").mkdir()
    (tmp_path / "run/metrics.json").write_text(json.dumps(METRICS.to_json()))
    (tmp_path / "assets/figures").mkdir(parents=True)
    (tmp_path / "assets/figures/figures.json").write_text('{"learning_curves": {}}')
    (tmp_path / "assets/model").mkdir()
    (tmp_path / "assets/model/model.json").write_text('{"numbers": {"page_accuracy": "0.9870"}}')
    with pytest.raises(PlaceholderError) as raised:
        expand_placeholders(page, tmp_path, RunFolder(tmp_path / "run"), _url_for)
    assert str(raised.value).startswith(says) and "\n" not in str(raised.value)


def test_braces_in_code_are_not_placeholders(tmp_path):
    page = "<pre><code>print(f'{{ metric }}')</code></pre><p><code>{{ x }}</code></p>"
    assert expand_placeholders(page, tmp_path, RunFolder(tmp_path), _url_for) == page


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


def test_the_digit_pages_numbers_and_exercises_come_from_the_build_model(built_site, build_run):
    docs = built_site.parent / "docs"
    manifest = json.loads((docs / "assets/model/model.json").read_text())
    page = "<p>int8: {{ model page_accuracy }}, float32: {{model float32_accuracy}}</p>\n<p>{{ exercises model }}</p>"
    html = expand_placeholders(page, docs, build_run, _url_for)
    numbers = manifest["numbers"]
    assert f"int8: {numbers['page_accuracy']}, float32: {numbers['float32_accuracy']}" in html
    assert html.count('<details class="question">') == len(manifest["exercises"])
    digit = next(e["digit"] for e in manifest["exercises"] if "digit" in e)
    assert f'href="../digit/?digit={digit}"' in html and 'href="../explorer/?size=' in html
    with pytest.raises(PlaceholderError, match="no model number called 'nope': choose from page_accuracy"):
        expand_placeholders("{{ model nope }}", docs, build_run, _url_for)


def test_repo_lines_follow_the_repository_and_an_unknown_one_is_refused():
    fork = "https://github.com/someone/kernels"
    text = "`{{ repo install }}`, then `{{ repo clone }}` and `cd {{repo folder}}`"
    assert fill_repo(text, fork) == (
        '`pip install "convlab @ git+https://github.com/someone/kernels"`, '
        "then `git clone https://github.com/someone/kernels` and `cd kernels`"
    )
    assert fill_repo("<code>{{ repo url }}</code>", "https://example.org/a<b", escape=True) == (
        "<code>https://example.org/a&lt;b</code>"
    )
    with pytest.raises(PlaceholderError, match="no repo line called 'nope': choose from url, install"):
        fill_repo("{{ repo nope }}", fork)


def test_colab_opens_the_published_notebook_from_github_only():
    assert colab_url("https://github.com/someone/kernels.git", "lesson/cnn/cnn.ipynb") == (
        "https://colab.research.google.com/github/someone/kernels/blob/gh-pages/lesson/cnn/cnn.ipynb"
    )
    assert colab_url("https://gitlab.com/someone/kernels", "lesson/cnn/cnn.ipynb") is None


def test_the_readmes_install_lines_are_the_ones_the_pages_print_for_upstream():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in ("install", "install_cpu"):
        assert repo_text(name, "https://github.com/convlab/convlab") in readme, name
