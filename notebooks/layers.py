# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Conv2d, ReLU and Flatten
#
# Now the same ideas in PyTorch, on real handwritten digits. We load MNIST again, pass a batch
# through a convolution layer, see how a layer combines several channels, and meet the two small
# layers every convolutional network needs: ReLU and Flatten.
#
# To run this page yourself, download it (the button at the top), install what it imports with
# `{{ repo install }}` (this brings PyTorch, torchvision
# and Matplotlib along; without an NVIDIA GPU,
# `{{ repo install_cpu }}` takes PyTorch's CPU build, a fraction of the download), and run it in Jupyter in any folder: the first cell downloads MNIST into
# `data/` there.
#
# ## MNIST again
#
# As in the course's earlier lesson on data (not on this site), torchvision loads MNIST and `transforms.ToTensor()` turns each image
# into a float tensor with values between 0 and 1. With `download=True` it fetches the four files
# the first time and finds them in `data/MNIST/raw` afterwards. (This site's build puts them there
# beforehand, from a package, so it never needs the network.)

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from convlab import output_size
from torch import nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

train_set = datasets.MNIST(
    root="data", train=True, download=True, transform=transforms.ToTensor()
)
test_set = datasets.MNIST(
    root="data", train=False, download=True, transform=transforms.ToTensor()
)
print(len(train_set), "training images,", len(test_set), "test images")

# %% [markdown]
# We keep the training set for training and split the 10,000 test images: 70% for validation
# (checked after every **epoch**, one pass of training over all the training images) and 30% for the
# final test. A seeded generator makes the split the same every time.
#
# The model will not see the images one at a time. A **batch** is a group of images it processes in
# one step; a `DataLoader` cuts a data set into batches, here of 64, and for training shuffles the
# order first. It too gets a seeded generator, so the shuffled order, and the batch we look at below,
# are the same on every run.

# %%
validation_set, test_set = random_split(
    test_set, [0.7, 0.3], generator=torch.Generator().manual_seed(20)
)
print(len(validation_set), "validation images,", len(test_set), "test images")

train_loader = DataLoader(
    train_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)
)
validation_loader = DataLoader(validation_set, batch_size=64)
test_loader = DataLoader(test_set, batch_size=64)

images, labels = next(iter(train_loader))
print("images:", list(images.shape))
print("labels:", list(labels.shape))
print("the first ten labels:")
print(labels[:10].tolist())

# %% [markdown]
# A batch of images has four dimensions: 64 images, 1 channel (grey values only), 28 rows,
# 28 columns. The labels are one digit per image.
#
# ## The convolution layer
#
# `nn.Conv2d` is the layer version of the convolution from the first page. It holds its kernels as
# learnable weights (plus one number per kernel, the bias, which we come to below) and applies them to
# a whole batch at once.

# %%
# The weights start random; a seed makes them the same on every run.
torch.manual_seed(0)
conv = nn.Conv2d(
    in_channels=1, out_channels=3, kernel_size=3, stride=1, padding=1, dilation=1
)
print("weight:", list(conv.weight.shape))
print("bias:", list(conv.bias.shape))

feature_maps = conv(images)
print(list(images.shape), "->", list(feature_maps.shape))

# %% [markdown]
# Two numbers changed, for two reasons:
#
# - **3 channels instead of 1.** `out_channels=3` gives the layer three kernels. Each one slides over
#   the image and produces its own grid of outputs, called a **feature map**: it is large where the
#   image looks like the kernel's pattern. The three feature maps are the three channels of the
#   output; a layer with 32 kernels would give 32.
# - **28 stays 28.** One cell of padding with a 3×3 kernel at stride 1 keeps the size, exactly as the
#   formula says:

# %%
print("⌊(28 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1")
print("=", output_size(28, kernel=3, stride=1, padding=1, dilation=1))

# %% [markdown]
# ## Channels and the bias
#
# The weight tensor above has shape `[3, 1, 3, 3]`: **[out channels, in channels, kernel height,
# kernel width]**. Our input had one channel, so each of the three kernels is a single 3×3 grid. But
# the output has three channels, and the next layer has to read all of them. How does one kernel read
# a stack of channels?
#
# It holds one 3×3 grid of weights *per input channel*. At each position it correlates each input
# channel with its own grid, exactly as on the first page, adds the results up, and adds the
# **bias**, one learned number per output channel. So a whole stack of input channels becomes one
# output channel, and a layer with several kernels gives several output channels.
#
# Work it out by hand on the smallest case: an input with 2 channels of 3×3, one kernel of two 2×2
# grids, and a bias of 1.

