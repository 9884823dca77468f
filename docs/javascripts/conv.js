// The arithmetic of the explorer's four operations, as PyTorch computes them: nn.Conv2d (cross-correlation),
// nn.ConvTranspose2d (each input cell scatters input × kernel into the output), nn.MaxPool2d and nn.AvgPool2d
// (count_include_pad=True, no dilation). Convolution follows convlab/arithmetic.py rule for rule and word for
// word in its errors; the browser tests compare every operation with torch.

import { SettingError } from "./grammar.js";

/** The operations: what PyTorch calls them, and whether they have weights. */
export const OPERATIONS = {
  conv: { name: "convolution", torch: "nn.Conv2d", weights: true },
  transposed: { name: "transposed convolution", torch: "nn.ConvTranspose2d", weights: true },
  maxpool: { name: "max pooling", torch: "nn.MaxPool2d", weights: false },
  avgpool: { name: "average pooling", torch: "nn.AvgPool2d", weights: false },
};
const EXTENT = ["tall", "wide"];
const PAIRS = ["size", "kernel", "stride", "padding", "dilation", "outputPadding", "padEnd"];

const span = (kernel, dilation) => dilation * (kernel - 1) + 1;
const both = (f) => [f(0), f(1)];

/** Return one axis of the settings: n, k, s, p (padding before), pe (after), d, op (output padding) and ceil. */
function axisOf(settings, axis) {
  const [n, k, s, p, d, op, pe] = PAIRS.map((field) => settings[field][axis]);
  return { n, k, s, p, pe, d, op, ceil: settings.ceilMode };
}

/**
 * Return padding="same" as PyTorch pads for it: [before, after] per axis, d·(k − 1) cells in all, the odd one after
 * (at the bottom and right); null where PyTorch refuses it, with its reason.
 */
export function samePadding(kernel, dilation) {
  const total = both((a) => dilation[a] * (kernel[a] - 1));
  const before = total.map((t) => Math.floor(t / 2));
  return { padding: before, padEnd: total.map((t, a) => t - before[a]) };
}

function checkAtLeast({ n, k, s, p, d }) {
  const atLeastOne = [
    ["input size", n, "the input needs at least one cell"],
    ["kernel size", k, "the kernel needs at least one cell"],
    ["stride", s, "use 1 to move one cell per step"],
    ["dilation", d, "use 1 for a kernel whose taps touch"],
  ];
  for (const [name, value, advice] of atLeastOne) {
    if (value < 1) throw new SettingError(`${name} must be at least 1, got ${value}: ${advice}`);
  }
  if (p < 0) throw new SettingError(`padding must be 0 or more, got ${p}: use 0 for no padding`);
}

function checkSpan({ n, k, p, pe, d }, extent) {
  const padded = n + p + pe;
  const covered = span(k, d);
  if (covered > padded) {
    const fix = d > 1 ? "lower the dilation or add padding" : "use a smaller kernel or add padding";
    throw new SettingError(
      `a ${k}-${extent} kernel at dilation ${d} spans ${covered} cells ` +
        `but the padded input is only ${padded} ${extent}: ${fix}`,
    );
  }
}

function checkTransposed(a, extent) {
  checkAtLeast(a);
  if (a.op < 0) throw new SettingError(`output padding must be 0 or more, got ${a.op}: use 0 for none`);
  if (a.op >= a.s && a.op >= a.d) {
    throw new SettingError(
      `output padding must be smaller than the stride or the dilation, got output padding ${a.op} ` +
        `with stride ${a.s} and dilation ${a.d}: lower the output padding or raise the stride`,
    );
  }
  const full = (a.n - 1) * a.s + span(a.k, a.d) + a.op;
  if (full - 2 * a.p < 1) {
    throw new SettingError(
      `padding ${a.p} crops the whole output away (it would be ${full - 2 * a.p} ${extent}): ` +
        `use padding ${Math.floor((full - 1) / 2)} or less`,
    );
  }
}

