"""Each operation's animation as a story, frame by frame: what every cell shows, the outlines, the step
line, and a legend of only what the frame shows.

A story (one class per way of showing an operation) turns a record into panels of cells (Input → Kernel →
Output, in reading order) and, for every frame, the state of every cell (its text and the name of its
style), the outlines around the window, and the step line. ``convlab.painter`` lays a story out and draws
it. Every number comes from the record; nothing is computed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convlab.arithmetic import Convolution, Layer, Pair, mean_divisor
from convlab.describe import format_value, is_rounded, output_text, size_text, title
from convlab.layout import PAD_CLOSE, PAD_OPEN, Arrangement, Panel, Rendition
from convlab.pooling import MAX, Pooling
from convlab.records import SCATTER, Record
from convlab.transposed import INPUT, INSERTED, PADDING, TransposedConvolution

MINUS = "\u2212"


@dataclass(frozen=True)
class Cell:
    """What one cell shows: its text and its style's name."""

    text: str
    style: str


Key = tuple[str, int, int]  # (panel, row, column)


@dataclass
class Frame:
    """One frame: every cell's state, the outlines around dilated kernels and windows, the step line and
    the legend's entries."""

    cells: dict[Key, Cell]
    outlines: list[tuple[str, Pair, Pair, str]]  # panel, first and last cell, WINDOW or SPAN
    caption: str
    legend: list[str]
    labels: dict[str, str] = field(default_factory=dict)  # panel -> its label in this frame, where it changes


WINDOW, SPAN_OUTLINE = "window", "span"  # a solid outline around the cells read; a dashed one around a spread


def window_outlines(panels: list[str], first: Pair, last: Pair, spread: bool) -> list[tuple[str, Pair, Pair, str]]:
    """Return the outline of one window on each panel: solid around cells that touch, dashed blue around a
    spread-out (dilated) kernel's span."""
    return [(panel, first, last, SPAN_OUTLINE if spread else WINDOW) for panel in panels]


def span_outlines(panels: list[str], span: Pair) -> list[tuple[str, Pair, Pair, str]]:
    """Return the dashed outline around a dilated kernel's whole span on each of ``panels``."""
    return window_outlines(panels, (0, 0), (span[0] - 1, span[1] - 1), True)


