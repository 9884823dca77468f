// The explorer's drawing: the settings form, the step controls, the legend, the input, kernel and output grids,
// the current step's arithmetic, the size formula and the PyTorch line. Events are wired in explorer.js.
import { OPERATIONS, cellKind, formatValue, formula, outputCanvas, pytorchLine } from "./conv.js";
import { KERNELS, LIMITS, MAX_CANVAS, meanDivisor } from "./explorer-state.js";

export const SPEEDS = { slow: 1400, normal: 800, fast: 300 };
const STEPPERS = {
  size: "Input size", kernel: "Kernel size", stride: "Stride", padding: "Padding", dilation: "Dilation", output_padding: "Output padding",
};
const OP_LABELS = { conv: "convolution", transposed: "transposed convolution", maxpool: "max pooling", avgpool: "average pooling" };
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
  element("select", { id, "aria-label": label }, Object.entries(options).map(([value, text]) => element("option", { value, text })));

function stepper(key) {
  const input = element("input", { id: `explorer-${key}`, name: key, autocomplete: "off", spellcheck: "false", inputmode: "text" });
  const less = element("button", { type: "button", class: "explorer-step-less", "aria-label": `Lower the ${STEPPERS[key].toLowerCase()}`, text: "−" });
  const more = element("button", { type: "button", class: "explorer-step-more", "aria-label": `Raise the ${STEPPERS[key].toLowerCase()}`, text: "+" });
  const box = element("div", { class: "explorer-field explorer-stepper", "data-key": key }, [
    element("label", { for: input.id, text: STEPPERS[key] }),
    element("div", { class: "explorer-stepper-row" }, [less, input, more]),
  ]);
  return { box, input, less, more };
}

function gridChoice(key, label, presets, customLabel) {
  const select = choice(`explorer-${key}`, label, { ...presets, custom: "custom" });
  const text = element("input", { id: `explorer-${key}-custom`, name: `${key}-custom`, autocomplete: "off", spellcheck: "false", "aria-label": customLabel });
  const box = element("div", { class: "explorer-field explorer-choice", "data-key": key }, [
    element("label", { for: select.id, text: label }), select, text,
  ]);
  return { box, select, text };
}

function limitsNote() {
  const parts = Object.values(LIMITS).map(([name, low, high]) => `${name} ${low}–${high}`);
  return `Sizes are N or HxW (e.g. 5x7). Limits here: ${parts.join(", ")} (per side), and at most ${MAX_CANVAS} output cells per side before cropping.`;
}

/** Return the settings form: the operation, a stepper per number, ceil mode, the weights and the input values. */
export function buildSettings() {
  const fields = { op: choice("explorer-op", "Operation", OP_LABELS), steppers: {} };
  const opBox = element("div", { class: "explorer-field", "data-key": "op" }, [element("label", { for: "explorer-op", text: "Operation" }), fields.op]);
  const boxes = [opBox];
  for (const key of Object.keys(STEPPERS)) {
    fields.steppers[key] = stepper(key);
    boxes.push(fields.steppers[key].box);
  }
  fields.ceil = element("input", { type: "checkbox", id: "explorer-ceil" });
  boxes.push(element("div", { class: "explorer-field explorer-check", "data-key": "ceil_mode" }, [fields.ceil, element("label", { for: "explorer-ceil", text: "Ceil mode" })]));
  const presets = Object.fromEntries(Object.entries(KERNELS).map(([key, { label }]) => [key, label]));
  fields.weights = gridChoice("weights", "Weights", presets, "Custom weights: rows separated by ; and values by ,");
  fields.input = gridChoice("input", "Input values", { [COUNTING]: "0, 1, 2, … row by row" }, "Custom input: rows separated by ; and values by ,");
  boxes.push(fields.weights.box, fields.input.box);
  const summary = element("summary", { class: "explorer-summary" });
  const form = element("details", { class: "explorer-settings" }, [summary, element("form", { "aria-label": "Settings" }, [
    element("div", { class: "explorer-fields" }, boxes),
    element("p", { class: "explorer-limits", text: limitsNote() }),
  ])]);
  form.open = matchMedia("(min-width: 60em)").matches; // on a phone the grids come first; the settings open on a tap
  return { form, fields, summary };
}