function checkPool(a, extent, average) {
  checkAtLeast(a);
  if (average && a.d !== 1) {
    throw new SettingError(`average pooling has no dilation (nn.AvgPool2d), got ${a.d}: use dilation 1`);
  }
  if (a.p > Math.floor(a.k / 2)) {
    throw new SettingError(
      `padding must be at most half the kernel size for pooling, got padding ${a.p} with a ${a.k}-${extent} ` +
        `kernel: use padding ${Math.floor(a.k / 2)} or less, or a larger kernel`,
    );
  }
  if (poolLength(a) < 1) checkSpan(a, extent);
}

/** Return PyTorch's pooling output length along one axis, ceil_mode's rule included. */
function poolLength({ n, k, s, p, d, ceil }) {
  const length = Math.floor((n + 2 * p - span(k, d) + (ceil ? s - 1 : 0)) / s) + 1;
  // In ceil mode the last window must start inside the input or its left padding.
  return ceil && (length - 1) * s >= n + p ? length - 1 : length;
}

const RULES = {
  conv: {
    check: (a, extent) => {
      checkAtLeast(a);
      checkSpan(a, extent);
    },
    length: (a) => Math.floor((a.n + a.p + a.pe - span(a.k, a.d)) / a.s) + 1,
  },
  transposed: { check: checkTransposed, length: (a) => (a.n - 1) * a.s - 2 * a.p + span(a.k, a.d) + a.op },
  maxpool: { check: (a, extent) => checkPool(a, extent, false), length: poolLength },
  avgpool: { check: (a, extent) => checkPool(a, extent, true), length: poolLength },
};

/** Return the drawn grids of an operation: where the real cells sit, and what surrounds them. */
function canvases(g) {
  if (g.op === "transposed") {
    // The output is drawn whole, before padding crops it: the cropped border is shown, then dropped.
    const full = both((a) => (g.size[a] - 1) * g.stride[a] + g.span[a]);
    const extent = both((a) => Math.max(full[a], g.padding[a] + g.output[a]));
    return {
      input: { size: g.size, origin: [0, 0], inner: g.size, outer: g.size, edge: "padding" },
      output: { size: extent, origin: g.padding, inner: g.output, outer: extent, edge: "cropped" },
    };
  }
  const padded = both((a) => g.size[a] + g.padding[a] + g.padEnd[a]);
  // In ceil mode a pooling window may hang past the padding: those cells are drawn, and never counted.
  const reach = both((a) => Math.max(padded[a], (g.output[a] - 1) * g.stride[a] + g.span[a]));
  return {
    input: { size: reach, origin: g.padding, inner: g.size, outer: padded, edge: "padding" },
    output: { size: g.output, origin: [0, 0], inner: g.output, outer: g.output, edge: "cropped" },
  };
}

/**
 * Return the checked geometry of settings given as [h, w] pairs (op, size, kernel, stride, padding, dilation,
 * outputPadding, ceilMode, and padEnd: the padding after the input, the padding before unless given): with the
 * dilated span, the output size and the drawn input and output grids.
 */
export function geometry(settings) {
  const s = { op: "conv", outputPadding: [0, 0], ceilMode: false, padEnd: settings.padding, same: false, ...settings };
  const rules = RULES[s.op];
  for (const axis of [1, 0]) rules.check(axisOf(s, axis), EXTENT[axis]); // width first, as convlab
  const g = {
    ...s,
    span: both((a) => span(s.kernel[a], s.dilation[a])),
    output: both((a) => rules.length(axisOf(s, a))),
  };
  return { ...g, canvas: canvases(g) };
}

/** Return "inner" (an input or output cell), the canvas's edge ("padding" or "cropped"), or "beyond". */
export function cellKind(canvas, r, c) {
  const within = (v, axis) => v >= canvas.origin[axis] && v < canvas.origin[axis] + canvas.inner[axis];
  if (within(r, 0) && within(c, 1)) return "inner";
  return r < canvas.outer[0] && c < canvas.outer[1] ? canvas.edge : "beyond";
}

/**
 * Return every step, in order. A step is one output cell for convolution and pooling (it reads one input cell per
 * kernel tap), one input cell for transposed convolution (it writes one output cell per tap). Each term k is a tap:
 * `from` an input-canvas cell, `to` an output-canvas cell.
 */
