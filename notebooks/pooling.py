# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Pooling and transposed convolution
#
# Our network on the [CNN page](../cnn/) made its **feature maps** (the grids a layer outputs,
# one per channel) smaller with strided convolutions: 28 → 14 → 7 → 3. Two other layers change
# the size of feature maps, and you will meet both in almost every vision model:
#
# - **Pooling** makes maps smaller (**downsampling**) with a fixed rule and no weights: the
#   largest value of each window (max pooling) or their mean (average pooling).
# - **Transposed convolution** makes maps larger (**upsampling**) with learned weights: it runs
#   a convolution backwards, spreading each input value over a window of the output.
#
# Both slide a window with a kernel size, a stride and padding, like a convolution, and this
# page works out their numbers the same way: by hand, in PyTorch, and in animations in which
# every value was checked against PyTorch when the site was built.
#
# This page is a notebook. To run it yourself, download it with the button at the top of the page,
# install what it imports with `{{ repo install }}`
# (this brings NumPy and PyTorch along; without an NVIDIA GPU,
# `{{ repo install_cpu }}` takes PyTorch's CPU build, a fraction of the download), and open it in Jupyter.

# %%
import torch
import torchvision
from convlab import output_size, pool_output_size, transposed_output_size
from convlab.catalogue import find
from torch import nn

# The 6×6 input of the pooling animations below: small whole numbers in no order.
digits = torch.tensor(find("maxpool_2x2").settings.input[0])
x = digits[None, None]  # (N, C, H, W): one image, one channel
print(digits.long())  # int64, the default: no dtype printed

# %% [markdown]
# ## Max pooling
#
# `nn.MaxPool2d(kernel_size=2)` cuts the input into 2×2 windows and keeps the largest value of
# each. Its stride defaults to the window size, so the windows do not overlap and each side
# halves:

# %%
pool = nn.MaxPool2d(kernel_size=2)
print("stride:", pool.stride)
print(pool(x)[0, 0].long())

# %% [markdown]
# In the animation the orange cells are the window, the green one with the thick border is its
# maximum, and the blue cell is the output being written. Like every animation of this page it
# shows its last frame first: press **Play the animation** to watch it step by step.
#
# {{ still maxpool_2x2 }}
#
# Pooling has no weights to learn: it only picks. That makes the output a little insensitive to
# where exactly a feature sits inside each window, and it quarters the work of every layer after
# it. PyTorch can also tell you *where* each maximum came from, as an index into the flattened
# input (training uses it to send the gradient back to that cell only):

# %%
pool = nn.MaxPool2d(kernel_size=2, return_indices=True)
values, where = pool(x)
print(where[0, 0])
row_column = divmod(where[0, 0, 0, 0].item(), 6)
print("output[0, 0]'s maximum sits at")
print("row, column", row_column)

# %% [markdown]
# ### The size of a pooled map
#
# Pooling uses the convolution's formula, with the stride $S$ defaulting to the window size $K$:
#
# $$H_{out} = \left\lfloor \frac{H_{in} + 2P - D (K - 1) - 1}{S} \right\rfloor + 1$$
#
# The floor drops a last, incomplete window. With `ceil_mode=True` PyTorch rounds up instead
# and keeps it, with one rule: the last window must start inside the input (or its left
# padding). A 7×7 input pooled 2×2:

# %%
seven = torch.zeros(1, 1, 7, 7)
for ceil_mode in (False, True):
    formula = pool_output_size(7, 2, ceil_mode=ceil_mode)
    torch_says = nn.MaxPool2d(2, ceil_mode=ceil_mode)(seven).shape[-1]
    print(f"ceil_mode={ceil_mode}:")
    print(f"  formula {formula}, torch {torch_says}")

# %% [markdown]
# And the rule at work: a 5-wide input with one cell of padding, pooled 2 by 2 with
# `ceil_mode=True`. Rounding up gives 4 windows, but the fourth would start on the right-hand
# padding, past the input, so PyTorch keeps 3:

# %%
rounded_up = -(-(5 + 2 * 1 - 2) // 2) + 1  # ceiling division
kept = pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
torch_says = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)(
    torch.zeros(1, 1, 5, 5)
).shape[-1]
print(f"rounded up: {rounded_up}; kept: {kept}; torch: {torch_says}")

