// The arithmetic under the grids: for the current step (or the cell pointed at), every product or value laid out
// in the kernel's shape, each with the number its kernel weight and input cell carry, then the result.
import { formatValue } from "./conv.js";
import { linkModel, meanDivisor } from "./explorer-state.js";
import { element } from "./explorer-view.js";

const mark = (k) => element("span", { class: "mark", "aria-hidden": "true", text: String(k + 1) });
const signed = (x) => (x < 0 ? `(${formatValue(x)})` : formatValue(x));

function where(model, [r, c], canvas) {
  const [r0, c0] = model.g.canvas[canvas].origin;
  return [r - r0, c - c0];
}

/** Return an input value as the sum shows it: padding and cells past the padding look as they do in the grid. */
function valueNode(term, op) {
  if (term.kind === "beyond")
    return element("span", { class: "term-beyond", title: "past the padding: not counted", text: "·" });
  const text = term.kind === "padding" && op === "maxpool" ? "−∞" : signed(term.x);
  const title = { padding: "padding", inserted: "a zero inserted between input cells" }[term.kind] ?? "";
  return element("span", { class: title ? "term-padding" : "", title, text });
}

/**
 * Return the terms of a sum, one line per row of the kernel, between `open` and `close` ("(" and ") / 9 = 4"). Each
 * term is kept whole with its sign, tap number and value, `open` with the first and `close` with the last, so a line
 * that has to wrap breaks only between terms. `join` writes what goes between terms n - 1 and n: a "+" or "−" starts
 * term n, a comma ends term n - 1.
 */
function rows(terms, width, termNode, join, open = "", close = "") {
  const table = element("span", { class: "sum-rows" });
  let row = null;
  let last = null;
  terms.forEach((term, n) => {
    const between = n > 0 ? join(term, n) : "";
    if (between.trim() === ",") last.append(",");
    if (n % width === 0) {
      row = element("span", { class: "sum-row" });
      table.append(n > 0 ? " " : "", row);
    } else row.append(" ");
    const sign = between.trim() === "," ? "" : between.trimStart();
    last = element("span", { class: "term" }, [n === 0 ? open : sign, mark(term.k), ...termNode(term)]);
    row.append(last);
  });
  last.append(close);
  return table;
}

function product(term) {
  return [`${formatValue(Math.abs(term.w))}×`, valueNode(term)];
}

const plusOrMinus = (term) => (term.w < 0 ? " − " : " + ");

function gatherSum(model, focus, label = null) {
  const { g, weights } = model;
  const { terms, at } = focus.sum;
  const [i, j] = where(model, at, "output");
  const inside = g.op !== "transposed" || (i >= 0 && j >= 0 && i < g.output[0] && j < g.output[1]);
  const head = label ?? (inside ? `output[${i}, ${j}] = ` : `cropped cell [${at[0]}, ${at[1]}] of the full output = `);
  const width = g.op === "transposed" ? terms.length || 1 : g.kernel[1];
  const result = `= ${formatValue(focus.sum.value)}`;
  if (terms.length === 0) {
    const added = at.some((v, a) => v >= (g.size[a] - 1) * g.stride[a] + g.span[a]);
    return [head, `0: no input cell reaches it${added ? " (output padding added this row or column)" : ""}`];
  }
  if (g.op === "maxpool") {
    const winnerNode = (term) => {
      const node = valueNode(term, "maxpool");
      if (focus.sum.winner === term.k) node.classList.add("term-winner");
      return [node];
    };
    return [head, rows(terms, width, winnerNode, () => ", ", "max(", `) ${result}`)];
  }
  const divisor = g.op === "avgpool" ? focus.sum.divisor : meanDivisor(weights);
  if (divisor) {
    const counted = g.op === "avgpool" && terms.some((t) => t.kind === "beyond") ? ` (${divisor} cells counted)` : "";
    const close = `) / ${divisor}${counted} ${result}`;
    return [
      head,
      rows(
        terms,
        width,
        (term) => [valueNode(term, g.op)],
        () => " + ",
        "(",
        close,
      ),
    ];
  }
  const first = (term) => (term.w < 0 ? ["−", ...product(term)] : product(term));
  const node = (term) => (term === terms[0] ? first(term) : product(term));
  return [head, rows(terms, width, node, plusOrMinus, "", ` ${result}`)];
}