export function steps(g) {
  const list = [];
  const transposed = g.op === "transposed";
  const [rows, cols] = transposed ? g.size : g.output;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const terms = [];
      for (let a = 0; a < g.kernel[0]; a++) {
        for (let b = 0; b < g.kernel[1]; b++) {
          const tap = [i * g.stride[0] + a * g.dilation[0], j * g.stride[1] + b * g.dilation[1]];
          terms.push(
            transposed ? { k: terms.length, from: [i, j], to: tap } : { k: terms.length, from: tap, to: [i, j] },
          );
        }
      }
      list.push({ at: [i, j], terms });
    }
  }
  return list;
}

/** Return the value the operation reads from an input-canvas cell: null where it reads nothing. */
export function inputValue(g, grid, [r, c]) {
  const kind = cellKind(g.canvas.input, r, c);
  if (kind === "inner") return grid[r - g.canvas.input.origin[0]][c - g.canvas.input.origin[1]];
  if (kind === "padding") return g.op === "maxpool" ? -Infinity : 0; // max pooling pads with −∞
  return null;
}

/** Return a gather step's value: the weighted sum, the largest value (and the winning term), or the mean. */
export function stepValue(g, grid, weights, step) {
  const read = step.terms.map((term) => ({ term, x: inputValue(g, grid, term.from) })).filter(({ x }) => x !== null);
  if (g.op === "maxpool") {
    let best = { value: -Infinity, winner: null };
    for (const { term, x } of read) if (x > best.value) best = { value: x, winner: term.k }; // the first largest wins, as torch
    return best;
  }
  const flat = weights.flat();
  const sum = read.reduce((total, { term, x }) => total + (g.op === "avgpool" ? x : flat[term.k] * x), 0);
  return g.op === "avgpool" ? { value: sum / read.length, sum, divisor: read.length } : { value: sum };
}

/**
 * Return the output canvas's values after the first `count` steps (every step when count is omitted); null where no
 * step has written yet. `visit(r, c, value)` sees every value a cell takes on the way.
 */
export function outputCanvas(g, grid, weights, stepList, count = stepList.length, visit = () => {}) {
  const values = Array.from({ length: g.canvas.output.size[0] }, () => new Array(g.canvas.output.size[1]).fill(null));
  const flat = weights.flat();
  for (const step of stepList.slice(0, count)) {
    if (g.op !== "transposed") {
      values[step.at[0]][step.at[1]] = stepValue(g, grid, weights, step).value;
      visit(...step.at, values[step.at[0]][step.at[1]]);
      continue;
    }
    const x = grid[step.at[0]][step.at[1]];
    for (const {
      k,
      to: [r, c],
    } of step.terms) {
      values[r][c] = (values[r][c] ?? 0) + flat[k] * x;
      visit(r, c, values[r][c]);
    }
  }
  return values;
}

/** Return the output itself, row by row (a transposed convolution's cropped border removed). */
export function output(g, grid, weights, stepList = steps(g)) {
  const canvas = outputCanvas(g, grid, weights, stepList);
  const [r0, c0] = g.canvas.output.origin;
  return Array.from({ length: g.output[0] }, (_, i) =>
    Array.from({ length: g.output[1] }, (_, j) => canvas[r0 + i][c0 + j] ?? 0),
  );
}

/** Return the output of sliding weights over grid (cross-correlation, as nn.Conv2d), plus a bias, row by row. */
export function correlate(grid, weights, g, bias = 0) {
  return output(g, grid, weights).map((row) => row.map((v) => v + bias));
}

