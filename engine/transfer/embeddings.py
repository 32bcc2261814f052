"""Bases for transfer learning and the embeddings they give, computed once and cached on disk.

A base maps an RGB image to a vector: a zoo network without its ImageNet classifier, or any
model cut at a chosen layer (a fine-tuned model's base included). Each image's embedding is
cached under a key made of the file's content, the base's weights and the augmentation, so a
second run, or a run after adding a few images, only computes what is new.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import threading
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from engine import backend
from engine.data import photos
from engine.failures import BadFile, LabError, OverBudget
from engine.models import model_fit, zoo
from engine.models.classifier import fit_to_input
from engine.workspace.store import ModelInfo, atomic_write_bytes, load_keras_model

log = logging.getLogger(__name__)

AUGMENTATIONS = ("flip", "rotation", "zoom", "brightness")
BATCH = 32  # images per forward call when embedding


@dataclass
class Base:
    """A network that turns an image into a vector, with its input size and preprocessing."""

    name: str
    model: object
    input_size: tuple[int, int]
    preprocessing: str
    key: str  # names the weights too: a different base never reuses another's cache

    _forward: object = field(default=None, repr=False, compare=False)
    _compiling: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def dimensions(self) -> int:
        return int(self.model.output_shape[-1])

    def forward(self, batch: np.ndarray) -> np.ndarray:
        """The embeddings of a preprocessed batch; compiled once per base, not once per run."""
        with self._compiling:  # a warm-up and a Train may ask at once: make it only once
            if self._forward is None:
                self._forward = backend.compiled_forward(self.model)
        return np.asarray(self._forward(np.asarray(batch, np.float32)), np.float32)

    def warm(self, batch_size: int = BATCH) -> None:
        """Compile the forward call now on a batch of zeros, so that the first batch of images
        does not wait for it (the app does this when a person picks the base)."""
        channels = int(self.model.input_shape[-1])
        with self._compiling:  # the compiling call: a Train that asks meanwhile waits for it
            self.forward(np.zeros((batch_size, *self.input_size, channels), np.float32))


def _fingerprint(model) -> str:
    """Names a network by its layers' kinds and its weights, not by layer names
    (Keras numbers those per session)."""
    digest = hashlib.sha1()
    for layer in _walk(model):
        digest.update(type(layer).__name__.encode())
    for weight in model.weights:
        digest.update(np.ascontiguousarray(weight.numpy()).tobytes())
    return digest.hexdigest()[:16]


def _walk(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _walk(layer)


def zoo_base(name: str, weights: str | None = "imagenet", *, progress=None) -> Base:
    """A zoo network without its classifier, average-pooled."""
    entry = zoo.ZOO[name]
    model = zoo.build(name, weights, top=False, progress=progress)
    return Base(name, model, entry.input_size, entry.module, f"{name}-{_fingerprint(model)}")


def feature_layers(model) -> list[str]:
    """Layers a model can be cut at (all but its input and output), deepest first."""
    return [layer.name for layer in reversed(model.layers[1:-1])] or [model.layers[-1].name]


def model_base(model, name: str, input_size, preprocessing: str, layer: str | None = None) -> Base:
    """``model`` cut at ``layer`` (default: the input of its last layer); a feature map is
    average-pooled into a vector."""
    import keras

    layer = layer or feature_layers(model)[0]
    output = model.get_layer(layer).output
    if len(output.shape) == 4:
        output = keras.layers.GlobalAveragePooling2D(name="embedding_pool")(output)
    elif len(output.shape) != 2:
        output = keras.layers.Flatten(name="embedding_flatten")(output)
    # TensorFlow takes a model's name as a scope name: no spaces or other punctuation
    scope = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}_to_{layer}")
    cut = keras.Model(model.inputs, output, name=scope)
    return Base(
        f"{name} at {layer}", cut, tuple(input_size), preprocessing, f"{name}-{_fingerprint(cut)}"
    )


def named_base(
    spec: str, weights: str | None = "imagenet", layer: str | None = None, *, progress=None
) -> Base:
    """A zoo network by name (with ``weights``), or a saved .keras model with its .json beside
    it, cut at ``layer``. ValueError (model_fit.ModelMisfit among them) says why ``spec``
    cannot be a base; ``progress(done, total)`` follows a download of ImageNet weights."""
    if spec in zoo.ZOO:
        return zoo_base(spec, weights, progress=progress)
    path = Path(spec)
    if path.suffix != ".keras":
        raise ValueError(
            f"unknown base {spec!r}: choose one of {', '.join(zoo.ZOO)} or a .keras file"
        )
    info = ModelInfo.read(path)
    model = load_keras_model(path)
    model_fit.check_saved_base(model, info)
    return model_base(model, info.name, info.input_size, info.preprocessing, layer)


def augment(image: np.ndarray, kinds, seed: int) -> np.ndarray:
    """A random variant of a uint8 image using the ``kinds`` of AUGMENTATIONS, fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    if "flip" in kinds and rng.random() < 0.5:
        image = image[:, ::-1]
    if "rotation" in kinds or "zoom" in kinds:
        angle = rng.uniform(-15, 15) if "rotation" in kinds else 0.0
        scale = rng.uniform(1.0, 1.25) if "zoom" in kinds else 1.0
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        image = cv2.warpAffine(
            np.ascontiguousarray(image), matrix, (w, h), borderMode=cv2.BORDER_REFLECT
        )
    if "brightness" in kinds:
        image = np.clip(image.astype(np.float32) * rng.uniform(0.7, 1.3), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


def load_input(path: Path, input_size) -> np.ndarray:
    """An image file as the base's uint8 input: decoded, upright, centre-cropped and resized
    exactly as the live classifier does with camera frames."""
    return fit_to_input(photos.decode(path, max_side=2 * max(input_size)), input_size)


class EmbeddingCache:
    """Embeddings of one base, keyed by file content and variant, in one .npz per base.

    A cache is disposable: one that is damaged, truncated, of another base or version, or
    poisoned (a checksum that does not match, a wrong shape or dtype, a value that is not
    finite) is dropped, with a log warning and a line in ``notes``, and its embeddings are
    computed again. ``save`` replaces the file atomically.
    """

    def __init__(self, folder: Path, base_key: str):
        self.path = Path(folder) / f"{base_key}.npz"
        self.base_key = base_key
        self.vectors: dict[str, np.ndarray] = {}
        self.notes: list[str] = []  # what a person may read: a cache dropped, and why
        self.hits = self.misses = 0
        if self.path.is_file():
            try:
                self.vectors = read_cache(self.path, base_key)
            except LabError as error:
                self.drop(str(error))

    def drop(self, reason: str) -> None:
        """Forget every embedding, remove the file and say why."""
        self.vectors = {}
        note = f"The embedding cache was dropped and is computed again: {reason}"
        log.warning(note)
        self.notes.append(note)
        with contextlib.suppress(OSError):  # saving will replace it, or say why it cannot
            self.path.unlink(missing_ok=True)

    def save(self) -> None:
        keys = np.array(list(self.vectors), dtype=str)
        if self.vectors:
            vectors = np.stack(list(self.vectors.values())).astype(np.float32, copy=False)
        else:
            vectors = np.zeros((0, 0), np.float32)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            format=np.array(CACHE_FORMAT),
            base=np.array(self.base_key),
            keys=keys,
            vectors=vectors,
            checksum=np.array(_checksum(self.base_key, keys, vectors)),
        )
        atomic_write_bytes(self.path, buffer.getvalue())