# %%
from convlab.catalogue import TWO_CHANNELS, TWO_CHANNELS_BIAS, TWO_KERNELS

# The same numbers as the animation below.
x = torch.tensor(TWO_CHANNELS)  # [in channels, height, width] = [2, 3, 3]
w = torch.tensor(TWO_KERNELS)  # one 2x2 grid per input channel: [2, 2, 2]
bias = TWO_CHANNELS_BIAS
print("input, two channels of 3x3:\n", x)
print("kernel, one 2x2 grid per input channel:\n", w)

# %%
# The first output cell, term by term: the top-left 2x2 window of each channel.
sums = []
for c in range(2):
    window = x[c, 0:2, 0:2]
    terms = " + ".join(
        f"{a:g}×{b:g}" for a, b in zip(window.flatten(), w[c].flatten(), strict=True)
    )
    sums.append((window * w[c]).sum().item())
    print(f"channel {c}: {terms} = {sums[-1]:g}")
print(
    f"sum of channels + bias: {sums[0]:g} + {sums[1]:g} + {bias:g} = {sum(sums) + bias:g}"
)

# %% [markdown]
# The same for every position, written as a loop over channels: correlate each input channel with
# its own grid (`F.conv2d` on one channel), add the results, add the bias. `nn.Conv2d(2, 1, 2)` with
# the same weights computes the same 2×2 output:

# %%
per_channel = [F.conv2d(x[None, c : c + 1], w[None, c : c + 1]) for c in range(2)]
by_hand = per_channel[0] + per_channel[1] + bias  # shape [1, 1, 2, 2]

layer = nn.Conv2d(in_channels=2, out_channels=1, kernel_size=2)
with torch.no_grad():
    layer.weight.copy_(w[None])  # weight shape [out=1, in=2, 2, 2]
    layer.bias.fill_(bias)
print("by hand:\n", by_hand[0, 0])
print("nn.Conv2d:\n", layer(x[None])[0, 0].detach())
print("equal:", torch.allclose(by_hand, layer(x[None])))

# %% [markdown]
# {{ animation conv_two_channels }}
#
# ### A colour image
#
# A colour photograph has three channels, red, green and blue (**RGB**), so a kernel that reads it
# holds three grids, and its weight has shape `[1, 3, 3, 3]` for one output channel. Here is a
# made-up 4×4 colour image, red on the left, blue on the right, the same grey-green everywhere, and
# a kernel whose red grid is all 1, green grid all 0 and blue grid all −1: each output cell says how
# much redder than blue its 3×3 patch is.

# %%
red = torch.tensor([3.0, 3, 1, 0]).expand(4, 4)
green = torch.ones(4, 4)
blue = red.flip(1)  # red's columns in reverse order
rgb = torch.stack([red, green, blue])  # [C=3, H=4, W=4]
print("red, green, blue:\n", rgb)

grids = [torch.ones(3, 3), torch.zeros(3, 3), -torch.ones(3, 3)]
colour = nn.Conv2d(3, 1, kernel_size=3, bias=False)
with torch.no_grad():
    colour.weight.copy_(torch.stack(grids)[None])
print("weight:", list(colour.weight.shape))
redder = colour(rgb[None]).detach()  # [1, 1, 2, 2]
print("output:", list(redder.shape))
print(redder[0, 0])

# %% [markdown]
# The top-left output cell by hand: each channel's top-left 3×3 window times its own grid, summed
# (each grid holds one weight nine times, so that is the window's sum times the weight), then the
# three channel sums added up. The left column of the output is positive, where the image is red;
# the right one negative, where it is blue.

# %%
parts = []
for c, name in enumerate(["red", "green", "blue"]):
    window = rgb[c, 0:3, 0:3]
    parts.append((window * grids[c]).sum().item())
    print(f"{name}: {window.sum():g} × {grids[c][0, 0]:g} = {parts[-1]:g}")
terms = " + ".join(f"({v:g})" if v < 0 else f"{v:g}" for v in parts)
print(f"sum: {terms} = {sum(parts):g}")
print(f"torch: {redder[0, 0, 0, 0]:g}")

