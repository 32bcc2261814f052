"""Bridges from engine callbacks and jobs to Qt signals."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from engine.live.frames import Frame
from engine.live.stream import LiveStream


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
        worker = create_worker(
            build,
            self.progress.emit,
            _start_thread=False,
            _connect={
                "returned": lambda classifier: self._report(token, self.loaded, classifier, choice),
                "errored": lambda error: self._report(token, self.failed, choice, str(error)),
            },
        )
        worker.start()

    def drop(self) -> None:
        """Report nothing of the requests made so far (the person chose something else)."""
        self._latest = object()

    def _report(self, token, signal, *args) -> None:
        if token is self._latest:
            signal.emit(*args)

    def wait(self, msecs: int = 30000) -> None:
        """Wait for running loads to finish (used when the window closes)."""
        QThreadPool.globalInstance().waitForDone(msecs)


class GarbagePolicy(QObject):
    """Runs Python's cycle collector only while no worker thread is busy.

    Automatic collection can run on the GUI thread at any allocation. When it frees a TensorFlow
    object there while a worker is building or training a model, the destructor waits for a
    TensorFlow lock that the worker holds while it waits for the GIL: both threads hang (seen in
    the GUI tests). So automatic collection is off, and a timer collects when the worker pool is
    idle. Reference counting still frees everything that is not in a cycle at once.
    """

    _installed = None

    @classmethod
    def install(cls, interval_ms: int = 3000) -> GarbagePolicy:
        if cls._installed is None:
            import gc

            from PySide6.QtCore import QCoreApplication, QTimer

            gc.disable()
            policy = cls._installed = cls(QCoreApplication.instance())
            policy.timer = QTimer(policy, interval=interval_ms, timeout=policy.collect)
            policy.timer.start()
        return cls._installed

    def collect(self) -> bool:
        """Collect now if no worker runs; True when it did."""
        import gc

        if QThreadPool.globalInstance().activeThreadCount():
            return False
        gc.collect()
        return True
