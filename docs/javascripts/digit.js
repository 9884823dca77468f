// The digit page (digit/): draw a digit, or pick one of the test split, and watch the trained network
// read it. The arithmetic is network.js (the forward pass) and mnist.js (MNIST's preparation); this file
// draws the page and wires its events. The model is fetched only when the page is opened.

import { cssColour, onSchemeChange, paint } from "./canvas.js";
import { formatValue } from "./conv.js";
import { element } from "./explorer-view.js";
import { fetchBytes, fetchJson, LoadError, REBUILD, requireKeys, showFailure } from "./load.js";
import { prepare, SIZE } from "./mnist.js";
import { forward, loadNetwork, receptiveField } from "./network.js";

const SURFACE = 280; // the drawing surface's pixels a side: ten per input pixel
const STROKE = 20; // pen width, in those pixels: about two input pixels once scaled to the 20×20 box

const percent = (p) => `${(100 * p).toFixed(1)}%`;

/** The drawing surface: pointer events (mouse, touch, pen) draw round strokes in `rgb`; `onInk` runs once per
 * frame. The ink is the canvas's alpha channel, so its colour follows the page's scheme without changing it. */
function drawingSurface(canvas, onInk, rgb) {
  const context = canvas.getContext("2d");
  let colour = `rgb(${rgb})`;
  let last = null;
  let pending = false;
  let showing = false; // a test digit is on the surface: the next stroke starts a drawing of one's own
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * SURFACE) / box.width, ((event.clientY - box.top) * SURFACE) / box.height];
  };
  const stroke = (from, to) => {
    context.strokeStyle = colour;
    context.lineWidth = STROKE;
    context.lineCap = context.lineJoin = "round";
    context.beginPath();
    context.moveTo(...from);
    context.lineTo(...to);
    context.stroke();
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        onInk();
      });
    }
  };
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    if (showing) context.clearRect(0, 0, SURFACE, SURFACE);
    showing = false;
    last = point(event);
    stroke(last, last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    for (const e of event.getCoalescedEvents?.() ?? [event]) {
      const next = point(e);
      stroke(last, next);
      last = next;
    }
  });
  for (const end of ["pointerup", "pointercancel"]) canvas.addEventListener(end, () => (last = null));
  return {
    /** The ink, 0 to 1 per pixel, from the canvas's alpha channel. */
    ink: () =>
      Array.from(
        context.getImageData(0, 0, SURFACE, SURFACE).data.filter((_, k) => k % 4 === 3),
        (a) => a / 255,
      ),
    clear: () => {
      showing = false;
      context.clearRect(0, 0, SURFACE, SURFACE);
    },
    /** Draw 28×28 pixels on the surface, ten surface pixels each (a test digit shown where one draws). */
    show: (pixels) => {
      showing = true;
      context.clearRect(0, 0, SURFACE, SURFACE);
      context.fillStyle = colour;
      pixels.forEach((v, k) => {
        context.globalAlpha = v;
        context.fillRect((k % SIZE) * 10, Math.floor(k / SIZE) * 10, 10, 10);
      });
      context.globalAlpha = 1;
    },
    /** Paint what is drawn in a new colour, keeping its ink. */
    recolour: (newRgb) => {
      colour = `rgb(${newRgb})`;
      context.globalCompositeOperation = "source-in";
      context.fillStyle = colour;
      context.fillRect(0, 0, SURFACE, SURFACE);
      context.globalCompositeOperation = "source-over";
    },
  };
}

