"""The explorer's query for a question's settings: what an exercise links to, in the explorer's URL grammar.
A drawn record's query (the one its animation links to) is ``convlab.describe.explorer_query``.

The HTML of a lesson page's exercise and the explorer's place on the site are the site's: ``convlab.website``.
"""

from __future__ import annotations

from urllib.parse import urlencode


def settings_query(size, kernel=3, stride=1, padding=0, dilation=1, weights="mean", **channels) -> str:
    """Return the explorer's query for these settings; ``weights`` is "mean" or rows of numbers.
    ``channels`` may set ``in_channels``, ``out_channels``, ``groups``, ``bias`` and ``input`` (channels
    separated by "|"), as the explorer's URL does.

    >>> settings_query(6, weights=[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    'size=6&kernel=3&stride=1&padding=0&dilation=1&weights=-1,0,1;-2,0,2;-1,0,1'
    >>> settings_query(4, kernel=1, in_channels=2, out_channels=2, groups=2)
    'size=4&kernel=1&stride=1&padding=0&dilation=1&weights=mean&in_channels=2&out_channels=2&groups=2'
    """
    unknown = set(channels) - {"in_channels", "out_channels", "groups", "bias", "input"}
    if unknown:
        raise TypeError(f"settings_query() got unknown settings: {', '.join(sorted(unknown))}")
    if not isinstance(weights, str):
        weights = ";".join(",".join(f"{value:g}" for value in row) for row in weights)
    settings = {"size": size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    return urlencode({**settings, "weights": weights, **channels}, safe=",;|")
