"""The drawn frames: the marked cells filled with the semantic colours, every rendition's text legible
where the site shows it, and the grids in reading order."""

import itertools

import pytest

from convlab.catalogue import CATALOGUE, LESSON_GROUP, find, in_group
from convlab.drawing import CURRENT, TAP, UNREAD, WINNER
from convlab.layout import NARROW, wide
from convlab.painter import Painter

RENDITIONS = [wide(), NARROW]
# As the site shows them: the narrow rendition on a 390 px phone, the wide one from a 700 px window up.
SHOWN_AT = {"narrow": 358, "wide": 668}
NAMES = [animation.name for animation in CATALOGUE]


def _colour(image, box):
    """Return the colour covering most of a box (a cell's fill: borders, hatching and digits are thin)."""
    return max(image.crop(box).getcolors(1 << 20))[1]


@pytest.mark.parametrize("rendition", RENDITIONS, ids=lambda r: r.name)
@pytest.mark.parametrize("name", ["conv_pad_1", "conv_dilation_2", "transposed_no_padding_strides", "maxpool_2x2"])
def test_the_drawn_frames_fill_the_marked_cells_with_the_semantic_colours(name, rendition):
    animation = find(name)
    painter = Painter(animation.record(), rendition)
    fills = {"tap": TAP, "tap-padding": TAP, "current": CURRENT, "winner": WINNER, "unread": UNREAD}
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