/** Return the output-size formula along one axis (0 = height) with the numbers filled in. */
export function formula(g, axis) {
  const { n, k, s, p, pe, d, op, ceil } = axisOf(g, axis);
  const out = g.output[axis];
  if (g.op === "transposed") return `(${n} − 1)×${s} − 2×${p} + ${d}×(${k} − 1) + ${op} + 1 = ${out}`;
  const reach = g.op === "avgpool" ? `${k}` : `${d}×(${k} − 1) − 1`; // average pooling has no dilation
  const inner = `(${n} + ${p === pe ? `2×${p}` : `${p} + ${pe}`} − ${reach}) / ${s}`;
  if (!ceil || g.op === "conv") return `⌊${inner}⌋ + 1 = ${out}`;
  const rounded = Math.ceil((n + 2 * p - span(k, d)) / s) + 1;
  const dropped = rounded !== out ? `, then ${out}: the last window would start in the right padding` : "";
  return `⌈${inner}⌉ + 1 = ${rounded}${dropped}`;
}

const pairText = ([h, w]) => (h === w ? `${h}` : `(${h}, ${w})`);

/** The channel settings of a layer with one input and one output channel and no bias. */
export const ONE_CHANNEL = { inChannels: 1, outChannels: 1, groups: 1, bias: false };

/** Return the PyTorch line that makes this operation, every setting written out. */
export function pytorchLine(g, ch = ONE_CHANNEL) {
  const common = `kernel_size=${pairText(g.kernel)}, stride=${pairText(g.stride)}, padding=${g.same ? "'same'" : pairText(g.padding)}`;
  const ceil = `ceil_mode=${g.ceilMode ? "True" : "False"}`;
  const channels = `${ch.inChannels}, ${ch.outChannels}`;
  const tail = `${ch.groups !== 1 ? `groups=${ch.groups}, ` : ""}bias=${ch.bias ? "True" : "False"}`;
  const lines = {
    conv: `nn.Conv2d(${channels}, ${common}, dilation=${pairText(g.dilation)}, ${tail})`,
    transposed: `nn.ConvTranspose2d(${channels}, ${common}, output_padding=${pairText(g.outputPadding)}, dilation=${pairText(g.dilation)}, ${tail})`,
    maxpool: `nn.MaxPool2d(${common}, dilation=${pairText(g.dilation)}, ${ceil})`,
    avgpool: `nn.AvgPool2d(${common}, ${ceil}, count_include_pad=True)`,
  };
  return lines[g.op];
}

/** Return value rounded to `precision` decimals without trailing zeros, as convlab's format_value. */
export function formatValue(value, precision = 2) {
  if (value === -Infinity) return "−∞";
  let text = value.toFixed(precision);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text.replace("-", "−");
}

// ---- channels and groups ------------------------------------------------------------------------------------------
// A convolution's weight is [out, in/groups, kH, kW]; a transposed convolution's is [in, out/groups, kH, kW]. With
// groups, input channel c and output channel o are joined only when they sit in the same group.

/** Check channel counts and groups as nn.Conv2d and nn.ConvTranspose2d do; throw PyTorch's reason in one line. */
export function checkChannels({ inChannels, outChannels, groups }) {
  if (groups < 1)
    throw new SettingError(`groups must be a positive integer, got ${groups}: use 1 for an ordinary convolution`);
  const common = divisors(inChannels)
    .filter((d) => outChannels % d === 0)
    .join(", ");
  for (const [name, count] of [
    ["in_channels", inChannels],
    ["out_channels", outChannels],
  ]) {
    if (count % groups !== 0) {
      throw new SettingError(
        `${name} must be divisible by groups (PyTorch's ValueError), got ${name}=${count} with groups=${groups}: ` +
          `choose groups ${common} (a divisor of both ${inChannels} and ${outChannels})`,
      );
    }
  }
}

/** Return the whole numbers that divide n, smallest first. */
export function divisors(n) {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** Return the weight tensor's shape [first, second, kH, kW] for these settings (PyTorch's layout). */
export function weightShape(g, ch) {
  const transposed = g.op === "transposed";
  const first = transposed ? ch.inChannels : ch.outChannels;
  const second = (transposed ? ch.outChannels : ch.inChannels) / ch.groups;
  return [first, second, g.kernel[0], g.kernel[1]];
}

/** Return the layer's parameter count: every weight, plus one bias per output channel when there is a bias. */
export function parameterCount(g, ch) {
  return weightShape(g, ch).reduce((a, b) => a * b, 1) + (ch.bias ? ch.outChannels : 0);
}

