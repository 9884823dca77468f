// The digit page (digit/): draw a digit, or pick one of the test split, and watch the trained network
// read it. The arithmetic is network.js (the forward pass) and mnist.js (MNIST's preparation); this file
// draws the page and wires its events. The model is fetched only when the page is opened.
import { forward, loadNetwork, receptiveField } from "./network.js";
import { SIZE, prepare } from "./mnist.js";
import { element } from "./explorer-view.js";

const SURFACE = 280; // the drawing surface's pixels a side: ten per input pixel
const STROKE = 20; // pen width, in those pixels: about two input pixels once scaled to the 20×20 box
const LAYER_NAMES = ["first", "second", "third"];

const percent = (p) => `${(100 * p).toFixed(1)}%`;
const cssColour = (name) => getComputedStyle(document.body).getPropertyValue(name).trim() || "#000";

/** Paint values (row by row) into a canvas of their size: 0 transparent, `scale` and above fully `colour`. */
function paint(canvas, values, width, scale, colour) {
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = colour;
  values.forEach((v, k) => {
    if (v <= 0) return;
    context.globalAlpha = Math.min(1, v / scale);
    context.fillRect(k % width, Math.floor(k / width), 1, 1);
  });
  context.globalAlpha = 1;
}

/** The drawing surface: pointer events (mouse, touch, pen) draw round strokes; `onInk` runs once per frame. */
function drawingSurface(canvas, onInk) {
  const context = canvas.getContext("2d");
  let last = null;
  let pending = false;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * SURFACE) / box.width, ((event.clientY - box.top) * SURFACE) / box.height];
  };
  const stroke = (from, to) => {
    context.strokeStyle = "#000";
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
    ink: () => Array.from(context.getImageData(0, 0, SURFACE, SURFACE).data.filter((_, k) => k % 4 === 3), (a) => a / 255),
    clear: () => context.clearRect(0, 0, SURFACE, SURFACE),
    /** Draw 28×28 pixels on the surface, ten surface pixels each (a test digit shown where one draws). */
    show: (pixels) => {
      context.clearRect(0, 0, SURFACE, SURFACE);
      context.fillStyle = "#000";
      pixels.forEach((v, k) => {
        context.globalAlpha = v;
        context.fillRect((k % SIZE) * 10, Math.floor(k / SIZE) * 10, 10, 10);
      });
      context.globalAlpha = 1;
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
    element("ol", { class: "digit-bars", start: "0" }, rows.map((r) => r.row)),
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
        if (inChannels === 1) cell.textContent = w.toFixed(2);
        cell.style.setProperty("--strength", String(Math.abs(w) / largest));
        return cell;
      }),
    );
  const note =
    inChannels === 1
      ? `Its ${kH}×${kW} weights (bias ${conv.bias[channel].toFixed(2)}):`
      : `Its ${inChannels} kernels of ${kH}×${kW}, one for each map of the layer before (blue positive, orange ` +
        `negative; bias ${conv.bias[channel].toFixed(2)}):`;
  return element("div", { class: "digit-filter" }, [
    element("p", { text: note }),
    element("div", { class: `digit-kernels${inChannels === 1 ? " digit-kernels-one" : ""}` }, Array.from({ length: inChannels }, (_, c) => tile(c))),
  ]);
}

