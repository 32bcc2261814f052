"""IDX files and the MNIST-style data sets."""

import numpy as np
import pytest

from engine.data import datasets
from tests.helpers.files import real_data, write_idx, write_idx_folder


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
