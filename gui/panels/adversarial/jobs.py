"""Slider-driven recomputation: one job at a time, and only the newest request counts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker


class NewestWins(QObject):
    """Runs one job at a time on a worker thread. A job asked for while another runs waits,
    replacing any job already waiting, so quick slider moves end with the newest setting and
    results overtaken by a newer request are dropped."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.busy = False
        self._waiting: Callable | None = None

    def submit(self, job: Callable) -> None:
        if self.busy:
            self._waiting = job
        else:
            self._run(job)

    def _run(self, job: Callable) -> None:
        self.busy = True
        create_worker(
            job,
            _connect={
                "returned": lambda value: self._next(self.finished, value),
                "errored": lambda error: self._next(self.failed, str(error)),
            },
        )

    def _next(self, signal, value) -> None:
        job, self._waiting = self._waiting, None
        if job is not None:
            self._run(job)
        else:
            self.busy = False
            signal.emit(value)
