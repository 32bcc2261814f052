"""Recording live frames into a class: hold a button (at an adjustable rate) or take a burst of N.
Each press or burst is one capture session, which the train/validation split keeps together."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from engine.data.projects import ProjectError
from gui.panels.collect_train.hold import HoldButton

MAX_HOLD_SECONDS = 60  # a hold that outlives this was surely let go unseen


class Recorder(QWidget):
    """The record and burst rows. ``target()`` gives (project, class name) or None (having said
    why); ``started(session)`` and ``stopped(session)`` frame each session, ``recorded(session,
    path, frame)`` follows each frame written, ``message(text, error)`` says the rest."""

    started = Signal(object)
    stopped = Signal(object)
    recorded = Signal(object, object, object)
    message = Signal(str, bool)

    def __init__(self, frame_source, target, parent=None):
        super().__init__(parent)
        self.frame_source, self.target = frame_source, target
        self.session = None
        self._burst_left = 0
        self._last_frame = None
        self._began = 0.0
        self._timer = QTimer(self, timeout=self._grab)
        self.record_button = HoldButton("● Hold to record")
        self.record_button.setToolTip(
            "Records live frames into the selected class while held (mouse or space bar); "
            "each press is one capture session"
        )
        self.record_button.held.connect(lambda held: self.start() if held else self._let_go())
        self.rate = QSpinBox()
        self.rate.setRange(1, 30)
        self.rate.setValue(5)
        self.rate.setSuffix(" frames/s")
        self.rate.setToolTip("How many live frames per second are saved while recording")
        self.rate.valueChanged.connect(lambda rate: self._timer.setInterval(round(1000 / rate)))
        self.burst_button = QPushButton("Burst")
        self.burst_button.setToolTip("Record this many frames at the rate above, as one session")
        self.burst_button.clicked.connect(lambda: self.start(self.burst.value()))
        self.burst = QSpinBox()
        self.burst.setRange(1, 500)
        self.burst.setValue(20)
        self.burst.setSuffix(" frames")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button, spin in ((self.record_button, self.rate), (self.burst_button, self.burst)):
            row = QHBoxLayout()
            row.addWidget(button, 1)
            row.addWidget(spin)
            layout.addLayout(row)

    def start(self, frames: int = 0) -> None:
        """Start a capture session: ``frames`` frames, or until ``stop``."""
        target = self.target()
        if target is None or self.session is not None:
            return
        project, name = target
        try:
            self.session = project.capture(name)
        except (ProjectError, OSError) as error:
            self.message.emit(f"Cannot record: {error}.", True)
            return
        self._burst_left = frames
        self._last_frame = None
        self._began = time.monotonic()
        self._timer.start(round(1000 / self.rate.value()))
        self.started.emit(self.session)
        self._grab()

    def _let_go(self) -> None:
        if not self._burst_left:  # letting go of the button ends a hold, not a burst
            self.stop()

    def stop(self) -> None:
        if self.session is None:
            return
        self._timer.stop()
        session, self.session = self.session, None
        self.stopped.emit(session)

    def _grab(self) -> None:
        if self.session is not None and not self._burst_left:
            self.record_button.check()  # a release that never reached the window ends it too
            if self.session is not None and time.monotonic() - self._began > MAX_HOLD_SECONDS:
                count = self.session.count
                self.stop()
                self.message.emit(
                    f"Recorded {count} frames and stopped: one hold records at most "
                    f"{MAX_HOLD_SECONDS} s. Press again to record more.",
                    False,
                )
                return
        frame = self.frame_source()
        if self.session is None or frame is None or frame is self._last_frame:
            return  # no new frame since the last one: never write the same frame twice
        self._last_frame = frame
        try:
            path = self.session.add(frame)
        except OSError as error:
            self._timer.stop()
            session, self.session = self.session, None
            self.stopped.emit(session)
            self.message.emit(
                f"Recording stopped after {session.count} frames: {error}. Free some disk space.",
                True,
            )
            return
        self.recorded.emit(self.session, path, frame)
        if self._burst_left and self.session.count >= self._burst_left:
            self.stop()
