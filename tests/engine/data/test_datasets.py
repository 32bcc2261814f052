"""IDX files and the MNIST-style data sets."""

import gzip
import struct

import numpy as np
import pytest

from engine.data import datasets
from tests.conftest import real_data


def write_idx(path, array: np.ndarray, gz: bool = False):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    data = header + array.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)
    return path


def write_idx_folder(folder, n_train=120, n_test=40, classes=10, seed=0):
    """A tiny MNIST-style folder whose class k images are bright in row band k (learnable)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % classes
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 * k + 4 : 2 * k + 6] = 250
        stem_x, stem_y = datasets.SPLIT_FILES[split]
        write_idx(folder / f"{stem_x}.gz", images, gz=True)
        write_idx(folder / stem_y, labels)
    return folder


def test_idx_round_trip_plain_and_gzipped(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(datasets.read_idx(write_idx(tmp_path / "a", array)), array)
    assert np.array_equal(datasets.read_idx(write_idx(tmp_path / "b.gz", array, gz=True)), array)


def test_bad_idx_files_say_what_is_wrong(tmp_path):
    (tmp_path / "junk").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "junk")
    good = write_idx(tmp_path / "t", np.zeros((5, 28, 28), np.uint8)).read_bytes()
    (tmp_path / "t").write_bytes(good[:-100])
    with pytest.raises(ValueError, match="truncated"):
        datasets.read_idx(tmp_path / "t")


def test_idx_folder_loads_and_names_a_missing_file(tmp_path):
    data = datasets.load_idx_folder(write_idx_folder(tmp_path / "digits"))
    assert data.x_train.shape == (120, 28, 28) and data.x_test.shape == (40, 28, 28)
    assert data.class_names == [str(i) for i in range(10)] and data.y_train.max() == 9
    (tmp_path / "digits" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(datasets.DatasetUnavailable, match="t10k-labels-idx1-ubyte"):
        datasets.load_idx_folder(tmp_path / "digits")


def test_real_fashion_mnist():
    real_data(datasets.FASHION_DIRS[0] / "train-images-idx3-ubyte.gz")
    data = datasets.load_fashion_mnist()
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert data.x_train.dtype == np.uint8
    assert sorted(set(data.y_train.tolist())) == list(range(10))
    assert np.bincount(data.y_test).tolist() == [1000] * 10
    assert data.class_names[9] == "Ankle boot"


def test_mnist_offline_is_a_clear_message():
    with pytest.raises(datasets.DatasetUnavailable, match="could not be downloaded"):
        datasets.load_mnist()
