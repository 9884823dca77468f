// The convolution explorer (explorer/): settings in the URL, a step-by-step run that opens on step 1 and plays
// (unless the reader prefers reduced motion), highlights for the step or the cell pointed at, the PyTorch line, and
// the trained model's filters on a real digit. State: explorer-state.js; drawing: explorer-view.js and
// explorer-sum.js; this module wires the events. Runs on every page change (Material's instant navigation).
import { OPERATIONS } from "./conv.js";
import { setupDigit } from "./explorer-digit.js";
import {
  BOUNDS,
  defaultOf,
  effective,
  inputFocus,
  KERNELS,
  modelOf,
  outputFocus,
  queryText,
  readQuery,
  stepFocus,
  stepInterval,
} from "./explorer-state.js";
import { showSum } from "./explorer-sum.js";
import { buildLayout, COUNTING, drawModel, fitText, showFocus, showProgress } from "./explorer-view.js";
import { SettingError } from "./grammar.js";

const own = (object, key) => key !== null && Object.hasOwn(object, key);
// JavaScript writes each number so that it reads back as the same number, in the grammar's own form.
const gridText = (rows) => rows.map((row) => row.map(String).join(",")).join(";");
const gridsText = (grids) => grids.map(gridText).join("|");
const reducedMotion = () => matchMedia("(prefers-reduced-motion: reduce)").matches;

// ---- state -------------------------------------------------------------------------------------------------------

/** Compute the model of the current settings and draw it, or show why the settings are refused. */
function render(ex) {
  const playing = ex.timer !== null;
  stop(ex);
  ex.pinned = null;
  let model = null;
  try {
    model = modelOf(ex.raw);
  } catch (problem) {
    if (!(problem instanceof SettingError)) throw problem; // a bug, not a setting: keep its stack
    ex.view.error.textContent = problem.message;
    ex.view.form.open = true; // on a phone the settings are folded away: show what to change
  }
  ex.view.error.hidden = model !== null;
  ex.view.work.hidden = model === null;
  // Drawn before it becomes the model: replacing a focused cell fires focusout, which shows the old model's step.
  if (model) drawModel(ex.view, model);
  ex.model = model;
  syncFields(ex);
  if (!model) return;
  measure(ex);
  show(ex, 0);
  if (playing) play(ex);
}

/** Show step `step` (clamped; steps.length means every step done): the output so far, highlights and arithmetic. */
function show(ex, step) {
  const total = ex.model.steps.length;
  ex.step = Math.max(0, Math.min(step, total));
  showProgress(ex.view, ex.model, ex.step);
  const focus = ex.step < total ? stepFocus(ex.model, ex.step) : null;
  showFocus(ex.view, focus);
  showSum(ex.view, ex.model, focus);
}

/** Highlight what a pointed or focused cell reads or is read by, and show its arithmetic. */
function inspect(ex, cell) {
  const [r, c] = cell.dataset.cell.split(",").map(Number);
  const grid = cell.closest("[data-grid]");
  const channel = Number(grid.dataset.channel);
  const focus =
    grid.dataset.grid === "input" ? inputFocus(ex.model, channel, [r, c]) : outputFocus(ex.model, channel, [r, c]);
  showFocus(ex.view, focus);
  showSum(ex.view, ex.model, focus);
}

function play(ex) {
  if (ex.step >= ex.model.steps.length) show(ex, 0);
  const { play: button, speed } = ex.view.controls;
  button.textContent = "❚❚ Pause";
  button.setAttribute("aria-label", "Pause");
  ex.view.sum.setAttribute("aria-live", "off"); // no announcement every step while it plays
  ex.timer = setInterval(
    () => {
      show(ex, ex.step + 1);
      if (ex.step >= ex.model.steps.length) stop(ex);
    },
    stepInterval(speed.value, ex.model.steps.length),
  );
}

function stop(ex) {
  clearInterval(ex.timer);
  ex.timer = null;
  ex.view.controls.play.textContent = "▶ Play";
  ex.view.controls.play.setAttribute("aria-label", "Play");
  ex.view.sum.setAttribute("aria-live", "polite");
}

/** Apply a change of settings (an object of raw texts), write it into the address and draw it. */
function change(ex, update) {
  Object.assign(ex.raw, update);
  history.replaceState(history.state, "", `${location.pathname}?${queryText(ex.raw)}`);
  render(ex);
}

// ---- settings form -----------------------------------------------------------------------------------------------

