"""Datasets: IDX files (MNIST, Fashion-MNIST) from Debian's package, the Keras cache or a folder."""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.failures import BadFile, LabError, OverBudget
from engine.workspace.metadata import SIDES

FASHION_DIRS = (Path("/usr/share/datasets/fashion-mnist"),)
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
DIGITS = [str(i) for i in range(10)]
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_IDX_BYTES = 512_000_000  # the data of one IDX file; MNIST's largest holds 47 MB
MAX_IDX_DIMENSIONS = 4
CHUNK = 1 << 20  # bytes read (or inflated) at a time
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DatasetUnavailable(LabError, RuntimeError):
    """The data set is not here and could not be fetched; the message says what to do."""


@dataclass
class ImageSet:
    """Train and test images (N, H, W) uint8 with integer labels and class names."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]

    def subset(self, train: int | None = None, test: int | None = None) -> ImageSet:
        """The first ``train`` / ``test`` examples (all when None)."""
        return ImageSet(
            self.name,
            self.x_train[:train],
            self.y_train[:train],
            self.x_test[:test],
            self.y_test[:test],
            self.class_names,
        )


def read_idx(path: str | Path, limit: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into an array.

    The header is checked before anything is allocated: a damaged or foreign file raises
    BadFile, one whose data would pass ``limit`` bytes (or the file's own size) OverBudget. A
    gzipped file is inflated only as far as its header claims, never past ``limit``.
    """
    path = Path(path)
    try:
        with _open_idx(path) as handle:
            dtype, shape = _idx_header(path, handle)
            size = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if size > limit:
                raise OverBudget(
                    f"{path} claims {_shape_text(shape)} items, {_megabytes(size)} of data; the "
                    f"limit is {_megabytes(limit)}: it is not an MNIST-style set this app can load"
                )
            if path.suffix != ".gz":
                present = os.fstat(handle.fileno()).st_size - handle.tell()
                if present != size:
                    raise BadFile(
                        f"{path} is truncated or padded: {present} bytes of data, expected "
                        f"{size} for shape {_shape_text(shape)}"
                    )
            body = _read_exactly(handle, size)
            if len(body) != size or handle.read(1):
                raise BadFile(
                    f"{path} is truncated or padded: "
                    f"{'fewer' if len(body) != size else 'more'} than the {size} bytes of data "
                    f"its header claims for shape {_shape_text(shape)}"
                )
    except LabError:
        raise
    except (OSError, EOFError, zlib.error) as error:  # unreadable, or a damaged gzip stream
        reason = getattr(error, "strerror", None) or error
        raise BadFile(f"{path} could not be read ({reason})") from error
    return np.frombuffer(body, dtype).reshape(shape)


def _open_idx(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _idx_header(path: Path, handle) -> tuple[np.dtype, tuple[int, ...]]:
    """The element type and shape an IDX header declares, or BadFile saying what is wrong."""
    magic = handle.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_TYPES:
        raise BadFile(f"{path} is not an IDX file (bad magic number)")
    ndim = magic[3]
    if not 1 <= ndim <= MAX_IDX_DIMENSIONS:
        raise BadFile(
            f"{path} declares {ndim} dimensions; an IDX data set has 1 to {MAX_IDX_DIMENSIONS}"
        )
    sizes = handle.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise BadFile(f"{path} is truncated: its header ends before its {ndim} dimensions")
    shape = struct.unpack(f">{ndim}I", sizes)
    if 0 in shape:
        raise BadFile(f"{path} declares a dimension of 0 ({_shape_text(shape)}): it holds no data")
    return np.dtype(IDX_TYPES[magic[2]]), shape


def _read_exactly(handle, size: int) -> bytearray:
    """``size`` bytes, or fewer at the file's end, read in chunks: memory grows with the data
    actually there, not with what a header claims."""
    body = bytearray()
    while len(body) < size:
        chunk = handle.read(min(size - len(body), CHUNK))
        if not chunk:
            break
        body += chunk
    return body


def _shape_text(shape) -> str:
    return " x ".join(str(n) for n in shape)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size:,} bytes"


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_idx_folder(folder: str | Path, name: str = "", class_names=None) -> ImageSet:
    """A folder holding the four MNIST-style IDX files (plain or .gz).

    DatasetUnavailable when a file is absent; BadFile when the files do not make one data set:
    images that are not (count, height, width) bytes or under 8 or over 2048 pixels a side,
    train and test of different sizes, images and labels of different counts, labels outside
    the classes; OverBudget when the four together would pass MAX_IDX_BYTES.
    """
    folder = Path(folder)
    arrays, paths = {}, {}
    left = MAX_IDX_BYTES  # for the four files together, labels widened to int64 included
    for split, stems in SPLIT_FILES.items():
        for stem, key in zip(stems, ("x", "y")):
            path = _find(folder, stem)
            if path is None:
                raise DatasetUnavailable(
                    f"{folder} has no {stem}[.gz]: an IDX folder needs "
                    f"{', '.join(s for pair in SPLIT_FILES.values() for s in pair)}"
                )
            array = read_idx(path, limit=left)
            left -= array.nbytes if key == "x" else 8 * array.size
            arrays[f"{key}_{split}"], paths[f"{key}_{split}"] = array, path
    for key, array in arrays.items():
        _check_kind(paths[key], array, images=key.startswith("x"))
    low, high = SIDES
    if not all(low <= side <= high for side in arrays["x_train"].shape[1:]):
        raise BadFile(
            f"{paths['x_train']} holds images of {_size_text(arrays['x_train'])}: the lab "
            f"trains on images of {low} to {high} pixels a side"
        )
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise BadFile(
            f"{folder}: the training images are {_size_text(arrays['x_train'])} but the test "
            f"images are {_size_text(arrays['x_test'])}: both must have one size"
        )
    for split in SPLIT_FILES:
        images, labels = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if images != labels:
            raise BadFile(
                f"{folder}: {images} {split} images but {labels} {split} labels: each image "
                f"needs one label"
            )
    classes = _class_count(folder, arrays["y_train"], arrays["y_test"], class_names)
    return ImageSet(
        name or folder.name,
        arrays["x_train"],
        arrays["y_train"].astype(np.int64),
        arrays["x_test"],
        arrays["y_test"].astype(np.int64),
        list(class_names or [str(i) for i in range(classes)]),
    )


