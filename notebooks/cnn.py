# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A convolutional network for MNIST
#
# Time to put the pieces together: three convolution + ReLU blocks that shrink each digit into a
# small stack of feature maps, then two linear layers that turn those into ten scores, one per digit.
# These raw scores are called **logits**: the largest one is the model's answer. **Softmax** turns
# them into probabilities: it takes $e$ to the power of each logit and divides by the sum of all ten,
# $p_i = e^{z_i} / \sum_j e^{z_j}$, so that every $p_i$ is positive and the ten add up to 1.
#
# To run this page yourself, download it (the button at the top), install what it imports with
# `{{ repo install }}` (this brings PyTorch, torchvision
# and Matplotlib along; without an NVIDIA GPU,
# `{{ repo install_cpu }}` takes PyTorch's CPU build, a fraction of the download), and run it in Jupyter in any folder. It downloads MNIST into `data/` and, as
# it finds no trained run there, trains the model itself, which takes a few minutes on a laptop.
# Set the environment variable `CONVLAB_QUICK=1` to try it in seconds instead: one epoch on the first
# 1,000 training images.
#
# ## The model
#
# The **feature part** has three blocks, each `Conv2d` followed by `ReLU`:
#
# - `Conv2d(1, 32, kernel_size=3, padding=1, stride=2)`: 32 kernels, stride 2 halves the size
# - `Conv2d(32, 64, kernel_size=3, padding=1, stride=2)`: 64 kernels, halves it again
# - `Conv2d(64, 128, kernel_size=3, padding=1, stride=3)`: 128 kernels, stride 3
#
# The **classifier part** flattens what is left and maps it to the ten digits:
# `Flatten`, `Linear(128 * 3 * 3, 128)`, `ReLU`, `Linear(128, 10)`.
#
# The model lives in `convlab.model`; here is its code, exactly as the build ran it:

# %% tags=["hide-input"]
import inspect

from convlab.model import MnistConvNet
from IPython.display import HTML, Markdown, display

display(Markdown(f"```python\n{inspect.getsource(MnistConvNet)}```"))

# %%
import copy
import os
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from convlab import output_size
from convlab.folders import RUN_DIR
from convlab.model import (
    conv_layers,
    layer_shapes,
)
from convlab.run import RunFolder
from torch import nn
from torch.utils.data import (
    DataLoader,
    Subset,
    random_split,
)
from torchvision import datasets, transforms

# The weights start random: the seed makes
# them the lesson's.
torch.manual_seed(0)
model = MnistConvNet()

# %% [markdown]
# ### Working out the shapes
#
# Each convolution's output size follows from the formula of the first page,
# $\lfloor (W_{in} + 2P - K) / S \rfloor + 1$ (dilation 1). Starting from 28:

# %%
size = 28
for conv in conv_layers(model):
    K = conv.kernel_size[0]
    S = conv.stride[0]
    P = conv.padding[0]
    out = output_size(size, K, S, P)
    exact = (size + 2 * P - K) / S
    top = f"{size} + 2*{P} - {K}"
    print(f"floor(({top}) / {S}) + 1")
    print(f"  = floor({exact:.2f}) + 1")
    print(f"  = {out}")
    size = out

# %% [markdown]
# In the first two lines the division is not exact, and the floor rounds it down. So the feature
# part turns a 1×28×28 image into 128 maps of 3×3, which Flatten turns into
# 128 × 3 × 3 = 1152 numbers, the input size of the first `Linear` layer. The table lists every
# layer's output shape twice: worked out with the formula alone, and measured by running a batch of
# 64 images through the model.

# %% tags=["hide-input"]
measured, x = [], torch.zeros(64, 1, 28, 28)
for layer in [*model.features, *model.classifier]:
    x = layer(x)
    measured.append(list(x.shape))