/** The ten probabilities as labelled bars (text for a screen reader too) and the prediction. */
function probabilityBars() {
  const rows = Array.from({ length: 10 }, (_, k) => {
    const bar = element("span", { class: "digit-bar" });
    const value = element("span", { class: "digit-bar-value" });
    const row = element("li", { "data-testid": "digit-probability", "data-class": String(k) }, [
      element("span", { class: "digit-bar-label", text: String(k) }),
      element("span", { class: "digit-bar-track", "aria-hidden": "true" }, [bar]),
      value,
    ]);
    return { row, bar, value };
  });
  const prediction = element("strong", { "data-testid": "digit-prediction" });
  const confidence = element("span");
  const node = element("section", { class: "digit-probabilities", "aria-label": "The model's probabilities" }, [
    element("p", { class: "digit-verdict", "aria-live": "polite" }, ["The model reads: ", prediction, confidence]),
    element(
      "ol",
      { class: "digit-bars", start: "0" },
      rows.map((r) => r.row),
    ),
  ]);
  const show = (probabilities) => {
    const p = Array.from(probabilities);
    const best = p.indexOf(Math.max(...p));
    rows.forEach(({ row, bar, value }, k) => {
      row.dataset.value = String(p[k]);
      row.classList.toggle("digit-best", k === best);
      bar.style.width = percent(p[k]);
      value.textContent = percent(p[k]);
      row.setAttribute("aria-label", `${k}: ${percent(p[k])}`);
    });
    prediction.textContent = String(best);
    confidence.textContent = ` (${percent(p[best])} sure)`;
  };
  const empty = () => {
    rows.forEach(({ row, bar, value }) => {
      delete row.dataset.value;
      row.classList.remove("digit-best");
      bar.style.width = "0";
      value.textContent = "–";
    });
    prediction.textContent = "–";
    confidence.textContent = " (draw a digit)";
  };
  return { node, show, empty };
}

/** The weights of one filter: for one input channel a grid of numbers, for many a small heat grid each. */
function filterView(conv, channel) {
  const [, inChannels, kH, kW] = conv.shape;
  const per = inChannels * kH * kW;
  const weights = conv.weight.slice(channel * per, (channel + 1) * per);
  const largest = Math.max(...weights.map(Math.abs)) || 1;
  const tile = (c) =>
    element(
      "div",
      { class: "digit-kernel", title: `weights applied to map ${c} of the layer before` },
      Array.from(weights.slice(c * kH * kW, (c + 1) * kH * kW), (w) => {
        const cell = element("span", { class: w < 0 ? "digit-negative" : "digit-positive", "data-value": String(w) });
        if (inChannels === 1) cell.textContent = formatValue(w, 2);
        cell.style.setProperty("--strength", String(Math.abs(w) / largest));
        return cell;
      }),
    );
  const bias = `blue positive, orange negative; bias ${formatValue(conv.bias[channel], 3)}`;
  const note =
    inChannels === 1
      ? `Its ${kH}×${kW} weights, applied to the input (${bias}):`
      : `Its ${inChannels} kernels of ${kH}×${kW}, one for each map of the layer before (${bias}):`;
  return element("div", { class: "digit-filter" }, [
    element("p", { text: note }),
    element(
      "div",
      { class: `digit-kernels${inChannels === 1 ? " digit-kernels-one" : ""}` },
      Array.from({ length: inChannels }, (_, c) => tile(c)),
    ),
  ]);
}

/** Return the text of a receptive field: the input rows and columns it covers, and how much is padding. */
function fieldText({ top, left, bottom, right }, [row, col]) {
  const size = `${bottom - top + 1}×${right - left + 1}`;
  const [t, l, b, r] = [Math.max(0, top), Math.max(0, left), Math.min(SIZE - 1, bottom), Math.min(SIZE - 1, right)];
  const padded = t !== top || l !== left || b !== bottom || r !== right;
  return (
    `Cell (${row}, ${col}) reads input rows ${t} to ${b}, columns ${l} to ${r}: ` +
    (padded ? `its ${size} window reaches past the edge, into the padding.` : `a ${size} window.`)
  );
}

/** Move focus among a grid's buttons with the arrow keys; only the pressed one is a Tab stop. */
function arrowKeys(grid, buttons) {
  grid.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: "up", ArrowDown: "down" }[event.key];
    const at = buttons.indexOf(document.activeElement);
    if (step === undefined || at < 0) return;
    event.preventDefault();
    const columns = getComputedStyle(grid).gridTemplateColumns.split(" ").length;
    const next = at + (step === "up" ? -columns : step === "down" ? columns : step);
    buttons[Math.min(buttons.length - 1, Math.max(0, next))].focus();
  });
}

