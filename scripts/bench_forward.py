"""Benchmark: the digit page's forward pass (docs/javascripts/network.js) in Chromium, against torch on one CPU
thread, on the same test digits with the same int8 weights, side by side in one run.

A drawing updates the page once per animation frame, so the target is one forward pass within a frame
(16.7 ms at 60 Hz) on this 2-core machine. Prints each side's median and range over the runs, and the ratios.

    python scripts/bench_forward.py --run RUN [--site site] [--data-root data] [--repeat 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright
from screenshots import CHROMIUM, CHROMIUM_FLAGS
from statichost import served

from convlab.data import load_split, split_indices
from convlab.run import RunFolder
from convlab.webmodel import page_forward, page_layers

FRAME_MS = 1000 / 60
DIGITS = 10

TIME_IN_PAGE = """async ([digits, repeat]) => {
  const { forward, loadNetwork } = await import(new URL("../javascripts/network.js", location.href));
  const model = new URL("../assets/model/", location.href);
  const manifest = await (await fetch(new URL("model.json", model))).json();
  const network = loadNetwork(manifest, await (await fetch(new URL("model.bin", model))).arrayBuffer());
  const times = [];
  for (let r = 0; r < repeat; r++) {
    for (const pixels of digits) {
      const start = performance.now();
      forward(network, pixels);
      times.push(performance.now() - start);
    }
  }
  return times;
}"""


def page_times(site: Path, digits: list[list[float]], repeat: int) -> list[float]:
    """Return the milliseconds of each forward pass the page's own module ran in Chromium."""
    with served(site) as (base, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(base + "digit/")
        page.wait_for_selector("#convlab-digit-page[data-ready]")
        times = page.evaluate(TIME_IN_PAGE, [digits, repeat])
        browser.close()
    return times[len(digits) :]  # the first round warms the JIT up


def torch_times(layers, images: torch.Tensor, repeat: int) -> list[float]:
    """Return the milliseconds of each forward pass of one image in torch (float64, the page's arithmetic)."""
    torch.set_num_threads(1)
    times = []
    for _ in range(repeat):
        for image in images:
            start = time.perf_counter()
            page_forward(layers, image[None])
            times.append(1000 * (time.perf_counter() - start))
    return times[len(images) :]


def describe(name: str, times: list[float]) -> str:
    return f"  {name:<28} median {statistics.median(times):6.2f} ms  (range {min(times):.2f} to {max(times):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--run", type=Path, required=True, help="the trained run the site shows")
    parser.add_argument("--data-root", type=Path, default=Path("data"))
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    images, labels = load_split(args.data_root, train=False)
    _, index = split_indices(len(labels))
    digits = images[index][:DIGITS, None].double() / 255
    layers = page_layers(RunFolder(args.run).load_model())
    js = page_times(args.site, [d.flatten().tolist() for d in digits], args.repeat)
    native = torch_times(layers, digits, args.repeat)
    print(f"digit page forward pass, {DIGITS} test digits x {args.repeat - 1} runs (after one warm-up round):")
    print(describe("network.js in Chromium", js))
    print(describe("torch, 1 thread, float64", native))
    print(f"  page / torch: {statistics.median(js) / statistics.median(native):.2f}x the time")
    print(f"  page / one frame ({FRAME_MS:.1f} ms): {statistics.median(js) / FRAME_MS:.2f} of the frame")


if __name__ == "__main__":
    main()
