# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Convolution, by hand
#
# In the course's previous lesson (not on this site) we turned MNIST's images into tensors. Before
# we hand those tensors to a convolutional network, we work out what a convolution does, with
# numbers small enough to check in your head.
#
# A **convolution** slides a small matrix, the **kernel**, over a larger one, the **image**. At each
# position it multiplies the kernel's weights by the image values underneath and adds the products
# up. That weighted sum is one cell of the output.
#
# Our running example is a 6×6 "image" holding the numbers 0 to 35 row by row, and a 3×3 kernel
# whose nine weights are all 1/9, so each weighted sum is the average of the nine values it covers.
#
# This page is a notebook: every output below was produced by running its code when the site was
# built. To run it yourself, download it with the button at the top of the page, install what it
# imports with `{{ repo install }}` (this brings NumPy
# and PyTorch along; without an NVIDIA GPU,
# `{{ repo install_cpu }}` takes PyTorch's CPU build, a fraction of the download), and open it in Jupyter.

# %%
import numpy as np
import torch
import torch.nn.functional as F
from convlab import output_size

image = np.arange(36).reshape(6, 6)
kernel = np.full((3, 3), 1 / 9)
print(image)
print(kernel.round(4))

# %% [markdown]
# ## Sliding the kernel
#
# The function below is the whole idea in a few lines. For every output position `(i, j)` it cuts
# out the window of the image the kernel covers, multiplies it by the kernel element by element, and
# sums. The `stride` argument (how far the window moves each step) comes in the next section.


# %%
def convolve(image, kernel, stride=1):
    """Slide `kernel` over `image`, `stride` cells per step; return the weighted sums."""
    n, k = image.shape[0], kernel.shape[0]
    size = (n - k) // stride + 1
    out = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            window = image[i * stride : i * stride + k, j * stride : j * stride + k]
            out[i, j] = (window * kernel).sum()
    return out


result = convolve(image, kernel)
print(result.round(2))
print("output shape:", result.shape)

# %% [markdown]
# The first output cell averages the top-left 3×3 window. Here is that sum written out, computed
# from the image:

# %%
window = image[0:3, 0:3]
print(f"({'+'.join(str(v) for v in window.flatten())}) / 9 = {window.sum() / 9:g}")

# %% [markdown]
# The animation shows every step: the orange cells are the ones the kernel reads, the blue cell is
# the output being filled in, and the line under the grids is that step's sum. Every number in it is
# the true value rounded to two decimals and was checked against PyTorch when the site was built.
#
# {{ animation conv }}
#
# ### How big is the output?
#
# A kernel of width $K_w$ fits into an input of width $W_{in}$ at $W_{in} - K_w + 1$ positions, so
#
# $$W_{out} = W_{in} - K_w + 1$$
#
# and the same holds for the height. With our numbers:

# %%
print("6 - 3 + 1 =", 6 - 3 + 1)
print("convlab.output_size(6, 3) =", output_size(6, 3))

# %% [markdown]
# ## The same in PyTorch: batches and channels
#
# PyTorch's `conv2d` works on a **batch** of images at once (several images processed together), and
# each image may have several **channels** (one grid of numbers per colour: a grey image has one
# channel, a colour image three). So it takes a tensor of shape `[N, C, H, W]`, four dimensions
# always in this order:
#
# - **N**, the number of images in the batch;
# - **C**, the number of channels of each image;
# - **H** and **W**, its height (rows) and width (columns).
#
# The kernel comes in a tensor of four dimensions too, `[out channels, in channels, kH, kW]`; the
# next page explains the two channel counts. Our 6×6 image is one image of one channel, so it
# becomes a tensor of shape `[1, 1, 6, 6]`, and `[None, None]` adds those two dimensions of size 1:

# %%
x = torch.tensor(image, dtype=torch.float64)[None, None]
w = torch.tensor(kernel, dtype=torch.float64)[None, None]
print("image: ", list(x.shape))  # [N, C, H, W]
print("kernel:", list(w.shape))  # [out, in, kH, kW]
print("output:", list(F.conv2d(x, w).shape))

# %% [markdown]
# The helper below does that wrapping for any of our 2-D arrays, and unwraps the result back to a
# 2-D array, so that the rest of this page can compare our sliding with PyTorch's in one call:


# %%
def torch_conv(image, kernel, **settings):
    """Run torch.nn.functional.conv2d on 2-D NumPy arrays; return a 2-D NumPy array."""
    x = torch.tensor(image, dtype=torch.float64)[None, None]  # [N=1, C=1, H, W]
    w = torch.tensor(kernel, dtype=torch.float64)[None, None]  # [out=1, in=1, kH, kW]
    return F.conv2d(x, w, **settings)[0, 0].numpy()