function scatterSum(model, focus, label = null) {
  const { at, x, terms } = focus.sum;
  const divisor = meanDivisor(model.weights);
  const node = (term) => [`${signed(x)}×${divisor ? `1/${divisor}` : signed(term.w)}`];
  return [
    label ??
      `input[${at[0]}, ${at[1]}] = ${formatValue(x)}, times each weight, added into the output cell with the same number: `,
    rows(terms, model.g.kernel[1], node, () => ", "),
  ];
}

function readerSum(model, focus, label = null) {
  const { at, x, cellKind, count } = focus.sum;
  const [r, c] = where(model, at, "input");
  if (cellKind === "beyond") return ["Past the padding: no window counts this cell."];
  const kind = model.direct?.kinds[at[0]][at[1]] ?? cellKind;
  const [i, j] = model.direct?.sources[at[0]][at[1]] ?? [r, c]; // the direct view's grid holds input cell [i, j] here
  const name =
    {
      padding: `Padding cell [${at[0]}, ${at[1]}] (${formatValue(x)})`,
      inserted: `The zero inserted at [${at[0]}, ${at[1]}]`,
    }[kind] ?? `input[${i}, ${j}] = ${formatValue(x)}`;
  const role =
    model.g.op === "conv"
      ? "the number on each is the weight it meets there"
      : "the number on each is its place in that window";
  return [`${label ?? ""}${name} is read by ${count} output cell${count === 1 ? "" : "s"} (blue); ${role}.`];
}

const SUMS = { gather: gatherSum, scatter: scatterSum, reader: readerSum };

/** Return the label of one link's part: which channels it joins and which kernel of the weight it uses. */
function partLabel({ link, focus }) {
  const kernel = `w[${link.weight.join(", ")}]`;
  if (focus.sum.kind === "scatter") {
    return `input channel ${link.input} [${focus.sum.at.join(", ")}] = ${formatValue(focus.sum.x)}, times ${kernel}, into output channel ${link.output}: `;
  }
  if (focus.sum.kind === "reader") return `output channel ${link.output} (${kernel}): `;
  return `input channel ${link.input} ∗ ${kernel}`;
}

/**
 * Return the arithmetic of a focus over several links or with a bias: each link's part (marked with its channel),
 * then, where one output cell is computed, the partial sums added up with the bias.
 */
function channelParts(model, focus) {
  const parts = focus.parts.map((part) => {
    const sub = linkModel(model, part.link);
    const [label, ...body] = SUMS[part.focus.sum.kind](sub, part.focus, partLabel(part));
    return element("div", { class: "sum-part", "data-channel": String(part.link.input) }, [
      element("span", { class: "sum-label", text: label }),
      element("span", { class: "sum-body" }, body),
    ]);
  });
  if (!focus.total) return parts;
  const { channel, at, bias, value } = focus.total;
  const [i, j] = where(model, at, "output");
  const inside = i >= 0 && j >= 0 && i < model.g.output[0] && j < model.g.output[1];
  const head = inside ? `output[${channel}, ${i}, ${j}]` : `cropped cell [${channel}, ${at[0]}, ${at[1]}]`;
  const sums = focus.parts.map(({ focus: f }) => signed(f.sum.value));
  const terms = [...sums, ...(model.ch.bias ? [`bias ${signed(bias)}`] : [])];
  // Each piece kept whole on a line: the line breaks only before a "+".
  const pieces = terms.map(
    (term, n) => `${n ? "+ " : `${head} = `}${term}${n === terms.length - 1 ? ` = ${formatValue(value)}` : ""}`,
  );
  const total = pieces.flatMap((piece, n) => [n ? " " : "", element("span", { class: "sum-piece", text: piece })]);
  return [...parts, element("div", { class: "sum-total", "data-testid": "step-total" }, total)];
}

/** Show the arithmetic of a focus, or the summary when every step is done (focus null). */
export function showSum(view, model, focus) {
  const { g } = model;
  let parts;
  if (!focus) {
    const total = model.steps.length;
    const channels = model.ch.outChannels > 1 ? ` × ${model.ch.outChannels} channels` : "";
    parts = [
      `Output ${g.output[0]}×${g.output[1]}${channels}: all ${total} steps done. Point at (or tab to) a cell to see its arithmetic.`,
    ];
  } else if (focus.parts.length === 1 && !model.ch.bias) {
    const [part] = focus.parts;
    parts = SUMS[part.focus.sum.kind](linkModel(model, part.link), part.focus);
  } else {
    parts = channelParts(model, focus);
  }
  view.sum.replaceChildren(...parts);
}
