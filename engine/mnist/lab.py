"""The course's MNIST networks, optimizers and losses, and training runs to compare them.

Networks are described as a list of layer specs (dicts) so that the six course presets and a
network a person builds by hand go through the same builder. Optimizers reproduce the
course's Keras 2 settings where Keras 3 changed the defaults (Adadelta lr 1.0, Adagrad lr 0.01,
SGD's decay as lr / (1 + decay * iterations)).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np

from engine import backend
from engine.data.datasets import FASHION_CLASSES, ImageSet
from engine.mnist.networks import build_network, dense, parse_layers
from engine.models.callbacks import CosineSchedule, ProgressCallback

log = logging.getLogger(__name__)

LOSSES = {"cross-entropy": "categorical_crossentropy", "square error": "mean_squared_error"}
OPTIMIZERS = (
    "sgd",
    "momentum",
    "nesterov",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adam",
    "adamax",
    "nadam",
)
# The course's (Keras 2) defaults; Keras 3 lowered Adadelta's and Adagrad's learning rates.
COURSE_DEFAULTS = {
    "sgd": {"learning_rate": 0.01},
    "momentum": {"learning_rate": 0.01, "momentum": 0.9},
    "nesterov": {"learning_rate": 0.01, "momentum": 0.9},
    "rmsprop": {"learning_rate": 0.001},
    "adagrad": {"learning_rate": 0.01},
    "adadelta": {"learning_rate": 1.0, "rho": 0.95},
    "adam": {"learning_rate": 0.001},
    "adamax": {"learning_rate": 0.002},
    "nadam": {"learning_rate": 0.002},
}
# The challenge's short-budget network: two stride-2 convolutions instead of convolution +
# pooling: about the pooled CNN's accuracy per epoch at half its arithmetic.
STRIDED_CNN = tuple(
    parse_layers(
        "augment auto, conv 32x3 relu same stride 2, batchnorm, conv 64x3 relu same stride 2, "
        "batchnorm, dropout 0.25, dense 128 relu, dropout 0.3"
    )
)


@dataclass(frozen=True)
class Preset:
    """One row of the course's table: architecture, optimizer and epochs, with its note."""

    key: str
    title: str
    layers: tuple
    optimizer: dict
    epochs: int
    parameters: int
    course_error: float
    note: str
    batch_size: int = 128
    schedule: str = "constant"
    precision: str = "float32"  # or "mixed_bfloat16": a Keras dtype policy (see build_network)
    budget: int = 0  # minutes of the challenge the recipe is made for; 0: not a challenge entry


CHALLENGES = (("challenge-1", 1, 20), ("challenge-5", 5, 100), ("challenge", 15, 200))


def _challenge(key: str, minutes: int, epochs: int) -> Preset:
    """The challenge entry for a budget of ``minutes``: the same recipe for all three budgets
    measured best (BENCHMARKS.md); the cosine schedule fits it to the budget."""
    return Preset(
        key,
        f"Challenge {minutes} min (strided convolutions, bfloat16)",
        STRIDED_CNN,
        {"name": "adam", "learning_rate": 0.003},
        epochs,
        422_026,
        float("nan"),
        f"Not from the course: this app's entry to the {minutes}-minute round of its "
        "1/5/15-minute Fashion-MNIST challenge. Two strided convolutions (half the arithmetic of "
        "convolution + pooling), batch norm, mirror images for clothes, bfloat16 arithmetic, "
        "Adam at 0.003 annealed to zero along a cosine that ends with the budget, batch 128.",
        batch_size=128,
        schedule="cosine",
        precision="mixed_bfloat16",
        budget=minutes,
    )


