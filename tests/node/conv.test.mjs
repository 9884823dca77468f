// The explorer's pure modules in Node, on cases tests/test_conv_js.py exports from torch and from convlab's own
// parsers (CASES names the file): layers with channels, groups and a bias (conv.js), the refusals of channel
// counts, the shared grammar of grids, channels and biases (grammar.js), the paddings "same" and "valid" as PyTorch
// computes or refuses them (explorer-state.js), the transposed convolution's direct view, and the pace of a
// play-through.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  channelOutputs,
  channelSteps,
  checkChannels,
  geometry,
  links,
  parameterCount,
  weightShape,
} from "../../docs/javascripts/conv.js";
import { modelOf, readQuery, SPEEDS, stepInterval } from "../../docs/javascripts/explorer-state.js";
import { parseBias, parseChannels, parseGrid, parseSize, SettingError } from "../../docs/javascripts/grammar.js";

const cases = JSON.parse(readFileSync(process.env.CASES, "utf8"));

/** The geometry of one exported layer case. */
function layerGeometry(c) {
  const { op, size, kernel, stride, padding, dilation } = c;
  return geometry({ op, size, kernel, stride, padding, dilation, outputPadding: c.output_padding });
}

test("every layer's output is torch's, channel by channel, bias included", () => {
  for (const c of cases.layers) {
    const g = layerGeometry(c);
    const ch = { inChannels: c.inputs.length, outChannels: c.expected.length, groups: c.groups, bias: c.bias !== null };
    const biases = c.bias ?? new Array(ch.outChannels).fill(0);
    const got = channelOutputs(g, ch, c.inputs, c.weights, biases, channelSteps(g, ch));
    assert.deepEqual(weightShape(g, ch), c.weight_shape, `${c.name}: weight shape`);
    assert.equal(parameterCount(g, ch), c.parameters, `${c.name}: parameters`);
    got
      .flat(2)
      .forEach((v, k) =>
        assert.ok(
          Math.abs(v - c.expected.flat(2)[k]) <= 1e-9,
          `${c.name}[${k}]: ${v} against torch's ${c.expected.flat(2)[k]}`,
        ),
      );
  }
});

test("each link joins the input and output channels torch's weight joins", () => {
  for (const c of cases.layers) {
    const g = layerGeometry(c);
    const ch = { inChannels: c.inputs.length, outChannels: c.expected.length, groups: c.groups, bias: false };
    const joined = links(g, ch)
      .map((l) => [l.input, l.output])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(joined, c.joined, c.name);
  }
});

test("channel counts are refused where nn.Conv2d refuses them, in convlab's words", () => {
  for (const [inChannels, outChannels, groups, message] of cases.channel_counts) {
    let got = null;
    try {
      checkChannels({ inChannels, outChannels, groups });
    } catch (e) {
      got = e.message;
    }
    assert.equal(got, message, `${inChannels}, ${outChannels}, groups ${groups}`);
  }
});

test("sizes, grids, channels and biases read as convlab.cli reads them", () => {
  const parsers = {
    sizes: parseSize,
    grids: (t) => parseGrid(t, "--weights"),
    channels: (t) => parseChannels(t, "--input"),
    biases: parseBias,
  };
  for (const [kind, parse] of Object.entries(parsers)) {
    for (const [text, expected] of cases.grammar[kind]) {
      let got;
      try {
        got = parse(text);
      } catch (e) {
        got = e.message;
      }
      assert.deepEqual(got, expected, `${kind}: ${JSON.stringify(text)}`);
    }
  }
});

const gridText = (rows) => rows.map((row) => row.join(",")).join(";");
const pairText = ([h, w]) => `${h}x${w}`;

/** Check two grids hold the same numbers (within 1e-9: torch may write −0 where JavaScript adds up to 0). */
function assertClose(got, expected, name) {
  assert.deepEqual(
    got.map((row) => row.length),
    expected.map((row) => row.length),
    `${name}: shape`,
  );
  got
    .flat()
    .forEach((v, k) =>
      assert.ok(Math.abs(v - expected.flat()[k]) <= 1e-9, `${name}[${k}]: ${v} against torch's ${expected.flat()[k]}`),
    );
}

