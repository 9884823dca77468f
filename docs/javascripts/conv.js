// Convolution arithmetic for the explorer: the same rules, and the same error wording, as
// convlab/arithmetic.py and the convlab command line. The browser tests compare every value with
// torch.nn.functional.conv2d.

const FIELDS = ["size", "kernel", "stride", "padding", "dilation"];
const EXTENT = ["tall", "wide"];
export const MAX_SIZE = 16;

/** Parse "N" or "HxW" into [h, w]; throw an Error worded as convlab's parse_size. */
export function parseSize(text) {
  const parts = String(text).trim().toLowerCase().replace("×", "x").split("x");
  const numbers = parts.map((part) => (/^-?\d+$/.test(part.trim()) ? Number(part) : NaN));
  if (numbers.some(Number.isNaN) || numbers.length > 2) {
    throw new Error(`'${text}' is not a size: write N or HxW, e.g. 6 or 5x7`);
  }
  return numbers.length === 1 ? [numbers[0], numbers[0]] : numbers;
}

/** Parse "1,2,3;4,5,6" into rows of numbers; throw an Error worded as convlab's parse_weights. */
export function parseWeights(text) {
  const example = "write rows of numbers separated by ';' and values by ',', e.g. \"1,2,3;4,5,6;7,8,9\"";
  const rows = String(text).split(";").map((row) => {
    const values = row.split(",").map((value) => (value.trim() === "" ? NaN : Number(value)));
    if (values.some(Number.isNaN)) throw new Error(`--weights: '${row.trim()}' is not a row of numbers: ${example}`);
    if (!values.every(Number.isFinite)) {
      throw new Error(`--weights: '${row.trim()}' holds a value that is not a finite number: ${example}`);
    }
    return values;
  });
  const lengths = [...new Set(rows.map((row) => row.length))].sort((a, b) => a - b);
  if (lengths.length > 1) {
    throw new Error(`--weights: rows have ${lengths.join(" and ")} values: every row needs the same count`);
  }
  return rows;
}

function checkAxis(size, kernel, stride, padding, dilation, axis) {
  const atLeastOne = [
    ["input size", size, "the input needs at least one cell"],
    ["kernel size", kernel, "the kernel needs at least one cell"],
    ["stride", stride, "use 1 to move one cell per step"],
    ["dilation", dilation, "use 1 for a kernel whose taps touch"],
  ];
  for (const [name, value, advice] of atLeastOne) {
    if (value < 1) throw new Error(`${name} must be at least 1, got ${value}: ${advice}`);
  }
  if (padding < 0) throw new Error(`padding must be 0 or more, got ${padding}: use 0 for no padding`);
  const extent = EXTENT[axis];
  const padded = size + 2 * padding;
  const covered = dilation * (kernel - 1) + 1;
  if (covered > padded) {
    const fix = dilation > 1 ? "lower the dilation or add padding" : "use a smaller kernel or add padding";
    throw new Error(
      `a ${kernel}-${extent} kernel at dilation ${dilation} spans ${covered} cells ` +
        `but the padded input is only ${padded} ${extent}: ${fix}`,
    );
  }
}

/** Return the checked geometry of settings given as [h, w] pairs, with padded, span and output sizes. */
export function geometry(settings) {
  for (const axis of [1, 0]) {
    checkAxis(...FIELDS.map((field) => settings[field][axis]), axis); // width first, as convlab
  }
  const { size, kernel, stride, padding, dilation } = settings;
  const both = (f) => [f(0), f(1)];
  const span = both((a) => dilation[a] * (kernel[a] - 1) + 1);
  return {
    size, kernel, stride, padding, dilation, span,
    padded: both((a) => size[a] + 2 * padding[a]),
    output: both((a) => Math.floor((size[a] + 2 * padding[a] - span[a]) / stride[a]) + 1),
  };
}

/** Return the padded-input cells [r, c] that output (i, j) reads, row by row. */
export function taps(g, i, j) {
  const cells = [];
  for (let a = 0; a < g.kernel[0]; a++) {
    for (let b = 0; b < g.kernel[1]; b++) cells.push([i * g.stride[0] + a * g.dilation[0], j * g.stride[1] + b * g.dilation[1]]);
  }
  return cells;
}

/** Return the grid surrounded by zeros, g.padding cells on each side. */
export function pad(grid, g) {
  const [ph, pw] = g.padding;
  const width = grid[0].length + 2 * pw;
  const blank = () => new Array(width).fill(0);
  return [
    ...Array.from({ length: ph }, blank),
    ...grid.map((row) => [...new Array(pw).fill(0), ...row, ...new Array(pw).fill(0)]),
    ...Array.from({ length: ph }, blank),
  ];
}

/** Return the output of sliding weights over grid (cross-correlation, as nn.Conv2d), row by row. */
export function correlate(grid, weights, g, bias = 0) {
  const padded = pad(grid, g);
  const flat = weights.flat();
  const out = [];
  for (let i = 0; i < g.output[0]; i++) {
    const row = [];
    for (let j = 0; j < g.output[1]; j++) {
      row.push(taps(g, i, j).reduce((sum, [r, c], k) => sum + flat[k] * padded[r][c], bias));
    }
    out.push(row);
  }
  return out;
}

/** Return value rounded to `precision` decimals without trailing zeros, as convlab's format_value. */
export function formatValue(value, precision = 2) {
  let text = value.toFixed(precision);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text.replace("-", "−");
}
