"""The explorer's pure modules (conv.js, grammar.js) in Node, on cases exported here from torch and from convlab's
parsers: tests/node/conv.test.mjs says what each case checks."""

import json
import random
from pathlib import Path

import torch
import torch.nn.functional as F
from explorer_cases import OPS, channel_cases, one_channel_cases
from node_tests import run_node_tests

from convlab.arithmetic import check_channels
from convlab.cli import parse_bias, parse_channels, parse_grid, parse_size
from convlab.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = json.loads((ROOT / "tests/grammar_cases.json").read_text())
PARSERS = {
    "sizes": lambda text: parse_size(text),
    "grids": lambda text: parse_grid(text, "--weights"),
    "channels": lambda text: parse_channels(text, "--input"),
    "biases": lambda text: parse_bias(text),
}


def python_outcome(parse, text):
    """Return what convlab's parser gives (as JSON: a size as [h, w]) or the message it refuses with."""
    try:
        value = parse(text)
    except UsageError as error:
        return str(error)
    return [value, value] if isinstance(value, int) else list(value)


def layer_case(rng, n):
    """Return one seeded layer with channels, groups and maybe a bias, and what torch computes for it."""
    op = rng.choice(["conv", "transposed"])
    in_channels, out_channels = rng.randint(1, 4), rng.randint(1, 4)
    groups = rng.choice([g for g in range(1, 5) if in_channels % g == 0 and out_channels % g == 0])
    kernel, stride, dilation = [rng.randint(1, 3), rng.randint(1, 2)], [rng.randint(1, 2)] * 2, [1, rng.randint(1, 2)]
    size = [rng.randint(max(2, d * (k - 1) + 1), 6) for k, d in zip(kernel, dilation, strict=True)]  # torch's limit
    padding = [0, 0] if op == "transposed" else [rng.randint(0, 1), rng.randint(0, 1)]
    output_padding = [0, rng.randint(0, 1) if stride[1] > 1 or dilation[1] > 1 else 0] if op == "transposed" else [0, 0]
    first, second = (
        (in_channels, out_channels // groups) if op == "transposed" else (out_channels, in_channels // groups)
    )
    generator = torch.Generator().manual_seed(n)
    x = torch.randint(-5, 6, (in_channels, *size), generator=generator).double() / 2  # (C_in, H, W)
    w = torch.randint(-4, 5, (first, second, *kernel), generator=generator).double() / 4
    b = torch.randint(-3, 4, (out_channels,), generator=generator).double() if rng.random() < 0.6 else None
    if op == "transposed":
        y = F.conv_transpose2d(x[None], w, b, stride, padding, output_padding, groups, dilation)[0]
    else:
        y = F.conv2d(x[None], w, b, stride, padding, dilation, groups)[0]
    # Which input channel reaches which output channel: the gradient of each output channel's sum.
    joined = []
    for o in range(out_channels):
        probe = x[None].clone().requires_grad_(True)
        ones = torch.ones_like(w)
        out = (
            F.conv_transpose2d(probe, ones, None, stride, padding, output_padding, groups, dilation)
            if op == "transposed"
            else F.conv2d(probe, ones, None, stride, padding, dilation, groups)
        )
        out[0, o].sum().backward()
        joined += [[c, o] for c in range(in_channels) if probe.grad[0, c].abs().sum() > 0]
    layer = (torch.nn.ConvTranspose2d if op == "transposed" else torch.nn.Conv2d)(
        in_channels, out_channels, kernel, groups=groups, bias=b is not None
    )
    return {
        "name": f"case {n}",
        "op": op,
        "size": size,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "output_padding": output_padding,
        "groups": groups,
        "inputs": x.tolist(),
        "weights": w.tolist(),
        "bias": None if b is None else b.tolist(),
        "expected": y.tolist(),
        "weight_shape": list(layer.weight.shape),
        "parameters": sum(p.numel() for p in layer.parameters()),
        "joined": sorted(joined),
    }


def padding_case(n, text, settings):
    """Return one padding of the shared cases as torch computes it (nn.Conv2d for a string padding, as PyTorch
    accepts it there), or torch's refusal and whether it is PyTorch's own reason (a ValueError)."""
    size, kernel, stride, dilation = (
        python_outcome(parse_size, settings.get(key, "1")) for key in ("size", "kernel", "stride", "dilation")
    )
    generator = torch.Generator().manual_seed(n)
    x = torch.randint(-5, 6, (1, 1, *size), generator=generator).double()  # (N, C, H, W)
    w = torch.randint(-3, 4, (1, 1, *kernel), generator=generator).double()
    padding = text if text.isalpha() else parse_size(text)
    case = {"padding": text, "settings": settings, "input": x[0, 0].tolist(), "weights": w[0, 0].tolist()}
    try:
        if settings["op"] == "conv":
            layer = torch.nn.Conv2d(1, 1, kernel, stride, padding, dilation, bias=False, dtype=torch.double)
            layer.weight.data = w
            y = layer(x)
        elif settings["op"] == "maxpool":
            y = F.max_pool2d(x, kernel, stride, padding, dilation)
        else:
            y = F.conv_transpose2d(x, w, None, stride, padding, 0, 1, dilation)
    except (ValueError, TypeError) as error:
        # torch writes the allowed strings as a set, whose order varies with Python's hash seed
        reason = str(error).replace("{'valid', 'same'}", "{'same', 'valid'}")
        return case | {"refused": reason, "reason": isinstance(error, ValueError)}
    return case | {"expected": y[0, 0].detach().tolist()}


def direct_case(rng, n):
    """Return one transposed convolution and, in torch, the lesson's direct view of it: stride - 1 zeros between
    input cells, d(k - 1) - p around them (negative: cut off) plus the output padding below and right, and the
    flipped kernel, checked here to give F.conv_transpose2d's output."""
    kernel, stride, dilation = ([rng.randint(1, high), rng.randint(1, high)] for high in (4, 3, 2))
    size = [rng.randint(1, 5), rng.randint(1, 5)]
    padding = [rng.randint(0, d * (k - 1) + 1) for k, d in zip(kernel, dilation, strict=True)]
    output_padding = [rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dilation, strict=True)]
    generator = torch.Generator().manual_seed(1000 + n)
    x = torch.randint(-5, 6, (1, 1, *size), generator=generator).double()  # (N, C, H, W)
    w = torch.randint(-3, 4, (1, 1, *kernel), generator=generator).double()
    try:
        y = F.conv_transpose2d(x, w, None, stride, padding, output_padding, 1, dilation)
    except RuntimeError:  # the output would be empty: torch refuses it, as the explorer does
        return None
    stretched = x.new_zeros(1, 1, *((n - 1) * s + 1 for n, s in zip(size, stride, strict=True)))
    stretched[..., :: stride[0], :: stride[1]] = x
    edge = [d * (k - 1) - p for k, d, p in zip(kernel, dilation, padding, strict=True)]
    stretched = F.pad(stretched, (edge[1], edge[1] + output_padding[1], edge[0], edge[0] + output_padding[0]))
    flipped = w.flip(-2, -1)
    torch.testing.assert_close(F.conv2d(stretched, flipped, dilation=dilation), y)
    settings = {"size": size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    return settings | {
        "output_padding": output_padding,
        "input": x[0, 0].tolist(),
        "weights": w[0, 0].tolist(),
        "stretched": stretched[0, 0].tolist(),
        "flipped": flipped[0, 0].tolist(),
        "expected": y[0, 0].tolist(),
    }


def channel_count_case(in_channels, out_channels, groups):
    try:
        check_channels(in_channels, out_channels, groups)
    except UsageError as error:
        return [in_channels, out_channels, groups, str(error)]
    return [in_channels, out_channels, groups, None]


def test_the_explorers_pure_modules_pass_their_node_tests_on_cases_from_torch(tmp_path):
    rng = random.Random("conv-js")
    cases = {
        "layers": [layer_case(rng, n) for n in range(60)],
        "channel_counts": [channel_count_case(*case[:3]) for case in GRAMMAR["channel_counts"]],
        "paddings": [padding_case(n, *case) for n, case in enumerate(GRAMMAR["paddings"])],
        "direct": [case for n in range(80) if (case := direct_case(rng, n)) is not None],
        "random": [
            *(case for op in OPS for case in one_channel_cases(op, 50)),
            *(case for op in ("conv", "transposed") for case in channel_cases(op, 50)),
        ],
        "grammar": {
            kind: [[text, python_outcome(parse, text)] for text, _ in GRAMMAR[kind]] for kind, parse in PARSERS.items()
        },
    }
    run_node_tests("conv.test.mjs", cases, tmp_path, passes=8)
