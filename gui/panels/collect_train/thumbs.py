"""Thumbnails of image files, decoded off the GUI thread and filled into a QListWidget lazily."""

from __future__ import annotations

import contextlib
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem
from superqt.utils import create_worker

from engine.data import photos

SIDE = 96
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def rgb_icon(image: np.ndarray) -> QIcon:
    """A uint8 RGB (H, W, 3) image as an icon."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    q = QImage(image.data, w, h, image.strides[0], QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(q))


def small(path: Path, side: int = SIDE) -> np.ndarray | None:
    """The image at ``path`` shrunk to fit ``side`` pixels; None when it cannot be decoded."""
    try:
        image = photos.decode(path, max_side=128)
    except (photos.ImageProblem, OSError):
        return None
    scale = side / max(image.shape[:2])
    if scale < 1:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image


def _decode_all(paths, side):
    for row, path in enumerate(paths):
        yield row, small(path, side)


def _placeholder(side: int) -> QIcon:
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor(225, 225, 225))
    return QIcon(pixmap)


def icon_grid(widget: QListWidget, side: int = SIDE) -> QListWidget:
    """Set ``widget`` up as a grid of icons that can be selected several at a time."""
    widget.setViewMode(QListWidget.ViewMode.IconMode)
    widget.setIconSize(QSize(side, side))
    widget.setGridSize(QSize(side + 8, side + 8))
    widget.setResizeMode(QListWidget.ResizeMode.Adjust)
    widget.setMovement(QListWidget.Movement.Static)
    widget.setUniformItemSizes(True)
    widget.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
    return widget


class DropList(QListWidget):
    """A thumbnail grid that takes files and folders dropped on it."""

    dropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)


class ThumbnailFiller(QObject):
    """Fills a QListWidget with one item per file at once, and their pictures as they decode.

    A new ``show`` abandons the previous one; files that cannot be decoded get a grey square and
    say why in their tooltip (the project's scan lists them too).
    """

    def __init__(self, widget: QListWidget, side: int = SIDE):
        super().__init__(widget)
        self.widget, self.side = widget, side
        self._worker = None
        self._placeholder = _placeholder(side)
        self.pending = 0

    def show(self, paths, tooltips=None, data=None) -> None:
        """List ``paths``; ``tooltips`` and ``data`` (UserRole) per item are optional."""
        self.stop()
        self.widget.clear()
        paths = [Path(p) for p in paths]
        for i, path in enumerate(paths):
            item = QListWidgetItem(self._placeholder, "")
            item.setToolTip(tooltips[i] if tooltips else path.name)
            item.setData(PATH_ROLE, str(path))
            if data is not None:
                item.setData(Qt.ItemDataRole.UserRole, data[i])
            self.widget.addItem(item)
        self.pending = len(paths)
        if paths:
            self._worker = create_worker(
                _decode_all,
                paths,
                self.side,
                _connect={"yielded": self._decoded, "errored": self._failed},
            )

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            with contextlib.suppress(RuntimeError, TypeError):
                self._worker.yielded.disconnect(self._decoded)
            self._worker = None

    def _decoded(self, result) -> None:
        row, image = result
        item = self.widget.item(row)
        self.pending = max(0, self.pending - 1)
        if item is None:
            return
        if image is None:
            item.setToolTip(item.toolTip() + " (cannot be decoded)")
        else:
            item.setIcon(rgb_icon(image))

    def _failed(self, error) -> None:
        self.pending = 0


def selected_paths(widget: QListWidget) -> list[Path]:
    return [Path(item.data(PATH_ROLE)) for item in widget.selectedItems()]