rows = "".join(
    f"<tr><td>{name}</td><td>{list(worked)}</td><td>{shape}</td></tr>"
    for (name, worked), shape in zip(layer_shapes(), measured, strict=True)
)
display(
    HTML(
        "<table><tr><th>layer</th><th>worked out, per image</th><th>measured, batch of 64</th></tr>"
        f"{rows}</table>"
    )
)

# %% [markdown]
# The last line is the logits: 64 images, 10 scores each.
#
# ## Weights, channels and parameters
#
# Every layer with weights lists them as **parameters**, the numbers training will adjust. Their
# shapes show how the channels connect:

# %%
for name, p in model.named_parameters():
    print(f"{name:<21} {list(p.shape)}")

# %% [markdown]
# A convolution's weight has the shape **[out channels, in channels, kernel height, kernel width]**.
# `features.2.weight` is `[64, 32, 3, 3]`: the second convolution has 64 kernels, and each holds a
# 3×3 grid for every one of the 32 channels the first block produced. As on the previous page, each
# output channel is the sum over the input channels of one correlation each, plus that channel's
# bias. Check it on the real layer, with the feature maps of a real digit: rebuild all 64 output
# channels from 32 single-channel correlations each, and compare with what the layer computes.

# %%
# The first training image, [1, 1, 28, 28]:
mnist = datasets.MNIST("data", download=True)
digit = mnist.data[:1, None] / 255
second = model.features[2]
weight, bias = second.weight, second.bias
with torch.no_grad():
    # after the first block: [1, 32, 14, 14]
    maps = model.features[:2](digit)
    computed = second(maps)  # [1, 64, 7, 7]
    rebuilt = torch.zeros_like(computed)
    for o in range(64):  # output channels
        w = weight[o : o + 1]
        for c in range(32):  # input channels
            one = F.conv2d(
                maps[:, c : c + 1],
                w[:, c : c + 1],
                stride=2,
                padding=1,
            )
            rebuilt[:, o] += one[:, 0]
        rebuilt[:, o] += bias[o]
gap = (rebuilt - computed).abs().max()
print("layer:  ", list(computed.shape))
print("rebuilt:", list(rebuilt.shape))
print(f"largest difference: {gap:.1e}")
assert gap < 1e-5

# %% [markdown]
# The two agree up to rounding in the last digits of float32. Now count the parameters, layer by
# layer: each layer has as many weights as its weight tensor's shape multiplies to (out × in × kernel
# height × kernel width for a convolution, out × in for a linear layer), plus one bias per output:


# %%
def n_params(module):
    """Count the module's parameters."""
    every = module.parameters()
    return sum(p.numel() for p in every)


total = 0
weighted = (nn.Conv2d, nn.Linear)
for layer in model.modules():
    if not isinstance(layer, weighted):
        continue  # no parameters
    sizes = map(str, layer.weight.shape)
    formula = " * ".join(sizes)
    formula += f" + {len(layer.bias)}"
    n = n_params(layer)
    total += n
    kind = type(layer).__name__
    print(f"{kind:<7}{formula:<22} = {n:>7,}")
print(f"{'total':<29} = {total:>7,}")
every = n_params(model)
print(f"n_params(model) = {every:,}")

# %% [markdown]
# ## Why convolution?
#
# The convolutions do most of the work on the image, yet they are the small part of the model.
# Two ideas make them small:
#
# - **Locality**: each output cell reads only a 3×3 window of the layer before it, not every pixel.
#   Strokes and edges are local, so that is enough, as the edge detector on the previous page showed.
# - **Weight sharing**: the same kernel is used at every position, so a pattern costs its nine
#   weights once, wherever it appears in the image.
#
# Compare this model's own counts, and a fully connected layer that would produce the first block's
# 32 × 14 × 14 outputs from the 784 pixels without those two ideas:

# %%
first_conv = n_params(model.features[0])
first_linear = n_params(model.classifier[1])
dense = n_params(nn.Linear(28 * 28, 32 * 14 * 14))
for label, n in (
    ("all three convolutions", n_params(model.features)),
    ("the first linear layer", first_linear),
    ("the first convolution", first_conv),
    ("a Linear(784, 6272)", dense),
):
    print(f"{label:<23}{n:>10,}")
