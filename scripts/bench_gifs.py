"""Benchmark: convlab's Pillow renderer against the usual matplotlib FuncAnimation + PillowWriter way.

Both draw the same frames (the same grids, highlights, output values and captions, at the same pixel
size) for the lesson's four animations, side by side in one run. Prints time and bytes and the ratios.
Targets: convlab at least 5x faster and at most a third of the bytes.

    python scripts/bench_gifs.py [--width 1000] [--repeat 3]
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

from convlab.animate import (
    CURRENT,
    PAD_FILL,
    PENDING,
    SPAN,
    STEP_MS,
    TAP,
    WHITE,
    Painter,
    format_value,
    render,
    settings_text,
)
from convlab.catalogue import LESSON


def _rgb(colour: tuple[int, int, int]) -> tuple[float, float, float]:
    return tuple(channel / 255 for channel in colour)


def render_with_matplotlib(painter: Painter, out: Path) -> None:
    """Write the painter's frames as a GIF the way most tutorials do: patches, texts, FuncAnimation."""
    layout, record = painter.layout, painter.record
    geometry = record.geometry
    fig = plt.figure(figsize=(layout.width / 100, layout.height / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    ax.axis("off")
    cell, points = layout.cell, painter.text_font.size * 0.72  # pixels -> points at 100 dpi

    def square(origin, size, r, c, fill, text, hatch=None):
        x, y = origin[0] + c * size, origin[1] + r * size
        patch = ax.add_patch(Rectangle((x, y), size, size, facecolor=_rgb(fill), edgecolor="0.55", hatch=hatch))
        label = ax.text(x + size / 2, y + size / 2, text, ha="center", va="center", fontsize=points)
        return patch, label

    ax.text(
        layout.margin, layout.margin, f"Conv2d: {settings_text(geometry)}", fontsize=points, va="top", weight="bold"
    )
    for xy, text in ((layout.input_xy, "Input"), (layout.output_xy, "Output"), (layout.kernel_xy, "Kernel")):
        ax.text(xy[0], xy[1] - 10, text, fontsize=points, weight="bold")
    inputs = {}
    for r, row in enumerate(record.padded):
        for c, value in enumerate(row):
            padding = geometry.is_padding(r, c)
            fill = PAD_FILL if padding else WHITE
            patch, _ = square(layout.input_xy, cell, r, c, fill, format_value(value), "//" if padding else None)
            inputs[r, c] = (patch, fill)
    for r, row in enumerate(painter.kernel_texts):
        for c, text in enumerate(row):
            square(layout.kernel_xy, layout.kernel_cell, r, c, WHITE, text)
    outputs = {
        (i, j): square(layout.output_xy, cell, i, j, PENDING, "")
        for i in range(geometry.output[0])
        for j in range(geometry.output[1])
    }
    span = ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor=_rgb(SPAN), linestyle="--", visible=False))
    caption = ax.text(layout.margin, layout.caption_y, "", va="top", fontsize=points, wrap=True)
    ax.text(layout.margin, layout.legend_y, "read by the kernel    output being computed", fontsize=points * 0.8)

    output = record.output

    def draw(k: int):
        current = record.steps[k] if k < len(record.steps) else None
        taps = set(current.taps) if current else set()
        for tap, (patch, fill) in inputs.items():
            patch.set_facecolor(_rgb(TAP if tap in taps else fill))
            patch.set_linewidth(2.5 if tap in taps else 1)
        for (i, j), (patch, text) in outputs.items():
            done = current is None or (i, j) <= current.out
            now = current is not None and (i, j) == current.out
            patch.set_facecolor(_rgb(CURRENT if now else WHITE if done else PENDING))
            patch.set_linewidth(2.5 if now else 1)
            text.set_text(format_value(output[i][j]) if done else "")
        if current and geometry.dilated:
            (r0, c0), (r1, c1) = current.taps[0], current.taps[-1]
            x, y = layout.input_xy[0] + c0 * cell, layout.input_xy[1] + r0 * cell
            span.set_bounds(x, y, (c1 - c0 + 1) * cell, (r1 - r0 + 1) * cell)
            span.set_visible(True)
        else:
            span.set_visible(False)
        caption.set_text(painter.captions[k])
        return []

    animation = FuncAnimation(fig, draw, frames=len(painter.captions), blit=False)
    animation.save(out, writer=PillowWriter(fps=1000 / STEP_MS))
    plt.close(fig)


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1000, help="frame width in pixels (default: 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best time kept (default: 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp, "convlab"), Path(tmp, "matplotlib")
        ours.mkdir()
        theirs.mkdir()

        def run_convlab() -> None:
            for animation in LESSON:
                render(ours / f"{animation.name}.gif", animation.convolution(), args.width)

        def run_matplotlib() -> None:
            for animation in LESSON:
                painter = Painter(animation.convolution(), args.width)
                render_with_matplotlib(painter, theirs / f"{animation.name}.gif")

        run_convlab()  # warm caches (fonts, imports) for both before timing
        run_matplotlib()
        convlab_s = min(_timed(run_convlab) for _ in range(args.repeat))
        matplotlib_s = min(_timed(run_matplotlib) for _ in range(args.repeat))
        convlab_bytes = sum(p.stat().st_size for p in ours.glob("*.gif"))
        matplotlib_bytes = sum(p.stat().st_size for p in theirs.glob("*.gif"))

    print(f"four lesson animations at {args.width} px wide, best of {args.repeat}")
    print(f"{'renderer':<12}{'seconds':>10}{'KB':>10}")
    print(f"{'matplotlib':<12}{matplotlib_s:>10.2f}{matplotlib_bytes / 1000:>10.0f}")
    print(f"{'convlab':<12}{convlab_s:>10.2f}{convlab_bytes / 1000:>10.0f}")
    speed, size = matplotlib_s / convlab_s, convlab_bytes / matplotlib_bytes
    print(f"convlab is {speed:.1f}x faster (target >= 5x) at {size:.2f} of the bytes (target <= 0.33)")


if __name__ == "__main__":
    main()