/** Return the group a channel belongs to, out of `count` channels split into `groups`. */
export const groupOf = (channel, count, groups) => Math.floor(channel / (count / groups));

/**
 * Return every link between an input channel and an output channel: `input`, `output`, and `weight`, the index
 * [first, second] of its kernel in the weight tensor. Ordered by output channel for a convolution, by input
 * channel for a transposed convolution (the order their steps run in).
 */
export function links(g, ch) {
  const [first, second] = weightShape(g, ch);
  const list = [];
  for (let a = 0; a < first; a++) {
    for (let b = 0; b < second; b++) {
      const group = Math.floor(a / (first / ch.groups));
      const other = group * second + b;
      list.push(
        g.op === "transposed"
          ? { input: a, output: other, weight: [a, b] }
          : { input: other, output: a, weight: [a, b] },
      );
    }
  }
  return list;
}

/**
 * Return every step over all channels: for a convolution, each output channel's steps in turn; for a transposed
 * convolution, each input channel's. Each step is steps(g)'s, with the `channel` it belongs to.
 */
export function channelSteps(g, ch) {
  const count = g.op === "transposed" ? ch.inChannels : ch.outChannels;
  const one = steps(g);
  return Array.from({ length: count }, (_, channel) => one.map((step) => ({ ...step, channel }))).flat();
}

/** Return the kernel of a link: its grid in the weight tensor. */
const kernelOf = (kernels, link) => kernels[link.weight[0]][link.weight[1]];

/**
 * Return a convolution step's arithmetic over channels: each link's weighted sum (`partials`, with its link),
 * the bias of the output channel and the value (their total plus the bias).
 */
export function channelSum(g, ch, inputs, kernels, biases, step) {
  const partials = links(g, ch)
    .filter((link) => link.output === step.channel)
    .map((link) => ({ link, value: stepValue(g, inputs[link.input], kernelOf(kernels, link), step).value }));
  const bias = biases[step.channel];
  return { partials, bias, value: partials.reduce((total, p) => total + p.value, 0) + bias };
}

/**
 * Return each output channel's canvas after the first `count` steps (all when omitted); null where no step has
 * written. A transposed convolution's cell starts from its channel's bias when first written. `visit(o, r, c,
 * value)` sees every value a cell takes on the way.
 */
export function outputCanvases(g, ch, inputs, kernels, biases, stepList, count = stepList.length, visit = () => {}) {
  const [rows, cols] = g.canvas.output.size;
  const canvases = Array.from({ length: ch.outChannels }, () =>
    Array.from({ length: rows }, () => new Array(cols).fill(null)),
  );
  const all = links(g, ch);
  for (const step of stepList.slice(0, count)) {
    if (g.op !== "transposed") {
      const [r, c] = step.at;
      canvases[step.channel][r][c] = channelSum(g, ch, inputs, kernels, biases, step).value;
      visit(step.channel, r, c, canvases[step.channel][r][c]);
      continue;
    }
    const x = inputs[step.channel][step.at[0]][step.at[1]];
    for (const link of all.filter((l) => l.input === step.channel)) {
      const flat = kernelOf(kernels, link).flat();
      const values = canvases[link.output];
      for (const {
        k,
        to: [r, c],
      } of step.terms) {
        values[r][c] = (values[r][c] ?? biases[link.output]) + flat[k] * x;
        visit(link.output, r, c, values[r][c]);
      }
    }
  }
  return canvases;
}

/** Return every output channel, row by row (a transposed convolution's cropped border removed; bias added). */
export function channelOutputs(g, ch, inputs, kernels, biases, stepList = channelSteps(g, ch)) {
  const canvases = outputCanvases(g, ch, inputs, kernels, biases, stepList);
  const [r0, c0] = g.canvas.output.origin;
  return canvases.map((canvas, o) =>
    Array.from({ length: g.output[0] }, (_, i) =>
      Array.from({ length: g.output[1] }, (_, j) => canvas[r0 + i][c0 + j] ?? biases[o]),
    ),
  );
}
