"""Panels on a colour scale: a blank one must say why; one that says why is drawn with its note."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from convlab.figure_panels import Panel, Scale, Section, sections_figure
from convlab.figure_svg import LAYOUTS, SCHEMES


def _drawn(panel: Panel) -> plt.Figure:
    section = Section("maps", (panel, Panel(np.ones((3, 3)), "1")), Scale("value", 0.0, 1.0))
    return sections_figure([section], 2, LAYOUTS["narrow"], SCHEMES["light"])


def test_a_blank_panel_on_a_scale_must_say_why():
    with pytest.raises(ValueError, match="panel '0' of 'maps' is blank: give it a note saying why"):
        _drawn(Panel(np.zeros((3, 3)), "0"))
    plt.close("all")
    fig = _drawn(Panel(np.zeros((3, 3)), "0", "all 0"))
    assert "all 0" in [text.get_text() for text in fig.findobj(plt.Text)]
    plt.close(fig)
