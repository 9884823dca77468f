"""Seeded explorer settings (the strings a query carries) and what torch computes for them or refuses: the Node
tests check the explorer's pure modules on all of them, the browser tests draw a few."""

import random

import torch
import torch.nn.functional as F

from convlab.cli import parse_size

OPS = ("conv", "transposed", "maxpool", "avgpool")


def text(value) -> str:
    """Return a grid as the explorer's query writes it: values by commas, rows by semicolons."""
    return ";".join(",".join(f"{v:g}" for v in row) for row in value)


def grids_text(grids):
    """Return one grid per channel as the query writes them, channels by bars."""
    return "|".join(text(grid) for grid in grids)


def pair(values):
    """Return an (h, w) pair as the query writes it: one number when both are equal."""
    return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"


def random_settings(rng, op):
    """Return explorer settings (strings) drawn within the explorer's limits, with a custom input and weights."""
    two = lambda low, high: (rng.randint(low, high), rng.randint(low, high))  # noqa: E731
    size, kernel = two(1, 9), two(1, 4)
    stride, padding = two(1, 3), two(0, 2)
    dilation = (1, 1) if op == "avgpool" else two(1, 3)
    grid = [[rng.choice([-7, -2, -1, 0, 1, 2.5, 3, 8]) for _ in range(size[1])] for _ in range(size[0])]
    settings = {
        "op": op,
        "input": text(grid),
        "kernel": pair(kernel),
        "stride": pair(stride),
        "padding": pair(padding),
        "dilation": pair(dilation),
    }
    weights = [[rng.choice([-2, -1, -0.5, 0, 0.25, 1, 1.5, 3]) for _ in range(kernel[1])] for _ in range(kernel[0])]
    if op in ("conv", "transposed"):
        settings["weights"] = text(weights)
    if op == "transposed":
        settings["output_padding"] = pair(two(0, 2))
    if op.endswith("pool"):
        settings["ceil_mode"] = rng.choice(["0", "1"])
    return settings, grid, weights


def torch_output(settings, grid, weights):
    """Return what torch computes for explorer settings, float64, (H_out, W_out); raise where torch refuses."""
    x = torch.tensor(grid, dtype=torch.float64)[None, None]  # (N, C, H, W)
    w = torch.tensor(weights, dtype=torch.float64)[None, None]  # (C_out, C_in, kH, kW)
    k, s, p, d = (parse_size(settings[key]) for key in ("kernel", "stride", "padding", "dilation"))
    op = settings["op"]
    ceil = settings.get("ceil_mode") == "1"
    if op == "conv":
        return F.conv2d(x, w, None, s, p, d)[0, 0]
    if op == "transposed":
        return F.conv_transpose2d(x, w, None, s, p, parse_size(settings["output_padding"]), 1, d)[0, 0]
    if op == "maxpool":
        return F.max_pool2d(x, k, s, p, d, ceil)[0, 0]
    return F.avg_pool2d(x, k, s, p, ceil, count_include_pad=True)[0, 0]


