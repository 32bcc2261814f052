"""A widget that shows the newest frame, scaled to fit, and counts the new frames it paints."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.live.frames import RateMeter
from gui.core.images import to_qimage

REGION_PEN = QColor(255, 255, 255, 110)  # faint: a guide, not part of the picture


class FrameView(QWidget):
    """Draws the latest frame scaled to fit, keeping its aspect ratio, with an optional faint
    frame around a region of it. ``frames_painted`` and ``paint_rate`` count frames painted
    that were new: a frame drawn again (a banner changed, the window was exposed) is not one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._image: QImage | None = None
        self._fresh = False  # the image holds a frame not painted yet
        self._region: tuple[int, int, int, int] | None = None
        self.frames_painted = 0
        self.paint_rate = RateMeter()

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

    def show_frame(self, frame: np.ndarray, new: bool = True) -> None:
        """Show ``frame``; ``new=False`` for the same frame drawn again with other overlays."""
        self._image = to_qimage(frame)
        self._fresh = self._fresh or new
        self.update()

    @property
    def image(self) -> QImage | None:
        return self._image

    @property
    def region(self) -> tuple[int, int, int, int] | None:
        """The (x0, y0, x1, y1) frame pixels outlined on the video, or None."""
        return self._region

    def set_region(self, region: tuple[int, int, int, int] | None) -> None:
        """Outline ``region`` (x0, y0, x1, y1 in frame pixels) faintly; None outlines nothing."""
        if region != self._region:
            self._region = region
            self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 24))
        if self._image is not None:
            scaled = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(0, 0, scaled.width(), scaled.height())
            target.moveCenter(QRectF(self.rect()).center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            if self._region is not None:
                self._outline(painter, target)
            if self._fresh:
                self._fresh = False
                self.frames_painted += 1
                self.paint_rate.tick()
        painter.end()

    def _outline(self, painter: QPainter, target: QRectF) -> None:
        x0, y0, x1, y1 = self._region
        sx, sy = target.width() / self._image.width(), target.height() / self._image.height()
        painter.setPen(QPen(REGION_PEN, 1.5, Qt.PenStyle.DashLine))
        painter.drawRect(
            QRectF(
                target.x() + x0 * sx, target.y() + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy
            ).adjusted(1, 1, -1, -1)  # inside the frame's edge, where a full-frame region is seen
        )