/** Return the step controls: first, back, play, next, last, the step counter, a scrubber and the speed. */
export function buildControls() {
  const button = (text, label) => element("button", { type: "button", "aria-label": label, text });
  const controls = {
    first: button("« First", "First step"), previous: button("‹ Back", "Back one step"), play: button("▶ Play", "Play"),
    next: button("Next ›", "Next step"), last: button("Last »", "Last step"),
    counter: element("span", { class: "explorer-counter", "data-testid": "step-counter", "aria-live": "off" }),
    scrubber: element("input", { type: "range", min: "0", value: "0", "aria-label": "Step" }),
    speed: choice("explorer-speed", "Speed", Object.fromEntries(Object.keys(SPEEDS).map((s) => [s, s]))),
  };
  controls.speed.value = "normal";
  controls.box = element("div", { class: "explorer-controls" }, [
    controls.first, controls.previous, controls.play, controls.next, controls.last, controls.counter, controls.scrubber, controls.speed,
  ]);
  return controls;
}

/** Return the page's parts, empty; the grids are drawn by drawModel. */
export function buildLayout(root) {
  const { form, fields, summary } = buildSettings();
  const controls = buildControls();
  const view = {
    root, form, fields, controls, summary,
    error: element("p", { class: "explorer-error", "data-testid": "config-error", role: "alert", hidden: "" }),
    legend: element("ul", { class: "explorer-legend", "aria-label": "Legend" }),
    stage: element("div", { class: "explorer-stage" }),
    sum: element("div", { class: "explorer-arithmetic", "data-testid": "step-arithmetic", "aria-live": "polite" }),
    formula: element("p", { class: "explorer-formula" }),
    torch: element("code"),
    copy: element("button", { type: "button", "aria-label": "Copy the PyTorch line", text: "Copy" }),
    shape: element("p", { class: "explorer-shape" }),
  };
  view.work = element("div", { class: "explorer-work" }, [
    element("div", { class: "explorer-bar" }, [controls.box, view.legend]), view.stage, view.sum,
    element("div", { class: "explorer-torch" }, [view.formula, element("div", { class: "explorer-torch-line" }, [element("pre", {}, [view.torch]), view.copy]), view.shape]),
  ]);
  root.replaceChildren(form, view.error, view.work);
  return view;
}

/** Return the text an input-canvas cell shows: its value, padding's value, or nothing beyond the padding. */
function inputText(model, r, c) {
  const kind = cellKind(model.g.canvas.input, r, c);
  if (kind === "beyond") return "";
  if (kind === "padding") return model.g.op === "maxpool" ? "−∞" : "0";
  const [r0, c0] = model.g.canvas.input.origin;
  return formatValue(model.grid[r - r0][c - c0]);
}

/** Return the text each kernel cell shows: its weight, 1/n for a mean kernel, nothing for a pooling window. */
function kernelTexts(model) {
  if (!OPERATIONS[model.g.op].weights) return new Array(model.g.kernel[0] * model.g.kernel[1]).fill("");
  const divisor = meanDivisor(model.weights);
  return model.weights.flat().map((w) => (divisor ? `1/${divisor}` : formatValue(w)));
}