/** Return the text a stepper shows: the setting, or the shape that custom weights or input values give it. */
function stepperText(ex, key) {
  const op = own(OPERATIONS, ex.raw.op) ? ex.raw.op : "conv";
  if (key === "in_channels" && ex.raw.in_channels === null && ex.model) return String(ex.model.ch.inChannels);
  const shown = (ex.model?.direct ?? ex.model)?.g; // the settings' geometry, not the direct view's
  const fixed = { kernel: shown?.kernel, size: shown?.size }[key];
  const derived = (key === "kernel" && kernelFixed(ex.raw, op)) || (key === "size" && ex.raw.input !== null);
  if (derived && fixed) return fixed[0] === fixed[1] ? `${fixed[0]}` : `${fixed[0]}x${fixed[1]}`;
  return effective(ex.raw, key, op) ?? "";
}

const SIZED = ["mean", "ones"]; // the named kernels of any size
const kernelFixed = (raw, op) => OPERATIONS[op].weights && raw.weights !== null && !SIZED.includes(raw.weights);

function syncStepper(ex, key, stepper, op) {
  const channels = OPERATIONS[op].weights;
  const visible =
    {
      output_padding: op === "transposed",
      dilation: op !== "avgpool",
      in_channels: channels,
      out_channels: channels,
      groups: channels,
    }[key] ?? true;
  stepper.box.hidden = !visible;
  if (document.activeElement !== stepper.input) stepper.input.value = stepperText(ex, key);
  const fixed = (key === "kernel" && kernelFixed(ex.raw, op)) || (key === "size" && ex.raw.input !== null);
  stepper.input.disabled = fixed;
  stepper.box.title = fixed ? `set by the ${key === "size" ? "input values" : "weights"}` : "";
  const numbers = stepper.input.value.split(/[x×X]/).map(Number);
  const [, low, high] = BOUNDS[key];
  stepper.less.disabled = fixed || !numbers.every(Number.isInteger) || numbers.some((n) => n <= low);
  stepper.more.disabled = fixed || !numbers.every(Number.isInteger) || numbers.some((n) => n >= high);
}

function syncGridChoice(choice, value, presets, visible) {
  choice.box.hidden = !visible;
  const named = value === null ? COUNTING : own(presets, value) ? value : "custom";
  choice.select.value = named;
  choice.text.hidden = named !== "custom";
  if (named === "custom" && document.activeElement !== choice.text) choice.text.value = value;
}

/** Show the settings in the form: values, what each operation has, and what custom grids fix. */
function syncFields(ex) {
  const { fields } = ex.view;
  const op = own(OPERATIONS, ex.raw.op) ? ex.raw.op : "conv";
  fields.op.value = op;
  for (const [key, stepper] of Object.entries(fields.steppers)) syncStepper(ex, key, stepper, op);
  fields.ceil.closest(".explorer-field").hidden = OPERATIONS[op].weights;
  fields.ceil.checked = ex.raw.ceil_mode === "1";
  fields.view.closest(".explorer-field").hidden = op !== "transposed";
  fields.view.checked = ex.raw.view === "direct";
  syncGridChoice(fields.weights, ex.raw.weights ?? defaultOf("weights", op), KERNELS, OPERATIONS[op].weights);
  syncGridChoice(fields.input, ex.raw.input, { [COUNTING]: true }, true);
  fields.bias.closest(".explorer-field").hidden = !OPERATIONS[op].weights;
  if (document.activeElement !== fields.bias) fields.bias.value = ex.raw.bias ?? "0";
  const shown = Object.entries(fields.steppers)
    .filter(([key, s]) => !s.box.hidden && !(key in CHANNEL_DEFAULTS && s.input.value === CHANNEL_DEFAULTS[key]))
    .map(([key, s]) => `${key.replace("_", " ")} ${s.input.value}`);
  const view = op === "transposed" && ex.raw.view === "direct" ? ", direct view" : "";
  ex.view.summary.textContent = `Settings: ${OPERATIONS[op].name}, ${shown.join(", ").replace("size", "input")}${view}`;
}

const CHANNEL_DEFAULTS = { in_channels: "1", out_channels: "1", groups: "1" };

// Settings an operation does not have are set aside when switching to it, and given back when switching back.
const BELONGS = {
  in_channels: (op) => OPERATIONS[op].weights,
  out_channels: (op) => OPERATIONS[op].weights,
  groups: (op) => OPERATIONS[op].weights,
  bias: (op) => OPERATIONS[op].weights,
  weights: (op) => OPERATIONS[op].weights,
  output_padding: (op) => op === "transposed",
  ceil_mode: (op) => !OPERATIONS[op].weights,
  dilation: (op) => op !== "avgpool",
  view: (op) => op === "transposed",
};