/** One conv layer's maps, on one colour scale, with the selected map's filter and a cell's receptive field. */
function layerView(network, index, colours) {
  const conv = network.convs[index];
  const [channels] = conv.shape;
  const [rows, cols] = conv.output;
  const plane = rows * cols;
  const maps = Array.from({ length: channels }, (_, c) => {
    const canvas = element("canvas", {
      width: String(cols),
      height: String(rows),
      "data-testid": "feature-map",
      "data-layer": String(index + 1),
      "data-channel": String(c),
    });
    const button = element(
      "button",
      {
        type: "button",
        class: "digit-map",
        "aria-label": `map ${c}`,
        "aria-pressed": "false",
        tabindex: c === 0 ? "0" : "-1",
      },
      [canvas],
    );
    return { canvas, button };
  });
  const buttons = maps.map((m) => m.button);
  const grid = element(
    "div",
    {
      class: `digit-maps digit-maps-${index + 1}`,
      role: "group",
      "aria-label": `the ${channels} maps of layer ${index + 1}`,
    },
    buttons,
  );
  arrowKeys(grid, buttons);
  const legendMax = element("span", { text: "–" });
  const summary = element("p");
  const big = element("canvas", {
    width: String(cols),
    height: String(rows),
    class: "digit-big",
    role: "img",
    tabindex: "0",
  });
  const mark = element("span", { class: "digit-cell-mark", "aria-hidden": "true" });
  const field = element("canvas", { width: String(SIZE), height: String(SIZE), class: "digit-field", role: "img" });
  const fieldCaption = element("figcaption");
  const filter = element("div");
  const detail = element("div", { class: "digit-detail", hidden: "" }, [
    summary,
    element("div", { class: "digit-detail-row" }, [
      element("figure", {}, [
        element("div", { class: "digit-big-frame" }, [big, mark]),
        element("figcaption", { text: "The selected map, enlarged: click a cell, or focus it and use the arrow keys" }),
      ]),
      element("figure", {}, [field, fieldCaption]),
    ]),
    filter,
  ]);
  const title =
    `Layer ${index + 1}: Conv2d(${conv.shape[1]}, ${channels}, ${conv.shape[2]}, stride=${conv.stride[0]}, ` +
    `padding=${conv.padding[0]}) and ReLU`;
  const node = element("section", { class: "digit-layer" }, [
    element("h3", { text: title }),
    element("p", { class: "digit-legend" }, [
      `${channels} maps of ${rows}×${cols}, one colour scale: `,
      element("span", { text: "0" }),
      element("span", { class: "digit-legend-ramp", "aria-hidden": "true" }),
      legendMax,
      " (the layer's largest value). Select a map to see its filter and what one of its cells reads.",
    ]),
    grid,
    detail,
  ]);
  const state = { selected: null, cell: null, tensor: null, pixels: null };

  const showCell = () => {
    const { selected, tensor, pixels } = state;
    const values = tensor.data.subarray(selected * plane, (selected + 1) * plane);
    const cell = state.cell ?? values.indexOf(Math.max(...values));
    const at = [Math.floor(cell / cols), cell % cols];
    const window = receptiveField(network, index + 1, ...at);
    const largest = state.cell === null ? ", the map's largest value" : "";
    summary.textContent = `Map ${selected}: cell (${at[0]}, ${at[1]}) holds ${formatValue(values[cell], 3)}${largest}.`;
    paint(big, values, Math.max(...tensor.data) || 1, colours.map);
    Object.assign(mark.style, {
      top: `${(100 * at[0]) / rows}%`,
      left: `${(100 * at[1]) / cols}%`,
      width: `${100 / cols}%`,
      height: `${100 / rows}%`,
    });
    big.setAttribute("aria-label", `map ${selected}, enlarged, with cell (${at[0]}, ${at[1]}) marked`);
    paint(field, pixels, 1, colours.ink);
    const context = field.getContext("2d");
    context.strokeStyle = `rgb(${colours.field})`;
    context.strokeRect(window.left + 0.5, window.top + 0.5, window.right - window.left, window.bottom - window.top);
    fieldCaption.textContent = fieldText(window, at);
    field.setAttribute("aria-label", `the input, with the window cell (${at[0]}, ${at[1]}) reads outlined`);
  };
  const moveCell = (row, col) => {
    state.cell = Math.min(rows - 1, Math.max(0, row)) * cols + Math.min(cols - 1, Math.max(0, col));
    showCell();
  };
  const select = (channel) => {
    state.selected = channel;
    state.cell = null;
    buttons.forEach((button, c) => {
      button.setAttribute("aria-pressed", String(c === channel));
      button.tabIndex = c === channel ? 0 : -1;
    });
    filter.replaceChildren(filterView(conv, channel));
    showCell();
  };
  buttons.forEach((button, c) => button.addEventListener("click", () => select(c)));
  big.addEventListener("click", (event) => {
    const box = big.getBoundingClientRect();
    moveCell(
      Math.floor(((event.clientY - box.top) / box.height) * rows),
      Math.floor(((event.clientX - box.left) / box.width) * cols),
    );
  });
  big.addEventListener("keydown", (event) => {
    const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
    if (move === undefined || state.tensor === null) return;
    event.preventDefault();
    const values = state.tensor.data.subarray(state.selected * plane, (state.selected + 1) * plane);
    const cell = state.cell ?? values.indexOf(Math.max(...values));
    moveCell(Math.floor(cell / cols) + move[0], (cell % cols) + move[1]);
  });

  const show = (tensor, pixels) => {
    Object.assign(state, { tensor, pixels });
    const scale = Math.max(...tensor.data) || 1;
    legendMax.textContent = formatValue(scale, 2);
    let brightest = 0;
    maps.forEach(({ canvas }, c) => {
      const values = tensor.data.subarray(c * plane, (c + 1) * plane);
      const largest = Math.max(...values);
      canvas.dataset.max = String(largest);
      if (largest > Number(maps[brightest].canvas.dataset.max)) brightest = c;
      paint(canvas, values, scale, colours.map);
    });
    detail.hidden = false;
    if (state.selected === null) select(brightest);
    else showCell();
  };
  const empty = () => {
    state.tensor = null;
    legendMax.textContent = "–";
    detail.hidden = true;
    maps.forEach(({ canvas }) => {
      delete canvas.dataset.max;
      canvas.getContext("2d").clearRect(0, 0, cols, rows);
    });
  };
  return { node, show, empty };
}

