"""Tiles on a colour scale: a blank one must say why; one that says why is drawn with its note."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from convlab.figure_grids import Scale, Section, Tile, sections_figure
from convlab.figure_svg import FIGURE_SIZES, SCHEMES


def _drawn(tile: Tile) -> plt.Figure:
    section = Section("maps", (tile, Tile(np.ones((3, 3)), "1")), Scale("value", 0.0, 1.0))
    return sections_figure([section], 2, FIGURE_SIZES["narrow"], SCHEMES["light"])


def test_a_blank_panel_on_a_scale_must_say_why():
    with pytest.raises(ValueError, match="tile '0' of 'maps' is blank: give it a note saying why"):
        _drawn(Tile(np.zeros((3, 3)), "0"))
    plt.close("all")
    fig = _drawn(Tile(np.zeros((3, 3)), "0", "all 0"))
    assert "all 0" in [text.get_text() for text in fig.findobj(plt.Text)]
    plt.close(fig)
