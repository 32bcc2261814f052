"""A trained classifier's test results: a confusion matrix whose cells open their images."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.models import evaluation
from gui.core.images import to_qimage


def thumbnail(image: np.ndarray, scale: float = 2) -> QPixmap:
    """A uint8 (H, W) grayscale image as a pixmap, enlarged ``scale`` times."""
    h, w = image.shape[:2]
    return QPixmap.fromImage(to_qimage(image)).scaled(round(w * scale), round(h * scale))


class ResultsView(QWidget):
    """Confusion matrix (rows: true class, columns: predicted) and a gallery of images.

    The gallery starts with the misclassified test images; clicking a cell shows the images
    behind it.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.matrix = QTableWidget()
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.cellClicked.connect(self.show_cell)
        self.caption = QLabel("Train a network to see where it goes wrong.")
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(56, 56))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        layout.addWidget(self.matrix, 3)
        layout.addWidget(self.caption)
        layout.addWidget(self.gallery, 2)
        self._images = self._truth = self._predicted = None
        self._names: list[str] = []

    def show_results(
        self, images: np.ndarray, truth: np.ndarray, predicted: np.ndarray, names: list[str]
    ) -> None:
        self._images, self._truth, self._predicted, self._names = images, truth, predicted, names
        counts = evaluation.confusion_matrix(truth, predicted, len(names))
        short = [n.split("/")[0][:9] for n in names]
        self.matrix.setRowCount(len(names))
        self.matrix.setColumnCount(len(names))
        self.matrix.setHorizontalHeaderLabels(short)
        self.matrix.setVerticalHeaderLabels(short)
        totals = counts.sum(axis=1, keepdims=True).clip(min=1)
        for t in range(len(names)):
            for p in range(len(names)):
                item = QTableWidgetItem(str(counts[t, p]))
                share = counts[t, p] / totals[t, 0]
                hue = QColor(40, 120, 200) if t == p else QColor(210, 60, 40)
                item.setBackground(
                    QColor(hue.red(), hue.green(), hue.blue(), int(200 * share) + 10)
                )
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setToolTip(f"true {names[t]}, predicted {names[p]}: {counts[t, p]}")
                self.matrix.setItem(t, p, item)
        self.matrix.resizeColumnsToContents()
        self.show_indices(
            evaluation.misclassified(truth, predicted, 96),
            f"Misclassified test images: {int((truth != predicted).sum())} "
            f"of {len(truth)} (first 96)",
        )

    def show_cell(self, t: int, p: int) -> None:
        """The test images of true class ``t`` predicted as ``p``."""
        if self._truth is None:
            return
        indices = np.flatnonzero((self._truth == t) & (self._predicted == p))[:96]
        self.show_indices(
            indices,
            f"True {self._names[t]}, predicted {self._names[p]}: "
            f"{int(((self._truth == t) & (self._predicted == p)).sum())} images",
        )

    def show_indices(self, indices, caption: str) -> None:
        self.caption.setText(caption)
        self.gallery.clear()
        for i in indices:
            item = QListWidgetItem(QIcon(thumbnail(self._images[i])), "")
            item.setToolTip(
                f"test image {i}: true {self._names[self._truth[i]]}, "
                f"predicted {self._names[self._predicted[i]]}"
            )
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            self.gallery.addItem(item)

    def shown_indices(self) -> list[int]:
        return [
            self.gallery.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.gallery.count())
        ]
