// The explorer's state: the settings a URL query asks for, checked and computed into a model (geometry, input,
// weights, steps, output), and what a step or a pointed cell highlights. No DOM here.
import { OPERATIONS, cellKind, geometry, inputValue, output, stepValue, steps } from "./conv.js";
import { SettingError, parseGrid, parseSize, pythonRepr } from "./grammar.js";

/** Named kernels (3×3) a reader can pick; "mean" is the averaging kernel of any size. */
export const KERNELS = {
  mean: { label: "mean (average)", weights: null },
  "sobel-x": { label: "Sobel, vertical edges", weights: "-1,0,1;-2,0,2;-1,0,1" },
  "sobel-y": { label: "Sobel, horizontal edges", weights: "-1,-2,-1;0,0,0;1,2,1" },
  sharpen: { label: "sharpen", weights: "0,-1,0;-1,5,-1;0,-1,0" },
  laplacian: { label: "edges (Laplacian)", weights: "0,1,0;1,-4,1;0,1,0" },
  identity: { label: "identity", weights: "0,0,0;0,1,0;0,0,0" },
};
/** The settings in a URL query, in the order the address lists them. */
export const KEYS = ["op", "size", "kernel", "stride", "padding", "dilation", "output_padding", "ceil_mode", "weights", "input"];
/** What the explorer draws: [name, smallest, largest] per setting (smaller ones are refused in convlab's words). */
export const LIMITS = {
  size: ["input size", 1, 16],
  kernel: ["kernel size", 1, 8],
  stride: ["stride", 1, 8],
  padding: ["padding", 0, 8],
  dilation: ["dilation", 1, 8],
  output_padding: ["output padding", 0, 7],
};
/** The most cells per side a drawn grid may have (a transposed convolution's output before cropping). */
export const MAX_CANVAS = 40;
const DEFAULTS = { op: "conv", size: "6", kernel: "3", stride: "1", padding: "0", dilation: "1", output_padding: "0", ceil_mode: "0", weights: "mean" };

const own = (object, key) => key !== null && Object.hasOwn(object, key);
const shapeText = ([h, w]) => `${h}x${w}`;
const same = (a, b) => a[0] === b[0] && a[1] === b[1];
const key = ([r, c]) => `${r},${c}`;

/** Return the settings a URL query gives, as text by key; null where the query does not give one. */
export function readQuery(query) {
  const params = new URLSearchParams(query);
  return Object.fromEntries(KEYS.map((key) => [key, params.get(key)]));
}

/** Return the URL query of these settings: every setting given, in KEYS order. */
export function queryText(raw) {
  const query = new URLSearchParams();
  for (const key of KEYS) if (raw[key] !== null && raw[key] !== undefined) query.set(key, raw[key]);
  return query.toString().replaceAll("%3B", ";").replaceAll("%2C", ",");
}

/** Return the text a setting has for an operation: the given one, else its default. */
export function effective(raw, key, op = raw.op ?? DEFAULTS.op) {
  if (raw[key] !== null) return raw[key];
  if (key === "stride" && own(OPERATIONS, op) && !OPERATIONS[op].weights) return effective(raw, "kernel", op); // as PyTorch's pooling
  return DEFAULTS[key] ?? null;
}

function checkOperation(raw) {
  const op = raw.op ?? DEFAULTS.op;
  if (!own(OPERATIONS, op)) {
    throw new SettingError(`${pythonRepr(op)} is not an operation: choose conv, transposed, maxpool or avgpool`);
  }
  const { name, weights } = OPERATIONS[op];
  const given = (key) => raw[key] !== null && raw[key] !== DEFAULTS[key];
  if (!weights && given("weights")) throw new SettingError(`${name} has no weights: drop weights, or choose op conv or transposed`);
  if (op !== "transposed" && given("output_padding") && parseSize(raw.output_padding).some((v) => v !== 0)) {
    throw new SettingError(`output padding belongs to transposed convolution only: drop it, or choose op transposed`);
  }
  if (raw.ceil_mode !== null && !["0", "1"].includes(raw.ceil_mode)) {
    throw new SettingError(`ceil_mode must be 0 or 1, got ${pythonRepr(raw.ceil_mode)}: use 1 to round the output size up`);
  }
  if (weights && raw.ceil_mode === "1") throw new SettingError(`ceil mode belongs to pooling only: drop it, or choose op maxpool or avgpool`);
  return op;
}

