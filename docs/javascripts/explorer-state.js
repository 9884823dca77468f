// The explorer's state: the settings a URL query asks for, checked and computed into a model (geometry, input,
// weights, steps, output), and what a step or a pointed cell highlights. No DOM here.
import {
  cellKind,
  channelOutputs,
  channelSteps,
  channelSum,
  checkChannels,
  geometry,
  inputValue,
  links,
  ONE_CHANNEL,
  OPERATIONS,
  samePadding,
  steps,
  stepValue,
  weightShape,
} from "./conv.js";
import { parseBias, parseChannels, parseSize, pythonRepr, pythonStrip, SettingError } from "./grammar.js";

/** Named kernels (3×3) a reader can pick; "mean" (the averaging kernel) and "ones" fit any size. */
export const KERNELS = {
  mean: { label: "mean (average)", weights: null },
  ones: { label: "ones", weights: null },
  "sobel-x": { label: "Sobel, vertical edges", weights: "-1,0,1;-2,0,2;-1,0,1" },
  "sobel-y": { label: "Sobel, horizontal edges", weights: "-1,-2,-1;0,0,0;1,2,1" },
  sharpen: { label: "sharpen", weights: "0,-1,0;-1,5,-1;0,-1,0" },
  laplacian: { label: "edges (Laplacian)", weights: "0,1,0;1,-4,1;0,1,0" },
  identity: { label: "identity", weights: "0,0,0;0,1,0;0,0,0" },
};
/** The settings in a URL query, in the order the address lists them. */
export const KEYS = [
  "op",
  "size",
  "kernel",
  "stride",
  "padding",
  "dilation",
  "output_padding",
  "ceil_mode",
  "in_channels",
  "out_channels",
  "groups",
  "bias",
  "weights",
  "input",
  "view",
];
/** The channel settings: [name, smallest, largest]. */
export const CHANNEL_LIMITS = {
  in_channels: ["in_channels", 1, 4],
  out_channels: ["out_channels", 1, 4],
  groups: ["groups", 1, 4],
};
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
/** Every stepper's bounds: the sizes' and the channels'. */
export const BOUNDS = { ...LIMITS, ...CHANNEL_LIMITS };
// As `convlab render --help` documents them: a 3×3 kernel (2×2 windows for pooling), the averaging kernel (ones for
// a transposed convolution).
const DEFAULTS = {
  op: "conv",
  size: "6",
  kernel: "3",
  stride: "1",
  padding: "0",
  dilation: "1",
  output_padding: "0",
  ceil_mode: "0",
  weights: "mean",
  in_channels: "1",
  out_channels: "1",
  groups: "1",
  bias: "0",
};
const OP_DEFAULTS = { transposed: { weights: "ones" }, maxpool: { kernel: "2" }, avgpool: { kernel: "2" } };

/** Return the default of a setting for an operation, as the command line's. */
export function defaultOf(key, op = DEFAULTS.op) {
  return OP_DEFAULTS[op]?.[key] ?? DEFAULTS[key] ?? null;
}

/** How long a whole play-through may take at each speed, and the longest pause on one step (ms). */
export const SPEEDS = {
  slow: { step: 1400, whole: 40000 },
  normal: { step: 800, whole: 24000 },
  fast: { step: 300, whole: 9600 },
};

/** Return the pause between steps (ms) at a speed: its step's pause, shortened so that `count` steps fit its whole. */
export function stepInterval(speed, count) {
  const { step, whole } = SPEEDS[speed];
  return Math.max(30, Math.min(step, Math.floor(whole / Math.max(1, count))));
}
const CHANNEL_KEYS = ["in_channels", "out_channels", "groups", "bias"];
/** A transposed convolution's two views: each input cell scattered into the output, or the direct convolution. */
export const VIEWS = ["scatter", "direct"];

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
  return query.toString().replaceAll("%3B", ";").replaceAll("%2C", ",").replaceAll("%7C", "|");
}

/** Return the text a setting has for an operation: the given one, else its default. */
export function effective(raw, key, op = raw.op ?? DEFAULTS.op) {
  if (raw[key] !== null) return raw[key];
  if (key === "stride" && own(OPERATIONS, op) && !OPERATIONS[op].weights) return effective(raw, "kernel", op); // as PyTorch's pooling
  return own(OPERATIONS, op) ? defaultOf(key, op) : (DEFAULTS[key] ?? null);
}