PRESETS = {
    p.key: p
    for p in [
        Preset(
            "mlp-sgd",
            "Dense 300 tanh",
            (dense(300, "tanh"),),
            {"name": "sgd", "learning_rate": 0.01},
            10,
            238_510,
            0.0620,
            "SGD, learning rate 0.01, as in the course.",
        ),
        Preset(
            "mlp-momentum",
            "Dense 300 tanh",
            (dense(300, "tanh"),),
            {"name": "momentum", "learning_rate": 0.01, "momentum": 0.9, "decay": 1e-6},
            10,
            238_510,
            0.0220,
            "SGD lr 0.01, momentum 0.9, Keras 2's decay 1e-6 reproduced as "
            "lr / (1 + 1e-6 * iterations).",
        ),
        Preset(
            "mlp-adadelta",
            "Dense 300 tanh",
            (dense(300, "tanh"),),
            {"name": "adadelta"},
            10,
            238_510,
            0.0193,
            "Adadelta with the course's Keras 2 settings: learning rate 1.0, "
            "rho 0.95 (Keras 3's default 0.001 barely learns).",
        ),
        Preset(
            "mlp2-adadelta",
            "Dense 500 relu, 300 tanh",
            (dense(500, "relu"), dense(300, "tanh")),
            {"name": "adadelta"},
            20,
            545_810,
            0.0154,
            "Adadelta, learning rate 1.0, rho 0.95.",
        ),
        Preset(
            "lenet5",
            "LeNet-5 (6c5-pool-16c5-pool-120-84, ReLU)",
            (
                {"type": "conv", "filters": 6, "kernel": 5, "activation": "relu"},
                {"type": "pool"},
                {"type": "conv", "filters": 16, "kernel": 5, "activation": "relu"},
                {"type": "pool"},
                dense(120, "relu"),
                dense(84, "relu"),
            ),
            {"name": "adadelta"},
            10,
            44_426,
            0.0091,
            "Adadelta, learning rate 1.0, rho 0.95.",
        ),
        Preset(
            "cnn",
            "Conv 32c5, 64c3, pool, dropout .25, dense 128, dropout .5",
            (
                {"type": "conv", "filters": 32, "kernel": 5, "activation": "relu"},
                {"type": "conv", "filters": 64, "kernel": 3, "activation": "relu"},
                {"type": "pool"},
                {"type": "dropout", "rate": 0.25},
                dense(128, "relu"),
                {"type": "dropout", "rate": 0.5},
            ),
            {"name": "adadelta"},
            10,
            1_011_978,
            0.0068,
            "Adadelta, learning rate 1.0, rho 0.95.",
        ),
        *(_challenge(key, minutes, epochs) for key, minutes, epochs in CHALLENGES),
    ]
}


def challenge_preset(minutes: float) -> str:
    """The key of the challenge preset made for a time budget of ``minutes``: the one for the
    largest budget that fits in it (the shortest one's below that)."""
    entries = sorted((p.budget, p.key) for p in PRESETS.values() if p.budget)
    fitting = [key for budget, key in entries if budget <= minutes]
    return fitting[-1] if fitting else entries[0][1]


def make_optimizer(spec: dict):
    """A Keras optimizer from a spec, filling in the course's settings for what it leaves out."""
    spec = dict(spec)
    name = spec.pop("name")
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")
    settings = {**COURSE_DEFAULTS[name], **spec}
    decay = settings.pop("decay", 0.0)
    if decay:  # Keras 2's time-based decay: lr / (1 + decay * iterations)
        settings["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(
            settings["learning_rate"], decay_steps=1, decay_rate=decay
        )
    if name in ("sgd", "momentum", "nesterov"):
        return keras.optimizers.SGD(nesterov=name == "nesterov", **settings)
    return {
        "rmsprop": keras.optimizers.RMSprop,
        "adagrad": keras.optimizers.Adagrad,
        "adadelta": keras.optimizers.Adadelta,
        "adam": keras.optimizers.Adam,
        "adamax": keras.optimizers.Adamax,
        "nadam": keras.optimizers.Nadam,
    }[name](**settings)


@dataclass
class RunResult:
    """One training run: per-epoch curves, final test error and the trained model."""

    title: str
    parameters: int
    optimizer: str
    epochs_done: int
    seconds: float
    test_error: float
    history: dict = field(default_factory=dict)
    stopped: bool = False  # ended early: by Stop (cancel) or by the time budget
    model: object = None
    predicted: np.ndarray | None = None  # the model's class for each test image
    steps: dict = field(default_factory=dict)  # StepCurve.points: training within epochs
    out_of_time: bool = False  # the time budget ended it (the challenge's normal end)
    epochs_planned: int = 0
    training_images: int = 0

    @property
    def cut_short(self) -> bool:
        """Whether a person stopped it before its epochs were done (not its time budget)."""
        return self.stopped and not self.out_of_time


class StepCurve(keras.callbacks.Callback):
    """Training loss and accuracy within epochs, as points at fractional epochs, at most
    ``per_epoch`` an epoch: a one-epoch run draws a line, not a dot.

    Keras' batch logs are the epoch's running means, so an epoch's last point equals its
    epoch-level value. ``add`` takes a progress report's numbers, for a caller that only sees
    reports (the window's curves while a run trains).
    """

    def __init__(self, per_epoch: int = 20):
        super().__init__()
        self.per_epoch, self.epoch = per_epoch, 0
        self.points: dict[str, list[float]] = {"epoch": [], "loss": [], "accuracy": []}

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.add(self.epoch, batch + 1, self.params.get("steps"), logs or {})

    def add(self, epoch: int, batch: int, batches: int | None, logs: dict) -> bool:
        """Record the point after ``batch`` of ``batches`` (1-based) in ``epoch`` (0-based) when
        it completes a 1/``per_epoch`` of the epoch (an epoch's last batch always does); True
        if it was recorded."""
        if not batches or "loss" not in logs:
            return False
        if batch * self.per_epoch // batches == (batch - 1) * self.per_epoch // batches:
            return False  # still inside the same 1/per_epoch of the epoch
        self.points["epoch"].append(epoch + batch / batches)
        for key in ("loss", "accuracy"):
            self.points[key].append(float(logs.get(key, float("nan"))))
        return True


