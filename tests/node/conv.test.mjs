// The explorer's pure modules in Node, on cases tests/test_conv_js.py exports from torch and from convlab's own
// parsers (CASES names the file): layers with channels, groups and a bias (conv.js), the refusals of channel
// counts, and the shared grammar of grids, channels and biases (grammar.js).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { channelOutputs, channelSteps, checkChannels, geometry, links, parameterCount, weightShape } from "../../docs/javascripts/conv.js";
import { parseBias, parseChannels, parseGrid, parseSize } from "../../docs/javascripts/grammar.js";

const cases = JSON.parse(readFileSync(process.env.CASES, "utf8"));

test("every layer's output is torch's, channel by channel, bias included", () => {
  for (const c of cases.layers) {
    const g = geometry({ op: c.op, size: c.size, kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.output_padding });
    const ch = { inChannels: c.inputs.length, outChannels: c.expected.length, groups: c.groups, bias: c.bias !== null };
    const biases = c.bias ?? new Array(ch.outChannels).fill(0);
    const got = channelOutputs(g, ch, c.inputs, c.weights, biases, channelSteps(g, ch));
    assert.deepEqual(weightShape(g, ch), c.weight_shape, `${c.name}: weight shape`);
    assert.equal(parameterCount(g, ch), c.parameters, `${c.name}: parameters`);
    got.flat(2).forEach((v, k) => assert.ok(Math.abs(v - c.expected.flat(2)[k]) <= 1e-9, `${c.name}[${k}]: ${v} against torch's ${c.expected.flat(2)[k]}`));
  }
});

test("each link joins the input and output channels torch's weight joins", () => {
  for (const c of cases.layers) {
    const g = geometry({ op: c.op, size: c.size, kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, outputPadding: c.output_padding });
    const ch = { inChannels: c.inputs.length, outChannels: c.expected.length, groups: c.groups, bias: false };
    const joined = links(g, ch).map((l) => [l.input, l.output]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(joined, c.joined, c.name);
  }
});

test("channel counts are refused where nn.Conv2d refuses them, in convlab's words", () => {
  for (const [inChannels, outChannels, groups, message] of cases.channel_counts) {
    let got = null;
    try { checkChannels({ inChannels, outChannels, groups }); } catch (e) { got = e.message; }
    assert.equal(got, message, `${inChannels}, ${outChannels}, groups ${groups}`);
  }
});

test("sizes, grids, channels and biases read as convlab.cli reads them", () => {
  const parsers = { sizes: parseSize, grids: (t) => parseGrid(t, "--weights"), channels: (t) => parseChannels(t, "--input"), biases: parseBias };
  for (const [kind, parse] of Object.entries(parsers)) {
    for (const [text, expected] of cases.grammar[kind]) {
      let got;
      try { got = parse(text); } catch (e) { got = e.message; }
      assert.deepEqual(got, expected, `${kind}: ${JSON.stringify(text)}`);
    }
  }
});