function checkOperation(raw) {
  const op = raw.op ?? DEFAULTS.op;
  if (!own(OPERATIONS, op)) {
    throw new SettingError(`${pythonRepr(op)} is not an operation: choose conv, transposed, maxpool or avgpool`);
  }
  const { name, weights } = OPERATIONS[op];
  const given = (key) => raw[key] !== null && raw[key] !== defaultOf(key, op);
  if (!weights && given("weights"))
    throw new SettingError(`${name} has no weights: drop weights, or choose op conv or transposed`);
  if (op !== "transposed" && given("output_padding") && parseSize(raw.output_padding).some((v) => v !== 0)) {
    throw new SettingError(`output padding belongs to transposed convolution only: drop it, or choose op transposed`);
  }
  if (raw.ceil_mode !== null && !["0", "1"].includes(raw.ceil_mode)) {
    throw new SettingError(
      `ceil_mode must be 0 or 1, got ${pythonRepr(raw.ceil_mode)}: use 1 to round the output size up`,
    );
  }
  if (raw.view !== null && !VIEWS.includes(raw.view)) {
    throw new SettingError(
      `view must be scatter or direct, got ${pythonRepr(raw.view)}: use direct for the zero-insertion view`,
    );
  }
  if (op !== "transposed" && raw.view === "direct") {
    throw new SettingError(
      `the direct view belongs to transposed convolution only: drop view, or choose op transposed`,
    );
  }
  if (weights && raw.ceil_mode === "1")
    throw new SettingError(`ceil mode belongs to pooling only: drop it, or choose op maxpool or avgpool`);
  if (!weights && CHANNEL_KEYS.some(given)) {
    throw new SettingError(
      `${name} works on each channel alone here: drop in_channels, out_channels, groups and bias, or choose op conv or transposed`,
    );
  }
  return op;
}

function checkLimits(pairs) {
  for (const [key, [name, , largest]] of Object.entries(LIMITS)) {
    const value = pairs[key].find((v) => v > largest);
    if (value !== undefined) {
      const smallest = LIMITS[key][1];
      throw new SettingError(
        `${name} must be at most ${largest}${key === "size" ? " per side" : ""} here, got ${value}: choose ${smallest} to ${largest}`,
      );
    }
  }
}

/** Return the input grid 0, 1, 2, … row by row, as the lesson's (channel c continues where channel c − 1 ended). */
function countingGrid([rows, cols], channel = 0) {
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => channel * rows * cols + r * cols + c),
  );
}

/** Return the kernel grids the settings ask for: a named kernel, custom grids separated by "|", or null for "mean" or "ones". */
function weightGrids(raw, op) {
  const name = raw.weights ?? defaultOf("weights", op);
  const text = own(KERNELS, name) ? KERNELS[name].weights : name;
  return text === null ? null : parseChannels(text, "--weights");
}

/** Return the shape of a grid given as text, checked against the size given for it; null for no grid. */
function agree(grid, raw, key, flag) {
  if (grid === null) return null;
  const shape = [grid.length, grid[0].length];
  if (raw[key] !== null && !same(parseSize(raw[key]), shape)) {
    throw new SettingError(
      `${flag} is ${shapeText(shape)} but --${key} is ${raw[key]}: drop --${key} or make them agree`,
    );
  }
  return shape;
}

/** Return a channel count or groups as a number, checked against its limits; throw in one line otherwise. */
function count(raw, key, fallback) {
  const text = raw[key] ?? fallback;
  const [name, low, high] = CHANNEL_LIMITS[key];
  if (!/^[0-9]+$/.test(pythonStrip(text)))
    throw new SettingError(`${name} ${pythonRepr(text)} is not a whole number: choose ${low} to ${high}`);
  const value = Number(text);
  if (key !== "groups" && value < low)
    throw new SettingError(`${name} must be at least ${low}, got ${value}: choose ${low} to ${high}`);
  if (key !== "groups" && value > high)
    throw new SettingError(`${name} must be at most ${high} here, got ${value}: choose ${low} to ${high}`);
  return value;
}

