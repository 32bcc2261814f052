"""Thumbnails of image files, decoded off the GUI thread and filled into a QListWidget lazily."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from engine.data import photos
from gui.core.images import to_qimage
from gui.core.jobs import LatestJob

SIDE = 96
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def rgb_icon(image: np.ndarray) -> QIcon:
    """A uint8 RGB (H, W, 3) image as an icon."""
    return QIcon(QPixmap.fromImage(to_qimage(image)))


def shrunk(image: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    """``image`` made small enough to fit ``width`` x ``height`` (default: a square), keeping
    its aspect ratio; never enlarged."""
    scale = min(width / image.shape[1], (height or width) / image.shape[0])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def small(path: Path, side: int = SIDE) -> np.ndarray | None:
    """The image at ``path`` shrunk to fit ``side`` pixels; None when it cannot be decoded."""
    try:
        image = photos.decode(path, max_side=128)
    except (photos.ImageProblem, OSError):
        return None
    return shrunk(image, side)


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
        self.decoding = LatestJob(self, "thumbnails")
        self.decoding.progress.connect(self._decoded)
        self.decoding.failure.connect(self._failed)
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
            side = self.side
            self.decoding.start(lambda run: _decode_all(paths, side))

    def add(self, path: Path, image: np.ndarray, tooltip: str = "") -> None:
        """Append the file ``path`` whose picture is already known (a frame just recorded) and
        scroll to it; nothing is decoded."""
        item = QListWidgetItem(rgb_icon(shrunk(image, self.side)), "")
        item.setToolTip(tooltip or Path(path).name)
        item.setData(PATH_ROLE, str(path))
        self.widget.addItem(item)
        self.widget.scrollToItem(item)

    def stop(self) -> None:
        """No more pictures from the files shown so far."""
        self.decoding.drop()

    @Slot(object)
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

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        self.pending = 0


def selected_paths(widget: QListWidget) -> list[Path]:
    return [Path(item.data(PATH_ROLE)) for item in widget.selectedItems()]