print("torch agrees:", np.allclose(torch_conv(image, kernel), result))

# %% [markdown]
# ### It is really cross-correlation
#
# If you know convolution from signal processing, you expect the kernel to be flipped before it
# slides. Deep-learning libraries, PyTorch's `nn.Conv2d` included, do not flip it: strictly, they
# compute a **cross-correlation**. For a learned kernel the difference does not matter (the network
# simply learns the flipped weights), but it is worth knowing when you compare with a textbook.
# With a kernel that is not symmetric, PyTorch matches our unflipped sliding, not the flipped one:

# %%
asymmetric = np.arange(1, 10).reshape(3, 3).astype(float)
flipped = asymmetric[::-1, ::-1]
theirs = torch_conv(image, asymmetric)
print("torch equals unflipped sliding:")
print(np.allclose(theirs, convolve(image, asymmetric)))
print("torch equals flipped sliding:")
print(np.allclose(theirs, convolve(image, flipped)))

# %% [markdown]
# ## Stride
#
# The **stride** is how many cells the window moves per step, along both axes. With stride 2 the
# kernel skips every other position:

# %%
print(convolve(image, kernel, stride=2).round(2))

# %% [markdown]
# {{ animation conv_stride_2 }}
#
# With stride $S_w$ the window fits at fewer positions, and the count must be rounded **down**: a
# window that would stick out past the edge is not used.
#
# $$W_{out} = \left\lfloor \frac{W_{in} - K_w}{S_w} \right\rfloor + 1$$
#
# The floor matters. Many copies of this lesson drop it, which is wrong whenever the division is not
# exact, for example a 7×7 input, a 3×3 kernel and stride 3:

# %%
without_floor = (7 - 3) / 3 + 1
with_floor = (7 - 3) // 3 + 1
torch_says = torch_conv(np.zeros((7, 7)), np.ones((3, 3)), stride=3).shape
print(f"without the floor: {without_floor:.4f}")
print(f"with the floor:    {with_floor}")
print(f"torch:             {torch_says}")

# %% [markdown]
# ## Padding
#
# Each convolution above shrank the image: 6×6 became 4×4. Stack a few layers and nothing is left.
# **Padding** surrounds the input with extra cells before the kernel slides. The usual fill is zero
# (**zero padding**); with one ring of zeros and a 3×3 kernel the output keeps the input's size:

# %%
padded = np.pad(image, 1)  # one ring of zeros
print(padded)
print(convolve(padded, kernel).round(2))

# %% [markdown]
# {{ still conv_pad_1 }}
#
# The hatched grey cells are the padding: they hold 0 and are not part of the image.
#
# Two words get mixed up here. **Zero padding** names the *value* the new cells hold. **"Same"
# padding** names a *size rule*: pad just enough that the output is as large as the input (PyTorch
# accepts `padding="same"` for stride 1). One ring of zeros around a 3×3 kernel happens to be both.
#
# With $P_w$ cells of padding on each side the input is $W_{in} + 2P_w$ wide:
#
# $$W_{out} = \left\lfloor \frac{W_{in} + 2P_w - K_w}{S_w} \right\rfloor + 1$$

# %%
print("floor((6 + 2*1 - 3) / 1) + 1 =", (6 + 2 * 1 - 3) // 1 + 1)
print("torch:", torch_conv(image, kernel, padding=1).shape)

# %% [markdown]
# ### Padding modes
#
# Zeros are not the only fill. A **padding mode** says where the new cells get their values, and
# PyTorch has three more that copy them from the image itself:
#
# - `reflect` mirrors the image at its edge, without repeating the edge cell;
# - `replicate` repeats the edge cell outwards;
# - `circular` wraps around, as if the image were tiled: the row above the top is the bottom row.
#
# `F.pad` adds the cells (its `(1, 1, 1, 1)` is one cell on the left, right, top and bottom; the mode
# `constant` fills with 0). Here on a 3×3 image of 1 to 9:

# %%
tiny = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [N, C, H, W]
for mode in ["constant", "reflect", "replicate", "circular"]:
    print(mode)
    print(F.pad(tiny, (1, 1, 1, 1), mode=mode)[0, 0].int().numpy())

# %% [markdown]
# A layer takes the same choice as its `padding_mode` argument, where the zero fill is called
# `zeros`. It pads, then slides the kernel, exactly as `F.pad` followed by `F.conv2d`. On our 6×6
# image with the averaging kernel, zeros pull the border cells towards 0, while the other modes
# average real image values; compare the top-left output cell:

# %%
pad_modes = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}
print("top-left output cell:")
for layer_mode, pad_mode in pad_modes.items():
    layer = torch.nn.Conv2d(
        1, 1, 3, padding=1, padding_mode=layer_mode, bias=False, dtype=torch.float64
    )
    with torch.no_grad():
        layer.weight.fill_(1 / 9)
        out = layer(x)
        by_pad = F.conv2d(F.pad(x, (1, 1, 1, 1), mode=pad_mode), layer.weight)
    agree = torch.allclose(out, by_pad)
    print(f"{layer_mode:<9} {out[0, 0, 0, 0]:.2f}  F.pad agrees: {agree}")

