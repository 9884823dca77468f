// The digit page's pure modules against torch, on cases tests/test_digit_js.py exports from the build's model
// (CASES names the file): the forward pass (network.js), the receptive field, and MNIST's preparation (mnist.js).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { centreOfMass, inkBox, prepare, SIZE } from "../../docs/javascripts/mnist.js";
import { forward, loadNetwork, receptiveField } from "../../docs/javascripts/network.js";

const cases = JSON.parse(readFileSync(process.env.CASES, "utf8"));
const manifest = JSON.parse(readFileSync(cases.manifest, "utf8"));
const network = loadNetwork(manifest, readFileSync(cases.weights).buffer);

const closeTo = (got, expected, tolerance, what) => {
  assert.equal(got.length, expected.length, `${what}: length`);
  got.forEach((v, k) =>
    assert.ok(Math.abs(v - expected[k]) <= tolerance, `${what}[${k}]: ${v} against torch's ${expected[k]}`),
  );
};

test("every map and probability is torch's, computed with the page's int8 weights", () => {
  for (const digit of cases.digits) {
    const result = forward(network, digit.pixels);
    result.maps.forEach((map, k) => closeTo(map.data, digit.maps[k], 1e-9, `digit ${digit.index}, layer ${k + 1}`));
    closeTo(result.logits.data, digit.logits, 1e-9, `digit ${digit.index}, logits`);
    closeTo(result.probabilities.data, digit.probabilities, 1e-12, `digit ${digit.index}, probabilities`);
  }
});

test("the page's probabilities are within 0.01 of the float32 model's, with its prediction where it is confident", () => {
  for (const digit of cases.digits) {
    const p = Array.from(forward(network, digit.pixels).probabilities.data);
    closeTo(p, digit.float32_probabilities, 0.01, `digit ${digit.index} against float32`);
    const confident = Math.max(...digit.float32_probabilities) > 0.9;
    if (confident) assert.equal(p.indexOf(Math.max(...p)), digit.float32_prediction, `digit ${digit.index}`);
  }
});

test("the receptive field of a cell is the input window torch's gradient reaches", () => {
  for (const { layer, row, col, window } of cases.fields) {
    const field = receptiveField(network, layer, row, col);
    const clipped = [
      Math.max(0, field.top),
      Math.max(0, field.left),
      Math.min(SIZE - 1, field.bottom),
      Math.min(SIZE - 1, field.right),
    ];
    assert.deepEqual(clipped, window, `layer ${layer}, cell (${row}, ${col})`);
  }
});

/** Return a digit drawn ten times larger, as on the page's 280×280 drawing surface. */
const enlarged = (pixels, factor = 10) =>
  Float64Array.from({ length: (SIZE * factor) ** 2 }, (_, k) => {
    const [y, x] = [Math.floor(k / (SIZE * factor) / factor), Math.floor((k % (SIZE * factor)) / factor)];
    return pixels[y * SIZE + x];
  });

test("a test digit drawn ten times larger is prepared back into its own pixels", () => {
  const exact = cases.digits.filter((d) => d.prepared_back);
  assert.ok(exact.length >= 5, "enough digits whose ink box is 20 pixels and whose centre of mass is at (14, 14)");
  for (const digit of exact) {
    const big = SIZE * 10;
    closeTo(prepare(enlarged(digit.pixels), big, big), digit.pixels, 1e-12, `digit ${digit.index}`);
  }
});

test("any drawing is scaled to fit 20×20 and centred on its centre of mass", () => {
  const shapes = [
    { name: "a tall bar", width: 100, height: 100, box: [10, 45, 90, 55] },
    { name: "a wide bar", width: 120, height: 80, box: [30, 5, 40, 115] },
    { name: "a small dot in a corner", width: 50, height: 50, box: [0, 0, 3, 3] },
  ];
  for (const {
    name,
    width,
    height,
    box: [top, left, bottom, right],
  } of shapes) {
    const values = Float64Array.from({ length: width * height }, (_, k) => {
      const [y, x] = [Math.floor(k / width), k % width];
      return y >= top && y < bottom && x >= left && x < right ? 1 : 0;
    });
    const image = prepare(values, width, height);
    const ink = inkBox(image, SIZE, SIZE);
    assert.equal(Math.max(ink.bottom - ink.top, ink.right - ink.left), 20, `${name}: its longer side fills the box`);
    const centre = centreOfMass(image, SIZE, SIZE);
    assert.ok(Math.abs(centre.row - 14) <= 0.5 && Math.abs(centre.col - 14) <= 0.5, `${name}: centred`);
    assert.ok(
      image.every((v) => v >= 0 && v <= 1),
      `${name}: values from 0 to 1`,
    );
  }
  assert.equal(prepare(new Float64Array(100), 10, 10), null, "an empty drawing gives no input");
});

test("a model.bin shorter than its layers need is refused, not read as zeros", () => {
  const bytes = readFileSync(cases.weights);
  const short = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length - 1);
  assert.throws(
    () => loadNetwork(manifest, short),
    (error) =>
      error instanceof RangeError && /model\.bin holds \d+ weights, but its layers need \d+/.test(error.message),
  );
  assert.doesNotThrow(() =>
    loadNetwork(manifest, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
  );
});
