// The explorer's drawing: the settings form, the step controls, the legend, the input, kernel and output grids,
// the current step's arithmetic, the size formula and the PyTorch line. Events are wired in explorer.js.
import {
  cellKind,
  formatValue,
  formula,
  groupOf,
  OPERATIONS,
  outputCanvases,
  parameterCount,
  pytorchLine,
  weightShape,
} from "./conv.js";
import { CHANNEL_LIMITS, KERNELS, LIMITS, MAX_CANVAS, meanDivisor, SPEEDS } from "./explorer-state.js";

const STEPPERS = {
  size: "Input size",
  kernel: "Kernel size",
  stride: "Stride",
  padding: "Padding",
  dilation: "Dilation",
  output_padding: "Output padding",
  in_channels: "In channels",
  out_channels: "Out channels",
  groups: "Groups",
};
const OP_LABELS = {
  conv: "convolution",
  transposed: "transposed convolution",
  maxpool: "max pooling",
  avgpool: "average pooling",
};
const COUNTING = "counting";

/** Return a new element with attributes ("text" sets its text) and children. */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

const sizeText = ([h, w]) => `${h}×${w}`;
const choice = (id, label, options) =>
  element(
    "select",
    { id, "aria-label": label },
    Object.entries(options).map(([value, text]) => element("option", { value, text })),
  );

function stepper(key) {
  const input = element("input", {
    id: `explorer-${key}`,
    name: key,
    autocomplete: "off",
    spellcheck: "false",
    inputmode: "text",
  });
  const less = element("button", {
    type: "button",
    class: "explorer-step-less",
    "aria-label": `Lower the ${STEPPERS[key].toLowerCase()}`,
    text: "−",
  });
  const more = element("button", {
    type: "button",
    class: "explorer-step-more",
    "aria-label": `Raise the ${STEPPERS[key].toLowerCase()}`,
    text: "+",
  });
  const box = element("div", { class: "explorer-field explorer-stepper", "data-key": key }, [
    element("label", { for: input.id, text: STEPPERS[key] }),
    element("div", { class: "explorer-stepper-row" }, [less, input, more]),
  ]);
  return { box, input, less, more };
}

function gridChoice(key, label, presets, customLabel) {
  const select = choice(`explorer-${key}`, label, { ...presets, custom: "custom" });
  const text = element("input", {
    id: `explorer-${key}-custom`,
    name: `${key}-custom`,
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": customLabel,
  });
  const box = element("div", { class: "explorer-field explorer-choice", "data-key": key }, [
    element("label", { for: select.id, text: label }),
    select,
    text,
  ]);
  return { box, select, text };
}

function limitsNote() {
  const parts = Object.values(LIMITS).map(([name, low, high]) => `${name} ${low}–${high}`);
  const [, low, high] = CHANNEL_LIMITS.in_channels;
  return (
    `Sizes are N or HxW (e.g. 5x7). Limits here: ${parts.join(", ")} (per side), and at most ${MAX_CANVAS} output cells per side ` +
    `before cropping; in_channels and out_channels ${low}–${high}, groups a divisor of both. Several grids (channels, kernels) are separated by |.`
  );
}