/** Return the channel settings (counts, groups, whether there is a bias) and the input grids they imply. */
function channelsOf(raw, op) {
  const inputs = raw.input === null ? null : parseChannels(raw.input, "--input");
  if (!OPERATIONS[op].weights) {
    if (inputs?.length > 1)
      throw new SettingError(
        `${OPERATIONS[op].name} works on each channel alone here: give one input grid, without '|'`,
      );
    return { ch: ONE_CHANNEL, inputs };
  }
  const inChannels = count(raw, "in_channels", inputs ? String(inputs.length) : "1");
  if (inputs && inputs.length !== inChannels) {
    throw new SettingError(
      `--input has ${inputs.length} grid(s) but in_channels is ${inChannels}: give one grid per input channel, separated by '|'`,
    );
  }
  const ch = {
    inChannels,
    outChannels: count(raw, "out_channels", DEFAULTS.out_channels),
    groups: count(raw, "groups", DEFAULTS.groups),
  };
  checkChannels(ch);
  const bias = raw.bias === null || pythonStrip(raw.bias) === "0" ? null : parseBias(raw.bias, "--bias");
  if (bias && bias.length !== 1 && bias.length !== ch.outChannels) {
    throw new SettingError(
      `--bias has ${bias.length} values but out_channels is ${ch.outChannels}: give one value, or one per output channel`,
    );
  }
  return {
    ch: { ...ch, bias: bias !== null },
    inputs,
    biases: Array.from({ length: ch.outChannels }, (_, o) => bias?.[bias.length === 1 ? 0 : o] ?? 0),
  };
}

/** Return the weight tensor as [first][second] grids: one grid for every kernel, or the grids given, checked. */
function kernelTable(grids, shape) {
  const [first, second] = shape;
  if (grids.length !== 1 && grids.length !== first * second) {
    throw new SettingError(
      `--weights has ${grids.length} grids but the weight [${shape.join(", ")}] holds ${first * second} kernels: ` +
        `give one grid for all, or ${first * second} separated by '|' in the weight's order`,
    );
  }
  return Array.from({ length: first }, (_, a) =>
    Array.from({ length: second }, (_, b) => grids[grids.length === 1 ? 0 : a * second + b]),
  );
}

/**
 * Return the padding a text asks for: N or HxW on both sides, or PyTorch's "valid" (none) and "same" (an output the
 * input's size, for nn.Conv2d at stride 1 only); throw PyTorch's reason where it refuses them.
 */
function paddingOf(text, op, kernel, stride, dilation) {
  if (/^[A-Za-z]+$/.test(text) && !["same", "valid"].includes(text)) {
    throw new SettingError(
      `Invalid padding string ${pythonRepr(text)}, should be one of {'same', 'valid'} (PyTorch's ValueError): write N, HxW, same or valid`,
    );
  }
  if (!["same", "valid"].includes(text)) {
    const padding = parseSize(text);
    return { padding, padEnd: padding, same: false };
  }
  if (op !== "conv") {
    throw new SettingError(
      `padding=${pythonRepr(text)} belongs to convolution only (nn.Conv2d): give ${OPERATIONS[op].name} a number of cells, e.g. 1`,
    );
  }
  if (text === "valid") return { padding: [0, 0], padEnd: [0, 0], same: false };
  if (stride.some((s) => s !== 1)) {
    throw new SettingError(
      `padding='same' is not supported for strided convolutions (PyTorch's ValueError), got stride ${stride.join("x")}: use stride 1, or give padding as a number`,
    );
  }
  return { ...samePadding(kernel, dilation), same: true };
}

/**
 * Return the checked settings as [h, w] pairs (g), the channel settings (ch), the input grids, the weight tensor as
 * a table of grids and the biases; throw an Error worded as convlab.
 */
