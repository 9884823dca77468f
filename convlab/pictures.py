"""Pictures for the lesson notebooks: a matplotlib figure as an <img> a notebook can display in its page."""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt


def inline_picture(fig: plt.Figure, alt: str) -> str:
    """Return an HTML <img> of a matplotlib figure for a notebook to display: the PNG inline, its alt text,
    and its size in pixels (so the page keeps its place while the picture loads). Closes the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    png = buffer.getvalue()
    width, height = (int.from_bytes(png[start : start + 4], "big") for start in (16, 20))  # PNG's IHDR
    source = base64.b64encode(png).decode()
    return f'<img src="data:image/png;base64,{source}" alt="{html.escape(alt)}" width="{width}" height="{height}">'