CACHE_FORMAT = "DeepLearningLab embedding cache 2"
_CACHE_MEMBERS = {"format.npy", "base.npy", "keys.npy", "vectors.npy", "checksum.npy"}
_MAX_KEY_CHARACTERS = 256  # a key is a content hash, an augmentation and a variant number
_CACHE_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    TypeError,
    KeyError,
    OverflowError,
    SyntaxError,
)


def read_cache(path: Path, base_key: str) -> dict[str, np.ndarray]:
    """The embeddings a cache file holds for ``base_key``, each a finite float32 vector of
    one width; BadFile says why the file cannot be trusted. Nothing larger than the file is
    allocated, whatever its headers claim, and nothing in it is unpickled."""
    path = Path(path)
    try:
        arrays = _cache_arrays(path)
    except LabError:
        raise
    except _CACHE_DAMAGE as error:
        raise BadFile(f"{path.name} is damaged or cut short ({error})") from error
    if str(arrays["format"]) != CACHE_FORMAT:
        raise BadFile(f"{path.name} was written by another version of the app")
    if str(arrays["base"]) != base_key:
        raise BadFile(f"{path.name} holds the embeddings of another base")
    keys, vectors = arrays["keys"], arrays["vectors"]
    if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
        raise BadFile(f"{path.name} has {keys.shape} keys for vectors of shape {vectors.shape}")
    if str(arrays["checksum"]) != _checksum(base_key, keys, vectors):
        raise BadFile(f"{path.name} does not match its checksum: it was changed or damaged")
    if not np.isfinite(vectors).all():
        raise BadFile(f"{path.name} holds values that are not finite numbers")
    return dict(zip(keys.tolist(), vectors))


