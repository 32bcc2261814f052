"""Transfer learning: a head trained on cached embeddings, then optional fine-tuning end to end.

Stage 1 computes each image's embedding once (engine/transfer/embeddings.py) and trains
dropout + a dense softmax on them: seconds, where the course's script pushed every raw image
through the frozen base on every epoch. Stage 2 (``unfreeze`` > 0) unfreezes the base's top
layers and trains the whole network at a small learning rate (the course's SGD 1e-4, momentum
0.9). The model is saved to the workspace only when a run finishes, so a stopped or failed run
leaves the previous one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import keras
import numpy as np

from engine.data.projects import Dataset
from engine.data.split import Split
from engine.failures import LabError
from engine.models import evaluation
from engine.models.callbacks import ProgressCallback, QuickValidation
from engine.models.zoo import preprocessing
from engine.transfer.embeddings import Base, EmbeddingCache, embed, load_input

SAME_FEATURES = 1e-4  # the largest spread of a feature, over their RMS, that counts as none


@dataclass
class Options:
    """What a person can set before training."""

    epochs: int = 25
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    dropout: float = 0.2
    augment: tuple = ()  # kinds from embeddings.AUGMENTATIONS
    variants: int = 0  # augmented copies per image, each a cached embedding
    unfreeze: int = 0  # stage 2: the base's top K layers with weights
    fine_epochs: int = 5
    fine_learning_rate: float = 1e-4
    seed: int = 0


@dataclass
class Outcome:
    """A finished (or stopped) run: curves, validation results and where the model went."""

    class_names: list[str]
    history: dict = field(default_factory=dict)
    fine_history: dict = field(default_factory=dict)
    validation: list = field(default_factory=list)  # the validation Items, in order
    predicted: np.ndarray | None = None
    confusion: np.ndarray | None = None
    stopped: bool = False
    seconds: float = 0.0
    embed_seconds: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0
    notes: list = field(default_factory=list)  # what a person may read (a cache dropped)
    model: object = None
    info: object = None  # store.ModelInfo once saved

    @property
    def accuracy(self) -> float:
        if self.predicted is None or not self.validation:
            return float("nan")
        truth = np.array([item.label for item in self.validation])
        return float(np.mean(truth == self.predicted))

    def per_class_accuracy(self) -> list[float]:
        if self.confusion is None:  # no validation images
            return [float("nan")] * len(self.class_names)
        return evaluation.per_class_accuracy(self.confusion)


def fingerprint(items) -> str:
    """Names the training data: file names, sizes and labels (cheap, changes when data does)."""
    digest = hashlib.sha1()
    for item in sorted(items, key=lambda i: str(i.path)):
        digest.update(f"{item.path.name}|{item.path.stat().st_size}|{item.label}\n".encode())
    return digest.hexdigest()[:16]


def _optimizer(name: str, learning_rate: float):
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=0.9)
    return {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "adamax": keras.optimizers.Adamax,
        "nadam": keras.optimizers.Nadam,
    }[name](learning_rate)


def build_head(dimensions: int, classes: int, dropout: float, vectors=None) -> keras.Model:
    """Dropout and a dense softmax; given the training embeddings, they are first brought to a
    root mean square of 1 and then standardised: a base's embeddings can be tiny or huge (a
    random-weights MobileNetV2 gives about 1e-12, below the epsilon under which Normalization
    stops dividing), and one learning rate must suit every base."""
    layers = [keras.Input((dimensions,))]
    if vectors is not None:
        vectors = np.asarray(vectors, dtype="float64")
        rms = float(np.sqrt(np.mean(vectors**2)))
        scale = 1.0 / rms if rms > 0 else 1.0
        scaled = vectors * scale
        layers += [
            keras.layers.Rescaling(scale, name="scale"),
            keras.layers.Normalization(
                mean=scaled.mean(axis=0), variance=scaled.var(axis=0), name="standardise"
            ),
        ]
    layers += [
        keras.layers.Dropout(dropout),
        keras.layers.Dense(classes, activation="softmax", name="classes"),
    ]
    return keras.Sequential(layers, name="head")


def check_features(vectors: np.ndarray, base_name: str) -> None:
    """LabError when every image gives the same features (relative to their size): no head can
    learn from them, and training would only learn the most common class."""
    vectors = np.asarray(vectors, dtype="float64")
    rms = float(np.sqrt(np.mean(vectors**2)))
    spread = float(vectors.std(axis=0).max()) / rms if rms > 0 else 0.0
    if len(vectors) > 1 and spread < SAME_FEATURES:
        raise LabError(
            f"The base {base_name} gives the same features for every image (is it a network "
            f"with random weights?): nothing can be learnt from them. Choose a base with "
            f"ImageNet weights, or a model of your own from the workspace"
        )


def fit_in_memory(
    model,
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    epochs: int,
    callbacks: list,
    seed: int = 0,
) -> dict:
    """``model.fit`` for a small set held in memory, shuffled each epoch; returns the history.

    Keras' fit builds a data pipeline every epoch, which on a few hundred embeddings costs more
    than the training (3 s of 25 epochs here); this loop runs the model's own compiled train
    step batch by batch and gives the callbacks the same events and epoch logs (the loss and
    metrics averaged over the epoch's examples).
    """
    history = keras.callbacks.History()
    steps = -(-len(x) // batch_size)
    events = keras.callbacks.CallbackList(
        [*callbacks, history], model=model, epochs=epochs, steps=steps, verbose=0
    )
    rng = np.random.default_rng(seed)
    model.stop_training = False
    events.on_train_begin()
    for epoch in range(epochs):
        events.on_epoch_begin(epoch)
        order, totals, seen = rng.permutation(len(x)), {}, 0
        for step in range(steps):
            chosen = order[step * batch_size : (step + 1) * batch_size]
            events.on_train_batch_begin(step)
            logs = model.train_on_batch(x[chosen], y[chosen], return_dict=True)
            for key, value in logs.items():
                totals[key] = totals.get(key, 0.0) + float(value) * len(chosen)
            seen += len(chosen)
            events.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        events.on_epoch_end(epoch, {key: total / seen for key, total in totals.items()})
        if model.stop_training:
            break
    events.on_train_end()
    return history.history


def unfreeze_top(model, count: int) -> list[str]:
    """Make only the top ``count`` layers with weights trainable (batch norm stays frozen, in
    inference mode, as is usual when fine-tuning on few images); returns their names."""
    layers = [layer for layer in _flat_layers(model) if layer.weights]
    model.trainable = True
    chosen = []
    for layer in reversed(layers):
        batchnorm = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = len(chosen) < count and not batchnorm
        if layer.trainable:
            chosen.append(layer.name)
    return chosen[::-1]


def _flat_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        else:
            yield layer


def train(
    dataset: Dataset,
    split: Split,
    base: Base,
    options: Options | None = None,
    *,
    cache_folder=None,
    report: Callable | None = None,
    cancel: threading.Event | None = None,
) -> Outcome:
    """Run stage 1 (and stage 2 when ``options.unfreeze``) and return the trained model.

    ``report(stage, done, total, logs)`` with stage "embedding", "head" or "fine-tuning"; with
    ``cancel`` set the run stops within a batch and the outcome says ``stopped``.
    ValueError says why a run cannot start.
    """
    problems = dataset.problems()
    if problems:
        raise ValueError(" ".join(problems))
    if not split.train:
        raise ValueError("No training images after the split.")
    options = options or Options()
    cancel = cancel or threading.Event()
    report = report or (lambda *args: None)
    classes = len(dataset.class_names)
    outcome = Outcome(list(dataset.class_names), validation=list(split.validation))
    start = time.perf_counter()

    cache = EmbeddingCache(cache_folder, base.key) if cache_folder else None
    items = split.train + split.validation
    vectors = embed(
        [i.path for i in items],
        base,
        variants=options.variants,
        kinds=options.augment,
        cache=cache,
        report=lambda d, t: report("embedding", d, t, {}),
        cancel=cancel,
    )
    if cache is not None:
        cache.save()  # keep what was computed, even when stopped
        outcome.cache_hits, outcome.cache_misses = cache.hits, cache.misses
        outcome.notes += cache.notes
    outcome.embed_seconds = time.perf_counter() - start
    if vectors is None:
        outcome.stopped, outcome.seconds = True, time.perf_counter() - start
        return outcome
    train_vectors = vectors[: len(split.train)].reshape(-1, vectors.shape[-1])
    train_labels = np.repeat([i.label for i in split.train], vectors.shape[1])
    val_vectors = vectors[len(split.train) :, 0]
    val_labels = np.array([i.label for i in split.validation])

    check_features(train_vectors, base.name)
    keras.utils.set_random_seed(options.seed)
    head = build_head(base.dimensions, classes, options.dropout, train_vectors)
    head.compile(
        _optimizer(options.optimizer, options.learning_rate),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    progress = ProgressCallback(
        lambda kind, epoch, batch, batches, logs: (
            kind == "epoch" and report("head", epoch + 1, options.epochs, logs)
        ),
        cancel,
    )
    validation = QuickValidation(val_vectors, val_labels)
    history = fit_in_memory(
        head,
        train_vectors,
        train_labels,
        options.batch_size,
        options.epochs,
        [validation, progress],
        options.seed,
    )
    outcome.history = {k: [float(v) for v in vs] for k, vs in history.items()}

    channels = base.model.input_shape[-1] or 3  # 1 for a grayscale base (an MNIST model)
    inputs = keras.Input((*base.input_size, channels))
    model = keras.Model(inputs, head(base.model(inputs)), name="finetuned")
    if options.unfreeze and not cancel.is_set():
        outcome.fine_history = _fine_tune(model, base, split, options, report, cancel)
    outcome.stopped = cancel.is_set()
    outcome.model = model
    if len(val_labels):
        probabilities = (
            head.predict_on_batch(val_vectors)
            if not outcome.fine_history
            else model.predict(_images(split.validation, base), verbose=0)
        )
        outcome.predicted = np.asarray(probabilities).argmax(axis=1)
        outcome.confusion = evaluation.confusion_matrix(val_labels, outcome.predicted, classes)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _images(items, base: Base) -> np.ndarray:
    batch = np.stack([load_input(item.path, base.input_size) for item in items]).astype(np.float32)
    return np.asarray(preprocessing(base.preprocessing)(batch), np.float32)


def _fine_tune(model, base: Base, split: Split, options: Options, report, cancel) -> dict:
    unfreeze_top(base.model, options.unfreeze)
    model.compile(
        keras.optimizers.SGD(options.fine_learning_rate, momentum=0.9),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    x_train = _images(split.train, base)
    y_train = np.array([i.label for i in split.train])
    validation = None
    if split.validation:
        validation = (
            _images(split.validation, base),
            np.array([i.label for i in split.validation]),
        )
    progress = ProgressCallback(
        lambda kind, epoch, batch, batches, logs: report(
            "fine-tuning",
            epoch * (batches or 1) + batch,
            options.fine_epochs * (batches or 1),
            logs,
        ),
        cancel,
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=options.batch_size,
        epochs=options.fine_epochs,
        validation_data=validation,
        shuffle=True,
        verbose=0,
        callbacks=[progress],
    )
    base.model.trainable = False
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}


def save(
    outcome: Outcome,
    dataset: Dataset,
    split: Split,
    base: Base,
    options: Options,
    workspace,
    name: str,
    *,
    replace: bool = True,
):
    """Save a finished run's model with its metadata; returns the ModelInfo. With ``replace``
    False a model of that name is not replaced (engine.failures.BadInput)."""
    per_class = (
        dict(zip(outcome.class_names, outcome.per_class_accuracy()))
        if outcome.confusion is not None
        else {}
    )
    outcome.info = workspace.save_model(
        outcome.model,
        outcome.class_names,
        base.input_size,
        base.preprocessing,
        name,
        base=base.name,
        replace=replace,
        kind="finetune",
        metrics={
            "val_accuracy": outcome.accuracy,
            "per_class_accuracy": per_class,
            "train_images": len(split.train),
            "val_images": len(split.validation),
        },
        dataset={
            "fingerprint": fingerprint(dataset.items),
            "classes": outcome.class_names,
            "skipped": len(dataset.skipped),
        },
        options=asdict(options),
    )
    return outcome.info
