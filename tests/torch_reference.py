"""What torch computes, for the tests to compare with: conv2d's values and the cells each output reads."""

import torch
import torch.nn.functional as F


def torch_conv(grid, weights, geometry):
    """Return torch's conv2d of the grid, in float64, as an (H_out, W_out) tensor."""
    x = torch.tensor(grid, dtype=torch.float64)[None, None]  # (N, C, H, W)
    w = torch.tensor(weights, dtype=torch.float64)[None, None]  # (C_out, C_in, kH, kW)
    return F.conv2d(x, w, None, geometry.stride, geometry.padding, geometry.dilation)[0, 0]


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