export function settingsOf(raw) {
  const op = checkOperation(raw);
  const pair = (key) => parseSize(effective(raw, key, op));
  const { ch, inputs: custom, biases = [0] } = channelsOf(raw, op);
  const grids = OPERATIONS[op].weights ? weightGrids(raw, op) : null;
  const kernel = agree(grids?.[0] ?? null, raw, "kernel", "--weights") ?? pair("kernel");
  const size = agree(custom?.[0] ?? null, raw, "size", "--input") ?? pair("size");
  const stride = raw.stride === null && !OPERATIONS[op].weights ? kernel : pair("stride");
  const dilation = pair("dilation");
  const padding = paddingOf(effective(raw, "padding", op), op, kernel, stride, dilation);
  const pairs = { size, kernel, stride, padding: padding.padding, dilation, output_padding: pair("output_padding") };
  checkLimits({ ...pairs, padding: padding.padEnd });
  const ceilMode = raw.ceil_mode === "1";
  const g = geometry({ op, size, kernel, stride, dilation, outputPadding: pairs.output_padding, ceilMode, ...padding });
  const drawn = g.canvas.output.size;
  if (drawn.some((n) => n > MAX_CANVAS)) {
    throw new SettingError(
      `the output would be ${drawn[0]}×${drawn[1]} cells before cropping, more than the ${MAX_CANVAS} per side ` +
        `drawn here: use a smaller input, stride, kernel or dilation`,
    );
  }
  const ones = (raw.weights ?? defaultOf("weights", op)) === "ones";
  const mean = () =>
    Array.from({ length: kernel[0] }, () => new Array(kernel[1]).fill(ones ? 1 : 1 / (kernel[0] * kernel[1])));
  const inputs = custom ?? Array.from({ length: ch.inChannels }, (_, c) => countingGrid(size, c));
  const kernels = OPERATIONS[op].weights ? kernelTable(grids ?? [mean()], weightShape(g, ch)) : [[[]]];
  const settings = { g, ch, inputs, kernels, biases };
  return op === "transposed" && raw.view === "direct" ? directSettings(settings) : settings;
}

/**
 * Return a transposed convolution's cell of the direct view's grid along one axis: the input cell's index, or
 * "inserted" (a zero between input cells) or "padding" (a zero around them), as convlab.transposed's source().
 */
function sourceAlong(g, a, t) {
  const at = t - (g.dilation[a] * (g.kernel[a] - 1) - g.padding[a]);
  if (at < 0 || at > (g.size[a] - 1) * g.stride[a]) return "padding";
  return at % g.stride[a] === 0 ? at / g.stride[a] : "inserted";
}

/**
 * Return a transposed convolution's settings as the lesson's direct view: stride − 1 zeros inserted between input
 * cells, d·(k − 1) − p zeros around them (a negative count cuts cells off) and the output padding's below and to the
 * right, read by the kernel flipped, at stride 1. `direct` keeps the transposed geometry, the input and weights as
 * given, and what each cell of the grid holds (`kinds`: "inner", "inserted" or "padding"; `sources`: the input cell).
 */