function checkLimits(pairs) {
  for (const [key, [name, , largest]] of Object.entries(LIMITS)) {
    const value = pairs[key].find((v) => v > largest);
    if (value !== undefined) {
      const smallest = LIMITS[key][1];
      throw new SettingError(`${name} must be at most ${largest}${key === "size" ? " per side" : ""} here, got ${value}: choose ${smallest} to ${largest}`);
    }
  }
}

/** Return the input grid 0, 1, 2, … row by row, as the lesson's. */
function countingGrid([rows, cols]) {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => r * cols + c));
}

/** Return the kernel weights the settings ask for: a named kernel, custom rows, or null for the mean. */
function weightRows(raw) {
  const name = raw.weights ?? DEFAULTS.weights;
  const text = own(KERNELS, name) ? KERNELS[name].weights : name;
  return text === null ? null : parseGrid(text, "--weights");
}

/** Return the shape of a grid given as text, checked against the size given for it; null for no grid. */
function agree(grid, raw, key, flag) {
  if (grid === null) return null;
  const shape = [grid.length, grid[0].length];
  if (raw[key] !== null && !same(parseSize(raw[key]), shape)) {
    throw new SettingError(`${flag} is ${shapeText(shape)} but --${key} is ${raw[key]}: drop --${key} or make them agree`);
  }
  return shape;
}

/** Return the checked settings as [h, w] pairs, the input grid and the weights; throw an Error worded as convlab. */
export function settingsOf(raw) {
  const op = checkOperation(raw);
  const pair = (key) => parseSize(effective(raw, key, op));
  const weights = OPERATIONS[op].weights ? weightRows(raw) : null;
  const kernel = agree(weights, raw, "kernel", "--weights") ?? pair("kernel");
  const custom = raw.input === null ? null : parseGrid(raw.input, "--input");
  const size = agree(custom, raw, "size", "--input") ?? pair("size");
  const stride = raw.stride === null && !OPERATIONS[op].weights ? kernel : pair("stride");
  const pairs = { size, kernel, stride, padding: pair("padding"), dilation: pair("dilation"), output_padding: pair("output_padding") };
  checkLimits(pairs);
  const ceilMode = raw.ceil_mode === "1";
  const g = geometry({ op, size, kernel, stride, padding: pairs.padding, dilation: pairs.dilation, outputPadding: pairs.output_padding, ceilMode });
  const drawn = g.canvas.output.size;
  if (drawn.some((n) => n > MAX_CANVAS)) {
    throw new SettingError(
      `the output would be ${drawn[0]}×${drawn[1]} cells before cropping, more than the ${MAX_CANVAS} per side ` +
        `drawn here: use a smaller input, stride, kernel or dilation`,
    );
  }
  const mean = () => Array.from({ length: kernel[0] }, () => new Array(kernel[1]).fill(1 / (kernel[0] * kernel[1])));
  return { g, grid: custom ?? countingGrid(size), weights: OPERATIONS[op].weights ? weights ?? mean() : [] };
}

/** Return the keys of the input and padding cells no step reads (the rows and columns a stride skips). */
function unreadCells(g, stepList) {
  if (g.op === "transposed") return new Set();
  const read = new Set(stepList.flatMap((step) => step.terms.map((t) => key(t.from))));
  const unread = new Set();
  const [rows, cols] = g.canvas.input.outer;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (!read.has(key([r, c]))) unread.add(key([r, c]));
  return unread;
}

/** Return the model of these settings: checked settings, every step, the output and the cells never read. */
export function modelOf(raw) {
  const { g, grid, weights } = settingsOf(raw);
  const stepList = steps(g);
  return { g, grid, weights, steps: stepList, output: output(g, grid, weights, stepList), unread: unreadCells(g, stepList) };
}

