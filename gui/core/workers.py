"""The live stream's callbacks as Qt signals, and when Python may collect its garbage."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from engine.live.frames import Frame
from engine.live.stream import LiveStream
from gui.core.jobs import workers_busy


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


class GarbagePolicy(QObject):
    """Runs Python's cycle collector only while no worker thread is busy.

    Automatic collection can run on the GUI thread at any allocation. When it frees a TensorFlow
    object there while a worker is building or training a model, the destructor waits for a
    TensorFlow lock that the worker holds while it waits for the GIL: both threads hang (seen in
    the GUI tests). So automatic collection is off, and a timer collects when the worker pool is
    idle. Reference counting still frees everything that is not in a cycle at once.

    Each tick collects the young generations only (well under a millisecond); the oldest, which
    holds the loaded networks, TensorFlow and Qt (370,000 objects with MobileNetV2 live, 120-250
    ms to scan), only every FULL_EVERY ticks: a full collection every 3 s froze the video for
    that long each time, and in a long test run far longer.
    """

    FULL_EVERY = 20  # ticks: with the 3 s timer, a full collection once a minute
    _installed = None
    _ticks = 0

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

        if workers_busy():
            return False
        self._ticks += 1
        gc.collect(2 if self._ticks % self.FULL_EVERY == 0 else 1)
        return True
