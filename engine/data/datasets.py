"""Datasets: IDX files (MNIST, Fashion-MNIST) from Debian's package, the Keras cache or a folder."""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DatasetUnavailable(RuntimeError):
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


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into an array; ValueError says what is wrong."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path.name} could not be read ({error})") from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise ValueError(f"{path.name} is not an IDX file (bad magic number)")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    dtype = np.dtype(IDX_TYPES[data[2]])
    body = data[4 + 4 * ndim :]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise ValueError(
            f"{path.name} is truncated or padded: {len(body)} bytes of data, "
            f"expected {expected} for shape {shape}"
        )
    return np.frombuffer(body, dtype).reshape(shape)


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_idx_folder(folder: str | Path, name: str = "", class_names=None) -> ImageSet:
    """A folder holding the four MNIST-style IDX files (plain or .gz)."""
    folder = Path(folder)
    arrays = {}
    for split, stems in SPLIT_FILES.items():
        for stem, key in zip(stems, ("x", "y")):
            path = _find(folder, stem)
            if path is None:
                raise DatasetUnavailable(
                    f"{folder} has no {stem}[.gz]: an IDX folder needs "
                    f"{', '.join(s for pair in SPLIT_FILES.values() for s in pair)}"
                )
            arrays[f"{key}_{split}"] = read_idx(path)
    for split in SPLIT_FILES:
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise ValueError(f"{folder}: {split} images and labels differ in number")
    classes = int(max(arrays["y_train"].max(), arrays["y_test"].max())) + 1
    return ImageSet(
        name or folder.name,
        arrays["x_train"],
        arrays["y_train"].astype(np.int64),
        arrays["x_test"],
        arrays["y_test"].astype(np.int64),
        list(class_names or [str(i) for i in range(classes)]),
    )


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