# %% [markdown]
# Zero padding is the default and the one this lesson's network uses; `reflect` and `replicate`
# suit images whose content runs on past the edge, and `circular` data that wraps around, such as
# angles. Only the values of the padding differ: the output size is the same in every mode. (The
# animations of this site draw zero padding only.)

# %% [markdown]
# ## Dilation
#
# Each weight of the kernel, together with the input cell it multiplies, is called a **tap**: a 3×3
# kernel has nine taps. **Dilation** spreads the taps apart, so the same nine weights cover a larger
# area. At dilation 2 there is one cell of gap between neighbouring taps: a 3×3 kernel reaches over a
# 5×5 area, as if zeros had been inserted between its weights.


# %%
def dilate(kernel, dilation):
    """Return the kernel with (dilation - 1) zeros between neighbouring weights."""
    k = kernel.shape[0]
    span = dilation * (k - 1) + 1
    spread = np.zeros((span, span), dtype=kernel.dtype)
    spread[::dilation, ::dilation] = kernel
    return spread


small = np.arange(1, 10).reshape(3, 3)
print(small)
print(dilate(small, 2))

# %% [markdown]
# Only the nine taps are read; the cells in between are skipped, not averaged. The dashed outline in
# the animation marks the 5×5 area the kernel spans, and only the orange cells inside it count:
#
# {{ animation conv_dilation_2 }}
#
# PyTorch's formula covers padding, stride and dilation together. A dilated kernel spans
# $s_w = D_w (K_w - 1) + 1$ cells, and it fits into the padded input like a plain kernel that wide:
#
# $$W_{out} = \left\lfloor \frac{W_{in} + 2P_w - s_w}{S_w} \right\rfloor + 1$$
#
# Put the span in and the numerator becomes $W_{in} + 2P_w - D_w (K_w - 1) - 1$, as PyTorch's
# documentation writes it.
#
# Check it on all four settings of this page against what PyTorch actually returns:

# %%
settings = {
    "plain": {},
    "stride 2": {"stride": 2},
    "padding 1": {"padding": 1},
    "dilation 2": {"dilation": 2},
}
for name, options in settings.items():
    formula = output_size(6, 3, **options)
    actual = torch_conv(image, kernel, **options).shape
    print(f"{name:<11} formula: {formula}x{formula}   torch: {actual[0]}x{actual[1]}")

# %% [markdown]
# ## A kernel that finds edges
#
# The averaging kernel treats every cell alike, so it blurs. A kernel whose weights differ responds to
# a pattern. This one subtracts the column on the left of each window from the column on its right
# (the middle row counts twice):
#
# $$\begin{bmatrix} -1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1 \end{bmatrix}$$
#
# Where the image is flat, the two columns cancel and the output is 0. Where it gets brighter from left
# to right, the output is large. Try it on an image that is 0 on the left and 1 on the right, a
# vertical **edge**:

# %%
edge_image = np.zeros((6, 6))
edge_image[:, 3:] = 1  # dark on the left, bright on the right
edge_kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
print(edge_image)
edges = convolve(edge_image, edge_kernel)
print(edges)
print("torch agrees:", np.allclose(edges, torch_conv(edge_image, edge_kernel)))