# %% [markdown]
# Padding works differently from a convolution's. Max pooling pads with minus infinity, so a
# padding cell is never the maximum; PyTorch also refuses padding larger than half the window.
# A 3×3 window with stride 2 and padding 1 is the one ResNet uses right after its first
# convolution. **ResNet** (He and colleagues, 2015) is a family of image classifiers whose blocks
# add their input to their output (a "residual" connection), which lets networks of over a
# hundred layers train; torchvision builds them, here its 18-layer version:

# %%
# The architecture only: no weights are downloaded.
resnet = torchvision.models.resnet18()
first = resnet.maxpool
print("kernel", first.kernel_size, "stride", first.stride)
print("padding", first.padding)
print(first(x)[0, 0].long())

# %% [markdown]
# The same window, step by step:
#
# {{ still maxpool_3x3_pad_1 }}

# %% [markdown]
# ## Average pooling
#
# `nn.AvgPool2d` keeps the mean of each window instead of its maximum:

# %%
average = nn.AvgPool2d(kernel_size=2)
print(average(x)[0, 0])

# %% [markdown]
# {{ still avgpool_2x2 }}
#
# With padding, average pooling counts the padding cells as zeros *in the divisor*: PyTorch's
# default `count_include_pad=True` divides every window by 9 for a 3×3 window, even in a corner
# where only 4 cells belong to the input. (Average pooling takes no dilation.)
#
# {{ still avgpool_3x3_pad_1 }}

# %%
window = digits[:2, :2]
print("corner window:", window.long().tolist())
print(f"sum {window.sum().item():g}")
for include in (True, False):
    pooling = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=include)
    corner = pooling(x)[0, 0, 0, 0].item()
    print(f"count_include_pad={include}:")
    print(f"  output[0, 0] = {corner:.4f}")

# %% [markdown]
# ## Where pooling is used
#
# Image classifiers shrink their feature maps step by step while adding channels, and pooling
# is the classic way to shrink. **VGG** (Simonyan and Zisserman, of Oxford's Visual Geometry
# Group, 2014), an image classifier whose convolutions are all 3×3, puts a 2×2 max pooling after
# each block of them; ResNet has one 3×3 max pooling after its first convolution. Our MNIST
# network shrinks with strided convolutions instead, which learn how to downsample rather than
# always taking the maximum.

# %%
vgg = torchvision.models.vgg11()
pools = [layer for layer in vgg.features if isinstance(layer, nn.MaxPool2d)]
print(f"VGG-11: {len(pools)} max poolings")
print("kernel", pools[0].kernel_size, "stride", pools[0].stride)

# %% [markdown]
# ResNet ends with a different pooling:

# %%
print(resnet.avgpool)

# %% [markdown]
# An **adaptive** pooling is given the size of its output instead of a window: it chooses the
# windows that cut each channel into that many parts, whatever the size of the input. With an
# output size of (1, 1), each channel becomes the mean of its whole map, so the classifier after
# it gets one number per channel from an image of any size. Two input sizes, checked against
# the mean:

# %%
# the number of maps the classifier takes
channels = resnet.fc.in_features
for side in (7, 10):
    maps = torch.rand(1, channels, side, side)
    pooled = resnet.avgpool(maps)
    means = maps.mean(dim=(2, 3), keepdim=True)
    print(f"{side}×{side} -> {list(pooled.shape)}")
    print("  the means:", torch.allclose(pooled, means))

# %% [markdown]
# ## Transposed convolution
#
# Some networks must make maps *larger*:
#
# - **Segmentation** models output one label per pixel of the input image. **FCN** (fully
#   convolutional network; Long, Shelhamer and Darrell, 2015) turned a classifier into one by
#   replacing its final layers with convolutions; **U-Net** (Ronneberger, Fischer and Brox, 2015),
#   made to segment biomedical images such as microscope pictures of cells, shrinks the image
#   and grows it back.
# - **Image generators** grow a small grid of numbers into a picture, like the generator of a
#   **DCGAN** (deep convolutional generative adversarial network; Radford, Metz and Chintala,
#   2015), trained against a second network that tells its pictures from real ones.
#
# A **transposed convolution** does this
# with learned weights. By definition, each input cell multiplies the whole kernel by its value
# and **adds** the result into the output, at a place `stride` cells further on for each step:


# %%
def scatter(image, kernel, stride=1):
    """Add value × kernel into the output for every input cell; return the sums."""
    n, k = image.shape[0], kernel.shape[0]
    size = (n - 1) * stride + k
    out = torch.zeros(size, size)
    for i in range(n):
        for j in range(n):
            top, left = i * stride, j * stride
            out[top : top + k, left : left + k] += image[i, j] * kernel
    return out


small = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
kernel = torch.tensor([[0.0, 1.0, 2.0], [2.0, 2.0, 0.0], [0.0, 1.0, 2.0]])
by_hand = scatter(small, kernel, stride=2)
print(by_hand)

# %% [markdown]
# `nn.ConvTranspose2d` computes exactly that. Like `nn.Conv2d` it has `in_channels`,
# `out_channels` and a bias; here one channel each and no bias, with our kernel as its weight:

# %%
up = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, bias=False)
# weight: (in_channels, out_channels, kH, kW)
print("weight", list(up.weight.shape))
with torch.no_grad():
    up.weight[0, 0] = kernel
    done = up(small[None, None])[0, 0]
print("same as by hand:", torch.equal(done, by_hand))

# %% [markdown]
# Watch it: each step, one input cell (orange) adds its value times every weight into a 3×3
# block of the output (blue). Where two blocks overlap, their products add up.
#
# {{ still transposed_no_padding_strides_scatter }}
#
# ### The same numbers as a convolution
#
# There is a second way to get the same numbers, the one Dumoulin and Visin's guide to
# convolution arithmetic draws: put `stride − 1` zeros between the input cells, surround them
# with `kernel − 1 − padding` rings of zeros, and slide the kernel **flipped** (turned by 180°)
# over the result with stride 1, as an ordinary convolution:

# %%
stretched = torch.zeros(3, 3)
# a zero between neighbouring input cells
stretched[::2, ::2] = small
# kernel - 1 - padding = 2 rings of zeros
stretched = nn.functional.pad(stretched, (2, 2, 2, 2))
flipped = kernel.flip(0, 1)
direct = nn.functional.conv2d(stretched[None, None], flipped[None, None])[0, 0]
print(stretched.long())
print("same as transposed:", torch.equal(direct, by_hand))

# %% [markdown]
# {{ still transposed_no_padding_strides }}
#
# The step line lists only the taps that land on input values: every other tap reads one of the
# inserted or padding zeros. (The name comes from linear algebra: written as a matrix that
# multiplies the flattened input, a convolution with stride 2 is a wide matrix that shrinks the
# input; this operation multiplies by the transpose of that matrix, which grows it back.)
#
# ### The size of an upsampled map
#
# Running the convolution's formula backwards gives
#
# $$\begin{aligned} H_{out} = {} & (H_{in} - 1) S - 2P \\ & + D (K - 1) + P_{out} + 1 \end{aligned}$$
#
# where padding $P$ now *removes* cells from the border of the result, and $P_{out}$ is
# `output_padding`, which adds cells on one side. Why would one add cells? Because a strided
# convolution maps two input sizes to the same output size (the floor), and its transposed
# counterpart must be told which one to give back:

# %%
print("conv, kernel 3, stride 2, padding 1:")
for size in (5, 6):
    down = output_size(size, 3, stride=2, padding=1)
    print(f"  {size} -> {down}")
print("transposed, the same settings:")
for extra in (0, 1):
    formula = transposed_output_size(3, 3, stride=2, padding=1, output_padding=extra)
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=extra)
    torch_says = layer(torch.zeros(1, 1, 3, 3)).shape[-1]
    print(f"  output_padding={extra}: 3 -> {formula}, torch {torch_says}")

# %% [markdown]
# {{ still transposed_padding_strides_odd }}
#
# ### Every case of the guide
#
# Each convolution of the guide and its transposed counterpart, which turns the convolution's
# output size back into its input size (the convolutions are in the [gallery](../../gallery/)).
# Below the table, the remaining transposed cases.

# %%
cases = [
    ("no padding, no strides", 4, 3, 1, 0, 0),
    ("arbitrary padding", 5, 4, 1, 2, 0),
    ("half padding", 5, 3, 1, 1, 0),
    ("full padding", 5, 3, 1, 2, 0),
    ("no padding, strides", 5, 3, 2, 0, 0),
    ("padding, strides", 5, 3, 2, 1, 0),
    ("padding, strides (odd)", 6, 3, 2, 1, 1),
]
print(f"{'case':<24}conv  back")
for name, size, k, s, p, extra in cases:
    down = output_size(size, k, stride=s, padding=p)
    back = transposed_output_size(down, k, stride=s, padding=p, output_padding=extra)
    print(f"{name:<24}{size}→{down}   {down}→{back}")