/** Return the settings form: the operation, a stepper per number, ceil mode, the weights and the input values. */
export function buildSettings() {
  const fields = { op: choice("explorer-op", "Operation", OP_LABELS), steppers: {} };
  const opBox = element("div", { class: "explorer-field", "data-key": "op" }, [
    element("label", { for: "explorer-op", text: "Operation" }),
    fields.op,
  ]);
  const boxes = [opBox];
  for (const key of Object.keys(STEPPERS)) {
    fields.steppers[key] = stepper(key);
    boxes.push(fields.steppers[key].box);
  }
  fields.ceil = element("input", { type: "checkbox", id: "explorer-ceil" });
  boxes.push(
    element("div", { class: "explorer-field explorer-check", "data-key": "ceil_mode" }, [
      fields.ceil,
      element("label", { for: "explorer-ceil", text: "Ceil mode" }),
    ]),
  );
  fields.view = element("input", { type: "checkbox", id: "explorer-view", "data-testid": "direct-view" });
  boxes.push(
    element("div", { class: "explorer-field explorer-check", "data-key": "view" }, [
      fields.view,
      element("label", { for: "explorer-view", text: "Direct view: zeros inserted, kernel flipped" }),
    ]),
  );
  const presets = Object.fromEntries(Object.entries(KERNELS).map(([key, { label }]) => [key, label]));
  fields.weights = gridChoice("weights", "Weights", presets, "Custom weights: rows separated by ; and values by ,");
  fields.input = gridChoice(
    "input",
    "Input values",
    { [COUNTING]: "0, 1, 2, … row by row" },
    "Custom input: rows separated by ; and values by ,",
  );
  fields.bias = element("input", { id: "explorer-bias", name: "bias", autocomplete: "off", spellcheck: "false" });
  boxes.push(
    element("div", { class: "explorer-field explorer-choice", "data-key": "bias" }, [
      element("label", { for: "explorer-bias", text: "Bias (0: none; one value, or one per output channel)" }),
      fields.bias,
    ]),
  );
  boxes.push(fields.weights.box, fields.input.box);
  const summary = element("summary", { class: "explorer-summary" });
  const form = element("details", { class: "explorer-settings" }, [
    summary,
    element("form", { "aria-label": "Settings" }, [
      element("div", { class: "explorer-fields" }, boxes),
      element("p", { class: "explorer-limits", text: limitsNote() }),
    ]),
  ]);
  form.open = matchMedia("(min-width: 60em)").matches; // on a phone the grids come first; the settings open on a tap
  return { form, fields, summary };
}

/** Return the step controls: first, back, play, next, last, the step counter, a scrubber and the speed. */
export function buildControls() {
  const button = (text, label) => element("button", { type: "button", "aria-label": label, text });
  const controls = {
    first: button("« First", "First step"),
    previous: button("‹ Back", "Back one step"),
    play: button("▶ Play", "Play"),
    next: button("Next ›", "Next step"),
    last: button("Last »", "Last step"),
    counter: element("span", { class: "explorer-counter", "data-testid": "step-counter", "aria-live": "off" }),
    scrubber: element("input", { type: "range", min: "0", value: "0", "aria-label": "Step" }),
    speed: choice("explorer-speed", "Speed", Object.fromEntries(Object.keys(SPEEDS).map((s) => [s, s]))),
  };
  controls.speed.value = "normal";
  controls.box = element("div", { class: "explorer-controls" }, [
    controls.first,
    controls.previous,
    controls.play,
    controls.next,
    controls.last,
    controls.counter,
    controls.scrubber,
    controls.speed,
  ]);
  return controls;
}

/** Return the page's parts, empty; the grids are drawn by drawModel. */
export function buildLayout(root) {
  const { form, fields, summary } = buildSettings();
  const controls = buildControls();
  const view = {
    root,
    form,
    fields,
    controls,
    summary,
    error: element("p", { class: "explorer-error", "data-testid": "config-error", role: "alert", hidden: "" }),
    legend: element("ul", { class: "explorer-legend", "aria-label": "Legend" }),
    stage: element("div", { class: "explorer-stage" }),
    sum: element("div", { class: "explorer-arithmetic", "data-testid": "step-arithmetic", "aria-live": "polite" }),
    formula: element("p", { class: "explorer-formula" }),
    torch: element("code"),
    copy: element("button", { type: "button", "aria-label": "Copy the PyTorch line", text: "Copy" }),
    shape: element("p", { class: "explorer-shape" }),
    scrollCue: element("p", {
      class: "explorer-note",
      "data-testid": "scroll-cue",
      hidden: "",
      text: "The grids are wider than the screen: scroll them sideways →",
    }),
    valuesNote: element("p", {
      class: "explorer-note",
      "data-testid": "values-note",
      hidden: "",
      text: "Cells too small to print their values leave them out: the sum lists the step's values; point at or tap a cell for its own.",
    }),
  };
  view.work = element("div", { class: "explorer-work" }, [
    element("div", { class: "explorer-bar" }, [controls.box, view.legend, view.valuesNote, view.scrollCue]),
    view.stage,
    view.sum,
    element("div", { class: "explorer-torch" }, [
      view.formula,
      element("div", { class: "explorer-torch-line" }, [element("pre", {}, [view.torch]), view.copy]),
      view.shape,
    ]),
  ]);
  root.replaceChildren(form, view.error, view.work);
  return view;
}

