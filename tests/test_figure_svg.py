"""Figure renditions: the smallest text read back from an SVG, and texts that leave the figure or overlap refused."""

import matplotlib.pyplot as plt
import pytest

from convlab.figure_svg import check_text_fits, smallest_text_px


def test_smallest_text_px_reads_both_ways_matplotlib_writes_a_font_size():
    # 3.10 and later write font-size; 3.8 and 3.9 (which pyproject.toml allows) write the font shorthand.
    head = '<svg width="300pt" height="100pt" viewBox="0 0 300 100">'
    modern = head + '<text style="font-size: 10px; font-family: sans">a</text><text style="font-size: 12px">b</text>'
    older = head + '<text style="font: 400 10px \'DejaVu Sans\'">a</text><text style="font: 12px sans">b</text>'
    assert smallest_text_px(modern) == smallest_text_px(older) == round(10 * 4 / 3, 2)


def test_a_text_that_leaves_the_figure_or_covers_another_is_refused():
    fig = plt.figure(figsize=(3, 1), dpi=72)
    fig.text(0.05, 0.5, "stride")
    fig.text(0.5, 0.5, "padding")
    check_text_fits(fig, "apart")
    fig.text(0.1, 0.5, "dilation")
    with pytest.raises(ValueError, match="overlapping: the texts 'stride' and 'dilation' overlap"):
        check_text_fits(fig, "overlapping")
    plt.close(fig)
    fig = plt.figure(figsize=(3, 1), dpi=72)
    fig.text(0.9, 0.5, "kernel")
    with pytest.raises(ValueError, match="cut: the text 'kernel' leaves the figure"):
        check_text_fits(fig, "cut")
    plt.close(fig)