def random_channel_settings(rng, op):
    """Return explorer settings with channels, groups and maybe a bias, and the tensors torch is given."""
    in_channels, out_channels = rng.randint(1, 4), rng.randint(1, 4)
    common = [g for g in range(1, 5) if in_channels % g == 0 and out_channels % g == 0]
    groups = rng.choice(common) if rng.random() < 0.8 else rng.randint(1, 4)  # some settings torch refuses
    size, kernel = (rng.randint(1, 7), rng.randint(1, 7)), (rng.randint(1, 3), rng.randint(1, 3))
    stride, padding, dilation = (
        (rng.randint(1, 2), rng.randint(1, 2)),
        (rng.randint(0, 1), rng.randint(0, 1)),
        (1, rng.randint(1, 2)),
    )
    values = [-3, -1, -0.5, 0, 0.25, 1, 2, 7]
    x = torch.tensor(
        [[[rng.choice(values) for _ in range(size[1])] for _ in range(size[0])] for _ in range(in_channels)]
    )
    first, second = (
        (in_channels, out_channels // groups) if op == "transposed" else (out_channels, in_channels // groups)
    )
    w = torch.tensor([rng.choice(values) for _ in range(max(first * max(second, 1), 1) * kernel[0] * kernel[1])])
    w = w.reshape(first, max(second, 1), *kernel)
    settings = {
        "op": op,
        "in_channels": str(in_channels),
        "out_channels": str(out_channels),
        "groups": str(groups),
        "input": grids_text(x.tolist()),
        "weights": grids_text(w.flatten(0, 1).tolist()),
        "stride": pair(stride),
        "padding": pair(padding),
        "dilation": pair(dilation),
    }
    b = None
    if rng.random() < 0.6:
        b = torch.tensor([rng.choice([v for v in values if v]) for _ in range(out_channels)])  # bias=0 means none
        settings["bias"] = ",".join(f"{v:g}" for v in b.tolist())
    if op == "transposed":
        settings["output_padding"] = pair((rng.randint(0, 1), rng.randint(0, 1)))
    return settings, x.double(), w.double(), None if b is None else b.double()


def torch_channels(settings, x, w, b):
    """Return torch's output (C_out, H_out, W_out) for channel settings; raise where torch refuses them."""
    in_channels, out_channels, groups = (int(settings[k]) for k in ("in_channels", "out_channels", "groups"))
    layer = torch.nn.ConvTranspose2d if settings["op"] == "transposed" else torch.nn.Conv2d
    layer(in_channels, out_channels, 1, groups=groups)  # nn.Conv2d's own checks of the channels and groups
    s, p, d = (parse_size(settings[key]) for key in ("stride", "padding", "dilation"))
    if settings["op"] == "transposed":
        return F.conv_transpose2d(x[None], w, b, s, p, parse_size(settings["output_padding"]), groups, d)[0]
    return F.conv2d(x[None], w, b, s, p, d, groups)[0]


def as_json(tensor):
    """Return a tensor as nested lists for JSON, an infinity (a max pool's window of padding only) as the text
    JavaScript's Number() reads."""
    values = tensor.tolist()
    if tensor.isfinite().all():
        return values
    return (
        [as_json(row) for row in tensor]
        if tensor.dim() > 1
        else [v if abs(v) < float("inf") else str(v).replace("inf", "Infinity") for v in values]
    )


def one_channel_cases(op, count):
    """Return ``count`` seeded settings of one operation that torch computes, each with torch's output as one
    channel, and every setting drawn on the way that torch refuses (``refused``: True)."""
    rng = random.Random(f"explorer-{op}")
    cases = []
    while sum("expected" in c for c in cases) < count:
        settings, grid, weights = random_settings(rng, op)
        try:
            expected = torch_output(settings, grid, weights)
        except RuntimeError:
            cases.append({"settings": settings, "refused": True})
            continue
        kernels = [[weights]] if op in ("conv", "transposed") else None
        cases.append({"settings": settings, "inputs": [grid], "kernels": kernels, "expected": [as_json(expected)]})
    return cases


def channel_cases(op, count):
    """Return ``count`` seeded settings with channels, groups and maybe a bias that torch computes, with its output
    (C_out, H_out, W_out), and every setting drawn on the way that torch refuses, with PyTorch's reason where it
    gives one (a ValueError of nn.Conv2d's channel checks)."""
    rng = random.Random(f"channels-{op}")
    cases = []
    while sum("expected" in c for c in cases) < count:
        settings, x, w, b = random_channel_settings(rng, op)
        try:
            expected = torch_channels(settings, x, w, b)
        except ValueError as reason:
            cases.append({"settings": settings, "refused": True, "reason": str(reason)})
            continue
        except RuntimeError:
            cases.append({"settings": settings, "refused": True})
            continue
        case = {"settings": settings, "inputs": x.tolist(), "kernels": w.tolist(), "expected": expected.tolist()}
        cases.append(case | {"biases": None if b is None else b.tolist()})
    return cases