/** Return the text an input-canvas cell of `grid` shows: its value, padding's value, or nothing beyond the padding. */
function inputText(model, grid, r, c) {
  const kind = cellKind(model.g.canvas.input, r, c);
  if (kind === "beyond") return "";
  if (kind === "padding") return model.g.op === "maxpool" ? "−∞" : "0";
  const [r0, c0] = model.g.canvas.input.origin;
  return formatValue(grid[r - r0][c - c0]);
}

/** Return the text each cell of a kernel shows: its weight, 1/n for a mean kernel, nothing for a pooling window. */
function kernelTexts(model, weights) {
  if (!OPERATIONS[model.g.op].weights) return new Array(model.g.kernel[0] * model.g.kernel[1]).fill("");
  const divisor = meanDivisor(weights);
  return weights.flat().map((w) => (divisor ? `1/${divisor}` : formatValue(w)));
}

function cellNode(r, c, text, attributes) {
  const cell = element("span", { class: "cell", ...attributes }, [
    element("span", { class: "mark", "aria-hidden": "true" }),
    element("span", { class: "value", text }),
  ]);
  cell.style.gridArea = `${r + 1} / ${c + 1}`;
  return cell;
}

let ruler = null;

/** Return how many ems wide the widest of these texts is, in the page's font (measured once per distinct text). */
function widestEm(texts) {
  ruler ??= document.createElement("canvas").getContext("2d");
  ruler.font = `100px ${getComputedStyle(document.body).fontFamily}`;
  return Math.max(0.6, ...[...new Set(texts)].map((text) => ruler.measureText(text).width / 100));
}

/**
 * Return a grid of cells (a roving tab stop, so the grid is one Tab away) with an outline for a dilated span; its
 * text is sized so that the widest of `texts` (all it may show) fits a cell.
 */
function drawGrid(label, [rows, cols], cellFor, focusable, texts) {
  const box = element("div", {
    class: "explorer-grid",
    role: "group",
    "aria-label": `${label}${focusable ? " (arrow keys move between cells)" : ""}`,
  });
  const cells = [];
  for (let r = 0; r < rows; r++) {
    cells.push([]);
    for (let c = 0; c < cols; c++) {
      const cell = cellFor(r, c);
      if (focusable)
        Object.entries({ tabindex: r + c === 0 ? "0" : "-1", role: "button" }).forEach(([k, v]) =>
          cell.setAttribute(k, v),
        );
      cells[r].push(cell);
      box.append(cell);
    }
  }
  const outline = element("span", { class: "explorer-span", hidden: "", "aria-hidden": "true" });
  box.append(outline);
  box.style.setProperty("--cols", cols);
  box.style.setProperty("--text-em", (widestEm(texts) * 1.08).toFixed(3)); // a little room for rounding
  return { box, cells, outline, cols };
}

/** Return a column of the stage: its caption, then one block per channel (a label when there are several). */
function figure(caption, blocks) {
  return element("div", { class: "explorer-figure" }, [
    element("p", { class: "explorer-caption" }, caption),
    element("div", { class: "explorer-column" }, blocks),
  ]);
}

/** Return one channel's block: its label (with several channels, or a bias), then its grid or grids. */
function block(label, content, group, channel) {
  const attributes = { class: "explorer-channel", "data-group": String(group) };
  if (channel !== undefined) attributes["data-channel"] = String(channel);
  return element("div", attributes, [
    ...(label ? [element("p", { class: "explorer-channel-label" }, label)] : []),
    content,
  ]);
}

const many = (model) => model.ch.inChannels > 1 || model.ch.outChannels > 1;
const groupText = (model, group) => (model.ch.groups > 1 ? `, group ${group}` : "");

