"""The drawn frames: the marked cells filled with the semantic colours, every rendition's text legible
where the site shows it, and the grids in reading order."""

import itertools
import re

import numpy as np
import pytest

from convlab.catalogue import CATALOGUE, LESSON_GROUP, find, in_group
from convlab.drawing import SCHEMES, Rect, Text
from convlab.layout import NARROW, wide
from convlab.painter import Painter, styles

RENDITIONS = [wide(), NARROW]
# As the site shows them: the narrow rendition on a 390 px phone, the wide one from a 700 px window up.
SHOWN_AT = {"narrow": 358, "wide": 668}
NAMES = [animation.name for animation in CATALOGUE]
# Machado, Oliveira & Fernandes (2009), severity 1: what readers with each colour-vision deficiency see, in linear RGB.
VISIONS = {
    "typical": np.eye(3),
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
}


def _colour(image, box):
    """Return the colour covering most of a box (a cell's fill: borders, hatching and digits are thin)."""
    cell = image.crop(box)
    return max(cell.getcolors(cell.width * cell.height))[1]  # a bound as large as needed: Pillow allocates it


KINDS = ["conv_pad_1", "conv_dilation_2", "transposed_no_padding_strides", "maxpool_2x2"]


@pytest.mark.parametrize("scheme", SCHEMES.values(), ids=lambda s: s.name)
@pytest.mark.parametrize("rendition", RENDITIONS, ids=lambda r: r.name)
@pytest.mark.parametrize("name", KINDS)
def test_the_drawn_frames_fill_the_marked_cells_with_the_semantic_colours(name, rendition, scheme):
    animation = find(name)
    painter = Painter(animation.record(), rendition, scheme=scheme)
    s = scheme
    fills = {"tap": s.tap, "tap-padding": s.tap, "current": s.current, "winner": s.winner, "unread": s.unread}
    for k, image in enumerate(painter.frames()):
        frame = painter.story.frame(k)
        for key, cell in frame.cells.items():
            if cell.style in fills:
                assert _colour(image, painter.layout.cell_box(*key)) == fills[cell.style], (k, key)


@pytest.mark.parametrize("rendition", RENDITIONS, ids=lambda r: r.name)
@pytest.mark.parametrize("name", NAMES)
def test_every_catalogue_animation_is_legible_where_the_site_shows_it(name, rendition):
    animation = find(name)
    painter = Painter(animation.record(), rendition, view=animation.settings.view)
    assert painter.layout.fits
    assert painter.text_px * SHOWN_AT[rendition.name] / painter.layout.width >= 12


@pytest.mark.parametrize("rendition", RENDITIONS, ids=lambda r: r.name)
def test_reading_order_is_input_then_kernel_then_output(rendition):
    for animation in in_group(LESSON_GROUP):
        places = Painter(animation.record(), rendition).layout.panels
        output = "output0" if "output0" in places else "output"  # a layer has one output panel per channel
        order = [places[key].origin for key in ("input0", "kernel0", output)]
        for (x0, y0), (x1, y1) in itertools.pairwise(order):
            assert x0 < x1 or y0 < y1, animation.name  # right of, or below, the one before


def _linear(rgb):
    srgb = np.asarray(rgb) / 255
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear):
    """Return CIELAB (D65) of a linear RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        linear, 0, 1
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _contrast(a, b):
    """Return the WCAG contrast ratio of two colours (relative luminance of sRGB)."""
    lighter, darker = sorted((float(_linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", SCHEMES.values(), ids=lambda s: s.name)
@pytest.mark.parametrize("vision", VISIONS)
def test_the_max_pool_winner_stands_apart_from_the_window_for_every_colour_vision(vision, scheme):
    seen = [_lab(np.asarray(VISIONS[vision]) @ _linear(colour)) for colour in (scheme.winner, scheme.tap)]
    assert np.linalg.norm(seen[0] - seen[1]) >= 40  # CIE76 ΔE: Okabe-Ito's vermilion was 18 from the orange


@pytest.mark.parametrize("scheme", SCHEMES.values(), ids=lambda s: s.name)
def test_every_cells_text_keeps_4_5_to_1_against_its_fill(scheme):
    for name, style in styles(scheme).items():
        assert _contrast(style.ink, style.fill) >= 4.5, name


def _under(point, items):
    """Return the fill of the last filled box among ``items`` that covers ``point``: what a text is drawn on."""
    x, y = point
    boxes = [item for item in items if isinstance(item, Rect) and item.fill is not None]
    return next(r.fill for r in reversed(boxes) if r.box[0] <= x <= r.box[2] and r.box[1] <= y <= r.box[3])


@pytest.mark.parametrize("scheme", SCHEMES.values(), ids=lambda s: s.name)
@pytest.mark.parametrize("rendition", RENDITIONS, ids=lambda r: r.name)
@pytest.mark.parametrize("name", [*KINDS, "conv_two_channels", "transposed_padding_strides_odd"])
def test_every_text_drawn_keeps_4_5_to_1_against_what_it_is_drawn_on(name, rendition, scheme):
    animation = find(name)
    painter = Painter(animation.record(), rendition, view=animation.settings.view, scheme=scheme)
    base = painter.static_items()
    pairs = set()
    for k in range(painter.count):
        items = base + painter.frame_items(k)
        for n, item in enumerate(items):
            if isinstance(item, Text):
                pairs.add((item.colour, _under(item.xy, items[:n])))
    assert len(pairs) >= 3  # title and values on the card, padding and marked cells
    for ink, fill in pairs:
        assert _contrast(ink, fill) >= 4.5, (ink, fill)


@pytest.mark.parametrize("rendition", RENDITIONS, ids=["wide", "narrow"])
def test_a_layers_kernel_labels_are_drawn_in_each_frame_naming_its_output_channel_on_one_line(rendition):
    painter = Painter(find("conv_depthwise").record(), rendition)

    def lines(items):
        return [item.text for item in items if isinstance(item, Text)]

    assert not [line for line in lines(painter.static_items()) if "Kernel" in line]
    for k in range(painter.count):
        o = min(k // painter.story.positions, 1)  # the last frame shows the last output channel's kernels
        assert [line for line in lines(painter.frame_items(k)) if re.search(rf"w\[{o},\s0\]", line)], k


@pytest.mark.parametrize("rendition", RENDITIONS, ids=["wide", "narrow"])
@pytest.mark.parametrize("name", ["conv_1x1", "conv_depthwise"])
def test_a_layers_channels_of_one_kind_show_the_same_cells_and_text_size(name, rendition):
    painter = Painter(find(name).record(), rendition)
    for kind in ("input", "output"):
        panels = [placed for key, placed in painter.layout.panels.items() if key.startswith(kind)]
        assert len(panels) >= 2 and len({(p.cell, p.font) for p in panels}) == 1, (kind, panels)