# %% [markdown]
# With more kernels, each one does this on its own: `nn.Conv2d(2, 5, 2)` holds five such pairs of
# grids, and five biases. Counting them tells you the size of any convolution layer: out × in ×
# kernel height × kernel width weights, plus one bias per output channel.

# %%
five = nn.Conv2d(2, 5, kernel_size=2)
print("nn.Conv2d(2, 5, 2):")
print("weight", list(five.weight.shape))
print("bias", list(five.bias.shape))
# The layer at the top of this page:
weights = conv.out_channels * conv.in_channels * 3 * 3
print("nn.Conv2d(1, 3, 3):")
print(f"3 × 1 × 3 × 3 = {weights} weights")
print(f"+ {conv.out_channels} biases")
print("parameters:", sum(p.numel() for p in conv.parameters()))

# %% [markdown]
# That count does not depend on the image: the same weights handle a 28×28 digit or a photograph of
# any size. The next page counts the parameters of the whole network.
#
# ## A kernel that finds edges
#
# On the first page a kernel with weights −1, 0, 1 found an edge in a tiny image. Set those weights
# into a real `nn.Conv2d` and give it one digit. Two kernels make two output channels: one for
# edges where the values change from left to right (the sides of vertical strokes), and the same
# kernel turned on its side for changes from top to bottom (the edges of horizontal strokes).

# %%
vertical = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
edge_detector = nn.Conv2d(1, 2, kernel_size=3, padding=1, bias=False)
with torch.no_grad():
    edge_detector.weight.copy_(torch.stack([vertical, vertical.T])[:, None])
    edges = edge_detector(images[:1])  # [1, 2, 28, 28]
print(f"digit {labels[0].item()}:")
print(list(images[:1].shape), "->", list(edges.shape))
print(f"values from {edges.min():.2f} to {edges.max():.2f}")

# %% tags=["hide-input"]
from convlab.figure_grids import Scale, blank_zeros, ramp
from convlab.pictures import inline_picture
from IPython.display import HTML, display

limit = edges.abs().max().item()
scale = Scale("value", -limit, limit, diverging=True)  # orange below 0, purple above
label = labels[0].item()


def edge_maps(scheme):
    """Draw the digit and its edge maps in the colours of a light or a dark page."""
    figure, axes = plt.subplots(1, 3, figsize=(3.4, 2.0), layout="constrained")
    edge_colours, edge_norm = scale.colours(scheme)
    vertical, horizontal = (blank_zeros(edges[0, c].numpy()) for c in (0, 1))  # 0: page
    panels = [
        (images[0, 0], ramp(scheme.ink), plt.Normalize(0, 1), f"digit {label}"),
        (vertical, edge_colours, edge_norm, "vertical\nedges"),
        (horizontal, edge_colours, edge_norm, "horizontal\nedges"),
    ]
    for axis, (picture, colours, norm, title) in zip(axes, panels, strict=True):
        shown = axis.imshow(picture, cmap=colours, norm=norm)
        axis.set_title(title, fontsize=12)
        axis.set_xticks([])
        axis.set_yticks([])
    colour_bar = figure.colorbar(
        shown, ax=axes[1:], orientation="horizontal", shrink=0.8
    )
    colour_bar.set_ticks(scale.ticks(), labels=[f"{-limit:.1f}", "0", f"{limit:.1f}"])
    colour_bar.ax.tick_params(labelsize=12)
    return figure


alt = (
    f"A handwritten {labels[0].item()} and its two edge maps: vertical edges (values from left to "
    "right) and horizontal edges (from top to bottom), purple where the values rise and orange where "
    "they fall, on a colour bar from "
    f"{-limit:.1f} to {limit:.1f}."
)
display(HTML(inline_picture(edge_maps, alt)))

