"""A canvas to draw a digit with the mouse: white strokes on black, as MNIST digits are."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class DrawPad(QWidget):
    """Emits ``changed`` while the person draws; ``pixels()`` is the canvas as uint8 (H, W)."""

    changed = Signal()
    SIZE = 196

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(QSize(self.SIZE, self.SIZE))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse; right-click clears")
        self._canvas = QImage(self.SIZE, self.SIZE, QImage.Format.Format_Grayscale8)
        self._last: QPoint | None = None
        self.clear()

    def clear(self) -> None:
        self._canvas.fill(0)
        self.update()
        self.changed.emit()

    def pixels(self) -> np.ndarray:
        bits = self._canvas.constBits()
        array = np.frombuffer(bits, np.uint8).reshape(self.SIZE, self._canvas.bytesPerLine())
        return array[:, : self.SIZE].copy()

    def stroke(self, start: QPoint, end: QPoint) -> None:
        """Draw one segment of a stroke (what a mouse drag does)."""
        painter = QPainter(self._canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(
            QPen(
                QColor(255, 255, 255),
                16,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        painter.drawLine(start, end)
        painter.end()
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self.clear()
            return
        self._last = event.position().toPoint()
        self.stroke(self._last, self._last)

    def mouseMoveEvent(self, event) -> None:
        if self._last is not None:
            point = event.position().toPoint()
            self.stroke(self._last, point)
            self._last = point

    def mouseReleaseEvent(self, event) -> None:
        self._last = None

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self._canvas)
        painter.end()