/** Draw input channel `c`: its grid, each real cell carrying the contract's data attributes. */
function drawInput(model, c) {
  const { g } = model;
  const grid = model.inputs[c];
  const texts = [];
  const [r0, c0] = g.canvas.input.origin;
  const drawn = drawGrid(
    many(model) ? `Input channel ${c}` : "Input",
    g.canvas.input.size,
    (r, col) => {
      const kind = model.direct?.kinds[r][col] ?? cellKind(g.canvas.input, r, col);
      // In the direct view, the input cell a grid cell holds (the zeros around and between hold none).
      const [row, column] = model.direct ? (model.direct.sources[r][col] ?? []) : [r - r0, col - c0];
      const text = inputText(model, grid, r, col);
      const where =
        {
          inner: `input${many(model) ? ` channel ${c}` : ""} row ${row} column ${column}`,
          padding: "padding",
          inserted: "zero inserted between input cells",
        }[kind] ?? "outside the padding";
      texts.push(text);
      const unread = model.unread.has(`${r},${col}`) ? { "data-unread": "true" } : {};
      const attributes = {
        "data-kind": kind,
        "data-cell": `${r},${col}`,
        "aria-label": `${where}: ${text || "not read"}${unread["data-unread"] ? ", never read" : ""}`,
        ...unread,
      };
      if (kind === "inner") {
        Object.assign(attributes, {
          "data-testid": "input-cell",
          "data-channel": String(c),
          "data-row": String(row),
          "data-col": String(column),
          "data-value": String(grid[r - r0][col - c0]),
        });
      }
      return cellNode(r, col, text, attributes);
    },
    true,
    texts,
  );
  Object.assign(drawn.box.dataset, { grid: "input", testid: "input-grid", channel: String(c) });
  return drawn;
}

/** Draw the kernel at [a, b] of the weight tensor, its cells numbered 1, 2, … as the taps they meet. */
function drawKernel(model, a, b) {
  const weights = OPERATIONS[model.g.op].weights ? model.kernels[a][b] : model.weights;
  const texts = kernelTexts(model, weights);
  const transposed = model.g.op === "transposed";
  const [out, inner] = transposed ? [b, a] : [a, b];
  const drawn = drawGrid(
    many(model) ? `Kernel [${a}, ${b}]` : "Kernel",
    model.g.kernel,
    (r, c) => {
      const attributes = { class: "cell kernel" };
      if (OPERATIONS[model.g.op].weights) {
        Object.assign(attributes, {
          "data-testid": "kernel-cell",
          "data-out": String(out),
          "data-in": String(inner),
          "data-row": String(r),
          "data-col": String(c),
          "data-value": String(weights[r][c]),
        });
      }
      return cellNode(r, c, texts[r * model.g.kernel[1] + c], attributes);
    },
    false,
    texts,
  );
  drawn.cells.flat().forEach((cell, k) => {
    cell.firstChild.textContent = String(k + 1);
  });
  Object.assign(drawn.box.dataset, { grid: "kernel", testid: "kernel-grid" });
  return drawn;
}

/** Return every text a cell of output channel `o` shows at some step: values and running sums. */
function outputTexts(model, o) {
  const texts = ["0", formatValue(model.biases[o])];
  const { g, ch, inputs, kernels, biases, steps } = model;
  outputCanvases(g, ch, inputs, kernels, biases, steps, undefined, (channel, _r, _c, value) => {
    if (channel === o) texts.push(formatValue(value));
  });
  return texts;
}

/** Draw output channel `o` as it is when every step is done. */
function drawOutput(model, o, final) {
  const { g } = model;
  const [r0, c0] = g.canvas.output.origin;
  const drawn = drawGrid(
    many(model) ? `Output channel ${o}` : "Output",
    g.canvas.output.size,
    (r, c) => {
      const kind = cellKind(g.canvas.output, r, c);
      const value = final[r][c] ?? model.biases[o];
      const attributes = { "data-kind": kind, "data-cell": `${r},${c}` };
      if (kind === "inner") {
        Object.assign(attributes, {
          "data-testid": "output-cell",
          "data-channel": String(o),
          "data-row": String(r - r0),
          "data-col": String(c - c0),
          "data-value": String(value),
          "aria-label": `output${many(model) ? ` channel ${o}` : ""} row ${r - r0} column ${c - c0}: ${formatValue(value)}`,
        });
      } else attributes["aria-label"] = `cropped by padding: ${formatValue(value)}`;
      const cell = cellNode(r, c, "", attributes);
      cell.dataset.shown = formatValue(value);
      return cell;
    },
    true,
    outputTexts(model, o),
  );
  Object.assign(drawn.box.dataset, { grid: "output", testid: "output-grid", channel: String(o) });
  return drawn;
}

