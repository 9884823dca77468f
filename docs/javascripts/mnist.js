// A drawing prepared the way MNIST prepared its digits (LeCun, Cortes and Burges): the ink's bounding box
// scaled to fit a 20×20 box, keeping its aspect ratio, with anti-aliased grey levels, then placed in a 28×28
// image so that its centre of mass sits at the centre. MNIST's own digits have their centre of mass at
// pixel (14, 14), counting from 0 (the digit page prints the test split's average): so does a drawing here.
// No DOM: Node's tests run it on digits of the test split drawn ten times larger.

export const SIZE = 28;
export const BOX = 20;
export const CENTRE = 14;

/** Return the smallest box { top, left, bottom, right } (exclusive ends) holding every value above 0, or null. */
export function inkBox(values, width, height) {
  let [top, left, bottom, right] = [height, width, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (values[y * width + x] > 0) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y + 1);
        left = Math.min(left, x);
        right = Math.max(right, x + 1);
      }
    }
  }
  return bottom > top ? { top, left, bottom, right } : null;
}

/** Return the part of [start, end) that pixel `k` ([k, k + 1)) covers. */
const overlap = (start, end, k) => Math.max(0, Math.min(end, k + 1) - Math.max(start, k));

/** Return the box of the source resampled to outW × outH: each output pixel the mean of the source area it
 * covers, partial pixels weighted by the part covered (anti-aliased, as a box filter). */
export function resample(values, width, box, outW, outH) {
  const scaleX = (box.right - box.left) / outW;
  const scaleY = (box.bottom - box.top) / outH;
  const out = new Float64Array(outW * outH);
  for (let i = 0; i < outH; i++) {
    const [y0, y1] = [box.top + i * scaleY, box.top + (i + 1) * scaleY];
    for (let j = 0; j < outW; j++) {
      const [x0, x1] = [box.left + j * scaleX, box.left + (j + 1) * scaleX];
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = overlap(y0, y1, y);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) sum += wy * overlap(x0, x1, x) * values[y * width + x];
      }
      out[i * outW + j] = sum / (scaleX * scaleY);
    }
  }
  return out;
}

/** Return the centre of mass { row, col } of a w × h image, counting pixels from 0. */
export function centreOfMass(values, width, height) {
  let [mass, row, col] = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      mass += v;
      row += v * y;
      col += v * x;
    }
  }
  return { row: row / mass, col: col / mass };
}

/** Return the 784 values (row by row, 0 to 1) that MNIST's preparation makes of a drawing of `width` ×
 * `height` ink values from 0 to 1, or null if nothing is drawn. */
export function prepare(values, width, height) {
  const box = inkBox(values, width, height);
  if (box === null) return null;
  const [w, h] = [box.right - box.left, box.bottom - box.top];
  const fit = BOX / Math.max(w, h);
  const [outW, outH] = [Math.max(1, Math.round(w * fit)), Math.max(1, Math.round(h * fit))];
  const small = resample(values, width, box, outW, outH);
  const centre = centreOfMass(small, outW, outH);
  // Whole-pixel shifts, as MNIST's digits were placed: a fractional one would blur the strokes.
  const top = Math.round(CENTRE - centre.row);
  const left = Math.round(CENTRE - centre.col);
  const image = new Float64Array(SIZE * SIZE);
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      const [y, x] = [top + i, left + j];
      if (y >= 0 && y < SIZE && x >= 0 && x < SIZE) image[y * SIZE + x] = Math.min(1, small[i * outW + j]);
    }
  }
  return image;
}