ratio = dense / first_conv
print(f"{ratio:,.0f} times as many parameters")
print("for the same outputs")

# %% [markdown]
# ## Receptive field
#
# Which pixels can one output cell of a layer see? That region is its **receptive field**. The first
# convolution reads 3×3 pixels. The second reads 3×3 cells of the first layer's output, but those
# cells sit 2 pixels apart (the first layer's stride), so its window spans 3 + (3 − 1) × 2 = 7 pixels.
# In general each layer adds (kernel − 1) × (the distance between its input cells, in pixels), and
# that distance grows by each layer's stride:

# %%
field, step = 1, 1  # one pixel; cells 1 apart
fields = []
for n, conv in enumerate(conv_layers(model), 1):
    kernel = conv.kernel_size[0]
    stride = conv.stride[0]
    field += (kernel - 1) * step
    step *= stride
    fields.append(field)
    print(f"layer {n} sees {field}×{field} pixels,")
    print(f"  its cells {step} pixels apart")

# %% [markdown]
# PyTorch's **autograd** can check this. Created with `requires_grad=True`, the input image is
# followed through every operation that uses it; calling `backward()` on one output cell then works
# back through those operations and stores in `image.grad` the **gradient** of that cell: for every
# input pixel, how much the cell would change if that pixel changed a little. A pixel outside the
# cell's window cannot change it at all, so its gradient is exactly 0, and the pixels with a non-zero
# gradient are the ones the cell depends on.
#
# With the trained weights, a ReLU that happens to be off would hide some paths (it passes no change
# back), so the check uses a copy of the convolutions with every weight 1 and every bias 0, on an
# image of ones: every path is then open. We take the middle cell of each layer's output:

# %%
probe = copy.deepcopy(model.features)
for conv in conv_layers(probe):
    nn.init.ones_(conv.weight)
    nn.init.zeros_(conv.bias)

reach = []
# after each conv + ReLU block:
for n, end in enumerate((2, 4, 6), 1):
    image = torch.ones(1, 1, 28, 28)
    image.requires_grad_()
    output = probe[:end](image)  # [1, C, H, W]
    mid = output.shape[-1] // 2
    output[0, 0, mid, mid].backward()
    grad = image.grad[0, 0]  # [28, 28]
    reach.append(grad != 0)
    rows, cols = grad.nonzero().unbind(1)
    height = rows.max() - rows.min() + 1
    width = cols.max() - cols.min() + 1
    print(f"layer {n}, cell ({mid}, {mid}):")
    print(
        f"  rows {rows.min()}-{rows.max()},",
        f"columns {cols.min()}-{cols.max()}:",
        f"{height}×{width}",
    )
    assert height == width == fields[n - 1]

# %% tags=["hide-input"]
from convlab.figure_grids import ramp
from convlab.pictures import inline_picture


def fields_drawn(scheme):
    """Draw the digit under each layer's receptive field in the colours of a light or a dark page."""
    figure, axes = plt.subplots(1, 3, figsize=(3.4, 1.7), layout="constrained")
    for number, (axis, mask) in enumerate(zip(axes, reach, strict=True), start=1):
        axis.imshow(mask, cmap=ramp(scheme.count), vmin=0, vmax=1.4)
        axis.imshow(digit[0, 0], cmap=ramp(scheme.ink), alpha=0.35)
        axis.set_title(
            f"layer {number}\n{fields[number - 1]}×{fields[number - 1]}", fontsize=12
        )
        axis.set_xticks([])
        axis.set_yticks([])
    return figure


alt = (
    "Three copies of a handwritten digit, each with a blue square over the pixels one middle cell "
    "of a layer depends on: "
    + ", ".join(
        f"{size}×{size} for layer {k}" for k, size in enumerate(fields, start=1)
    )
    + "."
)
display(HTML(inline_picture(fields_drawn, alt)))