# %% [markdown]
# The strokes hold high values (the strongest colour here) on a background of 0. Purple marks where the values
# rise from left to right (or from top to bottom), entering a stroke; orange marks where they fall,
# leaving it; flat areas, inside or outside a stroke, give 0. Each output cell read only the
# 3×3 pixels around it, and the same nine weights were used at every position. Those two ideas,
# **locality** and **weight sharing**, are why convolution suits images; the next page counts what
# they save.
#
# ## ReLU
#
# A convolution only multiplies and adds: it is **linear**, its output is a weighted sum of its
# input. A stack of linear layers is still linear (the end of this section shows it), so something
# that is not linear has to come between them for depth to help. The most common choice is
# **ReLU**, the rectified linear unit:
#
# $$\mathrm{ReLU}(x) = \max(0, x)$$
#
# Negative values become 0; everything else passes through unchanged.

# %%
relu = nn.ReLU()
numbers = torch.arange(-3, 4)
print("numbers:", numbers.tolist())
print("ReLU:   ", relu(numbers).tolist())

# %% tags=["hide-input"]
line = torch.linspace(-3, 3, 61)


def relu_graph(scheme):
    """Draw the graph of ReLU in the colours of a light or a dark page."""
    figure, axis = plt.subplots(figsize=(3.4, 2.2), layout="constrained")
    axis.plot(line, relu(line), linewidth=2.5)
    axis.axhline(0, color=scheme.frame, linewidth=0.8)
    axis.axvline(0, color=scheme.frame, linewidth=0.8)
    axis.set_xlabel("x", fontsize=12)
    axis.set_ylabel("ReLU(x)", fontsize=12)
    axis.tick_params(labelsize=12)
    return figure


alt = (
    "The graph of ReLU from x = −3 to 3: flat at 0 for every negative x, then the "
    "straight line y = x from the origin on."
)
display(HTML(inline_picture(relu_graph, alt)))

# %% [markdown]
# On a feature map, ReLU keeps the places where the kernel's pattern matched (positive values) and
# wipes out the rest. Here is the first digit of the batch printed above, through the layer `conv`
# from [the convolution layer](#the-convolution-layer) section (same seed, so the same random
# weights): its three feature maps, then the same maps after ReLU. The weights are still random,
# so the maps are not useful yet; training will shape them.
#
# {{ figure conv_relu_demo }}
#
# Everything that was negative (orange) became 0. On the whole batch:

# %%
activated = relu(feature_maps)
print("negative values before ReLU:", (feature_maps < 0).sum().item())
print("negative values after ReLU: ", (activated < 0).sum().item())
print("shape after ReLU:", list(activated.shape))

# %% [markdown]
# ### Why the network needs it
#
# Without ReLU, two convolutions in a row are one convolution. Each output of the second layer is
# a weighted sum of a 3×3 window of the first layer's outputs, and each of those is a weighted sum
# of a 3×3 window of the input. Multiply it out and it is one weighted sum over a 5×5 window of the
# input, with the same weights at every position: a single 5×5 convolution.
#
# We can build that 5×5 kernel. Each weight of the second kernel adds a copy of the first kernel,
# scaled by that weight, at its own offset; the first bias passes through every weight of the second
# kernel, then the second bias is added. (No padding here: a padded second layer would pad the first
# layer's output with zeros, and the border cells would differ.)

# %%
torch.manual_seed(0)
first = nn.Conv2d(1, 1, kernel_size=3)
second = nn.Conv2d(1, 1, kernel_size=3)
w1 = first.weight[0, 0].detach()  # [3, 3]
w2 = second.weight[0, 0].detach()  # [3, 3]

combined = torch.zeros(5, 5)
for i in range(3):
    for j in range(3):
        combined[i : i + 3, j : j + 3] += w2[i, j] * w1
one = nn.Conv2d(1, 1, kernel_size=5)
with torch.no_grad():
    one.weight.copy_(combined[None, None])
    one.bias.copy_(first.bias * w2.sum() + second.bias)

digit = images[:1]  # the first digit of the batch
with torch.no_grad():
    stacked = second(first(digit))
    single = one(digit)
print("two 3x3 layers:", list(stacked.shape))
print("one 5x5 layer: ", list(single.shape))
print("equal:", torch.allclose(stacked, single, atol=1e-6))
largest = (stacked - single).abs().max()
print(f"largest difference: {largest:.1e}")
print("parameters:")
print(" two 3x3:", sum(p.numel() for p in [*first.parameters(), *second.parameters()]))
print(" one 5x5:", sum(p.numel() for p in one.parameters()))

# %% [markdown]
# The two agree up to float32 rounding. Put ReLU between the two layers and no 5×5 kernel
# can do the same any more; against this one:

