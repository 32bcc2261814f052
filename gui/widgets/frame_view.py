"""A widget that shows the newest frame, scaled to fit, and counts what it paints."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.live.frames import RateMeter
from gui.core.images import to_qimage


class FrameView(QWidget):
    """Draws the latest frame scaled to fit, keeping its aspect ratio; counts painted frames."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._image: QImage | None = None
        self.frames_painted = 0
        self.paint_rate = RateMeter()

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

    def show_frame(self, frame: np.ndarray) -> None:
        self._image = to_qimage(frame)
        self.update()

    @property
    def image(self) -> QImage | None:
        return self._image

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 24))
        if self._image is not None:
            scaled = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(self.rect().center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            self.frames_painted += 1
            self.paint_rate.tick()
        painter.end()
