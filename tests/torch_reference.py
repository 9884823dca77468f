"""What torch computes, for the tests to compare with: each operation's values and the cells each output
reads."""

import torch
import torch.nn.functional as F


def torch_conv(grid, weights, geometry, bias=0.0):
    """Return torch's conv2d in float64 as an (H_out, W_out) tensor; ``grid`` and ``weights`` are one 2-D grid
    each, or one per input channel."""
    x = torch.tensor(grid, dtype=torch.float64)
    w = torch.tensor(weights, dtype=torch.float64)
    x, w = (x[None], w[None]) if x.dim() == 2 else (x, w)  # (C, H, W), (C, kH, kW)
    b = torch.tensor([bias], dtype=torch.float64)
    return F.conv2d(x[None], w[None], b, geometry.stride, geometry.padding, geometry.dilation)[0, 0]


def cells_torch_reads(geometry):
    """Return, for each output cell, the padded-input cells that feed it in torch (one batch of one-hots)."""
    rows, cols = geometry.padded
    one_hots = torch.eye(rows * cols, dtype=torch.float64).reshape(rows * cols, 1, rows, cols)  # (N, 1, H, W)
    kernel = torch.ones(1, 1, *geometry.kernel, dtype=torch.float64)
    reach = F.conv2d(one_hots, kernel, None, geometry.stride, 0, geometry.dilation)[:, 0]  # (N, H_out, W_out)
    return {
        (i, j): {divmod(n, cols) for n in torch.nonzero(reach[:, i, j]).flatten().tolist()}
        for i in range(reach.shape[1])
        for j in range(reach.shape[2])
    }


def torch_conv_transpose(grid, weights, geometry):
    """Return torch's conv_transpose2d in float64 as an (H_out, W_out) tensor."""
    x = torch.tensor(grid, dtype=torch.float64)[None, None]  # (N, C_in, H, W)
    w = torch.tensor(weights, dtype=torch.float64)[None, None]  # (C_in, C_out, kH, kW)
    g = geometry
    return F.conv_transpose2d(x, w, None, g.stride, g.padding, g.output_padding, 1, g.dilation)[0, 0]


def torch_stretched(grid, geometry):
    """Return the direct view's grid as torch builds it: zeros inserted by a stride-s transposed 1×1
    convolution, then padded (a negative pad cuts rows off) with output_padding more on the bottom/right."""
    x = torch.tensor(grid, dtype=torch.float64)[None, None]
    spread = F.conv_transpose2d(x, torch.ones(1, 1, 1, 1, dtype=torch.float64), stride=geometry.stride)
    (top, left), (extra_h, extra_w) = geometry.edge, geometry.output_padding
    return F.pad(spread, [left, left + extra_w, top, top + extra_h])[0, 0]


def cells_each_input_reaches(geometry):
    """Return, for each input cell of a transposed convolution, the output cells it writes in torch."""
    rows, cols = geometry.size
    one_hots = torch.eye(rows * cols, dtype=torch.float64).reshape(rows * cols, 1, rows, cols)
    kernel = torch.ones(1, 1, *geometry.kernel, dtype=torch.float64)
    g = geometry
    reach = F.conv_transpose2d(one_hots, kernel, None, g.stride, g.padding, g.output_padding, 1, g.dilation)[:, 0]
    return {divmod(n, cols): {tuple(cell) for cell in torch.nonzero(reach[n]).tolist()} for n in range(rows * cols)}


def torch_pool(op, grid, geometry, return_indices=False):
    """Return torch's max_pool2d or avg_pool2d (count_include_pad=True) in float64; with return_indices, also
    each output's winning cell as an index into the input, row by row."""
    x = torch.tensor(grid, dtype=torch.float64)[None, None]
    g = geometry
    if op == "maxpool":
        out = F.max_pool2d(x, g.kernel, g.stride, g.padding, g.dilation, g.ceil_mode, return_indices=True)
        return (out[0][0, 0], out[1][0, 0]) if return_indices else out[0][0, 0]
    return F.avg_pool2d(x, g.kernel, g.stride, g.padding, g.ceil_mode, count_include_pad=True)[0, 0]


def input_cells_each_window_covers(geometry):
    """Return, for each pooling output, the input cells (in padded coordinates) its window covers in torch:
    the max pool of one-hot inputs on a floor of -1 is 1 exactly where the window holds the hot cell."""
    rows, cols = geometry.size
    one_hots = torch.eye(rows * cols, dtype=torch.float64).reshape(rows * cols, 1, rows, cols) * 2 - 1
    g = geometry
    reach = F.max_pool2d(one_hots, g.kernel, g.stride, g.padding, g.dilation, g.ceil_mode)[:, 0]
    (ph, pw) = g.padding
    return {
        (i, j): {(n // cols + ph, n % cols + pw) for n in torch.nonzero(reach[:, i, j] > 0).flatten().tolist()}
        for i in range(reach.shape[1])
        for j in range(reach.shape[2])
    }