def _cache_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a cache file, each checked against what its member really holds."""
    size = path.stat().st_size
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if {info.filename for info in infos} != _CACHE_MEMBERS or len(infos) != len(_CACHE_MEMBERS):
            raise BadFile(f"{path.name} is not an embedding cache of this version of the app")
        stored = all(info.compress_type == zipfile.ZIP_STORED for info in infos)
        if not stored or sum(info.file_size for info in infos) > size:
            raise OverBudget(f"{path.name} claims more than its {size} bytes")
        for info in infos:
            with archive.open(info) as member:
                arrays[info.filename[: -len(".npy")]] = _npy(path, info, member)
    if arrays["vectors"].dtype != np.float32 or arrays["keys"].dtype.kind != "U":
        raise BadFile(f"{path.name} holds arrays of the wrong kind")
    for name in ("format", "base", "checksum"):
        if arrays[name].dtype.kind != "U" or arrays[name].ndim != 0:
            raise BadFile(f"{path.name} holds arrays of the wrong kind")
    return arrays


def _npy(path: Path, info: zipfile.ZipInfo, member) -> np.ndarray:
    """One .npy member, once its header's shape and dtype fit the bytes that follow."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise BadFile(f"{path.name} holds an array of format {version}")
    if fortran or dtype.hasobject or dtype.kind not in "fU" or dtype.itemsize == 0:
        raise BadFile(f"{path.name} holds an array of the wrong kind ({dtype})")
    if dtype.kind == "U" and dtype.itemsize > 4 * _MAX_KEY_CHARACTERS:
        raise BadFile(f"{path.name} holds keys longer than {_MAX_KEY_CHARACTERS} characters")
    if any(side < 0 for side in shape):
        raise BadFile(f"{path.name} holds an array of shape {shape}")
    count = 1
    for side in shape:
        count *= side
    if count * dtype.itemsize > info.file_size:
        raise OverBudget(f"{path.name} claims an array larger than the file")
    data = member.read(count * dtype.itemsize + 1)
    if len(data) != count * dtype.itemsize:
        raise BadFile(f"{path.name} is cut short")
    return np.frombuffer(data, dtype).reshape(shape)


def _checksum(base_key: str, keys: np.ndarray, vectors: np.ndarray) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}\n{base_key}\n{vectors.shape}\n".encode())
    digest.update(np.ascontiguousarray(keys).tobytes())
    digest.update(np.ascontiguousarray(vectors, np.float32).tobytes())
    return digest.hexdigest()


def content_key(path: Path) -> str:
    """The SHA-1 of a file's bytes, read in chunks: a photo with a huge tail is not held whole."""
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def embed(
    paths,
    base: Base,
    *,
    variants: int = 0,
    kinds=(),
    cache: EmbeddingCache | None = None,
    batch_size: int = BATCH,
    report: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> np.ndarray | None:
    """Embeddings (N, 1 + variants, D): each image, then ``variants`` augmented copies of it.

    ``report(done, total)`` after each batch; returns None when ``cancel`` is set (what was
    computed stays in the cache). Decoding errors raise photos.ImageProblem.
    """
    paths = [Path(p) for p in paths]
    if cache is not None and cache.vectors:
        width = len(next(iter(cache.vectors.values())))
        if width != base.dimensions:
            cache.drop(
                f"{cache.path.name} holds vectors of {width} numbers where {base.name} "
                f"gives {base.dimensions}"
            )
    preprocess = zoo.preprocessing(base.preprocessing)
    aug = ",".join(sorted(kinds))
    keys, todo = [], []
    for path in paths:
        content = content_key(path)
        row = [content] + [f"{content}-{aug}-{v}" for v in range(1, variants + 1)]
        keys.append(row)
        for v, key in enumerate(row):
            if cache is None or key not in cache.vectors:
                todo.append((path, v, key, int(content[:8], 16) + v))
    results = {} if cache is None else cache.vectors
    if cache is not None:
        cache.hits += sum(len(row) for row in keys) - len(todo)
        cache.misses += len(todo)
    total, done = len(todo), 0
    report = report or (lambda d, t: None)
    report(0, total)
    chunks = [todo[start : start + batch_size] for start in range(0, total, batch_size)]
    batches = _prepared(chunks, base, preprocess, kinds, batch_size)
    for batch, chunk in zip(batches, chunks):  # batches first: it runs to its end, pool closed
        if cancel is not None and cancel.is_set():
            batches.close()
            return None
        vectors = base.forward(batch)
        for (_, _, key, _), vector in zip(chunk, vectors.reshape(len(batch), -1)):
            results[key] = vector
        done += len(chunk)
        report(done, total)
    return np.stack([np.stack([results[key] for key in row]) for row in keys])


def _prepared(chunks, base: Base, preprocess, kinds, batch_size: int):
    """Each chunk's preprocessed batch, the next one decoded on a thread while the base runs on
    the current one (the forward pass releases the GIL)."""
    decoded: dict[Path, np.ndarray] = {}

    def prepare(chunk):
        nonlocal decoded
        images = []
        for path, v, _, seed in chunk:
            if path not in decoded:
                decoded = {path: load_input(path, base.input_size)}  # variants follow their image
            image = decoded[path]
            images.append(image if v == 0 else augment(image, kinds, seed))
        if backend.compiles_per_shape():  # one batch shape: one compilation
            images += [images[-1]] * (batch_size - len(images))
        return np.asarray(preprocess(np.stack(images).astype(np.float32)), np.float32)

    with ThreadPoolExecutor(1, thread_name_prefix="decode") as pool:
        pending = pool.submit(prepare, chunks[0]) if chunks else None
        for n in range(len(chunks)):
            batch = pending.result()
            pending = pool.submit(prepare, chunks[n + 1]) if n + 1 < len(chunks) else None
            try:
                yield batch
            except GeneratorExit:
                if pending is not None:
                    pending.cancel()
                raise