# %% [markdown]
# {{ still transposed_no_padding_no_strides }}
#
# {{ still transposed_arbitrary_padding }}
#
# {{ still transposed_half_padding }}
#
# {{ still transposed_full_padding }}
#
# {{ still transposed_padding_strides }}
#
# ### Checkerboard artefacts
#
# When the kernel size is not a multiple of the stride, some output cells receive more
# contributions than their neighbours. Give a transposed convolution with a 3×3 kernel and stride
# 2 weights that are all 1, feed it a flat image (every pixel 1), and each output cell holds the
# number of input cells that write into it. (`padding=1` crops the outer ring, where fewer
# windows reach, so what is left is the pattern itself.) Networks stack such layers, so we apply
# it three times in a row. Beside it, the cure Odena, Dumoulin and Olah proposed: **resize, then
# convolve**, which doubles each pixel (`F.interpolate` with `mode="nearest"`) and then runs an
# ordinary 3×3 convolution (`padding_mode="replicate"` pads with copies of the border, so the
# border stays flat too).

# %%
import torch.nn.functional as F

transposed = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, bias=False)
smooth = nn.Conv2d(1, 1, 3, padding=1, padding_mode="replicate", bias=False)
for layer in (transposed, smooth):
    nn.init.ones_(layer.weight)


def resize_then_convolve(image):
    """Double each pixel, then convolve."""
    bigger = F.interpolate(image, scale_factor=2, mode="nearest")
    return smooth(bigger)


flat = torch.ones(1, 1, 4, 4)  # (N, C, H, W)
upsamplers = {
    "transposed": transposed,
    "resize, convolve": resize_then_convolve,
}
maps = {}
with torch.no_grad():
    for name, upsample in upsamplers.items():
        image = flat
        for depth in (1, 2, 3):
            image = upsample(image)
            maps[name, depth] = image[0, 0]
            side = image.shape[-1]
            print(f"{name} ×{depth}: {side}×{side}")
            low, high = image.min(), image.max()
            print(f"  min {low:g}, max {high:g}")

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from convlab.pictures import inline_picture
from IPython.display import HTML, display

shown = [(name, depth) for name in upsamplers for depth in (1, 3)]


def upsampled(scheme):
    """Draw the four upsampled maps, with text and frames in the colours of a light or a dark page."""
    figure, axes = plt.subplots(2, 2, figsize=(3.4, 4.2), layout="constrained")
    for axis, (name, depth) in zip(axes.flat, shown, strict=True):
        picture = maps[name, depth] / maps[name, depth].max()
        drawn = axis.imshow(picture, cmap="viridis", vmin=0, vmax=1)
        side = picture.shape[-1]
        heading = name.replace(", ", ",\n")  # two short lines: side by side on a phone
        axis.set_title(f"{heading} ×{depth}\n{side}×{side}", fontsize=10)
        axis.set_axis_off()
    colour_bar = figure.colorbar(drawn, ax=axes, shrink=0.8)
    colour_bar.set_label("value ÷ the map's largest", fontsize=10)
    colour_bar.ax.tick_params(labelsize=10)
    colour_bar.outline.set_edgecolor(scheme.frame)
    return figure


def spread(key):
    """Say which values a shown map holds."""
    low, high = maps[key].min().item(), maps[key].max().item()
    return f"every value {low:g}" if low == high else f"values {low:g} to {high:g}"


alt = (
    "Four maps upsampled from a flat 4×4 image, coloured by value divided by the map's largest "
    "on a colour bar from 0 to 1. Top: the transposed convolution once, a regular grid of dark, "
    f"middle and bright cells ({spread(('transposed', 1))}), and three times, a finer and uneven "
    f"checkerboard ({spread(('transposed', 3))}). Bottom: resize then convolve once "
    f"({spread(('resize, convolve', 1))}) and three times ({spread(('resize, convolve', 3))}), "
    "each one flat colour."
)
display(HTML(inline_picture(upsampled, alt)))

# %% [markdown]
# The transposed convolution turns a flat image into a grid: cells that two windows reach, in a
# row or a column, hold more than those only one reaches, and most where two such lines cross.
# Stacking it does not even the grid out; the largest value grows faster than the smallest, so
# the pattern spreads over a wider range. Resizing then convolving stays flat at every depth:
# its minimum and its maximum are equal.
#
# A kernel size divisible by the stride, such as 4 with stride 2 (as DCGAN's generator uses),
# overlaps evenly: with all-ones weights every inner cell gets the same count. But a network
# learns its weights, and nothing makes them share the work evenly between the positions a cell
# can sit in. With the random weights a layer starts training with, the inner cells of the
# output of a flat image are no longer equal:

# %%
torch.manual_seed(0)
even = nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1, bias=False)
with torch.no_grad():
    for weights in ("random", "all ones"):
        if weights == "all ones":
            nn.init.ones_(even.weight)
        inner = even(flat)[0, 0, 1:-1, 1:-1]
        low, high = inner.min(), inner.max()
        print(f"{weights}: inner cells")
        print(f"  min {low:.3f}, max {high:.3f}")

# %% [markdown]
# That is the point of Odena, Dumoulin and Olah's article ("Deconvolution and Checkerboard
# Artifacts", Distill, 2016): even overlap only makes an even output possible, and trained
# networks with even overlap still show checkerboards. Resizing then convolving avoids the
# pattern whatever the weights: every output cell is computed by the same weights from a
# neighbourhood of the same kind, so a flat image stays flat.
#
# ## Recap
#
# - **Max pooling** keeps the largest value of each window, **average pooling** the mean (with
#   padding counted in the divisor by default); neither has weights, and the stride defaults to
#   the window size. The output size follows the convolution's formula, rounded up with
#   `ceil_mode=True`. An **adaptive** pooling is given its output size instead:
#   `nn.AdaptiveAvgPool2d((1, 1))` turns each channel into its mean, whatever the input size.
# - A **transposed convolution** adds each input value times the kernel into the output; the
#   same numbers come from a convolution with the flipped kernel over the input with zeros
#   inserted and around it. Its size is $(H_{in} - 1) S$, minus $2P$, plus
#   $D (K - 1) + P_{out} + 1$, and `output_padding` picks which of the sizes a strided
#   convolution merges to give back.
# - Classifiers downsample with pooling or strided convolutions; segmentation models and
#   generators upsample with transposed convolutions. Where the stride does not divide the
#   kernel size, the overlap is uneven and leaves a checkerboard, and trained weights can leave
#   one even where it does; resizing, then convolving, leaves none.
#
# Every animation of this page, and the convolutions of the guide, are in the
# [gallery](../../gallery/).
#
# ## Exercises
#
# Predict, then open the answer. Each links to the explorer with its settings.

# %% tags=["hide-input"]
from convlab import Settings
from convlab.describe import explorer_query


def question(prompt, answer, record):
    """Return a question whose answer opens on a click, with a link to its settings."""
    link = "../../explorer/?" + explorer_query(record)
    return (
        f'<details class="question"><summary>{prompt}</summary><p>{answer} '
        f'<a href="{link}">Check it in the explorer</a>.</p></details>'
    )


seven_pool = Settings(op="maxpool", size=7, kernel=2).record()
dcgan = Settings(op="transposed", size=7, kernel=4, stride=2, padding=1).record()
corner_record = find("avgpool_3x3_pad_1").record()
scattered = find("transposed_no_padding_strides").record()
most = max(max(row) for row in scattered.overlaps)
cells = [
    f"output[{i}, {j}]"
    for i, row in enumerate(scattered.overlaps)
    for j, count in enumerate(row)
    if count == most
]
doubled = transposed_output_size(7, 4, stride=2, padding=1)
questions = [
    question(
        "A 2×2 max pooling (stride 2) on a 7×7 input: how big is the output, and with "
        "<code>ceil_mode=True</code>?",
        f"{pool_output_size(7, 2)}×{pool_output_size(7, 2)}, and "
        f"{pool_output_size(7, 2, ceil_mode=True)}×"
        f"{pool_output_size(7, 2, ceil_mode=True)} with ceil_mode: the last, incomplete "
        "window is kept.",
        seven_pool,
    ),
    question(
        "DCGAN's generator grows its maps with <code>nn.ConvTranspose2d(..., "
        "kernel_size=4, stride=2, padding=1)</code>. What does a 7×7 map become?",
        f"{doubled}×{doubled}: (7 − 1)×2 − 2×1 + 1×(4 − 1) + 0 + 1. This layer doubles "
        "every size.",
        dcgan,
    ),
    question(
        "Average pooling, 3×3 window, stride 2, padding 1, on the 6×6 input above: what "
        "is output[0, 0]?",
        f"{corner_record.output[0][0]:.4f}: the four input cells of the corner add up to "
        f"{window.sum().item():g}, and the divisor is {corner_record.divisors[0]}, "
        "padding included.",
        corner_record,
    ),
    question(
        "A 3×3 kernel with stride 2 on a 2×2 input: which output cells add up the most "
        "contributions, and how many?",
        f"{', '.join(cells)}, with {most}: every input cell's 3×3 block covers it.",
        scattered,
    ),
]
display(HTML("".join(questions)))
