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
from convlab.figure_svg import SCHEMES, Scheme, scheme_style


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def inline_picture(draw: Callable[[Scheme], plt.Figure], alt: str) -> str:
    """Return the figure ``draw(scheme)`` returns, drawn in each scheme (on a transparent background, text and
    frames in the scheme's colours), as HTML: one <img> per scheme, each an inline PNG with its alt text and its
    size in pixels (so the page keeps its place while the picture loads), the dark one hidden. Closes the
    figures."""
    images = []
    for name in FIGURE_SCHEMES:
        with plt.rc_context(scheme_style(SCHEMES[name])):
            png = _png(draw(SCHEMES[name]))
        width, height = (int.from_bytes(png[start : start + 4], "big") for start in (16, 20))  # PNG's IHDR
        source = base64.b64encode(png).decode()
        hidden = " hidden" if name == "dark" else ""  # shown by the site only
        images.append(
            f'<img class="convlab-scheme-{name}" src="data:image/png;base64,{source}" alt="{html.escape(alt)}" '
            f'width="{width}" height="{height}"{hidden}>'
        )
    return f'<span class="convlab-picture">{"".join(images)}</span>'