def mirrors_suit(data: ImageSet) -> bool:
    """Whether a mirror image still shows its class, which is what ``augment auto`` asks: a
    mirrored shirt is a shirt, a mirrored 2 is not a 2. True for clothes (Fashion-MNIST, by
    name or by its class names), False for digits and any other data."""
    return "fashion" in data.name.lower() or list(data.class_names) == FASHION_CLASSES


def prepare(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) scaled to [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def train(
    layers,
    optimizer: dict,
    data: ImageSet,
    *,
    epochs: int,
    batch_size: int = 128,
    loss: str = "cross-entropy",
    seed: int = 0,
    title: str = "custom",
    report: Callable | None = None,
    cancel: threading.Event | None = None,
    time_limit: float | None = None,
    schedule: str = "constant",
    precision: str = "float32",
) -> RunResult:
    """Train a network on ``data``, evaluating on its test split after every epoch.

    ``report(kind, epoch, batch, batches, logs)`` is called after each batch and epoch; setting
    ``cancel``, or running past ``time_limit`` seconds, stops training after the current batch
    (the result says ``stopped``, and ``out_of_time`` for the budget). The result's ``steps``
    hold the training curve within epochs (StepCurve). ``schedule="cosine"`` anneals the
    learning rate to zero over the epochs or the time limit, whichever ends first.
    ``augment auto`` in the layers mirrors images where ``mirrors_suit(data)``; ``precision``
    is the Keras dtype policy of every layer but the output (``"mixed_bfloat16"``, used only
    where ``backend.fast_bfloat16()``: emulated bfloat16 is slower than float32).
    """
    cancel = cancel or threading.Event()
    if precision == "mixed_bfloat16" and not backend.fast_bfloat16():
        log.info("bfloat16 is not native here: training in float32")
        precision = "float32"
    classes = len(data.class_names)
    model = build_network(
        layers,
        (*data.x_train.shape[1:], 1),
        classes,
        seed,
        mirror=mirrors_suit(data),
        dtype=None if precision == "float32" else precision,
    )
    model.compile(optimizer=make_optimizer(optimizer), loss=LOSSES[loss], metrics=["accuracy"])
    x_train, x_test = prepare(data.x_train), prepare(data.x_test)
    y_train = keras.utils.to_categorical(data.y_train, classes)
    y_test = keras.utils.to_categorical(data.y_test, classes)
    start = time.perf_counter()
    curve = StepCurve()
    callbacks = [ProgressCallback(report or (lambda *a: None), cancel, time_limit), curve]
    if schedule == "cosine":
        steps = epochs * -(-len(x_train) // batch_size)
        callbacks.append(CosineSchedule(steps, time_limit))
    elif schedule != "constant":
        raise ValueError(f"unknown schedule {schedule!r}: use constant or cosine")
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        shuffle=True,
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - start
    if precision != "float32":  # trained in bfloat16, kept in float32 (its weights already are)
        model = _in_float32(model, layers, classes, mirrors_suit(data))
    predicted = predict_classes(model, data.x_test)
    curves = {k: [float(v) for v in values] for k, values in history.history.items()}
    return RunResult(
        title,
        model.count_params(),
        optimizer["name"],
        len(curves.get("loss", [])),
        seconds,
        float(np.mean(predicted != data.y_test)),
        curves,
        cancel.is_set() or callbacks[0].out_of_time,
        model,
        predicted,
        curve.points,
        callbacks[0].out_of_time and not cancel.is_set(),  # a person's Stop counts first
        epochs,
        len(x_train),
    )


def _in_float32(model, layers, classes: int, mirror: bool):
    """The same network computing in float32, with ``model``'s weights: what the lab's other
    tabs load, attack and explain (input gradients in bfloat16 would be coarse)."""
    plain = build_network(layers, model.input_shape[1:], classes, None, mirror=mirror)
    plain.set_weights(model.get_weights())
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    optimizer.build(plain.trainable_variables)  # its state too, so that the saved file loads
    for mine, trained in zip(optimizer.variables, model.optimizer.variables, strict=True):
        mine.assign(trained)
    plain.compile(optimizer=optimizer, loss=model.loss, metrics=["accuracy"])
    return plain


def train_preset(key: str, data: ImageSet, *, epochs: int | None = None, **options) -> RunResult:
    preset = PRESETS[key]
    options = {
        "batch_size": preset.batch_size,
        "schedule": preset.schedule,
        "precision": preset.precision,
        **options,
    }
    return train(
        preset.layers,
        preset.optimizer,
        data,
        epochs=epochs or preset.epochs,
        title=preset.title,
        **options,
    )


def predict_classes(model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The predicted class of each uint8 (N, 28, 28) image."""
    probabilities = model.predict(prepare(images), batch_size=batch_size, verbose=0)
    return np.asarray(probabilities).argmax(axis=1)