const padded = (g) => [...g.padding, ...g.padEnd].some((p) => p);

function captions(model) {
  if (model.direct) return directCaptions(model);
  const { g } = model;
  const input = `Input ${sizeText(g.size)}${g.op !== "transposed" && padded(g) ? ` (padded ${sizeText(g.canvas.input.outer)})` : ""}`;
  const spread = g.dilation.some((d) => d > 1) ? ` (spans ${sizeText(g.span)})` : "";
  const name = { maxpool: "Window (max)", avgpool: "Window (mean)" }[g.op] ?? "Kernel";
  const cropped =
    g.op === "transposed" && g.padding.some((p) => p) ? ` (drawn ${sizeText(g.canvas.output.size)}, cropped)` : "";
  const kernels = many(model) ? `${name}s [${weightShape(g, model.ch).join(", ")}]` : `${name} ${sizeText(g.kernel)}`;
  return {
    input: `${input}${many(model) ? ` × ${model.ch.inChannels} channels` : ""}`,
    kernel: `${kernels}${spread}`,
    output: cropped,
  };
}

/** Return the direct view's captions: the zero-inserted, padded grid and the flipped kernel. */
function directCaptions(model) {
  const { g, direct } = model;
  return {
    input: `Input ${sizeText(direct.g.size)} with zeros: ${sizeText(g.size)}`,
    kernel: `Kernel ${sizeText(g.kernel)}, flipped${g.dilation.some((d) => d > 1) ? ` (spans ${sizeText(g.span)})` : ""}`,
    output: "",
  };
}

/** Return the label of input channel `c`: its name, its group, and where the current step's partial sum goes. */
function inputLabel(model, c) {
  if (!many(model)) return null;
  const group = groupOf(c, model.ch.inChannels, model.ch.groups);
  return [
    `channel ${c}${groupText(model, group)} `,
    element("span", { class: "explorer-partial", "data-testid": "partial-sum", "data-channel": String(c) }),
  ];
}

/** Return the label of output channel `o`: its name, its group, and its bias cell when the layer has a bias. */
function outputLabel(model, o) {
  if (!many(model) && !model.ch.bias) return null;
  const group = groupOf(o, model.ch.outChannels, model.ch.groups);
  const bias = model.ch.bias
    ? [
        " + bias ",
        element("span", {
          class: "explorer-bias",
          "data-testid": "bias-cell",
          "data-channel": String(o),
          "data-value": String(model.biases[o]),
          text: formatValue(model.biases[o]),
        }),
      ]
    : [];
  return [`channel ${o}${groupText(model, group)}`, ...bias];
}

/** Return the kernel table: one row per first index of the weight tensor, one grid per second index. */
function drawKernels(model) {
  const [first, second] = weightShape(model.g, model.ch);
  const count = model.g.op === "transposed" ? model.ch.inChannels : model.ch.outChannels;
  const grids = [];
  const rows = Array.from({ length: first }, (_, a) => {
    const row = Array.from({ length: second }, (_, b) => {
      const grid = drawKernel(model, a, b);
      grids.push(grid);
      return grid.box;
    });
    const label = many(model) ? `w[${a}, :] (${model.g.op === "transposed" ? "input" : "output"} channel ${a})` : null;
    return block(label, element("div", { class: "explorer-kernel-row" }, row), groupOf(a, count, model.ch.groups));
  });
  return { rows, grids, cols: second * model.g.kernel[1] + (second - 1) / 2 };
}