# %%
with torch.no_grad():
    with_relu = second(relu(first(digit)))
print("equal:", torch.allclose(with_relu, single, atol=1e-6))
largest = (with_relu - single).abs().max()
print(f"largest difference: {largest:.2f}")

# %% [markdown]
# So without the non-linearity, depth buys nothing: the two 3×3 layers have fewer parameters than
# one 5×5 layer, yet compute nothing it could not, and however many layers are stacked, without
# ReLU they remain one convolution with a bigger kernel. With ReLU between them, each layer can
# build on the patterns the one before found.

# %% [markdown]
# ## Flatten
#
# The last layers of our network will be ordinary `nn.Linear` layers, which take a vector per
# sample. `nn.Flatten()` turns each sample into one long vector and keeps the batch dimension.
#
# Layers work on batches, so to flatten a single sample we first add a batch dimension of size 1
# with `unsqueeze(0)`:

# %%
sample = torch.arange(8).reshape(2, 2, 2)  # one sample: 2 channels of 2x2
batch = sample.unsqueeze(0)  # a batch holding that one sample
flat = nn.Flatten()(batch)
print("sample:   ", list(sample.shape))
print("batch:    ", list(batch.shape))
print("flattened:", list(flat.shape))
print(flat)

# %% [markdown]
# The values are the same, in the same order; only the shape changed. On the batch of feature maps
# above, each image's 3×28×28 values become one vector:

# %%
print(list(activated.shape), "->", list(nn.Flatten()(activated).shape))

# %% [markdown]
# ## 1×1 convolution: mixing channels at each pixel
#
# A kernel of size 1×1 reads a single pixel, so it cannot see a pattern in space. What it still
# does is what every kernel does across channels: at each pixel it multiplies each input channel by
# its own weight and adds them up. A 1×1 convolution is a linear layer over channels, applied at
# every pixel with the same weights. Here, three input channels of 3×3 become two output channels
# (the animation's numbers): the first weighs the inputs 1, 0.5 and −1, the second 0, 1 and 1.

# %%
from convlab.catalogue import find

mix = find("conv_1x1").record()
x3 = torch.tensor(mix.input)  # [in channels, height, width] = [3, 3, 3]
w3 = torch.tensor(mix.kernel)  # the weight [out=2, in=3, 1, 1]
one_by_one = nn.Conv2d(3, 2, kernel_size=1, bias=False)
with torch.no_grad():
    one_by_one.weight.copy_(w3)
by_layer = one_by_one(x3[None])[0].detach()  # [2, 3, 3]
print("nn.Conv2d(3, 2, kernel_size=1):\n", by_layer)
# The same numbers as a matrix product: the weights [2, 3] times the pixels as columns [3, 9].
by_matmul = (w3.reshape(2, 3) @ x3.reshape(3, 9)).reshape(2, 3, 3)
print("weights @ pixels, the same:", torch.equal(by_layer, by_matmul))
print("the animation's record, the same:")
print(by_layer.tolist() == mix.output)

# %% [markdown]
# {{ animation conv_1x1 }}
#
# Checking it against a matrix product is where most explanations stop. In a network, a 1×1 layer
# is the cheap way to change the number of channels. On the feature maps of this page's layer
# (three channels of 28×28), a 1×1 layer with two outputs mixes them into two new maps without
# changing their size, and costs one weight per input channel per output, plus the biases:

# %%
squeeze = nn.Conv2d(3, 2, kernel_size=1)
mixed = squeeze(activated)
print(list(activated.shape), "->", list(mixed.shape))
print(f"2 × 3 × 1 × 1 = {2 * 3} weights")
print("+ 2 biases")
print("parameters:", sum(p.numel() for p in squeeze.parameters()))

# %% [markdown]
# ## Groups and depthwise-separable convolution
#
# So far every output channel read *every* input channel. With `groups=g`, `nn.Conv2d` splits the
# input channels and the output channels into g groups, and each output channel reads only the input
# channels of its own group: the weight shrinks to `[out, in/g, kH, kW]`. Both channel counts must
# be divisible by g; PyTorch refuses otherwise:

# %%
try:
    nn.Conv2d(3, 4, kernel_size=3, groups=2)
except ValueError as error:
    print("nn.Conv2d(3, 4, kernel_size=3, groups=2):")
    print(error)
