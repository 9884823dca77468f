// The lesson's trained network, run in plain JavaScript: the three Conv2d + ReLU blocks, Flatten, the two
// Linear layers, softmax. No DOM and no framework, so it runs in Node's tests as in the page. The weights
// come from `convlab webmodel`: int8 levels, one scale per output channel, read back as level × scale and
// computed in float64, exactly as convlab.webmodel.page_forward computes them in torch.
//
// A tensor here is { shape: [C, H, W] or [N], data: Float64Array }, row by row as PyTorch lays it out.

/** Return the network described by model.json, with its weights read from the bytes of model.bin. */
export function loadNetwork(manifest, weightBytes) {
  const levels = new Int8Array(weightBytes);
  const layers = manifest.layers.map((layer) => {
    const perOutput = layer.shape.slice(1).reduce((a, b) => a * b, 1);
    const weight = new Float64Array(layer.shape[0] * perOutput);
    if (layer.offset + weight.length > levels.length) {
      throw new RangeError(
        `model.bin holds ${levels.length} weights, but its layers need ${layer.offset + weight.length}.`,
      );
    }
    for (let k = 0; k < weight.length; k++) {
      weight[k] = levels[layer.offset + k] * layer.scales[Math.floor(k / perOutput)];
    }
    return { ...layer, weight, bias: Float64Array.from(layer.bias) };
  });
  return { layers, convs: layers.filter((layer) => layer.kind === "conv") };
}

/** Return the input with `pH` rows of zeros above and below each channel and `pW` columns on either side. */
export function zeroPad(x, [pH, pW]) {
  const [channels, height, width] = x.shape;
  const [paddedH, paddedW] = [height + 2 * pH, width + 2 * pW];
  const data = new Float64Array(channels * paddedH * paddedW);
  for (let c = 0; c < channels; c++) {
    for (let row = 0; row < height; row++) {
      const from = (c * height + row) * width;
      data.set(x.data.subarray(from, from + width), (c * paddedH + row + pH) * paddedW + pW);
    }
  }
  return { shape: [channels, paddedH, paddedW], data };
}

/** Return nn.Conv2d's output for one image: every output channel reads every input channel (groups = 1).
 * Output cell (i, j) of channel o is bias[o] plus, for every input channel c and kernel cell (u, v),
 * weight[o, c, u, v] × padded[c, i·stride + u·dilation, j·stride + v·dilation]: the explorer's sum. */
export function conv2d(x, layer) {
  const [outChannels, inChannels, kH, kW] = layer.shape;
  const [outH, outW] = layer.output;
  const [sH, sW] = layer.stride;
  const [dH, dW] = layer.dilation;
  const padded = zeroPad(x, layer.padding);
  const [, paddedH, paddedW] = padded.shape;
  const { weight, bias } = layer;
  const input = padded.data;
  const out = new Float64Array(outChannels * outH * outW);
  for (let o = 0; o < outChannels; o++) {
    const plane = o * outH * outW;
    out.fill(bias[o], plane, plane + outH * outW);
    for (let c = 0; c < inChannels; c++) {
      for (let u = 0; u < kH; u++) {
        for (let v = 0; v < kW; v++) {
          const w = weight[((o * inChannels + c) * kH + u) * kW + v];
          for (let i = 0; i < outH; i++) {
            const from = (c * paddedH + i * sH + u * dH) * paddedW + v * dW;
            const to = plane + i * outW;
            for (let j = 0; j < outW; j++) out[to + j] += w * input[from + j * sW];
          }
        }
      }
    }
  }
  return { shape: [outChannels, outH, outW], data: out };
}

/** Return nn.Linear's output: weight @ x + bias. */
export function linear(x, layer) {
  const [outFeatures, inFeatures] = layer.shape;
  const { weight, bias } = layer;
  const input = x.data;
  const out = new Float64Array(outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    let sum = bias[o];
    for (let k = 0; k < inFeatures; k++) sum += weight[o * inFeatures + k] * input[k];
    out[o] = sum;
  }
  return { shape: [outFeatures], data: out };
}

/** Return ReLU(x) = max(0, x), cell by cell. */
export function relu(x) {
  return { shape: x.shape, data: x.data.map((v) => Math.max(0, v)) };
}

/** Return nn.Flatten's output for one image: the same numbers, one vector (C·H·W). */
export function flatten(x) {
  return { shape: [x.data.length], data: x.data };
}

/** Return softmax(logits): exp(z_k) / Σ exp(z_j), computed after subtracting the largest logit (no overflow). */
export function softmax(x) {
  const largest = Math.max(...x.data);
  const exps = x.data.map((v) => Math.exp(v - largest));
  const total = exps.reduce((a, b) => a + b, 0);
  return { shape: x.shape, data: exps.map((v) => v / total) };
}

/** Run the network on one image (784 values in [0, 1], row by row): the maps after each conv + ReLU, the
 * ten logits and their probabilities. */
// --8<-- [start:forward]
export function forward(network, pixels) {
  const [conv1, conv2, conv3, fc1, fc2] = network.layers;
  const image = { shape: [1, 28, 28], data: Float64Array.from(pixels) };
  const x1 = relu(conv2d(image, conv1)); // [32, 14, 14]
  const x2 = relu(conv2d(x1, conv2)); // [64, 7, 7]
  const x3 = relu(conv2d(x2, conv3)); // [128, 3, 3]
  const hidden = relu(linear(flatten(x3), fc1)); // [128]
  const logits = linear(hidden, fc2); // [10]
  return { maps: [x1, x2, x3], logits, probabilities: softmax(logits) };
}
// --8<-- [end:forward]

/** Return the input window { top, left, bottom, right } (inclusive; it may reach into the padding) that cell
 * (row, col) of conv layer `layer` (1 = the first) reads, through every conv before it. */
export function receptiveField(network, layer, row, col) {
  let [top, left, bottom, right] = [row, col, row, col];
  for (const conv of network.convs.slice(0, layer).reverse()) {
    const [kH, kW] = conv.shape.slice(2);
    top = top * conv.stride[0] - conv.padding[0];
    left = left * conv.stride[1] - conv.padding[1];
    bottom = bottom * conv.stride[0] - conv.padding[0] + conv.dilation[0] * (kH - 1);
    right = right * conv.stride[1] - conv.padding[1] + conv.dilation[1] * (kW - 1);
  }
  return { top, left, bottom, right };
}
