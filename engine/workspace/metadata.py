"""A model's metadata (class names, input size, preprocessing): kept inside its .keras archive,
so that one rename commits a model and what it means together, and read within limits.

Models saved before the metadata moved inside have only the .json beside them; it is read the
same way. Every refusal is a BadFile (OverBudget for a size) that names the file.
"""

from __future__ import annotations

import json
import operator
import zipfile
from pathlib import Path

from engine.failures import BadFile, BadInput, OverBudget
from engine.workspace import bounded_json, model_files

ENTRY = "deeplearninglab.json"  # the zip entry inside a .keras archive
MAX_BYTES = 1_000_000  # a real one is a few kB, even with a thousand class names
MAX_DEPTH = 32  # nesting of lists and objects; real metadata nests 3 deep
SIDES = (8, 2048)  # pixels per side of the input; 60000 once took 4.7 GB and printed nothing
PREPROCESSING = frozenset(
    {"unit", "mnist", "none"}  # engine/models/zoo.py's own, then keras.applications' modules
    | {
        "convnext",
        "densenet",
        "efficientnet",
        "efficientnet_v2",
        "inception_resnet_v2",
        "inception_v3",
        "mobilenet",
        "mobilenet_v2",
        "mobilenet_v3",
        "nasnet",
        "resnet",
        "resnet50",
        "resnet_v2",
        "vgg16",
        "vgg19",
        "xception",
    }
)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the entry's zip timestamp: equal metadata, equal bytes


def problem(meta) -> str | None:
    """What is wrong with ``meta`` as model metadata, in words; None when nothing is."""
    if not isinstance(meta, dict):
        return "it is not a JSON object"
    names = meta.get("class_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return "class_names must be a non-empty list of names"
    size = meta.get("input_size")
    low, high = SIDES
    if (
        not isinstance(size, list)
        or len(size) != 2
        or not all(type(v) is int and low <= v <= high for v in size)
    ):
        return f"input_size must be two whole numbers of pixels from {low} to {high}"
    preprocessing = meta.get("preprocessing", "unit")
    if not isinstance(preprocessing, str) or preprocessing not in PREPROCESSING:
        return f"preprocessing {str(preprocessing)[:40]!r} is not one the app knows"
    if not isinstance(meta.get("base", ""), str):
        return "base must be a name"
    return None


def encode(
    class_names, input_size, preprocessing: str, base: str = "", extra: dict | None = None
) -> bytes:
    """The metadata of a model about to be saved, as the bytes written inside it and beside it;
    BadInput when a value could not be read back (an input size out of range, no classes)."""
    try:
        meta = {
            "class_names": [str(n) for n in class_names],
            "input_size": [operator.index(v) for v in input_size],
            "preprocessing": preprocessing,
            "base": base,
            **(extra or {}),
        }
    except TypeError as error:
        raise BadInput(f"The model's metadata cannot be saved: {error}") from error
    wrong = problem(meta)
    if wrong:
        raise BadInput(f"The model's metadata cannot be saved: {wrong}")
    data = json.dumps(meta, indent=2).encode("utf-8")
    if len(data) > MAX_BYTES:
        raise BadInput(f"The model's metadata is {len(data)} bytes, over {MAX_BYTES}")
    return data


def add_entry(keras_path: str | Path, data: bytes) -> None:
    """Append ``data`` to the .keras archive at ``keras_path`` as its metadata entry."""
    entry = zipfile.ZipInfo(ENTRY, date_time=_FIXED_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(keras_path, "a") as archive:
        archive.writestr(entry, data)


def read_entry(keras_path: str | Path) -> bytes | None:
    """The metadata entry of a .keras archive; None when it has none (saved before the entry
    existed, or not a zip at all: vetting says what it is when it is opened)."""
    keras_path = Path(keras_path)
    try:
        with model_files.opened(keras_path) as archive:  # a directory within the member budget
            try:
                entry = archive.getinfo(ENTRY)
            except KeyError:
                return None
            if entry.file_size > MAX_BYTES:
                raise _too_big(keras_path.name, entry.file_size)
            with archive.open(entry) as handle:
                data = handle.read(MAX_BYTES + 1)
    except OverBudget:
        raise
    except (BadFile, zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError):
        return None  # damaged, encrypted or unreadable: refused when it is vetted
    if len(data) > MAX_BYTES:  # the directory lied about the size
        raise _too_big(keras_path.name, len(data))
    return data


def read_copy(meta_path: str | Path) -> bytes:
    """The .json file beside a model saved before the metadata moved inside it."""
    meta_path = Path(meta_path)
    try:
        with open(meta_path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError as error:
        raise BadFile(f"{meta_path.name} is missing: it names the model's classes") from error
    except IsADirectoryError as error:
        raise BadFile(
            f"{meta_path.name} is a folder, not the model's metadata: move it away"
        ) from error
    except OSError as error:
        raise BadFile(
            f"{meta_path.name} cannot be read ({error.strerror or error}): check that you may "
            f"open it"
        ) from error
    if len(data) > MAX_BYTES:
        raise _too_big(meta_path.name, len(data))
    return data


def parse(data: bytes, where: str) -> dict:
    """Checked metadata from the bytes of ``where`` (a file name, for the messages)."""
    meta = bounded_json.load(data, where, "valid model metadata", MAX_DEPTH)
    wrong = problem(meta)
    if wrong:
        raise BadFile(f"{where} is not valid model metadata: {wrong}")
    return meta


def _too_big(name: str, size: int) -> OverBudget:
    return OverBudget(
        f"{name}: the model's metadata is {size} bytes, over the limit of {MAX_BYTES} bytes"
    )
