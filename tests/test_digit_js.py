"""The digit page's JavaScript (network.js, mnist.js) in Node, on cases exported here from torch and the build's
model: tests/node/network.test.mjs says what each case checks."""

import torch
from node_tests import run_node_tests
from torch import nn

from convlab.data import load_split, split_indices
from convlab.webmodel import centre_of_mass, page_forward, page_layers

DIGITS = 24


def window_torch_reads(model, layer: int, row: int, col: int) -> list[int]:
    """Return [top, left, bottom, right] of the input pixels whose gradient reaches one cell of a conv layer."""
    image = torch.rand(1, 1, 28, 28, dtype=torch.float64, requires_grad=True)
    # The convolutions alone: a ReLU would stop the gradient wherever it cut a value to 0.
    convs = nn.Sequential(*[m for m in model.double().features if isinstance(m, nn.Conv2d)][:layer])
    convs(image)[0, :, row, col].sum().backward()
    reached = torch.nonzero(image.grad[0, 0].abs() > 0)
    (top, left), (bottom, right) = reached.min(dim=0).values.tolist(), reached.max(dim=0).values.tolist()
    return [top, left, bottom, right]


def export_cases(built_site, build_run, mnist_root) -> dict:
    """Return the cases the Node tests read: test digits with torch's maps and probabilities, receptive fields."""
    model = build_run.load_model()
    images, labels = load_split(mnist_root, train=False)
    _, test_index = split_indices(len(labels))
    digits = images[test_index][:DIGITS]
    pixels = digits[:, None].double() / 255
    maps, logits = page_forward(page_layers(model), pixels)
    with torch.no_grad():
        float32 = model(pixels.float()).softmax(1)
    ink = digits > 0
    heights, widths = ink.any(dim=2).sum(dim=1), ink.any(dim=1).sum(dim=1)
    centred = ((centre_of_mass(digits) - 14).abs() < 0.5).all(dim=1)
    cases = {
        "manifest": str(built_site / "assets/model/model.json"),
        "weights": str(built_site / "assets/model/model.bin"),
        "digits": [
            {
                "index": k,
                "pixels": pixels[k, 0].flatten().tolist(),
                "maps": [m[k].flatten().tolist() for m in maps],
                "logits": logits[k].tolist(),
                "probabilities": logits[k].softmax(0).tolist(),
                "float32_probabilities": float32[k].tolist(),
                "float32_prediction": int(float32[k].argmax()),
                "prepared_back": bool(max(heights[k], widths[k]) == 20 and centred[k]),
            }
            for k in range(DIGITS)
        ],
        "fields": [
            {"layer": layer, "row": row, "col": col, "window": window_torch_reads(model, layer, row, col)}
            for layer, side in ((1, 14), (2, 7), (3, 3))
            for row, col in ((0, 0), (side // 2, side // 2), (side - 1, side - 1), (0, side - 1))
        ],
    }
    return cases


def test_the_pure_modules_pass_their_node_tests_on_cases_from_torch(built_site, build_run, mnist_root, tmp_path):
    run_node_tests("network.test.mjs", export_cases(built_site, build_run, mnist_root), tmp_path, passes=6)
