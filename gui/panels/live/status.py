"""The status bar's line about the live view: rates, model, Keras backend and device."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QLabel

from engine import backend
from engine.live.stream import LiveStream
from gui.core.jobs import Job, shut_down
from gui.widgets.frame_view import FrameView

PAUSED = "paused (space resumes)"


class LiveStatus(QLabel):
    """Says twice a second how many new frames a second ``view`` paints and how fast ``stream``
    classifies (or that the video is paused, or that its inference rests), with which model,
    on which Keras backend and device (the device is described once, in the background: it may
    take a second)."""

    def __init__(self, stream: LiveStream, view: FrameView, parent=None):
        super().__init__(parent)
        self.stream, self.view = stream, view
        self.device = "…"
        self.job = Job(self, "device description")
        self.job.result.connect(self._set_device)
        self.job.start(lambda run: backend.describe_device())
        self.timer = QTimer(self, interval=500, timeout=self.refresh)
        self.timer.start()

    def refresh(self) -> None:
        """Say the rates as they are now."""
        stream = self.stream
        model = stream.classifier.name if stream.classifier else "no model"
        if stream.paused:  # no rates: nothing moves, and the last ones would read as current
            rates = PAUSED
        elif stream.inference_held:
            rates = (
                f"display {self.view.paint_rate.rate():.1f} fps · inference rests while training"
            )
        else:
            rates = (
                f"display {self.view.paint_rate.rate():.1f} fps · "
                f"inference {stream.inference_rate.rate():.1f} fps · "
                f"{stream.last_latency_ms:.0f} ms"
            )
        self.setText(f"{rates} · {model} · Keras {backend.select(None)} · {self.device}")

    def shutdown(self, until: float | None = None) -> None:
        """Stop refreshing and wait for the device's description until ``until``."""
        self.timer.stop()
        shut_down([self.job], until)

    @Slot(object)
    def _set_device(self, description: str) -> None:
        self.device = description
