"""The base a head is trained on: a zoo network with ImageNet, random or file weights, or a
workspace model cut at a layer; built once and kept, with a message for each way it can fail."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.models import model_fit, zoo
from engine.transfer import embeddings
from engine.workspace.store import ModelInfo, load_keras_model

log = logging.getLogger(__name__)
SIGNATURES = (b"\x89HDF\r\n\x1a\n", b"PK\x03\x04")  # HDF5 (.h5, .weights.h5), zip (.keras)
_BASES: dict = {}  # the one base kept in memory, by BaseChoice.key()
_BUILDING = threading.RLock()  # a warm-up and a Train never build the same base twice
FIT: dict = {}  # (model path, mtime) -> why it cannot be a base ("" when it can)


class BaseProblem(ValueError):
    """A base that cannot be built; the message says why and what to do."""


class _NoDownload(Exception):
    """Raised as a warm-up's download starts: only Train downloads, with its progress bar."""


def _no_download(done, total):
    raise _NoDownload()


def weights_file_problem(path) -> str | None:
    """Why ``path`` cannot hold Keras weights, read from its first bytes (None: it may)."""
    path = Path(path)
    if not path.exists():
        return f"{path} does not exist"
    if not path.is_file():
        return f"{path} is a folder, not a weights file"
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as error:
        return f"{path.name} cannot be read ({error.strerror})"
    if not head:
        return f"{path.name} is empty (0 bytes)"
    if not any(head.startswith(signature) for signature in SIGNATURES):
        return (
            f"{path.name} is not a Keras weights file: those are HDF5 files (.h5, "
            f".weights.h5) or .keras archives"
        )
    return None


def image_input_problem(model, info: ModelInfo) -> str | None:
    """Why ``model`` cannot be a base for photos (None: it can), from engine.model_fit."""
    try:
        model_fit.check_saved_base(model, info, "Collect & train")
    except model_fit.ModelMisfit as error:
        return str(error).rstrip(".")
    return None