print("weight of nn.Conv2d(4, 6, 3, groups=2):")
print(list(nn.Conv2d(4, 6, 3, groups=2).weight.shape))

# %% [markdown]
# With as many groups as channels (`groups=in_channels`), each input channel gets its own kernel and
# nothing is mixed: a **depthwise** convolution. Here, two channels of 3×3, each with its own 2×2
# kernel (the animation below):

# %%
depthwise_record = find("conv_depthwise").record()
depthwise_demo = nn.Conv2d(2, 2, kernel_size=2, groups=2, bias=False)
with torch.no_grad():
    depthwise_demo.weight.copy_(torch.tensor(depthwise_record.kernel))  # [2, 1, 2, 2]
two = torch.tensor(depthwise_record.input)  # [2, 3, 3]
out = depthwise_demo(two[None])[0].detach()
print("nn.Conv2d(2, 2, kernel_size=2, groups=2):\n", out)
print("the animation's record, the same:")
print(out.tolist() == depthwise_record.output)
other = two.clone()
other[0] = torch.randn(3, 3)  # change input channel 0 only
unchanged = torch.equal(depthwise_demo(other[None])[0, 1].detach(), out[1])
print("output channel 1 ignores input channel 0:")
print(unchanged)

# %% [markdown]
# {{ animation conv_depthwise }}
#
# A depthwise layer looks at space but never mixes channels; a 1×1 layer mixes channels but never
# looks at space. One after the other, they do both: a **depthwise-separable** convolution, the
# building block of MobileNet. Here is what it would save on this lesson's network, whose second
# layer is `nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)` on 32 channels of 14×14:

# %%
plain = nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)
separable = nn.Sequential(
    nn.Conv2d(32, 32, kernel_size=3, stride=2, padding=1, groups=32),  # depthwise
    nn.Conv2d(32, 64, kernel_size=1),  # pointwise: 1x1
)
features = torch.zeros(1, 32, 14, 14)
print("input:    ", list(features.shape))
print("plain:    ", list(plain(features).shape))
print("separable:", list(separable(features).shape))
plain_count = sum(p.numel() for p in plain.parameters())
depthwise_count = sum(p.numel() for p in separable[0].parameters())
pointwise_count = sum(p.numel() for p in separable[1].parameters())
print("parameters:")
print(f"plain:     64 × 32 × 3 × 3 + 64 = {plain_count}")
print(f"depthwise: 32 × 1 × 3 × 3 + 32 = {depthwise_count}")
print(f"1×1:       64 × 32 × 1 × 1 + 64 = {pointwise_count}")
separable_count = depthwise_count + pointwise_count
print(f"separable: {separable_count}")
print(f"{plain_count / separable_count:.1f} times fewer")
# Multiplications per image: each weight is used once per output position (7 x 7 here).
positions = 7 * 7
plain_mults = 64 * 32 * 9 * positions
separable_mults = (32 * 9 + 64 * 32) * positions
print("multiplications per image:")
print(f"plain:     {plain_mults}")
print(f"separable: {separable_mults}")
print(f"{plain_mults / separable_mults:.1f} times fewer")

# %% [markdown]
# Nothing was trained with the separable pair for this page: whether it costs this network any
# accuracy on MNIST was not measured here, so no number is given. What the counts say is what it
# costs to run and to store.

# %% tags=["hide-input"]
from convlab.website.exercises import explorer_link
from IPython.display import HTML, display

groups_link = explorer_link(6, in_channels=4, out_channels=4, groups=2, bias=0.5)
depthwise_link = explorer_link(6, in_channels=2, out_channels=2, groups=2)
display(
    HTML(
        f'<p>In the explorer: <a href="{groups_link}">4 channels in 2 groups</a> (each output '
        "channel's partial sums come only from the input channels of its colour), and "
        f'<a href="{depthwise_link}">a depthwise convolution</a> (groups = channels).</p>'
    )
)

