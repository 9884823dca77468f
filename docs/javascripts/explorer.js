// The convolution explorer (explorer/): settings in the URL, a step-by-step animation, highlights on
// pointing or focusing a cell, the PyTorch line, and the trained model's filters on a real digit.
// Runs on every page change (Material's instant navigation); does nothing on pages without it.
import { MAX_SIZE, correlate, formatValue, geometry, parseSize, parseWeights, taps } from "./conv.js";

const KERNELS = {
  mean: { label: "mean (average)", weights: null },
  "sobel-x": { label: "Sobel, vertical edges", weights: "-1,0,1;-2,0,2;-1,0,1" },
  "sobel-y": { label: "Sobel, horizontal edges", weights: "-1,-2,-1;0,0,0;1,2,1" },
  sharpen: { label: "sharpen", weights: "0,-1,0;-1,5,-1;0,-1,0" },
  laplacian: { label: "edges (Laplacian)", weights: "0,1,0;1,-4,1;0,1,0" },
  identity: { label: "identity", weights: "0,0,0;0,1,0;0,0,0" },
  custom: { label: "custom", weights: null },
};
const DEFAULTS = { size: "6", kernel: "3", stride: "1", padding: "0", dilation: "1", weights: "mean" };
const SPEEDS = { slow: 1400, normal: 800, fast: 300 };

const pairText = ([h, w]) => (h === w ? `${h}` : `(${h}, ${w})`);
const sizeText = ([h, w]) => `${h}×${w}`;

function readSettings(params) {
  return Object.fromEntries(Object.entries(DEFAULTS).map(([key, value]) => [key, params.get(key) ?? value]));
}

/** Return the kernel weights the settings ask for (a classic, custom, or the mean of the kernel size). */
function kernelWeights(settings, kernel) {
  const text = settings.weights in KERNELS ? KERNELS[settings.weights].weights : settings.weights;
  if (text === null) return Array.from({ length: kernel[0] }, () => new Array(kernel[1]).fill(1 / (kernel[0] * kernel[1])));
  const weights = parseWeights(text);
  const shape = [weights.length, weights[0].length];
  if (shape[0] !== kernel[0] || shape[1] !== kernel[1]) {
    throw new Error(`--weights is ${shape[0]}x${shape[1]} but --kernel is ${settings.kernel}: drop --kernel or make them agree`);
  }
  return weights;
}

/** Check the settings; return { g, grid, weights, output } or throw an Error with convlab's wording. */
function compute(settings) {
  const parsed = Object.fromEntries(["size", "kernel", "stride", "padding", "dilation"].map((k) => [k, parseSize(settings[k])]));
  if (!(settings.weights in KERNELS) && !settings.kernelGiven) {
    const rows = parseWeights(settings.weights);
    parsed.kernel = [rows.length, rows[0].length];
  }
  const g = geometry(parsed);
  const tooBig = g.size.find((n) => n > MAX_SIZE);
  if (tooBig) throw new Error(`input size must be at most ${MAX_SIZE} per side here, got ${tooBig}: choose a smaller input`);
  const grid = Array.from({ length: g.size[0] }, (_, r) => Array.from({ length: g.size[1] }, (_, c) => r * g.size[1] + c));
  const weights = kernelWeights(settings, g.kernel);
  return { g, grid, weights, output: correlate(grid, weights, g) };
}

