"""Predict-then-check exercises for the lesson pages: a question whose answer opens on a click.

``exercise(question, answer, explore)`` returns the HTML of a collapsed question (the block Material for
MkDocs writes for ``??? question``); the notebook computes the answer and displays the block. ``explore``
is the explorer's address with the question's settings, from ``explorer_link``.
"""

from __future__ import annotations

from html import escape

from convlab.exercises import settings_query

# The explorer, as a lesson page (lesson/NAME/) links to it.
EXPLORER = "../../explorer/"


def explorer_link(size, kernel=3, stride=1, padding=0, dilation=1, weights="mean", **channels) -> str:
    """Return the explorer's address, as a lesson page links to it, set to these settings (see settings_query).

    >>> explorer_link(7, stride=3)
    '../../explorer/?size=7&kernel=3&stride=3&padding=0&dilation=1&weights=mean'
    """
    return f"{EXPLORER}?{settings_query(size, kernel, stride, padding, dilation, weights, **channels)}"


def exercise(question: str, answer: str, explore: str, link_text: str = "Try it in the explorer") -> str:
    """Return a collapsed question block: ``question`` shows; ``answer`` (HTML) and a link to ``explore``
    (by default the explorer, with the question's settings) open on click."""
    return (
        f'<details class="question"><summary>{question}</summary>'
        f'<p>{answer}</p><p><a href="{escape(explore)}">{escape(link_text)}</a></p></details>'
    )
