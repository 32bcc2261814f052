"""An MNIST lab run as the workspace keeps it: one JSON file under ``runs/mnist/`` with the run's
settings, curves, test error, its test predictions and the model it was saved as, so that the
lab shows its runs again after a restart. Written whole (atomic_write_bytes) and read within a
budget: a damaged record is a BadFile (OverBudget for a size or depth) that names the file.

No Keras here: the lab reads its records before any network is built.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine.failures import BadFile, OverBudget
from engine.workspace import bounded_json
from engine.workspace.store import Workspace, atomic_write_bytes

log = logging.getLogger(__name__)

KIND, VERSION = "mnist-run", 1
MAX_BYTES = 8_000_000  # 10,000 test images make about 60 kB
MAX_DEPTH = 4  # the record nests 3 deep (history -> curve -> value)
MAX_TEST = 1_000_000  # predictions kept, one a test image
MAX_POINTS = 100_000  # values of one curve
MAX_CLASSES = 1000
MAX_TEXT = 1000  # characters of a title, a name or a class name
NUMBERS = ("parameters", "epochs_done", "epochs_planned", "training_images")
FLAGS = ("stopped", "out_of_time")
TEXTS = ("title", "optimizer", "dataset", "fingerprint", "model")


@dataclass
class RunRecord:
    """One run: what it was (title, settings), how it went (curves, test error, predictions on
    the test split of ``dataset``, whose test images hash to ``fingerprint``) and the workspace
    model it was saved as (``model``, a name; empty when it was not saved)."""

    title: str
    parameters: int
    optimizer: str
    epochs_done: int
    epochs_planned: int
    seconds: float
    test_error: float
    stopped: bool
    out_of_time: bool
    training_images: int
    dataset: str
    fingerprint: str
    class_names: list[str]
    truth: np.ndarray  # the true class of each test image
    predicted: np.ndarray  # the run's class for each
    model: str = ""
    history: dict = field(default_factory=dict)  # Keras' per-epoch curves
    steps: dict = field(default_factory=dict)  # StepCurve.points: training within epochs
    created: float = field(default_factory=time.time)


def fingerprint(x_test: np.ndarray, y_test: np.ndarray) -> str:
    """What identifies a data set's test split: the SHA-256 of its images and labels."""
    digest = hashlib.sha256()
    for array in (x_test, y_test):
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def folder(workspace: Workspace) -> Path:
    return workspace.root / "runs" / "mnist"


def save(workspace: Workspace, record: RunRecord) -> Path:
    """Write ``record`` under a name of its time (and model), whole or not at all; OSError."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(record.created))
    stem = f"{stamp}-{record.model or 'not-saved'}"
    path, n = folder(workspace) / f"{stem}.json", 2
    while path.exists():
        path, n = folder(workspace) / f"{stem}-{n}.json", n + 1
    return atomic_write_bytes(path, encode(record))


def encode(record: RunRecord) -> bytes:
    """The record as JSON; a value that is not finite (a diverging loss) is written as null."""
    data = asdict(record)
    data.update(kind=KIND, version=VERSION)
    data["truth"] = [int(v) for v in record.truth]
    data["predicted"] = [int(v) for v in record.predicted]
    data["seconds"], data["test_error"] = _finite(record.seconds), _finite(record.test_error)
    for curves in ("history", "steps"):
        data[curves] = {k: [_finite(v) for v in values] for k, values in data[curves].items()}
    return json.dumps(data, allow_nan=False).encode("utf-8")


def read(path: str | Path) -> RunRecord:
    """The record at ``path``, every value checked; BadFile or OverBudget names the file."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise BadFile(f"{path.name} cannot be read ({error.strerror or error})") from error
    if len(data) > MAX_BYTES:
        raise OverBudget(f"{path.name} is over the limit of {MAX_BYTES} bytes for a run record")
    return parse(data, path.name)


def parse(data: bytes, where: str) -> RunRecord:
    """A checked record from the bytes of ``where`` (a file name, for the messages)."""
    raw = bounded_json.load(data, where, "a run record", MAX_DEPTH)
    wrong = problem(raw)
    if wrong:
        raise BadFile(f"{where} is not a usable run record: {wrong}")
    return RunRecord(
        **{k: raw[k] for k in (*NUMBERS, *FLAGS, *TEXTS, "class_names", "created")},
        seconds=float(raw["seconds"]),
        test_error=_number(raw["test_error"]),
        truth=np.asarray(raw["truth"], np.int64),
        predicted=np.asarray(raw["predicted"], np.int64),
        history={k: [_number(v) for v in values] for k, values in raw["history"].items()},
        steps={k: [_number(v) for v in values] for k, values in raw["steps"].items()},
    )


def problem(raw) -> str | None:
    """What is wrong with parsed JSON as a run record, in words; None when nothing is."""
    if not isinstance(raw, dict) or raw.get("kind") != KIND:
        return f"it is not a JSON object of kind {KIND!r}"
    if raw.get("version") != VERSION:
        return f"its version is not {VERSION}"
    for key in NUMBERS:
        if type(raw.get(key)) is not int or not 0 <= raw[key] <= 10**9:
            return f"{key} must be a whole number from 0 to 10**9"
    for key in FLAGS:
        if type(raw.get(key)) is not bool:
            return f"{key} must be true or false"
    for key in TEXTS:
        if not _text(raw.get(key)):
            return f"{key} must be a text of at most {MAX_TEXT} characters"
    for key in ("seconds", "created"):
        if not _real(raw.get(key)) or raw[key] < 0:
            return f"{key} must be a number of seconds"
    if raw.get("test_error") is not None and not (_real(raw["test_error"])):
        return "test_error must be a number"
    names = raw.get("class_names")
    if not isinstance(names, list) or not 0 < len(names) <= MAX_CLASSES:
        return f"class_names must list 1 to {MAX_CLASSES} classes"
    if not all(_text(n) for n in names):
        return "class_names must be texts"
    truth, predicted = raw.get("truth"), raw.get("predicted")
    for key, values in (("truth", truth), ("predicted", predicted)):
        if not isinstance(values, list) or len(values) > MAX_TEST:
            return f"{key} must list at most {MAX_TEST} classes"
        if not all(type(v) is int and 0 <= v < len(names) for v in values):
            return f"{key} must hold class numbers from 0 to {len(names) - 1}"
    if len(truth) != len(predicted):
        return "truth and predicted must be as long as each other"
    for key in ("history", "steps"):
        curves = raw.get(key)
        if not isinstance(curves, dict) or not all(
            _text(name) and isinstance(values, list) and len(values) <= MAX_POINTS
            for name, values in curves.items()
        ):
            return f"{key} must map names to lists of at most {MAX_POINTS} numbers"
        if not all(v is None or _real(v) for values in curves.values() for v in values):
            return f"{key} must hold numbers"
    return None


def load_all(workspace: Workspace) -> list[RunRecord]:
    """Every readable record of the workspace, oldest first; a damaged one is skipped and the
    log says which and why."""
    found = []
    if folder(workspace).is_dir():
        for path in sorted(folder(workspace).glob("*.json")):
            if path.name.startswith("."):  # a scratch file (engine/workspace/scratch.py)
                continue
            try:
                found.append(read(path))
            except BadFile as error:
                log.warning("skipped a run record: %s", error)
    return sorted(found, key=lambda record: record.created)


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def _real(value) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _text(value) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT
