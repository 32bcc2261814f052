"""One MNIST lab run: mnist_lab.train in a worker thread, its callbacks as signals, and the
finished model saved to the workspace under its preset's name (or "custom")."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker

from engine import datasets, mnist_lab
from engine.store import ModelInfo, Workspace


class TrainingJob(QObject):
    """Runs mnist_lab.train in a worker thread; turns its callbacks into signals."""

    progress = Signal(str, int, int, int, object)  # object: no dict conversion across threads
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel = threading.Event()

    def start(self, layers, optimizer: dict, data: datasets.ImageSet, **options) -> None:
        """Train in a worker: options are mnist_lab.train's (epochs, batch_size, loss, seed, title)."""
        self.cancel.clear()
        create_worker(mnist_lab.train, layers, optimizer, data, **options,
                      report=lambda *args: self.progress.emit(*args), cancel=self.cancel,
                      _connect={"returned": self.finished.emit,
                                "errored": lambda error: self.failed.emit(str(error))})


def save_run(workspace: Workspace, result: mnist_lab.RunResult, data: datasets.ImageSet,
             preset: str) -> ModelInfo:
    """Save the run's model as ``<preset or custom>-<data>-<time>``; raises OSError.

    The run counts as the preset ``preset`` (the one chosen now) when it carries its title."""
    base = preset if result.title == mnist_lab.PRESETS[preset].title else "custom"
    name = f"{base}-{data.name.lower()}-{time.strftime('%Y%m%d-%H%M%S')}"
    return workspace.save_model(
        result.model, data.class_names, data.x_train.shape[1:3], "mnist",
        workspace.free_model_name(name), base=base,
        layers=mnist_lab.describe_layers(mnist_lab.parse_layers(result.title))
        if base == "custom" else mnist_lab.describe_layers(mnist_lab.PRESETS[preset].layers),
        dataset=data.name, test_error=result.test_error)