/** Return n if every weight is 1/n (an averaging kernel), else null: as convlab's mean_divisor. */
export function meanDivisor(weights) {
  const flat = weights.flat();
  const uniform = flat.length > 0 && flat.every((w) => w === flat[0]) && Math.abs(flat[0] * flat.length - 1) < 1e-9;
  return uniform ? flat.length : null;
}

function spanBox(g, cells, canvas) {
  if (!g.dilation.some((d) => d > 1) || cells.length < 2) return null;
  const rows = cells.map(([r]) => r), cols = cells.map(([, c]) => c);
  return { canvas, from: [Math.min(...rows), Math.min(...cols)], to: [Math.max(...rows), Math.max(...cols)] };
}

/** Return the arithmetic of one output cell read from input cells: each term's tap, value, weight and kind. */
function gatherTerms(model, terms) {
  const { g, grid, weights } = model;
  const flat = weights.flat();
  return terms.map(({ k, from }) => ({ k, kind: cellKind(g.canvas.input, ...from), x: inputValue(g, grid, from), w: flat[k] ?? null }));
}

/**
 * Return what a step highlights: the `read` input cells and `current` output cells (sets of cell keys), the tap
 * index each marked cell meets (`inputMarks`, `outputMarks`), the dilated span's outline, max pooling's winner,
 * and the step's arithmetic (`sum`).
 */
export function stepFocus(model, index) {
  const { g, grid, weights } = model;
  const step = model.steps[index];
  if (g.op === "transposed") {
    const x = grid[step.at[0]][step.at[1]];
    const flat = weights.flat();
    return {
      read: new Set([key(step.at)]), current: new Set(step.terms.map((t) => key(t.to))),
      inputMarks: new Map(), outputMarks: new Map(step.terms.map((t) => [key(t.to), t.k])),
      box: spanBox(g, step.terms.map((t) => t.to), "output"),
      sum: { kind: "scatter", at: step.at, x, terms: step.terms.map(({ k, to }) => ({ k, w: flat[k], to, kind: cellKind(g.canvas.output, ...to) })) },
    };
  }
  const result = stepValue(g, grid, weights, step);
  const inside = step.terms.filter((t) => cellKind(g.canvas.input, ...t.from) !== "beyond");
  return {
    read: new Set(inside.map((t) => key(t.from))), current: new Set([key(step.at)]),
    inputMarks: new Map(step.terms.map((t) => [key(t.from), t.k])), outputMarks: new Map(),
    box: spanBox(g, step.terms.map((t) => t.from), "input"),
    winner: result.winner === undefined || result.winner === null ? null : key(step.terms[result.winner].from),
    sum: { kind: "gather", at: step.at, terms: gatherTerms(model, step.terms), ...result },
  };
}

/** Return what pointing at an output-canvas cell highlights: the input cells it reads, each with its tap. */
export function outputFocus(model, cell) {
  const { g } = model;
  if (g.op !== "transposed") return stepFocus(model, cell[0] * g.output[1] + cell[1]);
  const terms = model.steps.flatMap((step) => step.terms.filter((t) => same(t.to, cell)));
  const sum = gatherTerms(model, terms);
  return {
    read: new Set(terms.map((t) => key(t.from))), current: new Set([key(cell)]),
    inputMarks: new Map(terms.map((t) => [key(t.from), t.k])), outputMarks: new Map(), box: null,
    sum: { kind: "gather", at: cell, terms: sum, value: sum.reduce((total, t) => total + t.w * t.x, 0) },
  };
}

/** Return what pointing at an input-canvas cell highlights: the output cells that read it, each with its tap. */
export function inputFocus(model, cell) {
  const { g, grid } = model;
  if (g.op === "transposed") return stepFocus(model, cell[0] * g.size[1] + cell[1]);
  const outputMarks = new Map();
  for (const step of model.steps) for (const t of step.terms) if (same(t.from, cell)) outputMarks.set(key(step.at), t.k);
  return {
    read: new Set([key(cell)]), current: new Set(outputMarks.keys()), inputMarks: new Map(), outputMarks, box: null,
    sum: { kind: "reader", at: cell, x: inputValue(g, grid, cell), cellKind: cellKind(g.canvas.input, ...cell), count: outputMarks.size },
  };
}