def _first_line(error: Exception) -> str:
    """The first sentence of an error's message (Keras' can run to pages)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = text.split(". ")[0].rstrip(".:")
    return (text if len(text) < 200 else text[:197] + "…") + "."


@dataclass
class BaseChoice:
    """A zoo network with its weights ('imagenet', None or a file), or a workspace model cut at
    a layer."""

    zoo_name: str | None = None
    weights: str | None = "imagenet"
    model: ModelInfo | None = None
    layer: str | None = None

    def key(self) -> tuple:
        path = (
            self.model.path
            if self.model is not None
            else (Path(self.weights) if self.weights not in (None, "imagenet") else None)
        )
        stat = path.stat() if path is not None and path.exists() else None
        version = (stat.st_mtime_ns, stat.st_size) if stat else None
        return (self.zoo_name, self.weights, str(path), version, self.layer)

    def build(self, progress=None) -> embeddings.Base:
        """The base, built once per choice and kept: pressing Train again neither rebuilds the
        network nor recompiles its forward call. ``progress(done, total)`` follows a download.
        BaseProblem says why it cannot be built; zoo.WeightsMissing when offline."""
        key = self.key()
        with _BUILDING:
            if key not in _BASES:
                base = self._make(progress)
                _BASES.clear()  # one network in memory at a time
                _BASES[key] = base
            return _BASES[key]

    def prepare(self, wanted=lambda: True) -> embeddings.Base | None:
        """Build the base and compile its forward call ahead of Train (in a worker, when the
        person picks it), so that Train starts embedding at once. Nothing happens once
        ``wanted()`` is False; nothing is downloaded. BaseProblem says why the choice cannot be
        a base; None when it cannot be built now for another reason (offline, say): Train
        builds it again and says why."""
        with _BUILDING:
            if not wanted():
                return None
            try:
                base = self.build(progress=_no_download)
            except BaseProblem:
                raise
            except Exception as error:
                log.info("base %s not prepared ahead: %r", self.key(), error)
                return None
        if wanted():
            base.warm()
        return base

    def forget(self) -> None:
        """Drop the kept base (stage 2 has changed its weights)."""
        _BASES.pop(self.key(), None)

    def _make(self, progress) -> embeddings.Base:
        if self.model is not None:
            info = self.model
            model = load_keras_model(info.path)
            problem = image_input_problem(model, info)
            if problem:
                raise BaseProblem(f"{info.name} cannot be a base: {problem}.")
            return embeddings.model_base(
                model, info.name, info.input_size, info.preprocessing, self.layer
            )
        if self.weights in (None, "imagenet"):
            return embeddings.zoo_base(self.zoo_name, self.weights, progress=progress)
        return _from_file(self.zoo_name, Path(self.weights))


def _from_file(name: str, path: Path) -> embeddings.Base:
    """``name`` with the weights in ``path``: those of the network without its classifier, or
    failing that those of the whole network, copied layer by layer."""
    problem = weights_file_problem(path)
    if problem:
        raise BaseProblem(f"{problem}. Choose another weights file.")
    try:
        return embeddings.zoo_base(name, str(path))
    except (ValueError, OSError, KeyError) as error:
        first = error
    try:
        return _whole_network(name, path)
    except (ValueError, OSError, KeyError) as error:
        log.warning(
            "weights %s do not fit %s: %s; as a whole network: %s", path, name, first, error
        )
    raise BaseProblem(
        f"The weights in {path.name} do not fit {name}: {_first_line(first)}\nChoose the file "
        f"made for {name} (Keras' ImageNet files end in _notop.h5 or _no_top.h5; the whole "
        f"network's file works too), or another base."
    ) from first


def _whole_network(name: str, path: Path) -> embeddings.Base:
    """``name`` without its classifier, its layers' weights taken by name from a file of the
    whole network (Keras' ImageNet .h5 files with the classifier)."""
    entry = zoo.ZOO[name]
    whole = zoo.build(name, str(path), top=True)
    model = zoo.build(name, None, top=False)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(whole.get_layer(layer.name).get_weights())
    base = embeddings.model_base(
        model, name, entry.input_size, entry.module, layer=model.layers[-1].name
    )
    base.name = name
    return base


def missing_weights_text(error: zoo.WeightsMissing) -> str:
    """What a person reads when ImageNet weights are neither cached nor downloadable."""
    return (
        f"The ImageNet weights for {error.model} are not on this computer and could not be "
        f"downloaded (no internet?).\nTo use them offline, put the file\n    {error.filename}"
        f"\n(from {error.origin})\ninto the folder\n    {error.folder}\nand press Train "
        f"again, or set Weights to 'from a file…' and pick it where you keep it.\n"
        f"{OFFLINE_CHOICES}"
    )


# Measured on the ants and bees (main.py finetune --weights none, 25 epochs), against 46% for
# always answering the bigger class; ResNet50's from the issue that asked for this text.
OFFLINE_CHOICES = (
    "Without them: 'random (none)' weights need no download but have learnt nothing, so they "
    "tell images apart only a little (ants and bees: MobileNetV2 61%, ResNet50 69%, where "
    "always answering 'ants' gives 46%): enough to try the steps, not for results. A "
    "workspace model as the base (one trained before, on images like these) works offline."
)


def fit_key(info: ModelInfo) -> tuple:
    try:
        return (str(info.path), info.path.stat().st_mtime_ns)
    except OSError:
        return (str(info.path), None)


def read_layers(info: ModelInfo) -> tuple[list[str], str | None]:
    """(layers to cut at, why the model cannot be a base or None); runs in a worker."""
    try:
        model = load_keras_model(info.path)
    except ValueError as error:
        return [], f"it cannot be opened ({error})"
    problem = image_input_problem(model, info)
    return ([] if problem else embeddings.feature_layers(model)), problem
