// The explorer's "real digit": the trained model's first-layer filters (exported by `convlab figures` as
// explorer.json) applied to a handwritten test digit, then ReLU.
import { cssColour, onSchemeChange, paint } from "./canvas.js";
import { correlate, formatValue, geometry } from "./conv.js";
import { element } from "./explorer-view.js";
import { fetchJson, LoadError, requireKeys, showFailure } from "./load.js";

const KEYS = ["filters", "bias", "kernel_size", "stride", "padding", "dilation", "output_size", "digit", "label"];

/** Throw an Error saying what is wrong unless the data is explorer.json as `convlab figures` writes it. */
function checkData(data) {
  requireKeys(data, KEYS);
  if (!Array.isArray(data.filters) || data.filters.length === 0 || data.filters.length !== data.bias.length) {
    throw new Error("its filters and biases do not match");
  }
  if (
    !Array.isArray(data.digit) ||
    !data.digit.every((row) => Array.isArray(row) && row.length === data.digit[0].length)
  ) {
    throw new Error("its digit is not a grid of pixels");
  }
}

const pairText = ([h, w]) => (h === w ? `${h}` : `(${h}, ${w})`);

function canvasOf(name, [rows, cols]) {
  return element("canvas", {
    width: String(cols),
    height: String(rows),
    class: "digit-canvas",
    role: "img",
    "aria-label": name,
  });
}

/** Fill root with the digit, a filter picker, the filter's weights and the feature map after Conv2d and ReLU. */
export async function setupDigit(root) {
  let data;
  try {
    data = await fetchJson(root.dataset.source, checkData);
  } catch (problem) {
    if (!(problem instanceof LoadError)) throw problem;
    return showFailure(root, problem);
  }
  const select = element(
    "select",
    { id: "digit-filter", "aria-label": "First-layer filter" },
    data.filters.map((_, k) => element("option", { value: String(k), text: `filter ${k}` })),
  );
  const size = [data.digit.length, data.digit[0].length];
  const digitCanvas = canvasOf(`the handwritten digit ${data.label}`, size);
  const mapCanvas = canvasOf("the feature map after ReLU", data.output_size);
  const weights = element("div", { class: "digit-weights", role: "group", "aria-label": "filter weights" });
  weights.style.gridTemplateColumns = `repeat(${data.kernel_size[1]}, 3rem)`;
  const map = element("div", { "data-testid": "digit-feature-map", hidden: "" });
  const label = (text, node) => element("figure", {}, [element("p", { class: "explorer-caption", text }), node]);
  const settings = `stride ${pairText(data.stride)}, padding ${pairText(data.padding)}`;
  root.replaceChildren(
    element("label", { for: "digit-filter" }, ["Filter ", select]),
    element("div", { class: "digit-row" }, [
      label(`Test digit (${data.label}), ${size[0]}×${size[1]}`, digitCanvas),
      label("Filter weights", weights),
      label(`After Conv2d (${settings}) and ReLU, ${data.output_size[0]}×${data.output_size[1]}`, mapCanvas),
    ]),
    map,
  );

  const pixels = data.digit.map((row) => row.map((v) => v / 255));
  const g = geometry({
    size,
    kernel: data.kernel_size,
    stride: data.stride,
    padding: data.padding,
    dilation: data.dilation,
  });
  // The digit in the page's ink and the map in its map colour, on the page's own background, as on the digit page.
  const draw = () => {
    const k = Number(select.value);
    weights.replaceChildren(
      ...data.filters[k].flat().map((w) => element("span", { class: "cell", text: formatValue(w) })),
    );
    const activated = correlate(pixels, data.filters[k], g, data.bias[k]).map((row) => row.map((v) => Math.max(0, v)));
    paint(digitCanvas, pixels.flat(), 1, cssColour("--convlab-ink"));
    paint(mapCanvas, activated.flat(), Math.max(...activated.flat(), 1e-9), cssColour("--convlab-map"));
    map.dataset.values = JSON.stringify(activated);
  };
  select.addEventListener("change", draw);
  onSchemeChange(root, draw);
  draw();
}
