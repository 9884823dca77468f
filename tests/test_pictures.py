"""A notebook's inline picture: one PNG per colour scheme, its size and its alt text, drawn on the scheme's page."""

import base64
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from convlab.figure_svg import SCHEMES
from convlab.pictures import inline_picture

IMG = (
    r'<img class="convlab-scheme-(\w+)" src="data:image/png;base64,([^"]+)" alt="([^"]*)" '
    r'width="(\d+)" height="(\d+)" data-text-px="([\d.]+)"( hidden)?>'
)


def pictures(tag):
    """Return {scheme: (RGBA pixels, alt, hidden)} of an inline picture's <img>s, checking the sizes they state."""
    found = {}
    for scheme, source, alt, width, height, _, hidden in re.findall(IMG, tag):
        png = Image.open(io.BytesIO(base64.b64decode(source)))
        assert png.size == (int(width), int(height))
        found[scheme] = (np.asarray(png.convert("RGBA")), alt, bool(hidden))
    return found


def _line(scheme):
    figure, axis = plt.subplots(figsize=(3, 2))
    axis.plot([0, 1], [1, 0])
    axis.set_title("a title")
    return figure


def test_an_inline_picture_is_drawn_per_scheme_states_its_sizes_and_escapes_its_alt_text():
    drawn = []
    tag = inline_picture(lambda scheme: drawn.append(scheme) or _line(scheme), 'a line "falling" <left to right>')
    assert drawn == [SCHEMES["light"], SCHEMES["dark"]]
    assert not plt.get_fignums()  # the figures were closed
    assert re.fullmatch(rf'<span class="convlab-picture">{IMG}{IMG}</span>', tag)
    found = pictures(tag)
    assert list(found) == ["light", "dark"]
    assert [hidden for _, _, hidden in found.values()] == [False, True]  # outside the site: the light one
    assert {alt for _, alt, _ in found.values()} == {"a line &quot;falling&quot; &lt;left to right&gt;"}


def test_an_inline_picture_states_its_smallest_texts_size_in_its_pixels():
    def draw(scheme):
        figure, axis = plt.subplots(figsize=(3, 2), dpi=150)
        axis.set_title("a title", fontsize=14)
        axis.set_xlabel("")  # empty: draws nothing
        axis.tick_params(labelsize=9)
        axis.text(0.5, 0.5, "hidden", fontsize=4, visible=False)
        return figure

    assert re.findall(r'data-text-px="([\d.]+)"', inline_picture(draw, "ticks below a title")) == ["18.8", "18.8"]


def test_a_picture_whose_texts_overlap_is_refused_and_closed():
    def draw(scheme):
        figure, axes = plt.subplots(1, 2, figsize=(2, 1))
        for axis in axes:
            axis.set_title("a title far too long for its panel")
            axis.set_axis_off()  # its ticks are not drawn, so they overlap nothing
        return figure

    with pytest.raises(ValueError, match="overlap"):
        inline_picture(draw, "two titles")
    assert not plt.get_fignums()


def test_each_scheme_draws_on_its_page_with_its_own_text_colour():
    found = pictures(inline_picture(_line, "a falling line, with a title above it"))
    for scheme, (pixels, _, _) in found.items():
        assert pixels[0, 0, 3] == 0 and pixels[-1, -1, 3] == 0  # the page shows through the background
        height, width = pixels.shape[:2]
        assert pixels[height // 2, width // 4, 3] == 0, scheme  # and through the panel, between its frame
        opaque = pixels[pixels[:, :, 3] == 255][:, :3]
        text = np.array([int(SCHEMES[scheme].text[k : k + 2], 16) for k in (1, 3, 5)])
        assert (np.abs(opaque - text).max(axis=1) <= 2).any(), scheme  # the title, in the scheme's text colour