/** Draw a model: its grids (kept in view.grids), legend, size formula and PyTorch line. */
export function drawModel(view, model) {
  const { g, ch } = model;
  const inputs = model.inputs.map((_, c) => drawInput(model, c));
  const kernels = drawKernels(model);
  const finals = outputCanvases(g, ch, model.inputs, model.kernels, model.biases, model.steps);
  const outputs = finals.map((final, o) => drawOutput(model, o, final));
  const text = captions(model);
  const inGroup = (c) => groupOf(c, ch.inChannels, ch.groups);
  const outGroup = (o) => groupOf(o, ch.outChannels, ch.groups);
  view.stage.replaceChildren(
    figure(
      [text.input],
      inputs.map((grid, c) => block(inputLabel(model, c), grid.box, inGroup(c), c)),
    ),
    figure([text.kernel], kernels.rows),
    figure(
      [
        "Output ",
        element("span", { "data-testid": "output-size", text: sizeText(g.output) }),
        text.output,
        many(model) ? ` × ${ch.outChannels} channels` : "",
      ],
      outputs.map((grid, o) => block(outputLabel(model, o), grid.box, outGroup(o), o)),
    ),
  );
  // On a phone, two channels side by side when there are several; each grid knows how many columns share its row.
  const across = (count) => (count > 1 ? 2 : 1);
  const share = (grids, cols, blocks, gaps) => {
    const em = Math.max(...grids.map((grid) => Number(grid.box.style.getPropertyValue("--text-em")))); // one text size for all
    grids.forEach((grid) => {
      grid.box.style.setProperty("--row-cols", cols);
      grid.box.style.setProperty("--row-extra", `${blocks * 12 + gaps * 10}px`);
      grid.box.style.setProperty("--text-em", em.toFixed(3));
    });
  };
  share(inputs, across(ch.inChannels) * inputs[0].cols, across(ch.inChannels), across(ch.inChannels) - 1);
  share(outputs, across(ch.outChannels) * outputs[0].cols, across(ch.outChannels), across(ch.outChannels) - 1);
  const second = weightShape(g, ch)[1];
  share(kernels.grids, second * g.kernel[1], 1, second - 1);
  const columns = view.stage.querySelectorAll(".explorer-column");
  columns[0].dataset.across = String(across(ch.inChannels));
  columns[2].dataset.across = String(across(ch.outChannels));
  const labelled = many(model) || ch.bias;
  view.stage.style.setProperty("--total-cols", inputs[0].cols + kernels.cols + outputs[0].cols);
  view.stage.style.setProperty("--io-cols", inputs[0].cols + outputs[0].cols);
  view.stage.style.setProperty("--kernel-cols", kernels.cols);
  view.stage.style.setProperty("--input-cols", inputs[0].cols);
  view.stage.style.setProperty("--output-cols", outputs[0].cols);
  view.stage.style.setProperty(
    "--split-rows",
    g.canvas.input.size[0] + Math.max(kernels.rows.length * g.kernel[0], g.canvas.output.size[0]),
  );
  const kernelEm = Number(kernels.grids[0].box.style.getPropertyValue("--text-em"));
  const kernelLeast = Math.max(kernelEm * KERNEL_TEXT + 5, KERNEL_TEXT + KERNEL_MARK + 4);
  view.stage.style.setProperty("--kernel-least", `${Math.ceil(kernelLeast)}px`);
  view.stage.style.setProperty(
    "--rows",
    Math.max(
      ch.inChannels * g.canvas.input.size[0],
      kernels.rows.length * g.kernel[0],
      ch.outChannels * g.canvas.output.size[0],
    ),
  );
  view.stage.style.setProperty("--labels", labelled ? Math.max(ch.inChannels, ch.outChannels, kernels.rows.length) : 0);
  view.grids = { inputs, kernels: kernels.grids, outputs, input: inputs[0], output: outputs[0] };
  view.lit = [];
  drawLegend(view, model);
  const layer = model.direct?.g ?? g; // the direct view's convolution computes this transposed convolution
  const [height, width] = [formula(layer, 0), formula(layer, 1)];
  const lines =
    height === width
      ? [["H_out = W_out =", height]]
      : [
          ["H_out =", height],
          ["W_out =", width],
        ];
  view.formula.replaceChildren(...lines.flatMap(([name, text], n) => [n ? "\n" : "", ...formulaLine(name, text)]));
  view.torch.textContent = pytorchLine(layer, ch);
  view.shape.textContent = shapeLine(layer, ch);
}

