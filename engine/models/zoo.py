"""Registry of pretrained ImageNet networks: builder, input size and preprocessing for each.

ImageNet weights come through Keras' own download and cache (``$KERAS_HOME/models``, by default
``~/.keras/models``). Offline, ``WeightsMissing`` names the file and where to put it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.models import model_fit
from engine.models.classifier import Classifier
from engine.models.labels import imagenet_labels
from engine.workspace.store import ModelInfo, load_keras_model


@dataclass(frozen=True)
class ZooEntry:
    """One keras.applications network: constructor name, preprocessing module, input size."""

    name: str
    builder: str
    module: str
    size: int

    @property
    def input_size(self) -> tuple[int, int]:
        return (self.size, self.size)


ZOO = {
    e.name: e
    for e in [
        ZooEntry("MobileNetV2", "MobileNetV2", "mobilenet_v2", 224),
        ZooEntry("MobileNetV3Small", "MobileNetV3Small", "mobilenet_v3", 224),
        ZooEntry("MobileNetV3Large", "MobileNetV3Large", "mobilenet_v3", 224),
        ZooEntry("EfficientNetB0", "EfficientNetB0", "efficientnet", 224),
        ZooEntry("ResNet50", "ResNet50", "resnet50", 224),
        ZooEntry("VGG16", "VGG16", "vgg16", 224),
        ZooEntry("InceptionV3", "InceptionV3", "inception_v3", 299),
        ZooEntry("Xception", "Xception", "xception", 299),
        ZooEntry("DenseNet121", "DenseNet121", "densenet", 224),
        ZooEntry("InceptionResNetV2", "InceptionResNetV2", "inception_resnet_v2", 299),
        ZooEntry("NASNetMobile", "NASNetMobile", "nasnet", 224),
        ZooEntry("NASNetLarge", "NASNetLarge", "nasnet", 331),
    ]
}
DEFAULT_MODEL = "MobileNetV2"


class WeightsMissing(RuntimeError):
    """ImageNet weights are not cached and could not be downloaded."""

    def __init__(self, model: str, filename: str, folder: Path, origin: str):
        self.model, self.filename, self.folder, self.origin = model, filename, folder, origin
        super().__init__(
            f"The ImageNet weights for {model} are not on this computer and could not be "
            f"downloaded (are you offline?).\nPut the file\n    {filename}\ninto\n    {folder}\n"
            f"(it comes from {origin}),\nor start with --weights FILE, "
            f"or open a model of your own."
        )


def preprocessing(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """A preprocessing function by name: a keras.applications module, 'unit' (x/255), 'mnist'
    (grayscale, inverted to white-on-black as MNIST digits are, x/255) or 'none'."""
    if name == "mnist":
        return lambda x: (255.0 - x.mean(axis=-1, keepdims=True)) / np.float32(255.0)
    if name == "unit":
        return lambda x: x / np.float32(255.0)
    if name == "none":
        return lambda x: x
    import keras

    module = getattr(keras.applications, name, None)
    if module is None or not hasattr(module, "preprocess_input"):
        raise ValueError(f"unknown preprocessing {name!r}")
    return module.preprocess_input


def keras_cache() -> Path:
    """The folder where Keras keeps downloaded weights ($KERAS_HOME/models)."""
    try:
        from keras.src.backend.config import keras_home

        return Path(keras_home()) / "models"
    except ImportError:  # Keras' documented default
        return Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "models"


@contextlib.contextmanager
def _download_progress(report: Callable[[int, int], None] | None):
    """Forward Keras' download progress (bytes done, bytes total) to ``report``.

    Keras' ``get_file`` only prints a console progress bar; it fetches through the module-level
    ``urlretrieve`` of keras.src.utils.file_utils, which is wrapped here for a progress bar.
    If Keras moves it, downloads still work, only without that progress.
    """
    try:
        from keras.src.utils import file_utils

        original = file_utils.urlretrieve
    except (ImportError, AttributeError):
        original = None
    if report is None or original is None:
        yield
        return

    def retrieve(url, filename, reporthook=None):
        def hook(blocks, block_size, total):
            if reporthook:
                reporthook(blocks, block_size, total)
            report(min(blocks * block_size, total) if total > 0 else blocks * block_size, total)

        return original(url, filename, hook)

    file_utils.urlretrieve = retrieve
    try:
        yield
    finally:
        file_utils.urlretrieve = original


def build(
    name: str,
    weights: str | None = "imagenet",
    *,
    input_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    top: bool = True,
):
    """Build a zoo network with ImageNet weights, no weights (None) or weights from a file.

    ``top=False`` drops the ImageNet classifier and averages the last feature map: the network
    then maps an image to its embedding, the base that fine-tuning trains a head on.
    """
    import keras

    entry = ZOO[name]
    size = input_size or entry.size
    kwargs = {"weights": weights}
    if weights is None or size != entry.size or not top:
        kwargs["input_shape"] = (size, size, 3)
    if not top:
        kwargs.update(include_top=False, pooling="avg")
    if weights not in (None, "imagenet"):
        weights_path = Path(weights)
        if not weights_path.is_file():
            raise FileNotFoundError(f"weights file {weights_path} does not exist")
    builder = getattr(keras.applications, entry.builder)
    try:
        with _download_progress(progress):
            return builder(**kwargs)
    except Exception as error:
        match = re.search(r"URL fetch failure on (\S+):\s", str(error))
        if weights == "imagenet" and match:
            origin = match.group(1)
            raise WeightsMissing(name, origin.rsplit("/", 1)[-1], keras_cache(), origin) from error
        raise


def zoo_classifier(
    name: str, weights: str | None = "imagenet", *, progress=None, **options
) -> Classifier:
    """A live classifier for a zoo network with the 1000 ImageNet class names."""
    entry = ZOO[name]
    model = build(name, weights, progress=progress)
    return Classifier(
        model,
        entry.input_size,
        preprocessing(entry.module),
        imagenet_labels(),
        name=name,
        **options,
    )


def workspace_classifier(
    info: ModelInfo, task: str = "Classifying pictures", **options
) -> Classifier:
    """A live classifier for a model saved in the workspace, with its own class names;
    model_fit.ModelMisfit (a ValueError) says why it does not fit, with ``task`` as the
    sentence's subject."""
    model = load_keras_model(info.path)
    model_fit.check_saved(model, info, task)
    return Classifier(
        model,
        info.input_size,
        preprocessing(info.preprocessing),
        info.class_names,
        name=info.name,
        **options,
    )


def load_classifier(
    spec: str, weights: str | None = "imagenet", *, progress=None, **options
) -> Classifier:
    """A classifier from a zoo name or a path to a .keras file with its .json beside it."""
    if spec in ZOO:
        return zoo_classifier(spec, weights, progress=progress, **options)
    lowered = {k.lower(): k for k in ZOO}
    if spec.lower() in lowered:
        return zoo_classifier(lowered[spec.lower()], weights, progress=progress, **options)
    path = Path(spec)
    if path.suffix == ".keras":
        return workspace_classifier(ModelInfo.read(path), **options)
    raise ValueError(f"unknown model {spec!r}: choose one of {', '.join(ZOO)} or a .keras file")
