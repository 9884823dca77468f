// What a number is, in the explorer exactly as on the convlab command line (convlab.cli.parse_size and
// parse_grid, with their error wording): ASCII digits only, an optional leading minus ("-" or "−"), a
// decimal point and an exponent for values; no "+", "_", hexadecimal, other scripts' digits or names.
// tests/grammar_cases.json holds the cases both sides are tested on.

/** A setting the reader can fix: the message says what to change (convlab's UsageError). */
export class SettingError extends Error {}

const WHOLE_NUMBER = /^[-−]?[0-9]+$/;
const NUMBER = /^[-−]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
const SIZE_SEPARATOR = /[x×X]/;
export const LARGEST_VALUE = 1_000_000;
const GRID_EXAMPLE = "write rows of numbers separated by ';' and values by ',', e.g. \"1,2,3;4,5,6;7,8,9\"";

// Python's str.strip() removes what str.isspace() calls space, which is not quite JavaScript's trim().
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const EDGE_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "g");
// Python's repr() escapes what str.isprintable() refuses: these categories, except the plain space.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Zs}]/u;
const ESCAPES = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** Return text without leading and trailing space, as Python's str.strip(). */
export function pythonStrip(text) {
  return text.replace(EDGE_SPACE, "");
}

/** Return text quoted and escaped as Python's repr() writes a string. */
export function pythonRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    const code = char.codePointAt(0);
    if (char in ESCAPES) body += ESCAPES[char];
    else if (char === quote) body += `\\${char}`;
    else if (char === " " || !UNPRINTABLE.test(char)) body += char;
    else if (code < 0x100) body += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) body += `\\u${code.toString(16).padStart(4, "0")}`;
    else body += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return quote + body + quote;
}

/** Return what the reader wrote, quoted, cut to `limit` characters when longer, as convlab.errors.shown. */
export function pythonShown(text, limit = 40) {
  const chars = Array.from(text); // Python counts and slices code points
  if (chars.length <= limit) return pythonRepr(text);
  return `${pythonRepr(`${chars.slice(0, limit / 2).join("")}…`)} (${chars.length} characters)`;
}

/** Return a whole number WHOLE_NUMBER matched; throw, as convlab.cli's _whole, if it is beyond LARGEST_VALUE. */
function whole(text) {
  const digits = text.replace(/^[-−]+/, "");
  if (digits.length > String(LARGEST_VALUE).length || Number(digits) > LARGEST_VALUE) {
    throw new SettingError(`${pythonShown(text)} is too large: no setting takes a number beyond ${LARGEST_VALUE}`);
  }
  return Number(text.replace("−", "-"));
}

/** Return "N" or "HxW" as [h, w]; throw an Error worded as convlab's parse_size. */
export function parseSize(text) {
  const parts = String(text).split(SIZE_SEPARATOR).map(pythonStrip);
  if (parts.length > 2 || !parts.every((part) => WHOLE_NUMBER.test(part))) {
    throw new SettingError(`${pythonShown(String(text))} is not a size: write N or HxW, e.g. 6 or 5x7`);
  }
  const numbers = parts.map(whole);
  return numbers.length === 1 ? [numbers[0], numbers[0]] : numbers;
}

function parseRow(row, option) {
  const tokens = row.split(",").map(pythonStrip);
  if (!tokens.every((token) => NUMBER.test(token))) {
    throw new SettingError(`${option}: ${pythonShown(pythonStrip(row))} is not a row of numbers: ${GRID_EXAMPLE}`);
  }
  return tokens.map((token) => {
    const value = Number(token.replace("−", "-"));
    if (!Number.isFinite(value) || Math.abs(value) > LARGEST_VALUE) {
      throw new SettingError(
        `${option}: ${pythonShown(token)} is outside the range ±${LARGEST_VALUE}: use numbers no larger than that`,
      );
    }
    return value;
  });
}

/** Return rows of numbers written "1,2,3;4,5,6"; throw an Error worded as convlab's parse_grid, naming option. */
export function parseGrid(text, option = "--weights") {
  text = String(text);
  if (!pythonStrip(text)) throw new SettingError(`${option} is empty: ${GRID_EXAMPLE}`);
  const rows = text.split(";").map((row) => parseRow(row, option));
  const lengths = [...new Set(rows.map((row) => row.length))].sort((a, b) => a - b);
  if (lengths.length > 1) {
    throw new SettingError(`${option}: rows have ${lengths.join(" and ")} values: every row needs the same count`);
  }
  return rows;
}

/**
 * Return one grid per channel, grids written as for parseGrid and separated by "|", every grid the same shape;
 * throw an Error worded as convlab's parse_channels.
 */
export function parseChannels(text, option = "--weights") {
  const grids = String(text)
    .split("|")
    .map((part) => parseGrid(part, option));
  const shape = (grid) => `${grid.length}x${grid[0].length}`;
  grids.forEach((grid, i) => {
    if (shape(grid) !== shape(grids[0])) {
      throw new SettingError(
        `${option}: grid ${i} is ${shape(grid)} but grid 0 is ${shape(grids[0])}: every grid between '|' needs the same shape`,
      );
    }
  });
  return grids;
}

/** Return the biases written "0.5,-1" (one number, or one per output channel); throw as convlab's parse_bias. */
export function parseBias(text, option = "--bias") {
  const rows = parseGrid(text, option);
  if (rows.length !== 1) {
    throw new SettingError(
      `${option}: ${pythonShown(String(text))} is not one row: write one number, or one per output channel separated by ',', e.g. 0.5,-1`,
    );
  }
  return rows[0];
}