function cellNode(r, c, text, attributes) {
  const cell = element("span", { class: "cell", ...attributes }, [element("span", { class: "mark", "aria-hidden": "true" }), element("span", { class: "value", text })]);
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
  const box = element("div", { class: "explorer-grid", role: "group", "aria-label": `${label}${focusable ? " (arrow keys move between cells)" : ""}` });
  const cells = [];
  for (let r = 0; r < rows; r++) {
    cells.push([]);
    for (let c = 0; c < cols; c++) {
      const cell = cellFor(r, c);
      if (focusable) Object.entries({ tabindex: r + c === 0 ? "0" : "-1", role: "button" }).forEach(([k, v]) => cell.setAttribute(k, v));
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

function figure(caption, grid, extra = []) {
  return element("div", { class: "explorer-figure" }, [element("p", { class: "explorer-caption" }, [caption, ...extra]), grid.box]);
}

function drawInput(model) {
  const { g } = model;
  const texts = [];
  return drawGrid("Input", g.canvas.input.size, (r, c) => {
    const kind = cellKind(g.canvas.input, r, c);
    const [r0, c0] = g.canvas.input.origin;
    const where = kind === "inner" ? `input row ${r - r0} column ${c - c0}` : kind === "padding" ? "padding" : "outside the padding";
    texts.push(inputText(model, r, c));
    const unread = model.unread.has(`${r},${c}`) ? { "data-unread": "true" } : {};
    const label = `${where}: ${inputText(model, r, c) || "not read"}${unread["data-unread"] ? ", never read" : ""}`;
    return cellNode(r, c, inputText(model, r, c), { "data-kind": kind, "data-cell": `${r},${c}`, "aria-label": label, ...unread });
  }, true, texts);
}

/** Return every text an output cell shows at some step: the values, and a transposed convolution's running sums. */
function outputTexts(model) {
  const texts = ["0"];
  outputCanvas(model.g, model.grid, model.weights, model.steps, undefined, (r, c, value) => texts.push(formatValue(value)));
  return texts;
}

function drawOutput(model) {
  const { g } = model;
  const final = outputCanvas(g, model.grid, model.weights, model.steps);
  const grid = drawGrid("Output", g.canvas.output.size, (r, c) => {
    const kind = cellKind(g.canvas.output, r, c);
    const [r0, c0] = g.canvas.output.origin;
    const value = final[r][c] ?? 0;
    const attributes = { "data-kind": kind, "data-cell": `${r},${c}` };
    if (kind === "inner") Object.assign(attributes, { "data-testid": "output-cell", "data-value": String(value), "aria-label": `output row ${r - r0} column ${c - c0}: ${formatValue(value)}` });
    else attributes["aria-label"] = `cropped by padding: ${formatValue(value)}`;
    const cell = cellNode(r, c, "", attributes);
    cell.dataset.shown = formatValue(value);
    return cell;
  }, true, outputTexts(model));
  return grid;
}

function captions(model) {
  const { g } = model;
  const padded = g.canvas.input.outer;
  const input = `Input ${sizeText(g.size)}${g.op !== "transposed" && g.padding.some((p) => p) ? ` (padded ${sizeText(padded)})` : ""}`;
  const spread = g.dilation.some((d) => d > 1) ? ` (spans ${sizeText(g.span)})` : "";
  const name = { maxpool: "Window (max)", avgpool: "Window (mean)" }[g.op] ?? "Kernel";
  const cropped = g.op === "transposed" && g.padding.some((p) => p) ? ` (drawn ${sizeText(g.canvas.output.size)}, cropped)` : "";
  return { input, kernel: `${name} ${sizeText(g.kernel)}${spread}`, output: cropped };
}

/** Draw a model: its grids (kept in view.grids), legend, size formula and PyTorch line. */
export function drawModel(view, model) {
  const { g } = model;
  const input = drawInput(model);
  const texts = kernelTexts(model);
  const kernel = drawGrid("Kernel", g.kernel, (r, c) => cellNode(r, c, texts[r * g.kernel[1] + c], { class: "cell kernel" }), false, texts);
  kernel.cells.flat().forEach((cell, k) => { cell.firstChild.textContent = String(k + 1); });
  const output = drawOutput(model);
  for (const [name, grid] of Object.entries({ input, kernel, output })) {
    grid.box.dataset.grid = name;
    grid.box.dataset.testid = `${name}-grid`;
  }
  const text = captions(model);
  view.stage.replaceChildren(
    figure(text.input, input),
    figure(text.kernel, kernel),
    figure("Output ", output, [element("span", { "data-testid": "output-size", text: sizeText(g.output) }), text.output]),
  );
  view.stage.style.setProperty("--total-cols", input.cols + kernel.cols + output.cols);
  view.stage.style.setProperty("--rows", Math.max(g.canvas.input.size[0], g.kernel[0], g.canvas.output.size[0]));
  view.grids = { input, kernel, output };
  view.lit = [];
  drawLegend(view, model);
  const [height, width] = [formula(g, 0), formula(g, 1)];
  view.formula.textContent = height === width ? `H_out = W_out = ${height}` : `H_out = ${height}\nW_out = ${width}`;
  view.torch.textContent = pytorchLine(g);
  view.shape.textContent = `Input torch.Size([1, 1, ${g.size[0]}, ${g.size[1]}]) gives output torch.Size([1, 1, ${g.output[0]}, ${g.output[1]}]).`;
}

function legendItems(model) {
  const { g } = model;
  const pool = !OPERATIONS[g.op].weights;
  const padded = g.padding.some((p) => p);
  const items = [
    ["read", g.op === "transposed" ? "input cell being spread" : pool ? "in the window" : "read by the kernel"],
    ["current", g.op === "transposed" ? "output cells it adds to" : "output being computed"],
  ];
  if (padded) items.push(g.op === "transposed" ? ["cropped", "cropped by padding"] : ["padding", g.op === "maxpool" ? "padding (−∞: never the largest)" : "padding (zeros)"]);
  if (g.dilation.some((d) => d > 1)) items.push(["span", "area the dilated kernel spans"]);
  if (model.unread.size > 0) items.push(["unread", "never read by any step"]);
  if (g.canvas.input.size.some((n, a) => n > g.canvas.input.outer[a])) items.push(["beyond", "past the padding: not counted"]);
  if (g.op === "maxpool") items.push(["winner", "the largest: the output"]);
  const mark = { transposed: "weight and the output cell it adds to", maxpool: "window position", avgpool: "window position" }[g.op];
  items.push(["mark", mark ?? "weight and the cell it multiplies"]);
  return items;
}

function drawLegend(view, model) {
  view.legend.replaceChildren(...legendItems(model).map(([kind, text]) => {
    const swatch = element("span", { class: `swatch swatch-${kind}`, "aria-hidden": "true", text: kind === "mark" ? "1" : "" });
    return element("li", {}, [swatch, text]);
  }));
}

const cellAt = (grid, cellKeyText) => {
  const [r, c] = cellKeyText.split(",").map(Number);
  return grid.cells[r][c];
};

/** Show a focus (from explorer-state's stepFocus, outputFocus or inputFocus): states, marks, outline, winner. */
export function showFocus(view, model, focus) {
  for (const cell of view.lit) {
    delete cell.dataset.state;
    delete cell.dataset.winner;
    cell.firstChild.textContent = "";
  }
  view.lit = [];
  const { input, output } = view.grids;
  const light = (grid, keys, state, marks) => {
    for (const k of new Set([...keys, ...marks.keys()])) {
      const cell = cellAt(grid, k);
      if (keys.has(k)) cell.dataset.state = state;
      if (marks.has(k) && marks.get(k) !== null) cell.firstChild.textContent = String(marks.get(k) + 1);
      view.lit.push(cell);
    }
  };
  if (focus) {
    light(input, focus.read, "read", focus.inputMarks);
    light(output, focus.current, "current", focus.outputMarks);
    if (focus.winner) cellAt(input, focus.winner).dataset.winner = "true";
  }
  for (const [name, grid] of Object.entries({ input, output })) {
    const box = focus?.box?.canvas === name ? focus.box : null;
    grid.outline.hidden = !box;
    if (box) grid.outline.style.gridArea = `${box.from[0] + 1} / ${box.from[1] + 1} / ${box.to[0] + 2} / ${box.to[1] + 2}`;
  }
}

/** Show the output as it stands at a step (its own value included); at steps.length, the whole output. */
export function showProgress(view, model, step) {
  const total = model.steps.length;
  const partial = step >= total ? null : outputCanvas(model.g, model.grid, model.weights, model.steps, step + 1);
  view.grids.output.cells.forEach((row, r) => row.forEach((cell, c) => {
    const value = partial?.[r][c];
    cell.lastChild.textContent = partial === null ? cell.dataset.shown : value === null ? "" : formatValue(value);
  }));
  view.controls.counter.textContent = step >= total ? `All ${total} steps done` : `Step ${step + 1} of ${total}`;
  view.controls.scrubber.max = String(total);
  view.controls.scrubber.value = String(step);
}

export { COUNTING };
