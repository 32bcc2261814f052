"""The live video, small, beside a class's images while collecting, with the count recorded."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QWidget

from gui.core.images import to_qimage
from gui.panels.collect_train.thumbs import shrunk

RED = QColor(220, 30, 30)


class LivePreview(QWidget):
    """The newest live frame, shrunk to the widget's fixed size, with a line drawn at its foot.

    ``frame_source()`` gives the newest frame (RGB numpy) or None; it is read ``fps`` times a
    second, only while the preview is shown (its tab is the current one), and a frame already
    drawn is not drawn again. ``show_count`` sets the line: a red dot while recording.
    """

    def __init__(self, frame_source, size=(200, 150), fps: int = 12, parent=None):
        super().__init__(parent)
        self.frame_source = frame_source
        self.setFixedSize(*size)
        self.setToolTip("The live video: what 'Hold to record' and 'Burst' save")
        self.image: QImage | None = None
        self.frames_shown = 0
        self.text, self.recording = "", False
        self._last = None
        self._timer = QTimer(self, timeout=self.tick)
        self._timer.setInterval(round(1000 / fps))

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    @property
    def running(self) -> bool:
        """Whether it reads frames (only while shown)."""
        return self._timer.isActive()

    def show_count(self, text: str, recording: bool = False) -> None:
        self.text, self.recording = text, recording
        self.update()

    def tick(self) -> None:
        """Draw the newest frame if there is a new one."""
        frame = self.frame_source()
        if frame is None or frame is self._last:
            return
        self._last = frame
        self.image = to_qimage(shrunk(frame, self.width(), self.height()))
        self.frames_shown += 1
        self.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._timer.start()
        self.tick()

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 24))
        if self.image is None:
            painter.setPen(QColor(190, 190, 190))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no live video yet")
        else:
            target = QRect(0, 0, self.image.width(), self.image.height())
            target.moveCenter(self.rect().center())
            painter.drawImage(target, self.image)
        if self.text:
            self._draw_line(painter)
        painter.end()

    def _draw_line(self, painter: QPainter) -> None:
        font = QFont(painter.font())
        font.setBold(self.recording)
        painter.setFont(font)
        height = painter.fontMetrics().height() + 6
        strip = QRect(0, self.height() - height, self.width(), height)
        painter.fillRect(strip, QColor(0, 0, 0, 160))
        text_area = strip.adjusted(6, 0, -6, 0)
        if self.recording:
            dot = height // 2
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setBrush(RED)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(text_area.left(), strip.center().y() - dot // 2, dot, dot)
            text_area.setLeft(text_area.left() + dot + 6)
        painter.setPen(QColor(255, 255, 255))
        flags = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(
            text_area,
            flags,
            painter.fontMetrics().elidedText(
                self.text, Qt.TextElideMode.ElideRight, text_area.width()
            ),
        )