// The smallest text drawn (px), and the smallest cell that holds a tap number above a value, both that size. The
// kernel, a few cells the learner reads at every step, draws its weights and tap numbers larger.
const LEAST_TEXT = 11;
const BOTH_TEXTS = 2 * LEAST_TEXT + 4;
const KERNEL_TEXT = 13;
const KERNEL_MARK = 12;

/**
 * Return one line of the size formula: its name, then the computation, each kept whole on a line (the line breaks
 * after "=" or before a note such as ", then 4: ...", never inside the computation).
 */
function formulaLine(name, text) {
  const [computation, ...note] = text.split(/(?=, then )/);
  return [
    element("span", { class: "formula-part", text: name }),
    " ",
    element("span", { class: "formula-part", text: computation }),
    ...note,
  ];
}

/**
 * Hide what a grid's cells are too small to print at LEAST_TEXT px: the tap numbers first, then the values (the
 * sum lists the step's values, and pointing at a cell shows its own). Run once the grids are laid out.
 */
export function fitText(view) {
  let hidden = false;
  for (const grid of [...view.grids.inputs, ...view.grids.kernels, ...view.grids.outputs]) {
    const size = grid.cells[0][0].getBoundingClientRect().width;
    const em = Number(grid.box.style.getPropertyValue("--text-em"));
    const wideEnough = (size - 5) / em >= LEAST_TEXT - 0.01;
    const values = wideEnough && size >= LEAST_TEXT + 4;
    grid.box.dataset.values = values ? "shown" : "hidden";
    grid.box.dataset.marks = size >= (values ? BOTH_TEXTS : LEAST_TEXT + 4) ? "shown" : "hidden";
    hidden ||= !values;
  }
  view.valuesNote.hidden = !hidden;
  let scrolls = false;
  for (const box of [view.stage, ...view.stage.querySelectorAll(".explorer-figure")]) {
    const wider = box.scrollWidth > box.clientWidth + 1;
    box.dataset.scrolls = String(wider);
    scrolls ||= wider;
  }
  view.scrollCue.hidden = !scrolls;
}

/** Return the line under the PyTorch line: the input and output shapes, and for a layer with weights its parameters. */
function shapeLine(g, ch) {
  const shapes = `Input torch.Size([1, ${ch.inChannels}, ${g.size[0]}, ${g.size[1]}]) gives output torch.Size([1, ${ch.outChannels}, ${g.output[0]}, ${g.output[1]}]).`;
  if (!OPERATIONS[g.op].weights) return shapes;
  const shape = weightShape(g, ch);
  const bias = ch.bias ? ` + ${ch.outChannels} biases` : "";
  const count = ` = ${parameterCount(g, ch)} parameters`;
  return `${shapes} Weight torch.Size([${shape.join(", ")}]): ${shape.join("·")}${bias}${count}.`;
}

function legendItems(model) {
  const { g } = model;
  const pool = !OPERATIONS[g.op].weights;
  const items = [
    ["read", g.op === "transposed" ? "input cell being spread" : pool ? "in the window" : "read by the kernel"],
    ["current", g.op === "transposed" ? "output cells it adds to" : "output being computed"],
  ];
  if (padded(g))
    items.push(
      g.op === "transposed"
        ? ["cropped", "cropped by padding"]
        : ["padding", g.op === "maxpool" ? "padding (−∞: never the largest)" : "padding (zeros)"],
    );
  if (g.dilation.some((d) => d > 1)) items.push(["span", "area the dilated kernel spans"]);
  if (model.unread.size > 0) items.push(["unread", "never read by any step"]);
  if (g.canvas.input.size.some((n, a) => n > g.canvas.input.outer[a]))
    items.push(["beyond", "past the padding: not counted"]);
  if (g.op === "maxpool") items.push(["winner", "the largest: the output"]);
  if (model.direct) {
    const edge = model.direct.g.padding.map((p, a) => model.direct.g.dilation[a] * (model.direct.g.kernel[a] - 1) - p);
    items.splice(0, 1, ["read", "read by the flipped kernel"]);
    if (model.direct.g.stride.some((st) => st > 1))
      items.push(["inserted", "zeros inserted between input cells (stride − 1)"]);
    const around = edge[0] === edge[1] ? edge[0] : edge.join("×");
    if (model.direct.kinds.flat().includes("padding"))
      items.push(["padding", `zeros around them: dilation·(kernel − 1) − padding = ${around}`]);
  }
  const mark = {
    transposed: "weight and the output cell it adds to",
    maxpool: "window position",
    avgpool: "window position",
  }[g.op];
  items.push(["mark", mark ?? "weight and the cell it multiplies"]);
  return items;
}