def dilated_kernel_cells(panel: str, texts: list[list[str]], dilation: Pair, span: Pair) -> dict[Key, Cell]:
    """Return a kernel's cells spread over its span: each weight's text on its tap, empty holes between."""
    (dh, dw), (sh, sw) = dilation, span
    return {
        (panel, r, c): Cell(texts[r // dh][c // dw], "value") if r % dh == 0 and c % dw == 0 else Cell("", "hole")
        for r in range(sh)
        for c in range(sw)
    }


def _terms(weights: list[float], values: list[str], precision: int) -> str:
    """Return ``w×x + w×x − w×x ...``, the products one output adds up."""
    parts = []
    for n, (weight, value) in enumerate(zip(weights, values, strict=True)):
        product = f"{format_value(abs(weight), precision)}\u00d7{value}"
        if n == 0:
            parts.append(f"{MINUS}{product}" if weight < 0 else product)
        else:
            parts.append(f"{MINUS if weight < 0 else '+'} {product}")
    return " ".join(parts)


def _added(number: float, precision: int) -> str:
    """Return `` + 4.5`` or `` − 18``: a number added after another, its sign (as shown) written as the operator."""
    text = format_value(number, precision)
    return f" {MINUS} {text.removeprefix(MINUS)}" if text.startswith(MINUS) else f" + {text}"


def marked(text: str, padding: bool) -> str:
    """Return a value for a step line, marked as padding (drawn on grey) where it is."""
    return f"{PAD_OPEN}{text}{PAD_CLOSE}" if padding else text


def step_arithmetic(values: list[str], weights: list[list[float]], precision: int = 2) -> str:
    """Return the sum one output cell computes from the values its kernel reads, e.g.
    ``(0+1+2+6+7+8+12+13+14) / 9``, or the products ``1×0 − 2×1 + ...`` when the weights differ."""
    divisor = mean_divisor(weights)
    if divisor is not None:
        return f"({'+'.join(values)}) / {divisor}"
    return _terms([w for row in weights for w in row], values, precision)


class Story:
    """What an operation's animation shows; subclasses fill in the panels and the frames."""

    def __init__(self, record: Record, precision: int) -> None:
        self.record = record
        self.precision = precision
        self.title = title(record)

    def fmt(self, value: float) -> str:
        """Return a value as the frames show it."""
        return format_value(value, self.precision)

    # Subclasses define: panels, legend_texts, count, candidates(), base(), frame(k).
    panels: list[Panel]
    legend_texts: dict[str, str]
    count: int

    def candidates(self, rendition: Rendition) -> list[Arrangement]:
        raise NotImplementedError

    def base(self) -> dict[Key, Cell]:
        raise NotImplementedError

    def frame(self, k: int) -> Frame:
        raise NotImplementedError

    def rounded(self) -> bool:
        """Return True if any value the frames show is rounded."""
        record = self.record
        values = [v for row in record.output for v in row]
        values += [v for grid in _input_grids(record) for row in grid for v in row]
        if isinstance(record, Convolution | TransposedConvolution):
            values += [v for grid in _kernels(record) for row in grid for v in row if not mean_divisor(grid)]
        return any(is_rounded(v, self.precision) for v in values)

    def legend(self, **texts: str) -> dict[str, str]:
        """Return the legend's texts: ``texts`` and the note that values are rounded (shown only where they are)."""
        return texts | {"rounded": f"values rounded to {self.precision} decimals"}

    def rounded_entry(self) -> list[str]:
        """Return the legend entry for rounded values, if the frames show any."""
        return ["rounded"] if self.rounded() else []

    def last_frame(self, cells: dict[Key, Cell] | None = None) -> Frame:
        """Return the last frame: ``cells`` (by default, the inputs at rest and every output computed), no
        outline, the output's size and formula."""
        if cells is None:
            cells = self.base() | self.output_cells(len(self.record.steps), None)
        return Frame(cells, [], self.final_caption(), [*self.common_legend(cells), *self.rounded_entry()])

    def final_caption(self) -> str:
        """Return the last frame's line: the output size and its formula."""
        return f"Output {size_text(self.record.geometry.output)}: {output_text(self.record)}"

    def output_cells(self, done: int, current: int | None) -> dict[Key, Cell]:
        """Return the output panel with ``done`` cells computed, row by row, and cell ``current`` highlighted."""
        cols = self.record.geometry.output[1]
        cells = {}
        for n, step in enumerate(self.record.steps):
            i, j = divmod(n, cols)
            if n == current:
                cells["output", i, j] = Cell(self.fmt(step.value), "current")
            elif n < done:
                cells["output", i, j] = Cell(self.fmt(step.value), "value")
            else:
                cells["output", i, j] = Cell("", "pending")
        return cells

    def common_legend(self, frame_cells: dict[Key, Cell]) -> list[str]:
        """Return the legend entries for the cell styles this frame shows, in a fixed order."""
        shown = {cell.style for cell in frame_cells.values()}
        order = ["tap", "winner", "current", "padding", "inserted", "unread"]
        entries = [style for style in order if style in shown or (style == "padding" and "tap-padding" in shown)]
        return [entry for entry in entries if entry in self.legend_texts]


def _input_grids(record: Record) -> list[list[list[float]]]:
    return list(record.input) if isinstance(record, Convolution) else [record.input]


def _kernels(record: Record) -> list[list[list[float]]]:
    return list(record.kernel) if isinstance(record, Convolution) else [record.kernel]


class ConvStory(Story):
    """A convolution (one or more input channels): each input, its kernel, the output."""

    def __init__(self, record: Convolution, precision: int) -> None:
        super().__init__(record, precision)
        g = record.geometry
        self.channels = record.in_channels
        self.unread = record.unread()
        many = self.channels > 1
        self.legend_texts = self.legend(
            tap="read by the kernel" + ("s" if many else ""),
            current="output being computed",
            padding="padding (zeros)",
            unread="never read (the stride skips it)",
            span="area the dilated kernel spans",
        )
        self.panels = []
        for c in range(self.channels):
            label = f"Input channel {c}, {size_text(g.size)}" if many else f"Input {size_text(g.size)}"
            if any(g.padding):
                label += f", padded to {size_text(g.padded)}"
            texts = tuple(self.fmt(v) for row in record.padded[c] for v in row)
            self.panels.append(Panel(f"input{c}", label, g.padded, texts))
        for c in range(self.channels):
            label = f"Kernel for channel {c}" if many else f"Kernel {size_text(g.kernel)}"
            if g.dilated:
                label += f", spread over {size_text(g.span)}"
            texts = tuple(t for row in self.kernel_texts(c) for t in row)
            self.panels.append(Panel(f"kernel{c}", label, g.span, texts))
        bias = f", bias {self.fmt(record.bias)}" if record.bias else ""
        texts = tuple(self.fmt(step.value) for step in record.steps)
        self.panels.append(Panel("output", f"Output {size_text(g.output)}{bias}", g.output, texts))
        self.count = len(record.steps) + 1

    def kernel_texts(self, c: int) -> list[list[str]]:
        """Return kernel ``c``'s weights as shown: ``1/n`` for an averaging kernel."""
        weights = self.record.kernel[c]
        divisor = mean_divisor(weights)
        return [[f"1/{divisor}" if divisor else self.fmt(w) for w in row] for row in weights]

    def candidates(self, rendition: Rendition) -> list[Arrangement]:
        if self.channels > 1:
            pairs = [("row", f"input{c}", f"kernel{c}") for c in range(self.channels)]
            if rendition.name == "wide":
                return [("row", ("column", *pairs), "output"), ("column", *pairs, "output")]
            return [("column", *pairs, "output")]
        if rendition.name == "wide":
            return [
                ("row", "input0", "kernel0", "output"),
                ("row", "input0", ("column", "kernel0", "output")),
                ("column", ("row", "input0", "kernel0"), "output"),
            ]
        return [
            ("row", "input0", "kernel0", "output"),
            ("column", ("row", "input0", "kernel0"), "output"),
            ("column", "input0", ("row", "kernel0", "output")),
            ("column", "input0", "kernel0", "output"),
        ]

    def base(self) -> dict[Key, Cell]:
        record, g = self.record, self.record.geometry
        cells = {}
        for c in range(self.channels):
            for r, row in enumerate(record.padded[c]):
                for col, value in enumerate(row):
                    style = "padding" if g.is_padding(r, col) else "unread" if (r, col) in self.unread else "value"
                    cells[f"input{c}", r, col] = Cell(self.fmt(value), style)
            cells |= dilated_kernel_cells(f"kernel{c}", self.kernel_texts(c), g.dilation, g.span)
        return cells | self.output_cells(0, None)

    def frame(self, k: int) -> Frame:
        base = self.base()
        steps = self.record.steps
        if k == len(steps):
            return self.last_frame()
        step, g = steps[k], self.record.geometry
        cells = base | self.output_cells(k, k)
        for c in range(self.channels):
            for r, col in step.taps:
                cells[f"input{c}", r, col] = Cell(base[f"input{c}", r, col].text, self._tap_style(r, col))
        inputs = [f"input{c}" for c in range(self.channels)]
        outlines = window_outlines(inputs, step.taps[0], step.taps[-1], g.dilated)
        if g.dilated:
            outlines += span_outlines([f"kernel{c}" for c in range(self.channels)], g.span)
        legend = self.common_legend(cells) + (["span"] if g.dilated else []) + self.rounded_entry()
        return Frame(cells, outlines, self._step_caption(k), legend)

    def _tap_style(self, r: int, c: int) -> str:
        return "tap-padding" if self.record.geometry.is_padding(r, c) else "tap"

    def _channel_terms(self, k: int, c: int) -> str:
        record, step = self.record, self.record.steps[k]
        values = [
            marked(self.fmt(record.padded[c][r][col]), record.geometry.is_padding(r, col)) for r, col in step.taps
        ]
        return step_arithmetic(values, record.kernel[c], self.precision)

    def _step_caption(self, k: int) -> str:
        record, step = self.record, self.record.steps[k]
        i, j = step.out
        head = f"Step {k + 1} of {len(record.steps)}: output[{i}, {j}] = "
        bias = _added(record.bias, self.precision) if record.bias else ""
        if self.channels == 1:
            return f"{head}{self._channel_terms(k, 0)}{bias} = {self.fmt(step.value)}"
        sums = " + ".join(f"({self._channel_terms(k, c)})" for c in range(self.channels))
        first, *rest = step.sums
        totals = self.fmt(first) + "".join(_added(s, self.precision) for s in rest)
        return f"{head}{sums}{bias} = {totals}{bias} = {self.fmt(step.value)}"


class LayerStory(Story):
    """A layer with several output channels (and groups): every input channel, the kernels of the output
    channel being computed, and every output channel, filled one after another. Each output channel's frames
    are its own ConvStory's, drawn on the layer's panels."""

    def __init__(self, record: Layer, precision: int) -> None:
        super().__init__(record, precision)
        g = record.geometry
        self.stories = [ConvStory(channel, precision) for channel in record.channels]
        self.positions = len(record.channels[0].steps)
        per_group = record.in_channels // record.groups
        first = self.stories[0]
        self.legend_texts = first.legend_texts | {"tap": "read by the kernels"}
        self.panels = []
        # Panels of one kind are sized for all their values together: every input channel, and every output
        # channel, shows the same cells and text size.
        inputs = tuple(self.fmt(v) for grid in record.padded for row in grid for v in row)
        for c in range(record.in_channels):
            label = f"Input channel {c}, {size_text(g.size)}"
            if any(g.padding):
                label += f", padded to {size_text(g.padded)}"
            self.panels.append(Panel(f"input{c}", label, g.padded, inputs))
        last = record.out_channels - 1  # at rest, the kernel panels show the last output channel's kernels
        for i in range(per_group):
            texts = tuple(t for story in self.stories for row in story.kernel_texts(i) for t in row)
            self.panels.append(Panel(f"kernel{i}", self._kernel_label(last, i), g.span, texts))
        outputs = tuple(self.fmt(step.value) for channel in record.channels for step in channel.steps)
        for o, channel in enumerate(record.channels):
            bias = f", bias {self.fmt(channel.bias)}" if channel.bias else ""
            label = f"Output channel {o}, {size_text(g.output)}{bias}"
            self.panels.append(Panel(f"output{o}", label, g.output, outputs))
        self.count = len(record.steps) + 1

    def _kernel_label(self, o: int, i: int) -> str:
        g = self.record.geometry
        # A no-break space: a label that wraps keeps the index whole.
        return f"Kernel w[{o},\u00a0{i}]" + (f", spread over {size_text(g.span)}" if g.dilated else "")

    def _kernel_labels(self, o: int) -> dict[str, str]:
        """Return the kernel panels' labels while output channel ``o`` is computed."""
        return {f"kernel{i}": self._kernel_label(o, i) for i in range(self.record.in_channels // self.record.groups)}

    def _key(self, o: int, key: Key) -> Key:
        """Return where a key of output channel ``o``'s own story goes on the layer's panels."""
        panel, r, c = key
        if panel.startswith("input"):
            return (f"input{self.record.first_input(o) + int(panel[5:])}", r, c)
        return (f"output{o}", r, c) if panel == "output" else key

    def _cells(self, o: int, cells: dict[Key, Cell]) -> dict[Key, Cell]:
        return {self._key(o, key): cell for key, cell in cells.items()}

    def base(self) -> dict[Key, Cell]:
        cells = {}
        for o, story in enumerate(self.stories):  # every input channel, at rest; the last output's kernels
            cells |= self._cells(o, story.base())
        return cells | self._outputs(len(self.stories), 0)

    def _outputs(self, o: int, done: int, current: int | None = None) -> dict[Key, Cell]:
        """Return every output panel: channels before ``o`` done, ``o`` with ``done`` cells, later ones pending."""
        cells = {}
        for n, story in enumerate(self.stories):
            shown = story.output_cells(len(story.record.steps), None) if n < o else story.output_cells(0, None)
            if n == o:
                shown = story.output_cells(done, current)
            cells |= self._cells(n, shown)
        return cells

    def frame(self, k: int) -> Frame:
        if k == len(self.record.steps):
            return self.last_frame(self.base())
        o, n = divmod(k, self.positions)
        own = self.stories[o].frame(n)
        cells = self.base() | self._cells(o, own.cells) | self._outputs(o, n, n)
        outlines = [(self._key(o, (panel, 0, 0))[0], first, last, kind) for panel, first, last, kind in own.outlines]
        caption = own.caption.replace(
            f"Step {n + 1} of {self.positions}: output[", f"Step {k + 1} of {self.count - 1}: output[{o}, "
        )
        return Frame(cells, outlines, caption, own.legend, self._kernel_labels(o))

    def rounded(self) -> bool:
        return any(story.rounded() for story in self.stories)

    def final_caption(self) -> str:
        return (
            f"Output {self.record.out_channels} × {size_text(self.record.geometry.output)}: {output_text(self.record)}"
        )

    def candidates(self, rendition: Rendition) -> list[Arrangement]:
        record = self.record
        inputs = [f"input{c}" for c in range(record.in_channels)]
        kernels = [f"kernel{i}" for i in range(record.in_channels // record.groups)]
        outputs = [f"output{o}" for o in range(record.out_channels)]
        rows = ("column", ("row", *inputs), ("row", *kernels), ("row", *outputs))
        columns = ("row", ("column", *inputs), ("column", *kernels), ("column", *outputs))
        return [columns, rows] if rendition.name == "wide" else [rows, ("column", *inputs, *kernels, *outputs)]


class TransposedStory(Story):
    """A transposed convolution as a direct convolution: the input, the flipped kernel, the input with zeros
    inserted and around it, the output."""

    def __init__(self, record: TransposedConvolution, precision: int) -> None:
        super().__init__(record, precision)
        g = record.geometry
        self.legend_texts = self.legend(
            tap="read by the flipped kernel",
            current="output being computed",
            padding="padding (zeros)",
            inserted="zeros inserted between input cells",
            span="area the dilated kernel spans",
        )
        kernel = f"Kernel {size_text(g.kernel)}, flipped" + (
            f", spread over {size_text(g.direct.span)}" if g.direct.dilated else ""
        )
        self.panels = [
            Panel(
                "input", f"Input {size_text(g.size)}", g.size, tuple(self.fmt(v) for row in record.input for v in row)
            ),
            Panel("kernel", kernel, g.direct.span, tuple(self.fmt(w) for row in record.flipped for w in row)),
            Panel(
                "stretched",
                f"{stretched_label(g)}: {size_text(g.stretched)}",
                g.stretched,
                tuple(self.fmt(v) for row in record.stretched for v in row),
            ),
            Panel("output", f"Output {size_text(g.output)}", g.output, tuple(self.fmt(s.value) for s in record.steps)),
        ]
        self.count = len(record.steps) + 1

    def candidates(self, rendition: Rendition) -> list[Arrangement]:
        if rendition.name == "wide":
            return [
                ("row", ("column", "input", "kernel"), "stretched", "output"),
                ("row", "stretched", ("column", ("row", "input", "kernel"), "output")),
                ("column", ("row", "input", "kernel"), ("row", "stretched", "output")),
            ]
        return [
            ("column", ("row", "input", "kernel"), ("row", "stretched", "output")),
            ("column", ("row", "input", "kernel"), "stretched", "output"),
        ]

    def base(self) -> dict[Key, Cell]:
        record, g = self.record, self.record.geometry
        cells = {
            ("input", r, c): Cell(self.fmt(v), "value") for r, row in enumerate(record.input) for c, v in enumerate(row)
        }
        flipped = [[self.fmt(w) for w in row] for row in record.flipped]
        cells |= dilated_kernel_cells("kernel", flipped, g.dilation, g.direct.span)
        styles = {INPUT: "value", INSERTED: "inserted", PADDING: "padding"}
        for r, row in enumerate(record.stretched):
            for c, value in enumerate(row):
                cells["stretched", r, c] = Cell(self.fmt(value), styles[g.source(r, c)[0]])
        return cells | self.output_cells(0, None)

    def frame(self, k: int) -> Frame:
        base, record, g = self.base(), self.record, self.record.geometry
        if k == len(record.steps):
            return self.last_frame()
        step = record.steps[k]
        cells = base | self.output_cells(k, k)
        for r, c in step.taps:
            kind, source = g.source(r, c)
            cells["stretched", r, c] = Cell(base["stretched", r, c].text, "tap-padding" if kind == PADDING else "tap")
            if kind == INPUT:
                cells["input", *source] = Cell(base["input", *source].text, "tap")
        spread = g.direct.dilated
        outlines = window_outlines(["stretched"], step.taps[0], step.taps[-1], spread)
        if spread:
            outlines += span_outlines(["kernel"], g.direct.span)
        legend = self.common_legend(cells) + (["span"] if spread else []) + self.rounded_entry()
        return Frame(cells, outlines, self._step_caption(k), legend)

    def _step_caption(self, k: int) -> str:
        record, g = self.record, self.record.geometry
        step = record.steps[k]
        flipped = [w for row in record.flipped for w in row]
        weights, values = [], []
        for weight, (r, c) in zip(flipped, step.taps, strict=True):
            if g.source(r, c)[0] == INPUT:
                weights.append(weight)
                values.append(self.fmt(record.stretched[r][c]))
        i, j = step.out
        head = f"Step {k + 1} of {len(record.steps)}: output[{i}, {j}] = "
        zeros = len(step.taps) - len(values)
        if not values:
            return f"{head}0: every tap reads a zero"
        rest = f" (the other {zeros} taps read zeros)" if zeros else ""
        return f"{head}{_terms(weights, values, self.precision)} = {self.fmt(step.value)}{rest}"


def stretched_label(g) -> str:
    """Return what the direct view did to the input: zeros inserted (stride), around (padding), or edges cut off
    (padding larger than the kernel's reach)."""
    inserted = any(s > 1 for s in g.stride)
    around = any(e > 0 for e in g.edge) or any(g.output_padding)
    cut = any(e < 0 for e in g.edge)
    if inserted:
        words = "Zeros inserted and around" if around else "Zeros inserted"
    else:
        words = "Zeros around" if around else ""
    if cut:
        words = f"{words}, edges cut off" if words else "Edges cut off"
    return words or "Input as the kernel reads it"


class ScatterStory(Story):
    """A transposed convolution as its definition: each input cell in turn adds its value times the kernel
    into the output, and overlapping contributions add up."""

    def __init__(self, record: TransposedConvolution, precision: int) -> None:
        super().__init__(record, precision)
        g = record.geometry
        self.legend_texts = self.legend(tap="input cell adding its products", current="output cells it adds to")
        totals = tuple(self.fmt(t) for s in record.scatters for t in s.totals if t is not None)
        self.panels = [
            Panel(
                "input", f"Input {size_text(g.size)}", g.size, tuple(self.fmt(v) for row in record.input for v in row)
            ),
            Panel(
                "kernel",
                f"Kernel {size_text(g.kernel)}",
                g.kernel,
                tuple(self.fmt(w) for row in record.kernel for w in row),
            ),
            Panel("output", f"Output {size_text(g.output)}", g.output, totals or ("0",)),
        ]
        self.count = len(record.scatters) + 1

    def candidates(self, rendition: Rendition) -> list[Arrangement]:
        if rendition.name == "wide":
            return [("row", "input", "kernel", "output"), ("row", ("column", "input", "kernel"), "output")]
        return [("row", "input", "kernel", "output"), ("column", ("row", "input", "kernel"), "output")]

    def base(self) -> dict[Key, Cell]:
        record, g = self.record, self.record.geometry
        cells = {
            ("input", r, c): Cell(self.fmt(v), "value") for r, row in enumerate(record.input) for c, v in enumerate(row)
        }
        cells |= {
            ("kernel", r, c): Cell(self.fmt(w), "value")
            for r, row in enumerate(record.kernel)
            for c, w in enumerate(row)
        }
        rows, cols = g.output
        return cells | {("output", i, j): Cell("", "pending") for i in range(rows) for j in range(cols)}

    def _written(self, turns: int) -> dict[Key, Cell]:
        """Return the output cells' running totals after ``turns`` input cells have scattered."""
        cells = {}
        for scatter in self.record.scatters[:turns]:
            for target, total in zip(scatter.targets, scatter.totals, strict=True):
                if target is not None:
                    cells["output", *target] = Cell(self.fmt(total), "value")
        return cells

    def frame(self, k: int) -> Frame:
        base, record = self.base(), self.record
        cells = base | self._written(k + 1)
        if k == len(record.scatters):
            return self.last_frame(cells)
        scatter = record.scatters[k]
        cells["input", *scatter.src] = Cell(base["input", *scatter.src].text, "tap")
        for target in scatter.targets:
            if target is not None:
                cells["output", *target] = Cell(cells["output", *target].text, "current")
        outlines = window_outlines(["input"], scatter.src, scatter.src, False)
        return Frame(cells, outlines, self._step_caption(k), self.common_legend(cells) + self.rounded_entry())

    def _step_caption(self, k: int) -> str:
        record = self.record
        scatter = record.scatters[k]
        x, y = scatter.src
        value = self.fmt(record.input[x][y])
        head = f"Step {k + 1} of {len(record.scatters)}: input[{x}, {y}] = {value} adds {value} × each weight"
        kept = [t for t in scatter.targets if t is not None]
        if not kept:
            return f"{head}, but the padding cuts off every product"
        rows = sorted({t[0] for t in kept})
        cols = sorted({t[1] for t in kept})
        where = f" into output rows {_range(rows)}, columns {_range(cols)}"
        lost = len(scatter.targets) - len(kept)
        cut = f"; the padding cuts off {lost} of its products" if lost else ""
        return f"{head}{where}{cut}; where kernels overlap, the products add up"


def _range(numbers: list[int]) -> str:
    return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"


class PoolStory(Story):
    """Max or average pooling: the input with each window outlined, and the output."""

    def __init__(self, record: Pooling, precision: int) -> None:
        super().__init__(record, precision)
        g = record.geometry
        self.maximum = record.op == MAX
        self.unread = record.unread()
        self.legend_texts = self.legend(
            tap="in the window" if self.maximum else "in the window (averaged)",
            winner="the maximum",
            current="output being computed",
            padding="padding (−∞: never the maximum)" if self.maximum else "padding (zeros, counted)",
            unread="never read (the stride skips it)",
            span=f"area the {size_text(g.kernel)} window spans",
        )
        texts = tuple(self.pad_text(r, c) for r in range(g.padded[0]) for c in range(g.padded[1]))
        label = f"Input {size_text(g.size)}" + (f", padded to {size_text(g.padded)}" if any(g.padding) else "")
        reach = self._reach()
        self.panels = [
            Panel("input", label, g.padded, texts, reach),
            Panel("output", f"Output {size_text(g.output)}", g.output, tuple(self.fmt(s.value) for s in record.steps)),
        ]
        self.count = len(record.steps) + 1

    def _reach(self) -> Pair:
        """Return how far the last windows hang past the padded input (ceil mode), in cells."""
        g = self.record.geometry
        return tuple(max(0, (g.output[a] - 1) * g.stride[a] + g.span[a] - g.padded[a]) for a in (0, 1))

    def pad_text(self, r: int, c: int) -> str:
        """Return what padded cell (r, c) shows: its value, or −∞ for a max pool's padding."""
        if self.maximum and self.record.geometry.is_padding(r, c):
            return f"{MINUS}∞"
        return self.fmt(self.record.padded[r][c])

    def candidates(self, rendition: Rendition) -> list[Arrangement]:
        return [("row", "input", "output"), ("column", "input", "output")]

    def base(self) -> dict[Key, Cell]:
        g = self.record.geometry
        cells = {}
        for r in range(g.padded[0]):
            for c in range(g.padded[1]):
                style = "padding" if g.is_padding(r, c) else "unread" if (r, c) in self.unread else "value"
                cells["input", r, c] = Cell(self.pad_text(r, c), style)
        return cells | self.output_cells(0, None)

    def frame(self, k: int) -> Frame:
        base, record, g = self.base(), self.record, self.record.geometry
        if k == len(record.steps):
            return self.last_frame()
        step = record.steps[k]
        cells = base | self.output_cells(k, k)
        for r, c in step.taps:
            cells["input", r, c] = Cell(base["input", r, c].text, "tap-padding" if g.is_padding(r, c) else "tap")
        if self.maximum:
            cells["input", *record.winners[k]] = Cell(base["input", *record.winners[k]].text, "winner")
        i, j = step.out
        first = (i * g.stride[0], j * g.stride[1])
        last = (first[0] + g.span[0] - 1, first[1] + g.span[1] - 1)
        outlines = window_outlines(["input"], first, last, g.dilated)
        legend = [*self.common_legend(cells), *(["span"] if g.dilated else []), *self.rounded_entry()]
        return Frame(cells, outlines, self._step_caption(k), legend)

    def _step_caption(self, k: int) -> str:
        record, g = self.record, self.record.geometry
        step = record.steps[k]
        i, j = step.out
        head = f"Step {k + 1} of {len(record.steps)}: output[{i}, {j}] = "
        if self.maximum:
            values = ", ".join(self.fmt(record.padded[r][c]) for r, c in step.taps)
            return f"{head}max({values}) = {self.fmt(step.value)}"
        values = [marked(self.fmt(record.padded[r][c]), g.is_padding(r, c)) for r, c in step.taps]
        return f"{head}({'+'.join(values)}) / {record.divisors[k]} = {self.fmt(step.value)}"


def story(record: Record, precision: int = 2, view: str = "direct") -> Story:
    """Return the story that shows ``record`` (a transposed convolution in its direct or scatter view)."""
    if isinstance(record, Convolution):
        return ConvStory(record, precision)
    if isinstance(record, Layer):
        return LayerStory(record, precision)
    if isinstance(record, TransposedConvolution):
        return ScatterStory(record, precision) if view == SCATTER else TransposedStory(record, precision)
    return PoolStory(record, precision)