# %% [markdown]
# ## Recap
#
# - MNIST loads with torchvision and `ToTensor()`; the test images split 70/30 into validation and
#   test with a seeded `random_split`; a batch is `[64, 1, 28, 28]` images and `[64]` labels.
# - `nn.Conv2d(1, 3, kernel_size=3, padding=1)` turns `[64, 1, 28, 28]` into `[64, 3, 28, 28]`:
#   three kernels give three channels (feature maps), and padding 1 keeps 28.
# - A kernel holds one grid per input channel, shape `[out, in, kH, kW]`; each output channel is
#   the sum of the per-channel correlations plus a bias.
# - Kernels with chosen weights detect patterns such as edges; in a network, training chooses them.
# - ReLU sets negative values to 0; Flatten turns each sample into a vector, keeping the batch.
# - A 1×1 convolution mixes channels at each pixel; `groups` makes each output channel read only
#   its group's input channels, and `groups=in_channels` is a depthwise convolution. A depthwise
#   layer followed by a 1×1 layer is a depthwise-separable convolution, far fewer parameters.
#
# ## Exercises
#
# Predict, then open the question to check. The answers were computed when the site was built.

# %% tags=["hide-input"]
from convlab.website.exercises import exercise, explorer_link
from IPython.display import HTML, display

# 1. Shape and parameters of a colour layer.
colour_layer = nn.Conv2d(3, 8, kernel_size=5)
colour_out = colour_layer(torch.zeros(16, 3, 12, 12))
display(
    HTML(
        exercise(
            "<code>nn.Conv2d(3, 8, kernel_size=5)</code> on a batch of shape <code>[16, 3, 12, 12]</code>: "
            "what shape comes out, and how many parameters does the layer have?",
            f"<code>{list(colour_out.shape)}</code>: 8 kernels give 8 channels, and "
            f"12 − 5 + 1 = {output_size(12, 5)}. Parameters: 8 × 3 × 5 × 5 = {8 * 3 * 5 * 5} weights "
            f"and 8 biases, {sum(p.numel() for p in colour_layer.parameters())} in all.",
            explorer_link(12, kernel=5),
        )
    )
)

# 2. The two-channel example without its second channel's kernel.
without_channel_1 = w.clone()
without_channel_1[1] = 0
only_first = F.conv2d(x[None], without_channel_1[None])[0, 0] + bias
display(
    HTML(
        exercise(
            "In the two-channel example, set the kernel's grid for channel 1 to zeros. What is the "
            "first output cell now?",
            f"{only_first[0, 0]:g}: channel 1 adds nothing, so the cell is channel 0's sum plus the "
            f"bias, {sums[0]:g} + {bias:g}. The whole output becomes {only_first.tolist()}.",
            explorer_link(3, kernel=2, weights=w[0].tolist()),
        )
    )
)

# 3. ReLU after the edge detector.
kept = (edges[0, 0] > 0).sum().item()
zeroed_out = (edges[0, 0] < 0).sum().item()
display(
    HTML(
        exercise(
            "Apply ReLU to the vertical-edge map of the digit above. Which edges survive?",
            "Only the edges where the values rise from left to right: the left side of each stroke. "
            f"ReLU keeps those {kept} positive cells and sets the {zeroed_out} negative ones, the "
            "right side of each stroke, to 0. A second kernel with its signs flipped would find those.",
            explorer_link(6, weights=vertical.tolist()),
        )
    )
)

# 4. Parameters of a grouped layer and of a 1x1 layer.
grouped = nn.Conv2d(64, 128, kernel_size=3, groups=4)
pointwise = nn.Conv2d(64, 128, kernel_size=1)
display(
    HTML(
        exercise(
            "How many parameters does <code>nn.Conv2d(64, 128, kernel_size=3, groups=4)</code> have? "
            "And without <code>groups</code>, and as a 1×1 layer, <code>nn.Conv2d(64, 128, kernel_size=1)</code>?",
            f"Its weight is <code>{list(grouped.weight.shape)}</code>: 128 × 64/4 × 3 × 3 = "
            f"{grouped.weight.numel()} weights and 128 biases, "
            f"{sum(p.numel() for p in grouped.parameters())} in all. Without groups, "
            f"{sum(p.numel() for p in nn.Conv2d(64, 128, kernel_size=3).parameters())}: four groups "
            "divide the weights by four. The 1×1 layer has one weight per input and output channel, "
            f"<code>{list(pointwise.weight.shape)}</code>, "
            f"{sum(p.numel() for p in pointwise.parameters())} parameters with its biases.",
            explorer_link(6, in_channels=4, out_channels=4, groups=4),
        )
    )
)
