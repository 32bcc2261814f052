"""Keras callbacks for long training runs: progress with Stop and a time budget, and a learning
rate schedule that ends with the budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import keras
import numpy as np


class Diverged(ValueError):
    """The loss became NaN or infinite: training cannot recover from that."""


class ProgressCallback(keras.callbacks.Callback):
    """Reports ``report(kind, epoch, batch, batches, logs)`` after each batch and epoch, and asks
    Keras to stop after the current batch once ``cancel`` is set or ``time_limit`` seconds (a
    training budget, as in the course's 1/5/15-minute challenge) have passed. A NaN or infinite
    loss raises Diverged, which ends the run with a message instead of curves of NaN."""

    def __init__(self, report: Callable, cancel: threading.Event, time_limit: float | None = None):
        super().__init__()
        self.report, self.cancel, self.epoch = report, cancel, 0
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit
        self.out_of_time = False

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(float(loss)):
            raise Diverged(
                f"training diverged: the loss became {float(loss)} in epoch "
                f"{self.epoch + 1}, batch {batch + 1}. Lower the learning rate (or use "
                f"cross-entropy with a softmax output) and train again."
            )
        self.report("batch", self.epoch, batch + 1, self.params.get("steps"), logs or {})
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.out_of_time = True
        if self.cancel.is_set() or self.out_of_time:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps")
        self.report("epoch", epoch, steps, steps, logs or {})
        if self.cancel.is_set():  # set during the report: no further epoch
            self.model.stop_training = True


class CosineSchedule(keras.callbacks.Callback):
    """Anneals the learning rate from its start value to zero along half a cosine, over the run's
    steps or its time budget, whichever runs out first, so that a run cut by its budget still
    ends at a small learning rate (what a 1-minute run needs to finish well)."""

    def __init__(self, total_steps: int, time_limit: float | None = None):
        super().__init__()
        self.total_steps, self.time_limit = max(1, total_steps), time_limit
        self.step, self.start, self.base = 0, None, None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.base = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def fraction(self) -> float:
        done = self.step / self.total_steps
        if self.time_limit:
            done = max(done, (time.perf_counter() - self.start) / self.time_limit)
        return min(done, 1.0)

    def on_train_batch_begin(self, batch, logs=None):
        rate = self.base * 0.5 * (1 + np.cos(np.pi * self.fraction()))
        self.model.optimizer.learning_rate.assign(rate)
        self.step += 1


class QuickValidation(keras.callbacks.Callback):
    """Adds val_loss and val_accuracy to each epoch's logs from one forward pass over ``x``.

    For small validation sets held in memory (a head on cached embeddings): Keras' own
    validation_data runs an evaluate() per epoch, which costs more than the epoch itself there.
    Put it before callbacks that read the logs.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray):
        super().__init__()
        self.x, self.y = x, np.asarray(y)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not len(self.y):
            return
        probabilities = np.asarray(self.model.predict_on_batch(self.x), np.float64)
        picked = np.clip(probabilities[np.arange(len(self.y)), self.y], 1e-7, 1.0)
        logs["val_loss"] = float(-np.log(picked).mean())
        logs["val_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == self.y))
