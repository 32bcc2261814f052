"""IDX files and the MNIST-style data sets."""

import gzip
import re
import struct
import time
import tracemalloc

import numpy as np
import pytest

from engine.data import datasets
from engine.failures import BadFile, OverBudget
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


def idx_header(*shape, type_code=0x08) -> bytes:
    return struct.pack(">BBBB", 0, 0, type_code, len(shape)) + struct.pack(
        f">{len(shape)}I", *shape
    )


def refused_quickly(call, error, match, seconds=1.0, megabytes=32):
    """``call()`` raises ``error`` matching ``match`` within ``seconds`` and ``megabytes``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(error, match=match):
            call()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < seconds and peak < megabytes * 1e6, (elapsed, peak)


def test_a_608_byte_file_claiming_two_billion_labels_is_refused_at_once(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(idx_header(2**31 - 1) + bytes(600))
    assert path.stat().st_size == 608
    refused_quickly(
        lambda: datasets.read_idx(path), OverBudget, r"train-labels-idx1-ubyte claims 2147483647"
    )
    with pytest.raises(OverBudget, match="the limit is 512 MB"):
        datasets.read_idx(path)


def test_a_plain_file_smaller_than_its_header_claims_is_refused_before_reading(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx_header(400_000_000) + bytes(600))  # under the budget, not in the file
    refused_quickly(lambda: datasets.read_idx(path), BadFile, "600 bytes of data, expected")


def gzip_bomb(path, header: bytes, gigabytes: float) -> None:
    """``header`` then ``gigabytes`` of zeros, gzipped: 16 MB of zeros deflate to 16 KB and
    gzip members may follow each other, so one member repeated makes the bomb in milliseconds."""
    member = gzip.compress(bytes(16 << 20), compresslevel=9)
    with open(path, "wb") as out:
        out.write(gzip.compress(header))
        out.write(member * int(gigabytes * 1e9 / (16 << 20)))


def test_a_gzip_bomb_is_inflated_no_further_than_its_header_claims(tmp_path):
    honest_header = tmp_path / "t10k-images-idx3-ubyte.gz"  # 10 x 28 x 28, then 4.8 GB more
    gzip_bomb(honest_header, idx_header(10, 28, 28), gigabytes=4.8)
    assert honest_header.stat().st_size < 6e6
    refused_quickly(lambda: datasets.read_idx(honest_header), BadFile, "truncated or padded")

    greedy_header = tmp_path / "train-images-idx3-ubyte.gz"  # claims 4.8 GB of pixels
    gzip_bomb(greedy_header, idx_header(6_000_000, 800, 1000), gigabytes=4.8)
    refused_quickly(
        lambda: datasets.read_idx(greedy_header), OverBudget, "train-images-idx3-ubyte.gz claims"
    )
    with pytest.raises(OverBudget, match="the limit is 1,000 bytes"):  # a limit of one's own
        datasets.read_idx(honest_header, limit=1000)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"\x00\x00\x08", "not an IDX file"),
        (b"\x00\x00\x08\x03" + bytes(5), "header ends before its 3 dimensions"),
        (idx_header(10, 0, 28), "a dimension of 0"),
        (b"\x00\x00\x08\x00", "declares 0 dimensions"),
        (b"\x00\x00\x08\xff" + bytes(64), "declares 255 dimensions"),
        (idx_header(2, 2, type_code=0x07) + bytes(4), "not an IDX file"),
    ],
)
def test_damaged_headers_are_bad_files_that_name_the_file(tmp_path, content, reason):
    for path in (tmp_path / "plain-idx", tmp_path / "zipped-idx.gz"):
        path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
        with pytest.raises(BadFile, match=re.escape(reason)) as caught:
            datasets.read_idx(path)
        assert path.name in str(caught.value) and not isinstance(caught.value, OverBudget)


def test_a_corrupt_or_cut_gzip_is_a_bad_file(tmp_path):
    whole = write_idx(tmp_path / "whole.gz", np.ones((50, 28, 28), np.uint8), gz=True)
    data = whole.read_bytes()
    cut, corrupt = tmp_path / "cut.gz", tmp_path / "corrupt.gz"
    cut.write_bytes(data[: len(data) // 2])
    corrupt.write_bytes(data[:20] + bytes(len(data) - 28) + data[-8:])
    for path in (cut, corrupt):
        with pytest.raises(BadFile, match=f"{path.name} could not be read"):
            datasets.read_idx(path)
    not_gzip = tmp_path / "plain.gz"
    not_gzip.write_bytes(idx_header(2) + b"\x01\x02")
    with pytest.raises(BadFile, match="plain.gz could not be read"):
        datasets.read_idx(not_gzip)


def test_idx_folders_that_do_not_make_one_data_set_are_refused(tmp_path):
    def folder(name, stem, array):
        """A small IDX folder whose file ``stem`` holds ``array`` instead."""
        path = write_idx_folder(tmp_path / name, n_train=30, n_test=20)
        (path / f"{stem}.gz").unlink(missing_ok=True)
        write_idx(path / stem, array)
        return path

    cases = [
        (
            folder("sizes", "t10k-images-idx3-ubyte", np.zeros((20, 32, 32))),
            "training images are 28x28 but the test images are 32x32",
        ),
        (
            folder("counts", "train-labels-idx1-ubyte", np.arange(29) % 10),
            "30 train images but 29 train labels",
        ),
        (folder("flat", "train-images-idx3-ubyte", np.zeros((30, 784))), "30 x 784 values"),
        (
            folder("bad-label", "t10k-labels-idx1-ubyte", np.r_[np.arange(19) % 10, 255]),
            "run to 255 but 245",
        ),
    ]
    for path, reason in cases:
        with pytest.raises(BadFile, match=re.escape(reason)):
            datasets.load_idx_folder(path)
    with pytest.raises(BadFile, match=re.escape("a label is 255, outside the 10 classes")):
        datasets.load_idx_folder(tmp_path / "bad-label", class_names=datasets.DIGITS)
    with pytest.raises(datasets.DatasetUnavailable) as absent:
        datasets.load_idx_folder(tmp_path / "nowhere")
    assert isinstance(absent.value, RuntimeError) and not isinstance(absent.value, BadFile)


@pytest.mark.parametrize("side", [4, 3000])
def test_images_the_lab_cannot_save_a_model_for_are_refused_before_training(tmp_path, side):
    """A model's input is 8 to 2048 pixels a side: a set outside that trained fully and was then
    refused at the save."""
    folder = tmp_path / f"side{side}"
    folder.mkdir()
    for split in datasets.SPLIT_FILES.values():
        write_idx(folder / split[0], np.zeros((2, side, 8), np.uint8))
        write_idx(folder / split[1], np.zeros(2, np.uint8))
    with pytest.raises(BadFile, match="8 to 2048 pixels a side"):
        datasets.load_idx_folder(folder)


def test_the_four_files_share_one_budget(tmp_path, monkeypatch):
    """Four files, each under the budget, together over it: refused before the last is read
    (the reviewer's 388 KB of gzip took 3.5 GB as four separate budgets)."""
    folder = write_idx_folder(tmp_path / "idx", n_train=120, n_test=40)
    each = 120 * 28 * 28  # the training images' bytes
    monkeypatch.setattr(datasets, "MAX_IDX_BYTES", each + 8 * 120 + 100)
    with pytest.raises(OverBudget, match="the limit is"):
        datasets.load_idx_folder(folder)