test("padding 'same' and 'valid' give torch's output, and are refused where torch refuses them, in its words", () => {
  for (const c of cases.paddings) {
    const grids = {
      input: gridText(c.input),
      ...(c.settings.op === "maxpool" ? {} : { weights: gridText(c.weights) }),
    };
    const query = new URLSearchParams({ ...c.settings, padding: c.padding, ...grids }).toString();
    let model = null,
      refusal = null;
    try {
      model = modelOf(readQuery(query));
    } catch (e) {
      if (!(e instanceof SettingError)) throw e;
      refusal = e.message;
    }
    if (c.refused !== undefined) {
      assert.notEqual(refusal, null, `${query}: torch refuses it (${c.refused})`);
      if (c.reason)
        assert.ok(refusal.includes(c.refused), `${query}: "${refusal}" does not give torch's reason "${c.refused}"`);
      continue;
    }
    assert.equal(refusal, null, query);
    assertClose(model.output, c.expected, query);
  }
});

test("a whole play-through takes about as long for 256 steps as for 16, at every speed", () => {
  for (const speed of Object.keys(SPEEDS)) {
    const whole = (count) => count * stepInterval(speed, count);
    assert.ok(whole(256) <= SPEEDS[speed].whole && whole(16) <= SPEEDS[speed].whole, speed);
    assert.ok(whole(256) <= 2 * whole(16), `${speed}: ${whole(256)} ms for 256 steps against ${whole(16)} ms for 16`);
  }
  assert.ok(256 * stepInterval("normal", 256) <= 30_000);
});

test("the transposed convolution's direct view is torch's: the zero-inserted padded grid, the flipped kernel, the output", () => {
  assert.ok(cases.direct.length >= 40);
  for (const c of cases.direct) {
    const settings = {
      op: "transposed",
      view: "direct",
      output_padding: pairText(c.output_padding),
      input: gridText(c.input),
      weights: gridText(c.weights),
    };
    for (const key of ["size", "kernel", "stride", "padding", "dilation"]) settings[key] = pairText(c[key]);
    const query = new URLSearchParams(settings).toString();
    const model = modelOf(readQuery(query));
    assertClose(model.inputs[0], c.stretched, `${query}: grid`);
    assertClose(model.kernels[0][0], c.flipped, `${query}: kernel`);
    assertClose(model.output, c.expected, `${query}: output`);
  }
});

/** Return the model of a query, or the message of the SettingError it is refused with. */
function modelOrRefusal(query) {
  try {
    return { model: modelOf(readQuery(query)), refusal: null };
  } catch (e) {
    if (!(e instanceof SettingError)) throw e;
    return { model: null, refusal: e.message };
  }
}

/**
 * Check two nested arrays of numbers have the same shape and values within 1e-9 (torch may write −0); an infinity
 * is exported as text ("-Infinity").
 */
function assertAllClose(got, expected, name) {
  assert.equal(Array.isArray(got), Array.isArray(expected), `${name}: shape`);
  if (!Array.isArray(expected)) {
    assert.ok(
      got === Number(expected) || Math.abs(got - expected) <= 1e-9,
      `${name}: ${got} against torch's ${expected}`,
    );
    return;
  }
  assert.equal(got.length, expected.length, `${name}: shape`);
  got.forEach((v, k) => assertAllClose(v, expected[k], `${name}[${k}]`));
}

test("random settings of every operation, with and without channels, give torch's output or its refusal", () => {
  assert.ok(cases.random.length >= 300);
  for (const c of cases.random) {
    const query = new URLSearchParams(c.settings).toString();
    const { model, refusal } = modelOrRefusal(query);
    if (c.refused) {
      assert.notEqual(refusal, null, `${query}: torch refuses it`);
      assert.ok(!refusal.includes("\n"), `${query}: one line`);
      if (c.reason)
        assert.ok(refusal.startsWith(c.reason), `${query}: "${refusal}" does not start with torch's "${c.reason}"`);
      continue;
    }
    assert.equal(refusal, null, query);
    assertAllClose(model.outputs, c.expected, `${query}: output`);
    assertAllClose(model.inputs, c.inputs, `${query}: input`);
    if (c.kernels) assertAllClose(model.kernels, c.kernels, `${query}: weights`);
    if (c.biases !== undefined) {
      assert.equal(model.ch.bias, c.biases !== null, `${query}: bias`);
      if (c.biases) assertAllClose(model.biases, c.biases, `${query}: biases`);
    }
  }
});
