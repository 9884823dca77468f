"""Predict-then-check exercises for the lesson notebooks: a question whose answer opens on a click.

``exercise(question, answer, explore)`` returns the HTML of a collapsed question (the block Material for
MkDocs writes for ``??? question``); the notebook computes the answer and displays the block. ``explore``
is the explorer's address with the question's settings, from ``explorer_link``.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

# The explorer, as a lesson page (lesson/NAME/) links to it.
EXPLORER = "../../explorer/"


def explorer_query(size, kernel=3, stride=1, padding=0, dilation=1, weights="mean", **channels) -> str:
    """Return the explorer's query for these settings; ``weights`` is "mean" or rows of numbers.
    ``channels`` may set ``in_channels``, ``out_channels``, ``groups``, ``bias`` and ``input`` (channels
    separated by "|"), as the explorer's URL does.

    >>> explorer_query(6, weights=[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    'size=6&kernel=3&stride=1&padding=0&dilation=1&weights=-1,0,1;-2,0,2;-1,0,1'
    >>> explorer_query(4, kernel=1, in_channels=2, out_channels=2, groups=2)
    'size=4&kernel=1&stride=1&padding=0&dilation=1&weights=mean&in_channels=2&out_channels=2&groups=2'
    """
    unknown = set(channels) - {"in_channels", "out_channels", "groups", "bias", "input"}
    if unknown:
        raise TypeError(f"explorer_query() got unknown settings: {', '.join(sorted(unknown))}")
    if not isinstance(weights, str):
        weights = ";".join(",".join(f"{value:g}" for value in row) for row in weights)
    settings = {"size": size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    return urlencode({**settings, "weights": weights, **channels}, safe=",;|")


def explorer_link(size, kernel=3, stride=1, padding=0, dilation=1, weights="mean", **channels) -> str:
    """Return the explorer's address, as a lesson page links to it, set to these settings (see explorer_query).

    >>> explorer_link(7, stride=3)
    '../../explorer/?size=7&kernel=3&stride=3&padding=0&dilation=1&weights=mean'
    """
    return f"{EXPLORER}?{explorer_query(size, kernel, stride, padding, dilation, weights, **channels)}"


def exercise(question: str, answer: str, explore: str, link_text: str = "Try it in the explorer") -> str:
    """Return a collapsed question block: ``question`` shows; ``answer`` (HTML) and a link to ``explore``
    (by default the explorer, with the question's settings) open on click."""
    return (
        f'<details class="question"><summary>{question}</summary>'
        f'<p>{answer}</p><p><a href="{escape(explore)}">{escape(link_text)}</a></p></details>'
    )