function drawLegend(view, model) {
  view.legend.replaceChildren(
    ...legendItems(model).map(([kind, text]) => {
      const swatch = element("span", {
        class: `swatch swatch-${kind}`,
        "aria-hidden": "true",
        text: kind === "mark" ? "1" : "",
      });
      return element("li", {}, [swatch, text]);
    }),
  );
}

const cellAt = (grid, cellKeyText) => {
  const [r, c] = cellKeyText.split(",").map(Number);
  return grid.cells[r][c];
};

/** Light one grid: its cells in `keys` take `state`, cells in `marks` show their tap's number; its span outlined. */
function lightGrid(view, grid, lit, state) {
  const keys = lit?.[state === "read" ? "read" : "current"] ?? new Set();
  const marks = lit?.marks ?? new Map();
  for (const k of new Set([...keys, ...marks.keys()])) {
    const cell = cellAt(grid, k);
    if (keys.has(k)) cell.dataset.state = state;
    if (marks.has(k) && marks.get(k) !== null) cell.firstChild.textContent = String(marks.get(k) + 1);
    view.lit.push(cell);
  }
  if (lit?.winner) cellAt(grid, lit.winner).dataset.winner = "true";
  const box = lit?.box ?? null;
  grid.outline.hidden = !box;
  if (box)
    grid.outline.style.gridArea = `${box.from[0] + 1} / ${box.from[1] + 1} / ${box.to[0] + 2} / ${box.to[1] + 2}`;
}

/** Show a focus (from explorer-state's stepFocus, outputFocus or inputFocus) in every channel, partial sums too. */
export function showFocus(view, focus) {
  for (const cell of view.lit) {
    delete cell.dataset.state;
    delete cell.dataset.winner;
    cell.firstChild.textContent = "";
  }
  view.lit = [];
  view.grids.inputs.forEach((grid, c) => lightGrid(view, grid, focus?.inputs.get(c), "read"));
  view.grids.outputs.forEach((grid, o) => lightGrid(view, grid, focus?.outputs.get(o), "current"));
  const partials = new Map(focus?.total ? focus.parts.map(({ link, focus: f }) => [link.input, f.sum.value]) : []);
  for (const node of view.stage.querySelectorAll("[data-testid=partial-sum]")) {
    const value = partials.get(Number(node.dataset.channel));
    node.textContent = value === undefined ? "" : `Σ ${formatValue(value)}`;
    if (value === undefined) delete node.dataset.value;
    else node.dataset.value = String(value);
  }
}

/** Show the outputs as they stand at a step (its own value included); at steps.length, the whole outputs. */
export function showProgress(view, model, step) {
  const total = model.steps.length;
  const { g, ch, inputs, kernels, biases, steps } = model;
  const partial = step >= total ? null : outputCanvases(g, ch, inputs, kernels, biases, steps, step + 1);
  view.grids.outputs.forEach((grid, o) =>
    grid.cells.forEach((row, r) =>
      row.forEach((cell, c) => {
        const value = partial?.[o][r][c];
        cell.lastChild.textContent = partial === null ? cell.dataset.shown : value === null ? "" : formatValue(value);
      }),
    ),
  );
  view.controls.counter.textContent = step >= total ? `All ${total} steps done` : `Step ${step + 1} of ${total}`;
  view.controls.scrubber.max = String(total);
  view.controls.scrubber.value = String(step);
}

export { COUNTING };