/** One conv layer's maps, on one colour scale, with the selected map's filter and receptive field. */
function layerView(network, index) {
  const conv = network.convs[index];
  const [channels] = conv.shape;
  const [rows, cols] = conv.output;
  const maps = Array.from({ length: channels }, (_, c) => {
    const canvas = element("canvas", { width: String(cols), height: String(rows), "data-testid": "feature-map", "data-layer": String(index + 1), "data-channel": String(c) });
    const button = element("button", { type: "button", class: "digit-map", "aria-label": `map ${c}`, "aria-pressed": "false" }, [canvas]);
    return { canvas, button };
  });
  const legendMax = element("span");
  const detail = element("div", { class: "digit-detail", "aria-live": "polite" });
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
      " (the layer's largest value). Select a map to see its filter and what one of its cells sees.",
    ]),
    element("div", { class: `digit-maps digit-maps-${index + 1}` }, maps.map((m) => m.button)),
    detail,
  ]);
  let selected = null;
  let current = null;
  let input = null;
  const showDetail = () => {
    if (selected === null || current === null) return;
    maps.forEach((m, c) => m.button.setAttribute("aria-pressed", String(c === selected)));
    const values = current.data.slice(selected * rows * cols, (selected + 1) * rows * cols);
    const best = values.indexOf(Math.max(...values));
    const [row, col] = [Math.floor(best / cols), best % cols];
    const field = receptiveField(network, index + 1, row, col);
    const seen = element("canvas", { width: String(SIZE), height: String(SIZE), class: "digit-field", role: "img", "aria-label": `the input, with the ${field.bottom - field.top + 1}×${field.right - field.left + 1} window that cell (${row}, ${col}) reads outlined` });
    paint(seen, input, SIZE, 1, cssColour("--convlab-ink"));
    const context = seen.getContext("2d");
    context.strokeStyle = cssColour("--convlab-field");
    context.lineWidth = 1;
    context.strokeRect(field.left + 0.5, field.top + 0.5, field.right - field.left, field.bottom - field.top);
    const big = element("canvas", { width: String(cols), height: String(rows), class: "digit-big", role: "img", "aria-label": `map ${selected}, enlarged` });
    paint(big, values, cols, Math.max(...current.data) || 1, cssColour("--convlab-map"));
    const size = `${field.bottom - field.top + 1}×${field.right - field.left + 1}`;
    detail.replaceChildren(
      element("p", { text: `Map ${selected}: its largest value, ${values[best].toFixed(3)}, is at row ${row}, column ${col}.` }),
      element("div", { class: "digit-detail-row" }, [
        element("figure", {}, [big, element("figcaption", { text: `Map ${selected}` })]),
        element("figure", {}, [seen, element("figcaption", { text: `That cell reads input rows ${field.top} to ${field.bottom}, columns ${field.left} to ${field.right} (${size}, padding included)` })]),
      ]),
      filterView(conv, selected),
    );
  };
  maps.forEach((m, c) =>
    m.button.addEventListener("click", () => {
      selected = c;
      showDetail();
    }),
  );
  const show = (tensor, pixels) => {
    current = tensor;
    input = pixels;
    const scale = Math.max(...tensor.data) || 1;
    legendMax.textContent = scale.toFixed(2);
    const colour = cssColour("--convlab-map");
    maps.forEach(({ canvas }, c) => {
      const values = tensor.data.slice(c * rows * cols, (c + 1) * rows * cols);
      canvas.dataset.max = String(Math.max(...values));
      paint(canvas, values, cols, scale, colour);
    });
    if (selected === null) selected = maps.reduce((b, _, c) => (Number(maps[c].canvas.dataset.max) > Number(maps[b].canvas.dataset.max) ? c : b), 0);
    showDetail();
  };
  return { node, show };
}