/** Return n if every weight is 1/n (an averaging kernel), else null: as convlab's mean_divisor. */
function meanDivisor(weights) {
  const flat = weights.flat();
  const uniform = flat.every((w) => w === flat[0]) && Math.abs(flat[0] * flat.length - 1) < 1e-12;
  return uniform ? flat.length : null;
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function arithmetic(state, k) {
  const { g, weights, output } = state.result;
  const [i, j] = state.steps[k];
  const values = taps(g, i, j).map(([r, c]) => state.padded[r][c]);
  const flat = weights.flat();
  const divisor = meanDivisor(weights);
  const sum = divisor
    ? `(${values.map((v) => formatValue(v)).join("+")}) / ${divisor}`
    : values.map((v, n) => `${n && flat[n] >= 0 ? "+ " : n ? "− " : flat[n] < 0 ? "−" : ""}${formatValue(Math.abs(flat[n]))}×${formatValue(v)}`).join(" ");
  return `output[${i}, ${j}] = ${sum} = ${formatValue(output[i][j])}`;
}

function formula(g) {
  const axis = (a, name) => {
    const [n, k, s, p, d] = [g.size[a], g.kernel[a], g.stride[a], g.padding[a], g.dilation[a]];
    return `${name} = ⌊(${n} + 2×${p} − ${d}×(${k} − 1) − 1) / ${s}⌋ + 1 = ${g.output[a]}`;
  };
  return `${axis(0, "H_out")}\n${axis(1, "W_out")}`;
}

function pytorchLine(g) {
  const kernel = g.kernel[0] === g.kernel[1] ? `${g.kernel[0]}` : `(${g.kernel[0]}, ${g.kernel[1]})`;
  return (
    `nn.Conv2d(1, 1, kernel_size=${kernel}, stride=${pairText(g.stride)}, padding=${pairText(g.padding)}, ` +
    `dilation=${pairText(g.dilation)}, bias=False)`
  );
}

function setup(root) {
  const params = new URLSearchParams(location.search);
  const settings = readSettings(params);
  settings.kernelGiven = params.has("kernel");
  const state = { settings, step: 0, timer: null, pinned: null };

  const fields = {};
  const form = element("form", { class: "explorer-settings", "aria-label": "Convolution settings" });
  const labels = { size: "Input size", kernel: "Kernel size", stride: "Stride", padding: "Padding", dilation: "Dilation" };
  for (const [key, label] of Object.entries(labels)) {
    fields[key] = element("input", { id: `explorer-${key}`, name: key, value: settings[key], inputmode: "text", autocomplete: "off", spellcheck: "false" });
    form.append(element("label", { for: `explorer-${key}` }, [`${label} `, fields[key]]));
  }
  const preset = settings.weights in KERNELS ? settings.weights : "custom";
  fields.weights = element("select", { id: "explorer-weights", name: "weights" },
    Object.entries(KERNELS).map(([key, { label }]) => element("option", { value: key, text: label })));
  fields.weights.value = preset;
  fields.custom = element("input", { id: "explorer-custom", name: "custom", value: preset === "custom" ? settings.weights : "1,0,-1;1,0,-1;1,0,-1", "aria-label": "Custom weights: rows separated by ; and values by ," });
  form.append(element("label", { for: "explorer-weights" }, ["Weights ", fields.weights]), fields.custom);

  const error = element("p", { class: "explorer-error", "data-testid": "config-error", role: "alert", hidden: "" });
  const controls = element("div", { class: "explorer-controls" });
  const button = (text, label) => element("button", { type: "button", "aria-label": label, text });
  const first = button("« First", "First step"), previous = button("‹ Back", "Previous step");
  const play = button("Play", "Play"), next = button("Next ›", "Next step"), last = button("Last »", "Last step");
  const scrubber = element("input", { type: "range", min: "0", value: "0", "aria-label": "Step" });
  const speed = element("select", { "aria-label": "Speed" }, Object.keys(SPEEDS).map((s) => element("option", { value: s, text: s })));
  speed.value = "normal";
  controls.append(first, previous, play, next, last, scrubber, speed);

  const grids = element("div", { class: "explorer-grids" });
  const status = element("p", { class: "explorer-arithmetic", "aria-live": "polite" });
  const formulaBox = element("pre", { class: "explorer-formula" });
  const torchCode = element("code");
  const copy = button("Copy", "Copy the PyTorch line");
  const shape = element("p", { class: "explorer-shape" });
  const torchBox = element("div", { class: "explorer-torch" }, [element("pre", {}, [torchCode]), copy, shape]);
  root.replaceChildren(form, error, controls, grids, status, formulaBox, torchBox);

  function stopPlaying() {
    clearInterval(state.timer);
    state.timer = null;
    play.textContent = "Play";
    play.setAttribute("aria-label", "Play");
  }

  function show(step) {
    state.step = Math.max(0, Math.min(step, state.steps.length));
    scrubber.value = String(state.step);
    const current = state.step < state.steps.length ? state.step : null;
    state.outputCells.forEach((cell, k) => {
      cell.textContent = k < state.step || k === current ? cell.dataset.shown : "";
      cell.classList.toggle("current", k === current);
    });
    highlight(current === null ? null : { kind: "output", index: current });
    status.textContent = current === null
      ? `Output ${sizeText(state.result.g.output)}: every step done. Point at a cell to see its arithmetic.`
      : `Step ${current + 1} of ${state.steps.length}: ${arithmetic(state, current)}`;
  }

  function highlight(target) {
    state.inputCells.flat().forEach((cell) => cell.classList.remove("tap", "spanned"));
    state.outputCells.forEach((cell) => cell.classList.remove("reads"));
    if (!target) return;
    const g = state.result.g;
    if (target.kind === "output") {
      const [i, j] = state.steps[target.index];
      const cells = taps(g, i, j);
      const [[r0, c0], [r1, c1]] = [cells[0], cells[cells.length - 1]];
      if (g.dilation.some((d) => d > 1)) {
        // The area the dilated kernel spans, outlined lightly: only the taps inside it are read.
        for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) state.inputCells[r][c].classList.add("spanned");
      }
      for (const [r, c] of cells) state.inputCells[r][c].classList.add("tap");
      state.outputCells[target.index].classList.add("reads");
    } else {
      const [r, c] = target.cell;
      state.inputCells[r][c].classList.add("tap");
      state.steps.forEach(([i, j], k) => {
        if (taps(g, i, j).some(([tr, tc]) => tr === r && tc === c)) state.outputCells[k].classList.add("reads");
      });
    }
  }

  function point(target, describe) {
    if (state.pinned) return;
    highlight(target);
    if (describe) status.textContent = describe;
  }

  function gridBox(label, rows, cols, cellFor) {
    const box = element("div", { class: "explorer-grid", role: "group", "aria-label": `${label} (arrow keys move between cells)` });
    box.style.gridTemplateColumns = `repeat(${cols}, var(--explorer-cell))`;
    const cells = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) cells.push(cellFor(r, c, box));
    // One tab stop per grid; arrow keys move within it (a "roving" tabindex).
    const focusable = cells.filter((cell) => cell.hasAttribute("tabindex"));
    focusable.forEach((cell, k) => cell.setAttribute("tabindex", k === 0 ? "0" : "-1"));
    box.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols };
      const k = focusable.indexOf(document.activeElement);
      if (!(event.key in moves) || k < 0) return;
      const target = focusable[k + moves[event.key]];
      if (!target) return;
      event.preventDefault();
      focusable[k].setAttribute("tabindex", "-1");
      target.setAttribute("tabindex", "0");
      target.focus();
    });
    box.append(...cells);
    return { box, cells };
  }

  function render() {
    stopPlaying();
    let result;
    try {
      result = compute(state.settings);
    } catch (problem) {
      error.textContent = problem.message;
      error.hidden = false;
      grids.replaceChildren();
      for (const node of [controls, status, formulaBox, torchBox]) node.hidden = true;
      return;
    }
    error.hidden = true;
    for (const node of [controls, status, formulaBox, torchBox]) node.hidden = false;
    const g = result.g;
    state.result = result;
    state.padded = [];
    const [ph, pw] = g.padding;
    for (let r = 0; r < g.padded[0]; r++) {
      state.padded.push([]);
      for (let c = 0; c < g.padded[1]; c++) {
        const inside = r >= ph && r < ph + g.size[0] && c >= pw && c < pw + g.size[1];
        state.padded[r].push(inside ? result.grid[r - ph][c - pw] : 0);
      }
    }
    state.steps = [];
    for (let i = 0; i < g.output[0]; i++) for (let j = 0; j < g.output[1]; j++) state.steps.push([i, j]);

    state.inputCells = Array.from({ length: g.padded[0] }, () => []);
    const input = gridBox("Input", g.padded[0], g.padded[1], (r, c) => {
      const padding = r < ph || r >= ph + g.size[0] || c < pw || c >= pw + g.size[1];
      const cell = element("span", { class: `cell${padding ? " padding" : ""}`, tabindex: "0", text: String(state.padded[r][c]),
        "aria-label": `${padding ? "padding" : "input"} row ${r} column ${c}: ${state.padded[r][c]}` });
      const target = { kind: "input", cell: [r, c] };
      const describe = `${padding ? "Padding" : "Input"} cell [${r}, ${c}] is read by the highlighted output cells.`;
      for (const event of ["pointerenter", "focus"]) cell.addEventListener(event, () => point(target, describe));
      cell.addEventListener("click", () => pin(target, describe));
      state.inputCells[r].push(cell);
      return cell;
    });
    const output = gridBox("Output", g.output[0], g.output[1], (i, j) => {
      const k = i * g.output[1] + j;
      const value = result.output[i][j];
      const cell = element("span", { class: "cell output", tabindex: "0", "data-testid": "output-cell", "data-value": String(value),
        "aria-label": `output row ${i} column ${j}: ${formatValue(value)}` });
      cell.dataset.shown = formatValue(value);
      const target = { kind: "output", index: k };
      for (const event of ["pointerenter", "focus"]) cell.addEventListener(event, () => point(target, arithmetic(state, k)));
      cell.addEventListener("click", () => pin(target, arithmetic(state, k)));
      return cell;
    });
    output.box.setAttribute("data-testid", "output-grid");
    state.outputCells = output.cells;
    const divisor = meanDivisor(result.weights);
    const kernel = gridBox("Kernel", g.kernel[0], g.kernel[1], (r, c) =>
      element("span", { class: "cell kernel", text: divisor ? `1/${divisor}` : formatValue(result.weights[r][c]) }));
    const caption = (text, extra = {}) => element("p", { class: "explorer-caption", ...extra, text });
    const inputCaption = `Input ${sizeText(g.size)}${g.padding.some((p) => p) ? `, padded to ${sizeText(g.padded)}` : ""}`;
    grids.replaceChildren(
      element("figure", {}, [caption(inputCaption), input.box]),
      element("figure", {}, [caption(`Kernel ${sizeText(g.kernel)}${g.dilation.some((d) => d > 1) ? `, spread over ${sizeText(g.span)}` : ""}`), kernel.box]),
      element("figure", {}, [element("p", { class: "explorer-caption" }, ["Output ", element("span", { "data-testid": "output-size", text: `${g.output[0]}x${g.output[1]}` })]), output.box]),
    );
    // Cells shrink to fit a phone's width; a grid that still does not fit scrolls on its own.
    grids.style.setProperty("--explorer-cell", `min(2.2rem, calc((100vw - 3rem) / ${g.padded[1]}))`);
    formulaBox.textContent = formula(g);
    torchCode.textContent = pytorchLine(g);
    shape.textContent = `Input torch.Size([1, 1, ${g.size[0]}, ${g.size[1]}]) gives output torch.Size([1, 1, ${g.output[0]}, ${g.output[1]}]).`;
    scrubber.max = String(state.steps.length);
    show(state.steps.length);
  }

  function pin(target, describe) {
    const same = state.pinned && JSON.stringify(state.pinned) === JSON.stringify(target);
    state.pinned = null;
    if (!same) {
      point(target, describe);
      state.pinned = target;
    }
  }

  function syncURL() {
    const query = new URLSearchParams();
    for (const key of ["size", "kernel", "stride", "padding", "dilation"]) query.set(key, state.settings[key]);
    query.set("weights", state.settings.weights);
    const custom = !(state.settings.weights in KERNELS);
    if (custom && !state.settings.kernelGiven) query.delete("kernel"); // the weights give the kernel size
    history.replaceState(history.state, "", `${location.pathname}?${query}`);
  }

  form.addEventListener("input", (event) => {
    for (const key of Object.keys(labels)) state.settings[key] = fields[key].value.trim();
    // Custom weights set the kernel size, unless the reader has typed one (then the two must agree).
    state.settings.kernelGiven ||= event.target === fields.kernel;
    const choice = fields.weights.value;
    fields.custom.hidden = choice !== "custom";
    state.settings.weights = choice === "custom" ? fields.custom.value.trim() : choice;
    state.pinned = null;
    syncURL();
    render();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  fields.custom.hidden = preset !== "custom";

  first.addEventListener("click", () => { stopPlaying(); show(0); });
  previous.addEventListener("click", () => { stopPlaying(); show(state.step - 1); });
  next.addEventListener("click", () => { stopPlaying(); show(state.step + 1); });
  last.addEventListener("click", () => { stopPlaying(); show(state.steps.length); });
  scrubber.addEventListener("input", () => { stopPlaying(); show(Number(scrubber.value)); });
  speed.addEventListener("change", () => { if (state.timer) { stopPlaying(); play.click(); } });
  play.addEventListener("click", () => {
    if (state.timer) return stopPlaying();
    state.pinned = null;
    if (state.step >= state.steps.length) show(0);
    play.textContent = "Pause";
    play.setAttribute("aria-label", "Pause");
    state.timer = setInterval(() => {
      show(state.step + 1);
      if (state.step >= state.steps.length) stopPlaying();
    }, SPEEDS[speed.value]);
  });
  copy.addEventListener("click", async () => {
    await navigator.clipboard?.writeText(torchCode.textContent).catch(() => {});
    copy.textContent = "Copied";
    setTimeout(() => { copy.textContent = "Copy"; }, 1200);
  });
  render();
  return () => stopPlaying();
}

async function setupDigit(root) {
  const response = await fetch(root.dataset.source);
  const data = await response.json();
  const select = element("select", { id: "digit-filter", "aria-label": "First-layer filter" },
    data.filters.map((_, k) => element("option", { value: String(k), text: `filter ${k}` })));
  const canvas = (name, size) => element("canvas", { width: String(size), height: String(size), class: "digit-canvas", role: "img", "aria-label": name });
  const digitCanvas = canvas(`the handwritten digit ${data.label}`, data.digit.length);
  const [rows, cols] = data.output_size;
  const mapCanvas = canvas("the feature map after ReLU", cols);
  mapCanvas.height = rows;
  const weights = element("div", { class: "explorer-grid", role: "group", "aria-label": "filter weights" });
  weights.style.gridTemplateColumns = `repeat(${data.kernel_size[1]}, 3rem)`;
  const map = element("div", { "data-testid": "digit-feature-map", hidden: "" });
  const label = (text, node) => element("figure", {}, [element("p", { class: "explorer-caption", text }), node]);
  root.replaceChildren(element("label", { for: "digit-filter" }, ["Filter ", select]),
    element("div", { class: "explorer-grids" }, [label(`Test digit (${data.label}), 28×28`, digitCanvas),
      label("Filter weights", weights), label(`After Conv2d (stride ${pairText(data.stride)}, padding ${pairText(data.padding)}) and ReLU, ${sizeText(data.output_size)}`, mapCanvas)]), map);

  const paint = (target, values, scale) => {
    const context = target.getContext("2d");
    const image = context.createImageData(values[0].length, values.length);
    values.flat().forEach((v, k) => {
      const shade = 255 - Math.round(255 * Math.min(1, v / scale));
      image.data.set([shade, shade, shade, 255], 4 * k);
    });
    context.putImageData(image, 0, 0);
  };
  const pixels = data.digit.map((row) => row.map((v) => v / 255));
  paint(digitCanvas, pixels, 1);
  const g = geometry({ size: [data.digit.length, data.digit[0].length], kernel: data.kernel_size, stride: data.stride, padding: data.padding, dilation: data.dilation });
  const draw = () => {
    const k = Number(select.value);
    weights.replaceChildren(...data.filters[k].flat().map((w) => element("span", { class: "cell kernel", text: formatValue(w) })));
    const activated = correlate(pixels, data.filters[k], g, data.bias[k]).map((row) => row.map((v) => Math.max(0, v)));
    paint(mapCanvas, activated, Math.max(...activated.flat(), 1e-9));
    map.dataset.values = JSON.stringify(activated);
  };
  select.addEventListener("change", draw);
  draw();
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