/** Fill the page's root with the drawing surface, the picker, the model's input, the layers and the bars. */
async function setup(root) {
  const base = new URL(root.dataset.model, location.href);
  let manifest, network;
  try {
    const weights = fetchBytes(new URL("model.bin", base));
    manifest = await fetchJson(base, (data) => requireKeys(data, ["layers", "test", "mistakes", "numbers"]));
    network = loadNetwork(manifest, await weights);
  } catch (problem) {
    if (problem instanceof LoadError) return showFailure(root, problem);
    if (problem instanceof RangeError) return showFailure(root, new LoadError(`${problem.message} ${REBUILD}`));
    throw problem;
  }
  const test = manifest.test;

  const canvas = element("canvas", {
    width: String(SURFACE),
    height: String(SURFACE),
    "data-testid": "digit-canvas",
    class: "digit-surface",
    role: "img",
    "aria-label": "Drawing surface: draw a digit with the mouse, a finger or a pen",
  });
  const clear = element("button", { type: "button", "data-testid": "digit-clear", text: "Clear" });
  const number = element("input", {
    id: "digit-number",
    type: "number",
    min: "0",
    max: String(test.count - 1),
    value: "0",
    inputmode: "numeric",
  });
  const pick = element("form", { class: "digit-pick", novalidate: "" }, [
    element("label", { for: "digit-number", text: `Test digit (0 to ${test.count - 1}) ` }),
    number,
    element("button", { type: "submit", text: "Show" }),
  ]);
  const mistakes = element("p", { class: "digit-mistakes" }, [
    `${manifest.mistakes.length} of the ${manifest.numbers.wrong} test digits this page's int8 weights get wrong ` +
      "(the float32 network of the lesson pages misreads a few others; the table below compares them): ",
    ...manifest.mistakes.map((m) =>
      element("button", {
        type: "button",
        "data-digit": String(m.digit),
        text: `${m.digit}: a ${m.label} read as ${m.predicted}`,
      }),
    ),
  ]);
  const status = element("p", { class: "digit-status", "aria-live": "polite" });
  const inputCanvas = element("canvas", {
    width: String(SIZE),
    height: String(SIZE),
    "data-testid": "digit-input",
    class: "digit-input",
    role: "img",
    "aria-label": "the 28×28 input the model gets",
  });
  const bars = probabilityBars();
  const colours = {};
  const readColours = () =>
    Object.assign(colours, {
      ink: cssColour("--convlab-ink"),
      map: cssColour("--convlab-map"),
      field: cssColour("--convlab-field"),
    });
  readColours();
  const layers = network.convs.map((_, k) => layerView(network, k, colours));
  root.replaceChildren(
    element("div", { class: "digit-top" }, [
      element("div", { class: "digit-draw" }, [canvas, element("div", { class: "digit-buttons" }, [clear]), pick]),
      element("figure", { class: "digit-input-figure" }, [
        inputCanvas,
        element("figcaption", { text: "The 28×28 input the model gets" }),
      ]),
      bars.node,
    ]),
    status,
    mistakes,
    ...layers.map((layer) => layer.node),
  );

  let shown = null;
  const run = (pixels, source) => {
    shown = pixels;
    status.textContent = source;
    if (pixels === null) {
      delete inputCanvas.dataset.values;
      inputCanvas.getContext("2d").clearRect(0, 0, SIZE, SIZE);
      bars.empty();
      layers.forEach((layer) => layer.empty());
      return;
    }
    inputCanvas.dataset.values = Array.from(pixels).join(",");
    paint(inputCanvas, pixels, 1, colours.ink);
    const result = forward(network, pixels);
    layers.forEach((layer, k) => layer.show(result.maps[k], pixels));
    bars.show(result.probabilities.data);
  };
  const surface = drawingSurface(
    canvas,
    () =>
      run(
        prepare(surface.ink(), SURFACE, SURFACE),
        "Your drawing, cropped, scaled to fit 20×20 and centred by its centre of mass.",
      ),
    colours.ink,
  );
  onSchemeChange(root, () => {
    readColours();
    surface.recolour(colours.ink);
    if (shown !== null) run(shown, status.textContent);
  });

  /** Show the test digit a reader asked for by its number, written as text (the address, the box). */
  const showDigit = async (text, { remember = true } = {}) => {
    const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!(n < test.count)) {
      const asked =
        text.trim() === "" ? "Write the number of a test digit" : `There is no test digit “${text.slice(0, 20)}”`;
      status.textContent = `${asked}: choose a whole number from 0 to ${test.count - 1}.`;
      return;
    }
    const file = Math.floor(n / test.per_file);
    let bytes;
    try {
      bytes = new Uint8Array(await fetchBytes(new URL(test.files[file], base)));
    } catch (problem) {
      if (!(problem instanceof LoadError)) throw problem;
      status.textContent = problem.message;
      return;
    }
    const offset = (n % test.per_file) * SIZE * SIZE;
    const pixels = Array.from(bytes.slice(offset, offset + SIZE * SIZE), (v) => v / 255);
    number.value = String(n);
    if (remember) history.replaceState(history.state, "", `${location.pathname}?digit=${n}`);
    surface.show(pixels);
    run(
      pixels,
      `Test digit ${n}, labelled ${test.labels[n]}: the dataset's own pixels. Draw in the box to try your own.`,
    );
  };
  clear.addEventListener("click", () => {
    surface.clear();
    history.replaceState(history.state, "", location.pathname);
    run(null, "Draw a digit in the box.");
  });
  pick.addEventListener("submit", (event) => {
    event.preventDefault();
    showDigit(number.value);
  });
  mistakes.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-digit]");
    if (button) showDigit(button.dataset.digit);
  });
  const asked = new URLSearchParams(location.search).get("digit");
  // A first visit shows test digit 0, so the layers have something to show; a stroke starts a drawing.
  run(null, "Draw a digit in the box, or pick a test digit.");
  await showDigit(asked ?? "0", { remember: asked !== null });
  root.dataset.ready = "";
}

document$.subscribe(() => {
  const root = document.getElementById("convlab-digit-page");
  if (root) setup(root);
});
