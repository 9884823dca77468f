"""Pictures for the lesson notebooks: a matplotlib figure drawn in each colour scheme, as <img>s a notebook can
display in its page.

The light picture shows anywhere (Jupyter, Colab); the dark one is hidden, and the site's stylesheet shows it
instead of the light one when Material shows its dark scheme.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable

import matplotlib.pyplot as plt

from convlab.catalogue import FIGURE_SCHEMES
from convlab.figure_svg import SCHEMES, Scheme, check_text_fits, drawn_texts, scheme_style


def _smallest_text_px(fig: plt.Figure) -> float:
    """Return the size of the smallest text a drawn figure shows, in pixels of its PNG (CSS px at natural size).

    Tick labels get their text when the figure is drawn: measure after saving it."""
    return round(min(text.get_fontsize() for text in drawn_texts(fig)) * fig.dpi / 72, 1)


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def inline_picture(draw: Callable[[Scheme], plt.Figure], alt: str) -> str:
    """Return the figure ``draw(scheme)`` returns, drawn in each scheme (on a transparent background, text and
    frames in the scheme's colours), as HTML: one <img> per scheme, each an inline PNG with its alt text and its
    size in pixels (so the page keeps its place while the picture loads), the dark one hidden. Closes the
    figures. Each <img> says in ``data-text-px`` how large its smallest text is at its natural size, for the
    site's check that a phone shows it at 12 px or more. Raises ValueError if two of its texts overlap."""
    images = []
    for name in FIGURE_SCHEMES:
        with plt.rc_context(scheme_style(SCHEMES[name])):
            fig = draw(SCHEMES[name])
            try:
                png = _png(fig)
                check_text_fits(fig, f"the picture of {alt[:40]!r}…", inside=False)
                text_px = _smallest_text_px(fig)
            finally:
                plt.close(fig)
        width, height = (int.from_bytes(png[start : start + 4], "big") for start in (16, 20))  # PNG's IHDR
        source = base64.b64encode(png).decode()
        hidden = " hidden" if name == "dark" else ""  # shown by the site only
        images.append(
            f'<img class="convlab-scheme-{name}" src="data:image/png;base64,{source}" alt="{html.escape(alt)}" '
            f'width="{width}" height="{height}" data-text-px="{text_px}"{hidden}>'
        )
    return f'<span class="convlab-picture">{"".join(images)}</span>'