# %% [markdown]
# Each blue square is the part of a 28×28 digit that one cell of that layer sees. By the third layer
# a single cell sees a large part of the digit, so the classifier reads cells that each summarise a
# whole region of the image. (A cell at the border sees less, because part of its window falls on
# padding.)
#
# ## Stride or pooling?
#
# This network shrinks its feature maps with stride: each convolution only computes every second (or
# third) position. Many classic networks instead keep stride 1 and follow a convolution with **max
# pooling**, `nn.MaxPool2d(2)`, which slides a 2×2 window in steps of 2 and keeps the largest value
# of each window, so it halves each side and has no weights; the page after next,
# [Pooling and transposed convolution](../pooling/), shows it step by step. Both give the same
# shapes and the same number of parameters, but not the same work:

# %%
batch = torch.rand(64, 1, 28, 28)
strided = nn.Conv2d(1, 32, 3, padding=1, stride=2)
pooled = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
)
for name, block, conv in (
    ("stride 2", strided, strided),
    ("stride 1 + max pool", pooled, pooled[0]),
):
    S = conv.stride[0]
    side = output_size(28, 3, S, 1)
    shape = list(block(batch).shape)
    print(f"{name}:")
    print(f"  output {shape}")
    print(f"  {n_params(block)} parameters")
    print(f"  kernel at {side}×{side} positions")

# %% [markdown]
# Pooling computes the convolution at all 28 × 28 positions and then throws three quarters away; it
# also lets a pattern shift by a pixel without changing the output much. Stride skips those positions
# from the start and lets training decide how to summarise each step, at a quarter of the work.
# The pooling page also shows the transposed convolution, which grows maps instead of shrinking them.
#
# ## Training
#
# The recipe is the one from the course's earlier lessons (not on this site): cross-entropy loss, the Adam optimizer with
# its default settings, batches of 64 (shuffled), five epochs.
#
# - **Cross-entropy loss** scores one image by $-\log p_y$, minus the logarithm of the probability
#   softmax gives its right digit $y$: near 0 when the model gives the right digit almost all the
#   probability, large when it gives it little. `nn.CrossEntropyLoss` takes the logits and applies
#   softmax itself, which is why the model ends with plain logits.
# - **Adam** is gradient descent that sizes each weight's step by its own history: it keeps running
#   averages of each weight's gradient, $m$, and of its square, $v$, and moves the weight against the
#   gradient by $\eta \, m / (v^{1/2} + \epsilon)$: the learning rate $\eta$ (Adam's default `lr`) times
#   the average gradient divided by its typical size ($\epsilon$, tiny, keeps the division safe). Both
#   averages are corrected in the first steps, while they are still near their starting value 0.
#
# First the data, exactly as on the [previous page](../layers/):

# %%
# CONVLAB_QUICK=1: see the top of the page
quick = os.environ.get("CONVLAB_QUICK") == "1"
epochs = 1 if quick else 5

to_tensor = transforms.ToTensor()
train_set = datasets.MNIST("data", train=True, download=True, transform=to_tensor)
test_set = datasets.MNIST("data", train=False, download=True, transform=to_tensor)
validation_set, test_set = random_split(
    test_set, [0.7, 0.3], generator=torch.Generator().manual_seed(20)
)
if quick:
    train_set = Subset(train_set, range(1000))

train_loader = DataLoader(
    train_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)
)
validation_loader = DataLoader(validation_set, batch_size=64)
test_loader = DataLoader(test_set, batch_size=64)

# %% [markdown]
# One epoch of training goes through every batch once: compute the logits, the loss, the gradients
# (`backward`), and let the optimizer adjust the weights (`step`). Evaluating only computes logits,
# with gradients switched off. Both return the loss and the accuracy (the fraction of images whose
# largest logit is the right digit), averaged over the images they saw:


# %%
def train_one_epoch(model, loader, loss_fn, optimizer):
    """Train on every batch once.

    Returns the loss and the accuracy,
    averaged while the model learned.
    """
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        logits = model(images)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimizer.step()
        n = len(labels)
        total_loss += loss.item() * n
        hits = logits.argmax(1) == labels
        correct += hits.sum().item()
        seen += n
    return total_loss / seen, correct / seen


def evaluate(model, loader, loss_fn):
    """Return the loss and the accuracy on
    every batch, without training."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss = loss_fn(logits, labels)
            n = len(labels)
            total_loss += loss.item() * n
            hits = logits.argmax(1) == labels
            correct += hits.sum().item()
            seen += n
    return total_loss / seen, correct / seen


# %% [markdown]
# These two functions are, word for word, the ones `convlab train` runs (a test checks that they stay
# the same). The epoch loop below trains the model when no run is found. The site's build has already
# trained this recipe once with `convlab train`, and tells the notebook where with the environment
# variable `CONVLAB_RUN`; the notebook then loads that run's weights and history instead of training
# again. Run on your own machine, it looks for a run in `runs/mnist` (where `convlab train` writes)
# and otherwise trains here.

# %%
run = RunFolder(os.environ.get("CONVLAB_RUN", RUN_DIR))
found = run.metrics_file.is_file() and run.metrics().config.is_lesson_recipe()
if "CONVLAB_RUN" in os.environ and not found:
    raise RuntimeError(
        f"CONVLAB_RUN={run.path} is not a finished run of the lesson's recipe"
    )

torch.manual_seed(0)
model = MnistConvNet()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters())

if found:
    model = run.load_model()
    history = [
        (e.epoch, e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy)
        for e in run.metrics().epochs
    ]
    # No path: readers download this page,
    # and the build's folders are not theirs.
    print("Loaded a finished run of this recipe")
    print(f"({len(history)} epochs by convlab train)")
    print("instead of training.")
else:
    started, history = time.perf_counter(), []
    for epoch in range(1, epochs + 1):
        train_loss, train_accuracy = train_one_epoch(
            model, train_loader, loss_fn, optimizer
        )
        val_loss, val_accuracy = evaluate(model, validation_loader, loss_fn)
        history.append((epoch, train_loss, train_accuracy, val_loss, val_accuracy))
        print(f"epoch {epoch}")
        print(f"train      loss {train_loss:.4f}  accuracy {train_accuracy:.4f}")
        print(f"validation loss {val_loss:.4f}  accuracy {val_accuracy:.4f}")
    print(f"No run found: trained here in {time.perf_counter() - started:.0f} s.")

test_loss, test_accuracy = evaluate(model, test_loader, loss_fn)
print(f"test loss {test_loss:.4f}, accuracy {test_accuracy:.4f}")

# %% [markdown]
# ### Results, epoch by epoch

# %% tags=["hide-input"]
header = "".join(
    f"<th>{name}</th>"
    for name in (
        "epoch",
        "train<br>loss",
        "train<br>accuracy",
        "validation<br>loss",
        "validation<br>accuracy",
    )
)
rows = "".join(
    f"<tr><td>{row[0]}</td>" + "".join(f"<td>{v:.4f}</td>" for v in row[1:]) + "</tr>"
    for row in history
)
display(HTML(f'<table id="results"><tr>{header}</tr>{rows}</table>'))
if (
    found
):  # the build's run: its own test result, checked against the page's evaluate() above
    metrics = run.metrics()
    runtime = metrics.runtime
    assert abs(metrics.test_accuracy - test_accuracy) <= 1 / len(test_set)
    shown_loss, shown_accuracy = metrics.test_loss, metrics.test_accuracy
else:
    shown_loss, shown_accuracy = test_loss, test_accuracy
display(
    HTML(
        f'<p id="test-result"><strong>Test loss {shown_loss:.4f}, test accuracy '
        f"{shown_accuracy:.4f}</strong> on {len(test_set):,} test images.</p>"
    )
)
if found:
    threads = f"{runtime.threads} thread{'s' if runtime.threads > 1 else ''}"
    print(f"Trained in {metrics.seconds:.0f} s on the {runtime.device.upper()}")
    print(f"({runtime.cpu}, {threads}, {runtime.dtype}),")
    print(f"torch {metrics.torch}, seed {metrics.config.seed},")
    print(f"finished {metrics.finished}.")

# %% [markdown]
# What do the training columns measure? Not the model at the end of the epoch: they are averaged over
# the epoch's batches *while the model was learning*, so the early batches of an epoch count a model
# that was worse than the one that finishes it. Validation is measured after the epoch, with the
# final weights and without training. That is why, early on, the training accuracy can sit below
# the validation accuracy although the model has never seen a validation image:

# %% tags=["hide-input"]
first = history[0]
relation = "below" if first[2] < first[4] else "not below"
display(
    Markdown(
        f"In epoch 1, the training accuracy averaged over the batches is **{first[2]:.4f}**, "
        f"{relation} the validation accuracy after the epoch, **{first[4]:.4f}**."
    )
)

# %% [markdown]
# Measure the first images of the training set (as many as the cell prints) the way validation is
# measured, after training, and compare with the average taken during the last epoch:

# %%
some = range(min(10_000, len(train_set)))
seen = DataLoader(Subset(train_set, some), batch_size=1000)
_, after = evaluate(model, seen, loss_fn)
during = history[-1][2]
print(f"during the last epoch: {during:.4f}")
print(f"after training, {len(some):,} images:")
print(f"  {after:.4f}")

# %% [markdown]
# The learning curves show the same numbers per epoch. Watch the gap between training and validation:
# a gap that keeps growing would mean the model memorises the training images instead of learning
# digits (**overfitting**).
#
# {{ figure learning_curves }}
#
# The build trains this recipe with `convlab train`, which runs the same two functions with a few
# changes that make it faster on a CPU; [How the build trains faster](../../speed/) explains them.

# %% [markdown]
# ## Watching training in TensorBoard
#
# The course's earlier lessons logged training to TensorBoard, a page in the browser that draws the curves while
# the model trains. `convlab train` does it with one flag, and `tensorboard` (`pip install
# tensorboard`) shows the logs:
#
# ```bash
# convlab train --tensorboard
# tensorboard --logdir runs
# ```
#
# The first writes the logs into `runs/mnist/tensorboard/`, beside the run; the second serves every
# log it finds under `runs/` at <http://localhost:6006>, which you open in your browser.
#
# In your own loop, a `SummaryWriter` does the same, one `add_scalar` per curve and epoch:
#
# ```python
# from torch.utils.tensorboard import SummaryWriter
#
# writer = SummaryWriter("runs/my-try")
# for epoch in range(1, 6):
#     ...  # train and evaluate, as above
#     for name, value in (
#         ("loss/train", train_loss),
#         ("loss/validation", val_loss),
#     ):
#         writer.add_scalar(name, value, epoch)
# writer.close()
# ```
#
# ## What the network learned
#
# The first layer's 32 kernels are 3×3 grids of weights, like the averaging kernel of the first page,
# except that training chose the values:
#
# {{ figure filters }}
#
# One test digit on its way through the three blocks: each block's maps are smaller (the strides),
# and there are more of them (the channels).
#
# {{ figure feature_maps }}
#
# Where does the model still go wrong? The confusion matrix counts, for every true digit (row), what
# the model answered (column); everything off the diagonal is a mistake.
#
# {{ figure confusion_matrix }}
#
# {{ figure mistakes }}
#
# These are digits the build picked. [Your digit, through the network](../../digit/) runs this very
# network in the browser on a digit you draw (or on any test digit), and shows every map of its three
# layers, the filter behind each, and the ten probabilities.
#
# ## Recap
#
# - Convolution slides a kernel and takes weighted sums; stride, padding and dilation change where
#   and how far it reaches, and one formula (with its floor) gives the output size.
# - In PyTorch, `nn.Conv2d` applies many learned kernels at once, each reading every input channel;
#   `nn.ReLU` zeroes the negatives and `nn.Flatten` hands each sample to the linear layers as a vector.
# - Our network's shapes, worked out by hand: 28 → 14 → 7 → 3, then 128 × 3 × 3 = 1152 → 128 → 10.
#   Locality and weight sharing keep its convolutions small; stacked, they see large regions.
# - The training loop is about twenty lines; trained for five epochs on a CPU, the network reaches a
#   test accuracy of {{ metric test_accuracy }}.
#
# ## Exercises
#
# Predict, then open the question to check. The answers were computed when the site was built.

# %% tags=["hide-input"]
from convlab.website.exercises import exercise, explorer_link

# 1. The third convolution with stride 2.
third = nn.Conv2d(64, 128, kernel_size=3, padding=1, stride=2)
side = third(torch.zeros(1, 64, 7, 7)).shape[-1]
flat = 128 * side * side
display(
    HTML(
        exercise(
            "Give the third convolution stride 2 instead of 3. How big are its feature maps, and how "
            "many parameters does the first linear layer need then?",
            f"{side}×{side}: ⌊(7 + 2 − 3) / 2⌋ + 1 = {output_size(7, 3, stride=2, padding=1)}. "
            f"Flatten then gives 128 × {side} × {side} = {flat:,} numbers, so "
            f"<code>nn.Linear({flat}, 128)</code> has "
            f"{sum(p.numel() for p in nn.Linear(flat, 128).parameters()):,} parameters, against "
            f"{first_linear:,} now.",
            explorer_link(7, stride=2, padding=1),
        )
    )
)

# 2. The second convolution's shape and size.
second_out = second(torch.zeros(64, 32, 14, 14))
display(
    HTML(
        exercise(
            "The second convolution, <code>Conv2d(32, 64, 3, padding=1, stride=2)</code>, gets a batch "
            "of shape <code>[64, 32, 14, 14]</code>. What comes out, and how many parameters does it "
            "hold?",
            f"<code>{list(second_out.shape)}</code>, and 64 × 32 × 3 × 3 + 64 = "
            f"{sum(p.numel() for p in second.parameters()):,} parameters.",
            explorer_link(14, stride=2, padding=1),
        )
    )
)

# 3. Receptive field without stride.
flat_probe = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(3)])
for conv in flat_probe:
    nn.init.ones_(conv.weight)
    nn.init.zeros_(conv.bias)
image = torch.ones(1, 1, 28, 28, requires_grad=True)
flat_probe(image)[0, 0, 14, 14].backward()
rows = image.grad[0, 0].nonzero()[:, 0]
display(
    HTML(
        exercise(
            "If all three convolutions had stride 1, how many pixels wide would the receptive field of "
            "one cell of the third layer be?",
            f"{rows.max() - rows.min() + 1}: each 3×3 layer adds 2 and the cells stay 1 pixel apart, "
            f"1 + 2 + 2 + 2 = {1 + 2 * 3}, against {fields[-1]} with this network's strides "
            "(measured with autograd, as above).",
            explorer_link(7, padding=1),
        )
    )
)

# 4. Max pooling after a stride-1 first layer.
pooled_shape = list(pooled(torch.zeros(64, 1, 28, 28)).shape)
display(
    HTML(
        exercise(
            "Replace the first convolution by <code>Conv2d(1, 32, 3, padding=1)</code> (stride 1) "
            "followed by ReLU and <code>MaxPool2d(2)</code>. Does the output shape of the block "
            "change? Its parameter count?",
            f"Neither: <code>{pooled_shape}</code> and "
            f"{sum(p.numel() for p in pooled.parameters())} parameters, as with stride 2. But the "
            f"convolution now runs at {output_size(28, 3, padding=1) ** 2} positions instead of "
            f"{output_size(28, 3, stride=2, padding=1) ** 2}.",
            explorer_link(14, padding=1),
        )
    )
)