# %% [markdown]
# The animation works through every step, each weight times the cell under it:
#
# {{ animation conv_edge }}
#
# Only the two middle columns of the output are non-zero: those are the windows that straddle the
# edge. Nothing in the kernel says *where* to look; the same nine weights, slid everywhere, find the
# edge wherever it is. On the next page the same kernel finds the strokes of a handwritten digit, and
# a trained network learns dozens of kernels like it by itself.
#
# ## Recap
#
# - A convolution slides a kernel over an input and takes a weighted sum at each position;
#   PyTorch's version does not flip the kernel (it is a cross-correlation).
# - **Stride** moves the window several cells per step; **padding** adds cells (usually zeros) around
#   the input so it shrinks less or not at all ("same" padding), and its mode (`zeros`, `reflect`,
#   `replicate`, `circular`) says what they hold; **dilation** spreads the taps apart.
# - One formula gives the output size, with the floor:
#   $W_{out} = \lfloor (W_{in} + 2P_w - s_w) / S_w \rfloor + 1$, where
#   $s_w = D_w (K_w - 1) + 1$ is the span of the kernel.
# - A kernel with differing weights detects a pattern, such as an edge, wherever it occurs.
#
# Want to try other settings? [Make your own animation](../../make-your-own/) with one command.
#
# ## Exercises
#
# Predict the answer first, then open the question to check it. Every answer was computed when the
# site was built, and each link opens the explorer with the question's settings.

# %% tags=["hide-input"]
from convlab.website.exercises import exercise, explorer_link
from IPython.display import HTML, display

# 1. The floor: 7x7 input, 3x3 kernel, stride 3.
seven = np.arange(49).reshape(7, 7)
strided = torch_conv(seven, np.ones((3, 3)), stride=3)
read = np.zeros((7, 7), dtype=bool)
for i in range(strided.shape[0]):
    for j in range(strided.shape[1]):
        read[3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = True
# The setup is square: the rows never read are also the columns never read.
unread = [k for k in range(7) if not read[k].any()]
display(
    HTML(
        exercise(
            "A 7×7 input, a 3×3 kernel, stride 3: how big is the output, and which input cells does "
            "no window ever read?",
            f"{strided.shape[0]}×{strided.shape[1]}: ⌊(7 − 3) / 3⌋ + 1 = {output_size(7, 3, stride=3)}. "
            f"The windows start at rows and columns 0 and 3, so row {' and '.join(map(str, unread))} and "
            f"column {' and '.join(map(str, unread))} (counting from 0) are never read: "
            f"{int((~read).sum())} of the 49 cells.",
            explorer_link(7, stride=3),
        )
    )
)

# 2. The edge kernel on the 0..35 image.
on_ramp = torch_conv(image, edge_kernel)
step = image[0, 2] - image[0, 0]  # right column minus left column of a window
display(
    HTML(
        exercise(
            "The edge kernel above, on the 6×6 image holding 0 to 35: what does the 4×4 output hold?",
            f"All {on_ramp.size} cells hold {on_ramp[0, 0]:g}"
            f"{'' if np.unique(on_ramp).size == 1 else ' (not all equal!)'}. In every row of a "
            f"window the right column is {step} more than the left one, and the right-hand weights add "
            f"up to {edge_kernel[:, 2].sum()}: {edge_kernel[:, 2].sum()} × {step} = "
            f"{edge_kernel[:, 2].sum() * step}. The image brightens at the same rate everywhere, so the "
            "kernel finds the same 'edge' everywhere.",
            explorer_link(6, weights=edge_kernel.tolist()),
        )
    )
)

# 3. More padding than "same".
padded_two = torch_conv(image, kernel, padding=2)
display(
    HTML(
        exercise(
            "The 6×6 image, the 3×3 averaging kernel, padding 2: how big is the output?",
            f"{padded_two.shape[0]}×{padded_two.shape[1]}, larger than the input: "
            f"⌊(6 + 2×2 − 3) / 1⌋ + 1 = {output_size(6, 3, padding=2)}. Its bottom-right cell reads a "
            f"single image cell, {image[-1, -1]}, and eight zeros of padding: {image[-1, -1]} / 9 = "
            f"{padded_two[-1, -1]:.2f}.",
            explorer_link(6, padding=2),
        )
    )
)

# 4. Dilation 3 does not fit without padding.
try:
    torch_conv(image, kernel, dilation=3)
    refused = "PyTorch computes it"
except RuntimeError:
    refused = "PyTorch refuses it"
display(
    HTML(
        exercise(
            "The 6×6 image and a 3×3 kernel at dilation 3: what happens, and what does padding 1 change?",
            f"At dilation 3 the kernel spans 3 × (3 − 1) + 1 = {3 * (3 - 1) + 1} cells, more than the 6 "
            f"of the input, so {refused}. With padding 1 the padded input is {6 + 2 * 1} wide and the output is "
            f"{output_size(6, 3, padding=1, dilation=3)}×{output_size(6, 3, padding=1, dilation=3)}.",
            explorer_link(6, padding=1, dilation=3),
        )
    )
)

# %% [markdown]
# Next: [Conv2d, ReLU and Flatten](../layers/) in PyTorch, on real MNIST digits.
