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

# %%
import inspect

import torch
from convlab import output_size
from convlab.model import MnistConvNet, layer_shapes
from IPython.display import HTML, Markdown, display

display(Markdown(f"```python\n{inspect.getsource(MnistConvNet)}```"))
model = MnistConvNet()
print(model)

# %% [markdown]
# ### Working out the shapes
#
# Each convolution's output size follows from the formula of the first page,
# $\lfloor (W_{in} + 2P - K) / S \rfloor + 1$ (dilation 1). Starting from 28:

# %%
size = 28
for kernel, padding, stride in [(3, 1, 2), (3, 1, 2), (3, 1, 3)]:
    out = output_size(size, kernel, stride=stride, padding=padding)
    print(
        f"floor(({size} + 2*{padding} - {kernel}) / {stride}) + 1 = floor({(size + 2 * padding - kernel) / stride:.2f}) + 1 = {out}"
    )
    size = out

# %% [markdown]
# In the first two lines the division is not exact, and the floor rounds it down. So the feature
# part turns a 1×28×28 image into 128 maps of 3×3, which Flatten turns into
# 128 × 3 × 3 = 1152 numbers, the input size of the first `Linear` layer. The table below lists
# every layer's output shape twice: worked out with the formula alone, and measured by running a
# batch through the model.

# %%
batch = torch.zeros(64, 1, 28, 28)
measured = []
x = batch
for layer in [*model.features, *model.classifier]:
    x = layer(x)
    measured.append(tuple(x.shape))

rows = "".join(
    f"<tr><td>{name}</td><td>{list(worked)}</td><td>{list(shape[1:])}</td></tr>"
    for (name, worked), shape in zip(layer_shapes(), measured, strict=True)
)
display(
    HTML(
        f"<table><tr><th>layer</th><th>worked out</th><th>measured</th></tr>{rows}</table>"
    )
)
print("logits for a batch of 64:", tuple(model(batch).shape))

# %% [markdown]
# ## Training
#
# The recipe is the one from the course's earlier lessons: cross-entropy loss, the Adam optimizer with
# its default settings, batches of 64 (shuffled), five epochs; after each epoch we measure loss and
# accuracy on the training and validation sets, and at the end on the test set.
#
# The site's build trains the model once, with `convlab train`, and this page reads the results it
# logged. Here is the epoch loop that ran:

# %%
from convlab import train as training

source = (
    inspect.getsource(training.train_one_epoch)
    + "\n\n"
    + inspect.getsource(training.evaluate)
)
display(Markdown(f"```python\n{source}```"))

# %% [markdown]
# It is the usual loop with a few speed-ups that leave the recipe as it is: the images go
# straight from MNIST's files into one tensor of bytes (no per-image PIL conversion), each shuffled
# batch is a slice of it, scaled to [0, 1] exactly as `ToTensor()` does, and the CPU's fast paths are
# used (channels-last memory layout, fused Adam, and bfloat16 arithmetic where the processor has it).
# The validation and test sets are evaluated in large batches, in full float32 precision.
#
# ### Results of this build

# %% tags=["hide-input"]
import os

from convlab.run import DEFAULT_DIR, RunFolder

# The build sets CONVLAB_RUN to the run it trained; elsewhere, the run `convlab train` writes by default.
metrics = RunFolder(os.environ.get("CONVLAB_RUN", DEFAULT_DIR)).metrics()
columns = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
rows = "".join(
    f"<tr><td>{e.epoch}</td>"
    + "".join(f"<td>{getattr(e, c):.4f}</td>" for c in columns)
    + "</tr>"
    for e in metrics.epochs
)
header = "".join(
    f"<th>{name}</th>"
    for name in (
        "epoch",
        "train loss",
        "train accuracy",
        "validation loss",
        "validation accuracy",
    )
)
display(HTML(f'<table id="results"><tr>{header}</tr>{rows}</table>'))
display(
    HTML(
        f'<p id="test-result"><strong>Test loss {metrics.test_loss:.4f}, test accuracy {metrics.test_accuracy:.4f}'
        f"</strong> on {metrics.test_size:,} test images.</p>"
    )
)
runtime = metrics.runtime
print(
    f"Trained in {metrics.seconds:.0f} s on the {runtime.device.upper()} ({runtime.cpu}, {runtime.threads} threads, "
    f"bfloat16 autocast {'on' if runtime.bf16_autocast else 'off'}), torch {metrics.torch}, "
    f"seed {metrics.config.seed}, finished {metrics.finished}."
)

# %% [markdown]
# The learning curves show loss and accuracy after each epoch. Watch the gap between the training
# and the validation curves: a gap that keeps growing would mean the model memorises the training
# images instead of learning digits (overfitting).
#
# {{ figure learning_curves }}
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
# ## Recap
#
# - Convolution slides a kernel and takes weighted sums; stride, padding and dilation change where
#   and how far it reaches, and one formula (with its floor) gives the output size.
# - In PyTorch, `nn.Conv2d` applies many learned kernels at once, `nn.ReLU` zeroes the negatives and
#   `nn.Flatten` hands each sample to the linear layers as a vector.
# - Our network's shapes, worked out by hand: 28 → 14 → 7 → 3, then 128 × 3 × 3 = 1152 → 128 → 10.
# - Trained for five epochs on a CPU, it reaches a test accuracy of {{ metric test_accuracy }}.
