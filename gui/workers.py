"""Bridges from engine callbacks and jobs to Qt signals."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from engine.frames import Frame
from engine.stream import LiveStream


class StreamBridge(QObject):
    """Turns a LiveStream's callbacks into signals; the display gets the newest frame only.

    A frame signal is emitted only when the GUI has taken the previous one, so a busy GUI thread
    never accumulates a backlog of stale frames.
    """

    frame_ready = Signal()
    result_ready = Signal(object)
    status_changed = Signal(str, str)

    def __init__(self, stream: LiveStream, parent=None):
        super().__init__(parent)
        self.stream = stream
        self._latest: Frame | None = None
        self._pending = False
        self._lock = threading.Lock()
        stream.on_frame = self._on_frame
        stream.on_result = self.result_ready.emit
        stream.on_status = self.status_changed.emit

    def _on_frame(self, frame: Frame) -> None:
        with self._lock:
            self._latest = frame
            if self._pending:
                return
            self._pending = True
        self.frame_ready.emit()

    def take_frame(self) -> Frame | None:
        """The newest frame, once; call from the slot connected to frame_ready."""
        with self._lock:
            frame, self._pending = self._latest, False
            return frame


class ModelLoader(QObject):
    """Loads classifiers on worker threads; only the newest request's outcome is reported.

    ``loaded(classifier, choice)`` or ``failed(choice, message)``; ``progress(done, total)``
    carries download bytes. A request overtaken by a newer one is dropped when it finishes.
    """

    progress = Signal(int, int)
    loaded = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._latest = None

    def load(self, choice, build) -> None:
        """Run ``build(progress)`` in a worker thread for ``choice`` (a zoo name or ModelInfo)."""
        token = self._latest = object()
        worker = create_worker(build, self.progress.emit, _start_thread=False, _connect={
            "returned": lambda classifier: self._report(token, self.loaded, classifier, choice),
            "errored": lambda error: self._report(token, self.failed, choice, str(error))})
        worker.start()

    def _report(self, token, signal, *args) -> None:
        if token is self._latest:
            signal.emit(*args)

    def wait(self, msecs: int = 30000) -> None:
        """Wait for running loads to finish (used when the window closes)."""
        QThreadPool.globalInstance().waitForDone(msecs)