/** Fill the page's root with the drawing surface, the picker, the model's input, the layers and the bars. */
async function setup(root) {
  const base = new URL(root.dataset.model, location.href);
  const [manifest, weights] = await Promise.all([
    fetch(base).then((r) => r.json()),
    fetch(new URL("model.bin", base)).then((r) => r.arrayBuffer()),
  ]);
  const network = loadNetwork(manifest, weights);
  const test = manifest.test;

  const canvas = element("canvas", { width: String(SURFACE), height: String(SURFACE), "data-testid": "digit-canvas", class: "digit-surface", role: "img", "aria-label": "Drawing surface: draw a digit with the mouse, a finger or a pen" });
  const clear = element("button", { type: "button", "data-testid": "digit-clear", text: "Clear" });
  const number = element("input", { id: "digit-number", type: "number", min: "0", max: String(test.count - 1), value: "0", inputmode: "numeric" });
  const pick = element("form", { class: "digit-pick", novalidate: "" }, [
    element("label", { for: "digit-number", text: `Test digit (0 to ${test.count - 1}) ` }),
    number,
    element("button", { type: "submit", text: "Show" }),
  ]);
  const mistakes = element("p", { class: "digit-mistakes" }, [
    "Digits the model gets wrong: ",
    ...manifest.mistakes.map((m) =>
      element("button", { type: "button", "data-digit": String(m.digit), text: `${m.digit}: a ${m.label} read as ${m.predicted}` }),
    ),
  ]);
  const status = element("p", { class: "digit-status", "aria-live": "polite" });
  const inputCanvas = element("canvas", { width: String(SIZE), height: String(SIZE), "data-testid": "digit-input", class: "digit-input", role: "img", "aria-label": "the 28×28 input the model gets" });
  const bars = probabilityBars();
  const layers = network.convs.map((_, k) => layerView(network, k));
  root.replaceChildren(
    element("div", { class: "digit-top" }, [
      element("div", { class: "digit-draw" }, [canvas, element("div", { class: "digit-buttons" }, [clear]), pick]),
      element("figure", { class: "digit-input-figure" }, [inputCanvas, element("figcaption", { text: "The 28×28 input the model gets" }), status]),
      bars.node,
    ]),
    mistakes,
    ...layers.map((layer) => layer.node),
  );

  const run = (pixels, source) => {
    status.textContent = source;
    if (pixels === null) {
      delete inputCanvas.dataset.values;
      paint(inputCanvas, [], SIZE, 1, "#000");
      bars.empty();
      return;
    }
    inputCanvas.dataset.values = Array.from(pixels).join(",");
    paint(inputCanvas, pixels, SIZE, 1, cssColour("--convlab-ink"));
    const result = forward(network, pixels);
    layers.forEach((layer, k) => layer.show(result.maps[k], pixels));
    bars.show(result.probabilities.data);
  };
  const surface = drawingSurface(canvas, () => run(prepare(surface.ink(), SURFACE, SURFACE), "Your drawing, cropped, scaled to fit 20×20 and centred by its centre of mass."));

  const showDigit = async (n) => {
    if (!Number.isInteger(n) || n < 0 || n >= test.count) {
      status.textContent = `There is no test digit ${n}: choose a whole number from 0 to ${test.count - 1}.`;
      return;
    }
    const file = Math.floor(n / test.per_file);
    const response = await fetch(new URL(test.files[file], base));
    const bytes = new Uint8Array(await response.arrayBuffer());
    const offset = (n % test.per_file) * SIZE * SIZE;
    const pixels = Array.from(bytes.slice(offset, offset + SIZE * SIZE), (v) => v / 255);
    number.value = String(n);
    history.replaceState(history.state, "", `${location.pathname}?digit=${n}`);
    surface.show(pixels);
    run(pixels, `Test digit ${n}, labelled ${test.labels[n]}: the dataset's own pixels.`);
  };
  clear.addEventListener("click", () => {
    surface.clear();
    history.replaceState(history.state, "", location.pathname);
    run(null, "Draw a digit in the box.");
  });
  pick.addEventListener("submit", (event) => {
    event.preventDefault();
    showDigit(Number(number.value));
  });
  mistakes.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-digit]");
    if (button) showDigit(Number(button.dataset.digit));
  });
  const asked = new URLSearchParams(location.search).get("digit");
  if (asked === null) run(null, "Draw a digit in the box, or pick a test digit.");
  else await showDigit(/^\d+$/.test(asked) ? Number(asked) : NaN);
  root.dataset.ready = "";
}

document$.subscribe(() => {
  const root = document.getElementById("convlab-digit-page");
  if (root) setup(root);
});
