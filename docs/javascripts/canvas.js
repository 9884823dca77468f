// Painting values into a canvas in the page's colours, shared by the digit page and the explorer's real digit.

/** Return the [r, g, b] of a colour the stylesheet names (a custom property), as the browser resolves it. */
export function cssColour(name) {
  const context = document.createElement("canvas").getContext("2d");
  context.fillStyle = getComputedStyle(document.body).getPropertyValue(name).trim() || "#000";
  context.fillRect(0, 0, 1, 1);
  return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3));
}

/** Paint values (row by row) into a canvas of their size: 0 transparent, `scale` and above fully `rgb`. */
export function paint(canvas, values, scale, rgb) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  for (let k = 0; k < values.length; k++) {
    image.data.set([...rgb, Math.round(255 * Math.min(1, Math.max(0, values[k] / scale)))], 4 * k);
  }
  context.putImageData(image, 0, 0);
}

/** Run redraw whenever Material's palette toggle changes the scheme (no reload), until root leaves the page. */
export function onSchemeChange(root, redraw) {
  const observer = new MutationObserver(() => {
    if (!root.isConnected) return observer.disconnect(); // instant navigation has left the page
    redraw();
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
}