function switchOperation(ex, op) {
  const update = { op };
  for (const [key, belongs] of Object.entries(BELONGS)) {
    if (!belongs(op) && ex.raw[key] !== null) [ex.aside[key], update[key]] = [ex.raw[key], null];
    else if (belongs(op) && ex.aside[key] !== undefined) [update[key], ex.aside[key]] = [ex.aside[key], undefined];
  }
  change(ex, update);
}

function stepBy(ex, key, delta) {
  const [, low, high] = BOUNDS[key];
  const numbers = ex.view.fields.steppers[key].input.value
    .split(/[x×X]/)
    .map((n) => Math.min(high, Math.max(low, Number(n) + delta)));
  change(ex, { [key]: numbers.length === 2 && numbers[0] !== numbers[1] ? numbers.join("x") : String(numbers[0]) });
}

function chooseGrid(ex, key, value) {
  const given = ex.model?.direct ?? ex.model; // the direct view draws the input and kernel changed
  const current = key === "weights" ? given?.kernels.flat() : given?.inputs;
  const shapeKey = key === "weights" ? "kernel" : "size";
  if (value !== "custom") {
    const shape = given?.g[shapeKey];
    const channels = ex.model && ex.model.ch.inChannels > 1 ? { in_channels: String(ex.model.ch.inChannels) } : {};
    const keep =
      key === "input" && shape ? { size: shape[0] === shape[1] ? `${shape[0]}` : shape.join("x"), ...channels } : {};
    change(ex, {
      [key]: value === COUNTING ? null : value,
      ...(SIZED.includes(value) ? {} : { [shapeKey]: null }),
      ...keep,
    });
    return;
  }
  const fallback = key === "weights" ? KERNELS["sobel-x"].weights : "0,1;2,3";
  change(ex, { [key]: current?.length && current[0].length ? gridsText(current) : fallback, [shapeKey]: null });
}

function wireSettings(ex) {
  const { fields, form } = ex.view;
  form.addEventListener("submit", (event) => event.preventDefault());
  fields.op.addEventListener("change", () => switchOperation(ex, fields.op.value));
  for (const [key, stepper] of Object.entries(fields.steppers)) {
    stepper.input.addEventListener("input", () => change(ex, { [key]: stepper.input.value }));
    stepper.less.addEventListener("click", () => stepBy(ex, key, -1));
    stepper.more.addEventListener("click", () => stepBy(ex, key, 1));
  }
  fields.ceil.addEventListener("change", () => change(ex, { ceil_mode: fields.ceil.checked ? "1" : null }));
  fields.view.addEventListener("change", () => change(ex, { view: fields.view.checked ? "direct" : null }));
  fields.bias.addEventListener("input", () =>
    change(ex, { bias: fields.bias.value === "0" ? null : fields.bias.value }),
  );
  for (const key of ["weights", "input"]) {
    const { select, text } = fields[key];
    select.addEventListener("change", () => chooseGrid(ex, key, select.value));
    text.addEventListener("input", () =>
      change(ex, { [key]: text.value, [key === "weights" ? "kernel" : "size"]: null }),
    );
  }
}

// ---- step controls and grids -------------------------------------------------------------------------------------

function wireControls(ex) {
  const c = ex.view.controls;
  const go = (step) => () => {
    stop(ex);
    show(ex, step());
  };
  c.first.addEventListener(
    "click",
    go(() => 0),
  );
  c.previous.addEventListener(
    "click",
    go(() => ex.step - 1),
  );
  c.next.addEventListener(
    "click",
    go(() => ex.step + 1),
  );
  c.last.addEventListener(
    "click",
    go(() => ex.model.steps.length),
  );
  c.scrubber.addEventListener(
    "input",
    go(() => Number(c.scrubber.value)),
  );
  c.play.addEventListener("click", () => (ex.timer ? stop(ex) : play(ex)));
  c.speed.addEventListener("change", () => {
    if (ex.timer) {
      stop(ex);
      play(ex);
    }
  });
  ex.view.copy.addEventListener("click", async () => {
    await navigator.clipboard?.writeText(ex.view.torch.textContent).catch(() => {});
    ex.view.copy.textContent = "Copied";
    setTimeout(() => {
      ex.view.copy.textContent = "Copy";
    }, 1200);
  });
}

