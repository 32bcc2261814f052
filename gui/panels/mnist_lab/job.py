"""One MNIST lab run: lab.train in a worker thread, its callbacks as signals, and the
finished model saved to the workspace under its preset's name (or "custom")."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker

from engine.data import datasets
from engine.mnist import lab, networks
from engine.workspace.store import ModelInfo, Workspace


class TrainingJob(QObject):
    """Runs lab.train in a worker thread; turns its callbacks into signals."""

    progress = Signal(str, int, int, int, object)  # object: no dict conversion across threads
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel = threading.Event()

    def start(self, layers, optimizer: dict, data: datasets.ImageSet, **options) -> None:
        """Train in a worker: options are lab.train's (epochs, batch_size, loss, seed, title)."""
        self.cancel.clear()
        create_worker(
            lab.train,
            layers,
            optimizer,
            data,
            **options,
            report=lambda *args: self.progress.emit(*args),
            cancel=self.cancel,
            _connect={
                "returned": self.finished.emit,
                "errored": lambda error: self.failed.emit(str(error)),
            },
        )


def save_run(
    workspace: Workspace, result: lab.RunResult, data: datasets.ImageSet, preset: str
) -> ModelInfo:
    """Save the run's model as ``<preset or custom>-<data>-<time>``; raises OSError.

    The run counts as the preset ``preset`` (the one chosen now) when it carries its title."""
    base = preset if result.title == lab.PRESETS[preset].title else "custom"
    name = f"{base}-{data.name.lower()}-{time.strftime('%Y%m%d-%H%M%S')}"
    return workspace.save_model(
        result.model,
        data.class_names,
        data.x_train.shape[1:3],
        "mnist",
        workspace.free_model_name(name),
        base=base,
        layers=networks.describe_layers(lab.parse_layers(result.title))
        if base == "custom"
        else networks.describe_layers(lab.PRESETS[preset].layers),
        dataset=data.name,
        test_error=result.test_error,
    )
