"""Benchmark: convlab's Pillow renderer against the usual matplotlib FuncAnimation + PillowWriter way.

Both draw the same frames: convlab's painter describes each frame as boxes and texts (convlab.drawing),
which convlab draws with Pillow and this script draws with matplotlib patches and texts at the same pixel
size, for every animation of the catalogue in both renditions and both colour schemes, side by side in one run.
Prints time and bytes and the ratios, of convlab's GIFs and of its WebPs (the same frames, what the pages serve;
convlab's time includes writing them and the stills). Targets: convlab at least 5x faster and at most a third of
the bytes.

    python scripts/bench_gifs.py [--width 1000] [--repeat 1] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.patches import Rectangle

from convlab.animate import durations, render
from convlab.catalogue import CATALOGUE, find
from convlab.drawing import SCHEMES, Rect, Text
from convlab.layout import NARROW, wide
from convlab.painter import Painter

# Pillow's text anchors as matplotlib's alignments.
HORIZONTAL = {"l": "left", "m": "center", "r": "right"}
VERTICAL = {"t": "top", "m": "center", "s": "baseline", "b": "bottom"}
POINTS = 0.72  # pixels to points at 100 dpi


def _rgb(colour):
    return None if colour is None else tuple(channel / 255 for channel in colour)


def _artist(ax, item):
    """Add one convlab item to the axes as a matplotlib artist; return it."""
    if isinstance(item, Text):
        return ax.text(
            *item.xy,
            item.text,
            fontsize=item.size * POINTS,
            weight="bold" if item.bold else "normal",
            color=_rgb(item.colour),
            ha=HORIZONTAL[item.anchor[0]],
            va=VERTICAL[item.anchor[1]],
        )
    assert isinstance(item, Rect)
    x0, y0, x1, y1 = item.box
    patch = Rectangle(
        (x0, y0),
        x1 - x0,
        y1 - y0,
        facecolor=_rgb(item.fill) or "none",
        edgecolor=_rgb(item.outline) or "none",
        linewidth=item.width * POINTS,
        hatch="//" if item.hatch is not None else None,
        linestyle=(0, (item.dash / item.width, item.dash / item.width)) if item.dash else "-",
    )
    return ax.add_patch(patch)


def render_with_matplotlib(painter: Painter, out: Path) -> None:
    """Write the painter's frames as a GIF the way most tutorials do: patches and texts, FuncAnimation."""
    layout = painter.layout
    plt.rcParams["hatch.color"] = _rgb(painter.scheme.hatch)
    fig = plt.figure(figsize=(layout.width / 100, layout.height / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    ax.axis("off")
    for item in painter.static_items():
        _artist(ax, item)
    shown = []

    def draw(k: int):
        while shown:
            shown.pop().remove()
        shown.extend(_artist(ax, item) for item in painter.frame_items(k))
        return shown

    animation = FuncAnimation(fig, draw, frames=painter.count, blit=False)
    animation.save(out, writer=PillowWriter(fps=1000 / durations(painter.count)[0]))
    plt.close(fig)


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1000, help="wide frame width in pixels (default: 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, best time kept (default: 1)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these animations only (default: all)")
    args = parser.parse_args()
    animations = [find(name) for name in args.only] if args.only else list(CATALOGUE)
    records = {animation.name: animation.record() for animation in animations}
    views = {animation.name: animation.settings.view for animation in animations}

    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp, "convlab"), Path(tmp, "matplotlib")
        ours.mkdir()
        theirs.mkdir()

        def run_convlab() -> None:
            for name, record in records.items():
                render(ours / f"{name}.gif", record, args.width, view=views[name])

        def run_matplotlib() -> None:
            for name, record in records.items():
                for rendition in (wide(args.width), NARROW):
                    for scheme in SCHEMES.values():
                        painter = Painter(record, rendition, view=views[name], scheme=scheme)
                        render_with_matplotlib(painter, theirs / f"{name}{rendition.suffix}.{scheme.name}.gif")

        run_convlab()  # warm caches (fonts, imports) for both before timing
        run_matplotlib()
        convlab_s = min(_timed(run_convlab) for _ in range(args.repeat))
        matplotlib_s = min(_timed(run_matplotlib) for _ in range(args.repeat))
        convlab_bytes = sum(p.stat().st_size for p in ours.glob("*.gif"))
        webp_bytes = sum(p.stat().st_size for p in ours.glob("*.webp"))
        matplotlib_bytes = sum(p.stat().st_size for p in theirs.glob("*.gif"))

    count = len(records)
    schemes = " and ".join(SCHEMES)
    print(f"{count} animations, wide ({args.width} px) and narrow ({NARROW.width} px), {schemes},", end=" ")
    print(f"best of {args.repeat}")
    print(f"{'renderer':<12}{'seconds':>10}{'KB':>10}")
    print(f"{'matplotlib':<12}{matplotlib_s:>10.2f}{matplotlib_bytes / 1000:>10.0f}")
    print(f"{'convlab':<12}{convlab_s:>10.2f}{convlab_bytes / 1000:>10.0f}")
    print(f"{'  its WebPs':<12}{'':>10}{webp_bytes / 1000:>10.0f}")
    speed, size = matplotlib_s / convlab_s, convlab_bytes / matplotlib_bytes
    print(f"convlab is {speed:.1f}x faster (target >= 5x) at {size:.2f} of the bytes (target <= 0.33)")
    print(f"its WebPs are {webp_bytes / matplotlib_bytes:.2f} of matplotlib's GIF bytes")


if __name__ == "__main__":
    main()