function directSettings({ g, ch, inputs, kernels, biases }) {
  if (ch.inChannels !== 1 || ch.outChannels !== 1) {
    throw new SettingError(
      `the direct view draws one input and one output channel here: set in_channels and out_channels to 1, or choose view scatter`,
    );
  }
  const size = [0, 1].map(
    (a) =>
      (g.size[a] - 1) * g.stride[a] + 1 + 2 * (g.dilation[a] * (g.kernel[a] - 1) - g.padding[a]) + g.outputPadding[a],
  );
  if (size.some((n) => n > MAX_CANVAS)) {
    throw new SettingError(
      `the direct view's grid would be ${size[0]}×${size[1]} cells, more than the ${MAX_CANVAS} per side drawn here: ` +
        `use a smaller input, stride, kernel or dilation, or choose view scatter`,
    );
  }
  const along = size.map((n, a) => Array.from({ length: n }, (_, t) => sourceAlong(g, a, t)));
  const sources = along[0].map((i) =>
    along[1].map((j) => (Number.isInteger(i) && Number.isInteger(j) ? [i, j] : null)),
  );
  const kinds = along[0].map((i, r) =>
    along[1].map((j, c) => {
      if (sources[r][c]) return "inner";
      return i === "padding" || j === "padding" ? "padding" : "inserted";
    }),
  );
  const grid = sources.map((row) => row.map((cell) => (cell ? inputs[0][cell[0]][cell[1]] : 0)));
  const flipped = kernels[0][0].map((row) => [...row].reverse()).reverse();
  const direct = geometry({
    op: "conv",
    size,
    kernel: g.kernel,
    stride: [1, 1],
    padding: [0, 0],
    dilation: g.dilation,
  });
  return {
    g: direct,
    ch,
    inputs: [grid],
    kernels: [[flipped]],
    biases,
    direct: { g, inputs, kernels, kinds, sources },
  };
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

/**
 * Return the model of these settings: the checked settings, every step over all channels, the outputs and the
 * cells never read. `grid`, `weights` and `output` are the first channel's, as with one channel.
 */
export function modelOf(raw) {
  const { g, ch, inputs, kernels, biases, direct = null } = settingsOf(raw);
  const positions = steps(g);
  const stepList = channelSteps(g, ch);
  const outputs = channelOutputs(g, ch, inputs, kernels, biases, stepList);
  return {
    g,
    ch,
    inputs,
    kernels,
    biases,
    direct,
    links: links(g, ch),
    positions,
    steps: stepList,
    outputs,
    grid: inputs[0],
    weights: kernels[0][0],
    output: outputs[0],
    unread: unreadCells(g, positions),
  };
}

/** Return n if every weight is 1/n (an averaging kernel of n > 1 weights), else null: as convlab's mean_divisor. */
export function meanDivisor(weights) {
  const flat = weights.flat();
  const uniform = flat.length > 1 && flat.every((w) => w === flat[0]) && Math.abs(flat[0] * flat.length - 1) < 1e-9;
  return uniform ? flat.length : null;
}

function spanBox(g, cells, canvas) {
  if (!g.dilation.some((d) => d > 1) || cells.length < 2) return null;
  const rows = cells.map(([r]) => r),
    cols = cells.map(([, c]) => c);
  return { canvas, from: [Math.min(...rows), Math.min(...cols)], to: [Math.max(...rows), Math.max(...cols)] };
}

/** Return the arithmetic of one output cell read from input cells: each term's tap, value, weight and kind. */
function gatherTerms(model, terms) {
  const { g, grid, weights } = model;
  const flat = weights.flat();
  const kindOf = (from) => model.direct?.kinds[from[0]][from[1]] ?? cellKind(g.canvas.input, ...from);
  return terms.map(({ k, from }) => ({ k, kind: kindOf(from), x: inputValue(g, grid, from), w: flat[k] ?? null }));
}

/**
 * Return what a step highlights: the `read` input cells and `current` output cells (sets of cell keys), the tap
 * index each marked cell meets (`inputMarks`, `outputMarks`), the dilated span's outline, max pooling's winner,
 * and the step's arithmetic (`sum`).
 */
function oneStepFocus(model, index) {
  const { g, grid, weights } = model;
  const step = model.steps[index];
  if (g.op === "transposed") {
    const x = grid[step.at[0]][step.at[1]];
    const flat = weights.flat();
    return {
      read: new Set([key(step.at)]),
      current: new Set(step.terms.map((t) => key(t.to))),
      inputMarks: new Map(),
      outputMarks: new Map(step.terms.map((t) => [key(t.to), t.k])),
      box: spanBox(
        g,
        step.terms.map((t) => t.to),
        "output",
      ),
      sum: {
        kind: "scatter",
        at: step.at,
        x,
        terms: step.terms.map(({ k, to }) => ({ k, w: flat[k], to, kind: cellKind(g.canvas.output, ...to) })),
      },
    };
  }
  const result = stepValue(g, grid, weights, step);
  const inside = step.terms.filter((t) => cellKind(g.canvas.input, ...t.from) !== "beyond");
  return {
    read: new Set(inside.map((t) => key(t.from))),
    current: new Set([key(step.at)]),
    inputMarks: new Map(step.terms.map((t) => [key(t.from), t.k])),
    outputMarks: new Map(),
    box: spanBox(
      g,
      step.terms.map((t) => t.from),
      "input",
    ),
    winner: result.winner === undefined || result.winner === null ? null : key(step.terms[result.winner].from),
    sum: { kind: "gather", at: step.at, terms: gatherTerms(model, step.terms), ...result },
  };
}

/** Return what pointing at an output-canvas cell highlights: the input cells it reads, each with its tap. */
function oneOutputFocus(model, cell) {
  const { g } = model;
  if (g.op !== "transposed") return oneStepFocus(model, cell[0] * g.output[1] + cell[1]);
  const terms = model.steps.flatMap((step) => step.terms.filter((t) => same(t.to, cell)));
  const sum = gatherTerms(model, terms);
  return {
    read: new Set(terms.map((t) => key(t.from))),
    current: new Set([key(cell)]),
    inputMarks: new Map(terms.map((t) => [key(t.from), t.k])),
    outputMarks: new Map(),
    box: null,
    sum: { kind: "gather", at: cell, terms: sum, value: sum.reduce((total, t) => total + t.w * t.x, 0) },
  };
}

/** Return what pointing at an input-canvas cell highlights: the output cells that read it, each with its tap. */
function oneInputFocus(model, cell) {
  const { g, grid } = model;
  if (g.op === "transposed") return oneStepFocus(model, cell[0] * g.size[1] + cell[1]);
  const outputMarks = new Map();
  for (const step of model.steps)
    for (const t of step.terms) if (same(t.from, cell)) outputMarks.set(key(step.at), t.k);
  return {
    read: new Set([key(cell)]),
    current: new Set(outputMarks.keys()),
    inputMarks: new Map(),
    outputMarks,
    box: null,
    sum: {
      kind: "reader",
      at: cell,
      x: inputValue(g, grid, cell),
      cellKind: cellKind(g.canvas.input, ...cell),
      count: outputMarks.size,
    },
  };
}

// ---- channels: each focus is one link's focus (one input channel, one kernel, one output channel) per link --------

/** Return the one-channel model of a link: its input grid, its kernel, and the steps over one channel. */
export function linkModel(model, link) {
  const weights = OPERATIONS[model.g.op].weights ? model.kernels[link.weight[0]][link.weight[1]] : [];
  return { g: model.g, grid: model.inputs[link.input], weights, steps: model.positions, direct: model.direct };
}

/**
 * Return a focus over channels from one focus per link: `inputs` and `outputs` map a channel to what is lit in it
 * (`read` or `current` cells, `marks`, the dilated span's `box`, max pooling's `winner`), and `parts` list each
 * link with its arithmetic. `total` holds the output channel's bias and value where one output cell is computed.
 */
function combine(model, chosen, focusOf, total = null) {
  const inputs = new Map(),
    outputs = new Map();
  const parts = chosen.map((link) => {
    const focus = focusOf(linkModel(model, link));
    const box = (canvas) => (focus.box?.canvas === canvas ? focus.box : null);
    inputs.set(link.input, {
      read: focus.read,
      marks: focus.inputMarks,
      box: box("input"),
      winner: focus.winner ?? null,
    });
    const lit = outputs.get(link.output);
    outputs.set(link.output, {
      current: new Set([...(lit?.current ?? []), ...focus.current]),
      marks: new Map([...(lit?.marks ?? []), ...focus.outputMarks]),
      box: lit?.box ?? box("output"),
    });
    return { link, focus };
  });
  return { inputs, outputs, parts, total, kind: parts[0]?.focus.sum.kind ?? "gather" };
}

const into = (model, o) => model.links.filter((link) => link.output === o);
const from = (model, c) => model.links.filter((link) => link.input === c);

/** Return what step `index` (over all channels) highlights, in every channel, with its arithmetic per link. */
export function stepFocus(model, index) {
  const step = model.steps[index];
  const at = index % model.positions.length;
  if (model.g.op === "transposed") return combine(model, from(model, step.channel), (m) => oneStepFocus(m, at));
  const { bias, value } = channelSum(model.g, model.ch, model.inputs, model.kernels, model.biases, step);
  return combine(model, into(model, step.channel), (m) => oneStepFocus(m, at), {
    channel: step.channel,
    at: step.at,
    bias,
    value,
  });
}

/** Return what pointing at a cell of output channel `o` highlights: the input cells it reads, in each channel. */
export function outputFocus(model, o, cell) {
  const { g } = model;
  if (g.op !== "transposed") return stepFocus(model, o * model.positions.length + cell[0] * g.output[1] + cell[1]);
  const chosen = into(model, o);
  const focus = combine(model, chosen, (m) => oneOutputFocus(m, cell));
  const sum = focus.parts.reduce((total, part) => total + part.focus.sum.value, 0);
  return { ...focus, total: { channel: o, at: cell, bias: model.biases[o], value: sum + model.biases[o] } };
}

/** Return what pointing at a cell of input channel `c` highlights: the output cells that read it, in each channel. */
export function inputFocus(model, c, cell) {
  const { g } = model;
  if (g.op === "transposed") return stepFocus(model, c * model.positions.length + cell[0] * g.size[1] + cell[1]);
  return combine(model, from(model, c), (m) => oneInputFocus(m, cell));
}