/** Move the grid's one tab stop with the arrow keys (a "roving" tabindex). */
function rove(event) {
  const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  const cell = event.target.closest?.(".cell[data-cell]");
  if (!(event.key in moves) || !cell) return;
  const [r, c] = cell.dataset.cell.split(",").map(Number);
  const [dr, dc] = moves[event.key];
  const target = cell.parentElement.querySelector(`[data-cell="${r + dr},${c + dc}"]`);
  if (!target) return;
  event.preventDefault();
  cell.setAttribute("tabindex", "-1");
  target.setAttribute("tabindex", "0");
  target.focus();
}

function wireGrids(ex) {
  const stage = ex.view.stage;
  const cellOf = (event) => event.target.closest?.(".cell[data-cell]") ?? null;
  const point = (event) => {
    const cell = cellOf(event);
    if (!cell || ex.pinned) return;
    stop(ex);
    inspect(ex, cell);
  };
  const leave = () => {
    if (!ex.pinned && ex.model) show(ex, ex.step);
  };
  stage.addEventListener("pointerover", point);
  stage.addEventListener("focusin", point);
  stage.addEventListener("pointerleave", leave);
  stage.addEventListener("focusout", (event) => {
    if (!stage.contains(event.relatedTarget)) leave();
  });
  stage.addEventListener("keydown", (event) => {
    rove(event);
    if ((event.key === "Enter" || event.key === " ") && cellOf(event)) {
      event.preventDefault();
      cellOf(event).click(); // cells are buttons: Enter or Space keeps the highlight, as a click does
    }
  });
  stage.addEventListener("click", (event) => {
    const cell = cellOf(event);
    if (!cell) return;
    const same = ex.pinned === cell;
    ex.pinned = null;
    if (same) return leave();
    point(event);
    ex.pinned = cell;
  });
}

/**
 * Lay the grids out: side by side with one channel or where there is room (on a phone, one channel's input above its
 * kernel and output where only that shows every value), filling the first screen (sized from the stage's distance
 * to the top of the page); then leave out the text their cells are too small for.
 */
function measure(ex) {
  const { stage, work } = ex.view;
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const single = ex.model.ch.inChannels === 1 && ex.model.ch.outChannels === 1;
  const phone = work.clientWidth < 40 * rem;
  const several = ex.model.links.length > 1 || ex.model.ch.bias;
  work.style.setProperty("--sum-lines", String(ex.model.g.kernel[0] + (several ? 3 : 1)));
  const fit = (layout) => {
    stage.dataset.layout = layout;
    // Twice: the notes fitText shows above the grids move them down, and the grids are sized from where they start.
    for (let pass = 0; pass < 2; pass++) {
      work.style.setProperty("--stage-top", `${Math.round(stage.getBoundingClientRect().top + scrollY)}px`);
      fitText(ex.view);
    }
    return ex.view.valuesNote.hidden;
  };
  // One channel on a phone: side by side, unless that leaves values out and the input above the kernel and output
  // shows them all; a grid too big for either (16×16) stays side by side, an overview whose sum lists the values.
  if (!single && phone) fit("stacked");
  else if (!fit("across") && phone && !fit("split")) fit("across");
}

// ---- the page ----------------------------------------------------------------------------------------------------

let explorer = null;

/** Show the explorer with the settings of a URL query (as if the page had been opened with it). */
export function showSettings(query) {
  history.replaceState(history.state, "", `${location.pathname}?${query}`);
  explorer.raw = readQuery(query);
  explorer.aside = {};
  render(explorer);
}

function setup(root) {
  const ex = {
    view: buildLayout(root),
    raw: readQuery(location.search),
    aside: {},
    model: null,
    step: 0,
    timer: null,
    pinned: null,
  };
  wireSettings(ex);
  wireControls(ex);
  wireGrids(ex);
  render(ex);
  if (ex.model && !reducedMotion()) play(ex);
  const resize = () => ex.model && measure(ex);
  addEventListener("resize", resize);
  explorer = ex;
  return () => {
    stop(ex);
    removeEventListener("resize", resize);
    explorer = null;
  };
}

let cleanup = null;
document$.subscribe(() => {
  cleanup?.();
  cleanup = null;
  const root = document.getElementById("convlab-explorer");
  if (root) cleanup = setup(root);
  const digit = document.getElementById("convlab-digit");
  if (digit) setupDigit(digit);
});
