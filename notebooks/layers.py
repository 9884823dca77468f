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
# through a convolution layer, and meet the two small layers every convolutional network needs:
# ReLU and Flatten.
#
# ## MNIST again
#
# As in the previous lesson, torchvision loads MNIST and `transforms.ToTensor()` turns each image
# into a float tensor with values between 0 and 1. (This site's build puts the files in `data/` with
# `convlab data`, without a download; on your own machine `download=True` fetches them.)

# %%
import torch
from convlab import output_size
from torch import nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms

train_set = datasets.MNIST(
    root="data", train=True, download=False, transform=transforms.ToTensor()
)
test_set = datasets.MNIST(
    root="data", train=False, download=False, transform=transforms.ToTensor()
)
print(len(train_set), "training images,", len(test_set), "test images")

# %% [markdown]
# We keep the training set for training and split the 10,000 test images: 70% for validation
# (checked after every epoch) and 30% for the final test. A seeded generator makes the split the
# same every time.

# %%
validation_set, test_set = random_split(
    test_set, [0.7, 0.3], generator=torch.Generator().manual_seed(20)
)
print(len(validation_set), "validation images,", len(test_set), "test images")

train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
validation_loader = DataLoader(validation_set, batch_size=64)
test_loader = DataLoader(test_set, batch_size=64)

images, labels = next(iter(train_loader))
print("images:", images.shape)
print("labels:", labels.shape)

# %% [markdown]
# A batch of images has four dimensions: 64 images, 1 colour channel, 28 rows, 28 columns. The labels
# are one digit per image.
#
# ## The convolution layer
#
# `nn.Conv2d` is the layer version of the convolution from the first page. It holds its kernels as
# learnable weights (plus one bias per output channel) and applies them to a whole batch at once.

# %%
# The weights start random; a seed makes this page the same on every build.
torch.manual_seed(0)
conv = nn.Conv2d(
    in_channels=1, out_channels=3, kernel_size=3, stride=1, padding=1, dilation=1
)
print(conv)
print("weight:", conv.weight.shape, " bias:", conv.bias.shape)

feature_maps = conv(images)
print(images.shape, "->", feature_maps.shape)

# %% [markdown]
# Two numbers changed, for two reasons:
#
# - **3 channels instead of 1.** `out_channels=3` gives the layer three kernels. Each one slides over
#   the image and produces its own output, a *feature map*; a layer with 32 kernels would give 32.
# - **28 stays 28.** One cell of padding with a 3×3 kernel at stride 1 keeps the size, exactly as the
#   formula says:

# %%
print(
    "floor((28 + 2*1 - 1*(3 - 1) - 1) / 1) + 1 =",
    output_size(28, kernel=3, stride=1, padding=1, dilation=1),
)

# %% [markdown]
# Here is one digit and what this untrained layer makes of it (top row). Its weights are still
# random, so the feature maps are not useful yet; training will shape them.
#
# {{ figure conv_relu_demo }}
#
# ## ReLU
#
# A convolution only multiplies and adds, so stacking convolutions would still compute one big
# linear function. A non-linear step between them lets the network learn more. The most common is
# **ReLU**, the rectified linear unit:
#
# $$\mathrm{ReLU}(x) = \max(0, x)$$
#
# Negative values become 0; everything else passes through unchanged.

# %%
relu = nn.ReLU()
x = torch.arange(-5, 6)
print("x:      ", x)
print("ReLU(x):", relu(x))

# %% [markdown]
# The bottom row of the figure above is the same three feature maps after ReLU: everything that was
# negative (orange) is now 0.

# %%
activated = relu(feature_maps)
print("negative values before ReLU:", (feature_maps < 0).sum().item())
print("negative values after ReLU: ", (activated < 0).sum().item())
print("shape is unchanged:", activated.shape)

# %% [markdown]
# ## Flatten
#
# The last layers of our network will be ordinary `nn.Linear` layers, which take a vector per
# sample. `nn.Flatten()` turns each sample into one long vector and keeps the batch dimension.
#
# Layers work on batches, so to flatten a single sample we first add a batch dimension of size 1
# with `unsqueeze(0)`:

# %%
sample = torch.arange(16).reshape(2, 2, 4)  # one sample: 2 channels of 2x4
batch = sample.unsqueeze(0)  # a batch holding that one sample
flat = nn.Flatten()(batch)
print("sample:", sample.shape, " batch:", batch.shape, " flattened:", flat.shape)
print(flat)

# %% [markdown]
# The values are the same, in the same order; only the shape changed. On the batch of feature maps
# above, each image's 3×28×28 values become one vector:

# %%
print(activated.shape, "->", nn.Flatten()(activated).shape)

# %% [markdown]
# ## Recap
#
# - MNIST loads with torchvision and `ToTensor()`; the test images split 70/30 into validation and
#   test with a seeded `random_split`; a batch is `[64, 1, 28, 28]` images and `[64]` labels.
# - `nn.Conv2d(1, 3, kernel_size=3, padding=1)` turns `[64, 1, 28, 28]` into `[64, 3, 28, 28]`:
#   three kernels give three channels, and padding 1 keeps 28.
# - ReLU sets negative values to 0; Flatten turns each sample into a vector, keeping the batch.
#
# Next: [a convolutional network for MNIST](../cnn/), its shapes worked out, and its training.
