"""Where the commands read and write unless told another folder: MNIST's files and the training run."""

DATA_ROOT = "data"
RUN_DIR = "runs/mnist"