def _check_kind(path: Path, array: np.ndarray, images: bool) -> None:
    if images and (array.ndim != 3 or array.dtype != np.uint8):
        raise BadFile(
            f"{path} holds {_shape_text(array.shape)} values of type {array.dtype}: images "
            f"must be count x height x width unsigned bytes"
        )
    if not images and (array.ndim != 1 or array.dtype.kind not in "iu"):
        raise BadFile(
            f"{path} holds {_shape_text(array.shape)} values of type {array.dtype}: labels "
            f"must be one integer per image"
        )


def _class_count(folder: Path, y_train: np.ndarray, y_test: np.ndarray, class_names) -> int:
    """The number of classes the labels number 0, 1, 2...; BadFile for a label outside them."""
    labels = np.concatenate([y_train.astype(np.int64), y_test.astype(np.int64)])
    low, high = int(labels.min()), int(labels.max())
    count = len(class_names) if class_names else high + 1
    if low < 0 or high >= count:
        raise BadFile(
            f"{folder}: a label is {low if low < 0 else high}, outside the {count} classes "
            f"(0 to {count - 1}): the label files are damaged or belong to another data set"
        )
    present = np.unique(labels)  # sorted; never larger than the labels, whatever they claim
    if not class_names and len(present) < count:
        first = int(np.flatnonzero(present != np.arange(len(present)))[0])
        raise BadFile(
            f"{folder}: the labels run to {high} but {count - len(present)} of the numbers "
            f"below never occur (the first is {first}): labels must number the classes "
            f"0, 1, 2... without gaps"
        )
    return count


def _size_text(images: np.ndarray) -> str:
    return f"{images.shape[2]}x{images.shape[1]}"


def _keras_datasets_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "datasets"


def load_fashion_mnist(folders=None) -> ImageSet:
    """Fashion-MNIST from Debian's dataset-fashion-mnist, else the Keras cache, else download."""
    for folder in folders or (*FASHION_DIRS, _keras_datasets_dir() / "fashion-mnist"):
        if Path(folder).is_dir() and _find(Path(folder), SPLIT_FILES["train"][0]):
            return load_idx_folder(folder, "Fashion-MNIST", FASHION_CLASSES)
    return _keras_download(
        "fashion_mnist",
        "Fashion-MNIST",
        FASHION_CLASSES,
        "or install Debian's dataset-fashion-mnist",
    )


def load_mnist() -> ImageSet:
    """MNIST through keras.datasets (downloaded once, then cached)."""
    return _keras_download("mnist", "MNIST", DIGITS, "or choose a folder of IDX files")


def _keras_download(module: str, name: str, classes, alternative: str) -> ImageSet:
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, module).load_data()
    except Exception as error:
        raise DatasetUnavailable(
            f"{name} is not on this computer and could not be downloaded (are you offline?). "
            f"Connect once so Keras can cache it in {_keras_datasets_dir()}, {alternative}."
        ) from error
    return ImageSet(
        name, x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), list(classes)
    )
