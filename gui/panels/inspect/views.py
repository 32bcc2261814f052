"""The Inspect tab's views of a model's insides: the layer table, filters and activations.

Each picture view keeps the picture a person would save (``picture_to_save()``); the panel
(gui/panels/inspect/panel.py) owns the model, the input and the live stream.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.inspection.pictures import (
    activation_tiles,
    channel_order,
    filter_tiles,
    gray,
    tile_grid,
)
from gui.core.images import to_qimage


class Picture(QLabel):
    """A numpy RGB picture scaled to fit ``box`` pixels, enlarged without smoothing."""

    def __init__(self, box: int = 256, text: str = "", parent=None):
        super().__init__(text, parent)
        self.box = box
        self.image: np.ndarray | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(box // 2, box // 2)

    def show_image(self, image: np.ndarray | None) -> None:
        self.image = image
        if image is None:
            self.clear()
            return
        pixmap = QPixmap.fromImage(to_qimage(image))
        self.setPixmap(
            pixmap.scaled(
                self.box,
                self.box,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )


def caption() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    return label


class LayerTable(QTableWidget):
    """Name (nested layers indented), type, output shape and parameters; one row selectable."""

    COLUMNS = ["Layer", "Type", "Output shape", "Parameters"]
    layer_chosen = Signal(object)  # the LayerInfo

    def __init__(self, parent=None):
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.itemSelectionChanged.connect(self._chosen)
        self.layers: list = []

    def show_layers(self, layers) -> None:
        self.layers = list(layers)
        self.blockSignals(True)
        self.clearSelection()
        self.setRowCount(len(self.layers))
        for row, info in enumerate(self.layers):
            name = "    " * info.depth + info.path.rsplit("/", 1)[-1]
            shape = "×".join("?" if d is None else str(d) for d in info.shape)
            for column, text in enumerate((name, info.kind, shape, f"{info.params:,}")):
                item = QTableWidgetItem(text)
                item.setToolTip(info.path)
                self.setItem(row, column, item)
        self.blockSignals(False)
        self.resizeColumnsToContents()

    def select(self, path: str) -> None:
        paths = [info.path for info in self.layers]
        if path in paths:
            self.selectRow(paths.index(path))

    def _chosen(self) -> None:
        rows = self.selectionModel().selectedRows()
        if rows:
            self.layer_chosen.emit(self.layers[rows[0].row()])


class FiltersView(QWidget):
    """A convolution's kernels as tiles; deeper ones one input channel at a time."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.layer = QComboBox()
        self.channel = QSpinBox()
        self.channel.setToolTip("Deeper kernels see many input channels: pick the one to show")
        form.addRow("Convolution", self.layer)
        form.addRow("Input channel", self.channel)
        layout.addLayout(form)
        self.picture = Picture(420)
        self.caption = caption()
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        self._convs: dict = {}
        self.layer.currentIndexChanged.connect(self._layer_chosen)
        self.channel.valueChanged.connect(lambda _: self.redraw())

    def set_layers(self, convs) -> None:
        """``convs``: LayerInfo rows with kernels; the first is shown."""
        self._convs = {info.path: info for info in convs}
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItems(list(self._convs))
        self.layer.blockSignals(False)
        if convs:
            self._layer_chosen()
        else:
            self.picture.show_image(None)
            self.caption.setText("This model has no 2-D convolution.")

    def select(self, path: str) -> None:
        if path in self._convs:
            self.layer.setCurrentText(path)

    def _layer_chosen(self, *_) -> None:
        info = self._convs.get(self.layer.currentText())
        if info is None:
            return
        channels = info.kernel.shape[2]
        self.channel.blockSignals(True)
        self.channel.setRange(0, channels - 1)
        self.channel.setEnabled(channels != 3)
        self.channel.blockSignals(False)
        self.redraw()

    def redraw(self) -> None:
        info = self._convs.get(self.layer.currentText())
        if info is None:
            return
        kernel = info.kernel
        tiles = filter_tiles(kernel, None if kernel.shape[2] == 3 else self.channel.value())
        self.picture.show_image(tile_grid(tiles.tiles[:256]))
        seen = "in colour (R, G, B)" if tiles.colour else f"input channel {self.channel.value()}"
        self.caption.setText(
            f"{info.path}: {kernel.shape[3]} kernels {kernel.shape[0]}×{kernel.shape[1]}, "
            f"{seen}{' (first 256)' if kernel.shape[3] > 256 else ''}. Each kernel is scaled on "
            f"its own: gray = 0, white = +max|w|, black = −max|w|. Its max|w| ranges "
            f"{tiles.scales.min():.3g} to {tiles.scales.max():.3g}."
        )

    def picture_to_save(self):
        return self.picture.image, f"filters-{self.layer.currentText().replace('/', '-')}"


class ActivationsView(QWidget):
    """A layer's channel maps as a grid, sortable by mean; a click enlarges one beside the input."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.sort = QCheckBox("Sort by mean activation (highest first)")
        self.sort.setChecked(True)
        self.sort.toggled.connect(lambda _: self.redraw())
        self.grid = QListWidget()
        self.grid.setViewMode(QListWidget.ViewMode.IconMode)
        self.grid.setIconSize(QSize(64, 64))
        self.grid.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.grid.setMovement(QListWidget.Movement.Static)
        self.grid.currentItemChanged.connect(lambda item, _: self._enlarge(item))
        self.caption = caption()
        left.addWidget(self.sort)
        left.addWidget(self.grid, 1)
        left.addWidget(self.caption)
        right = QVBoxLayout()
        self.input = Picture(200)
        self.enlarged = Picture(200)
        self.enlarged_caption = caption()
        right.addWidget(QLabel("Input"))
        right.addWidget(self.input)
        right.addWidget(QLabel("Channel"))
        right.addWidget(self.enlarged)
        right.addWidget(self.enlarged_caption)
        right.addStretch(1)
        layout.addLayout(left, 3)
        layout.addLayout(right, 1)
        self.maps: np.ndarray | None = None
        self.layer = ""
        self.updates = 0
        self._chosen: int | None = None

    def show_maps(self, image: np.ndarray, maps: np.ndarray, layer: str) -> None:
        self.input.show_image(image)
        self.maps, self.layer = maps, layer
        self.updates += 1
        self.redraw()

    def show_message(self, text: str) -> None:
        self.maps = None
        self.grid.clear()
        self.caption.setText(text)

    def order(self) -> np.ndarray:
        return channel_order(self.maps, self.sort.isChecked())

    def redraw(self) -> None:
        if self.maps is None:
            return
        order = self.order()
        tiles = activation_tiles(self.maps, order)
        means = self.maps.reshape(-1, self.maps.shape[-1]).mean(axis=0)
        shown = min(len(order), 256)
        self.grid.blockSignals(True)
        if self.grid.count() != shown:
            self.grid.clear()
            for _ in range(shown):
                self.grid.addItem(QListWidgetItem())
        for row in range(shown):
            item = self.grid.item(row)
            channel = int(order[row])
            item.setIcon(
                QIcon(QPixmap.fromImage(to_qimage(tile_grid(tiles[row : row + 1], 1, 64, 0))))
            )
            item.setData(Qt.ItemDataRole.UserRole, channel)
            item.setToolTip(f"channel {channel}: mean {means[channel]:.3g}")
            if channel == self._chosen:
                self.grid.setCurrentItem(item)
        self.grid.blockSignals(False)
        h, w, c = self.maps.shape
        self.caption.setText(
            f"{self.layer}: {c} maps of {h}×{w}{' (first 256)' if c > 256 else ''}, "
            f"all on one scale: black 0 (or below), white the layer's largest "
            f"value {self.maps.max():.3g}."
        )
        if self._chosen is not None:
            self._show_channel(self._chosen)

    def _enlarge(self, item) -> None:
        if item is not None and self.maps is not None:
            self._chosen = item.data(Qt.ItemDataRole.UserRole)
            self._show_channel(self._chosen)

    def _show_channel(self, channel: int) -> None:
        if channel >= self.maps.shape[-1]:
            return
        box = self.input.image.shape[:2] if self.input.image is not None else None
        self.enlarged.show_image(gray(self.maps[..., channel], box))
        self.enlarged_caption.setText(
            f"channel {channel}, mean {self.maps[..., channel].mean():.3g}, scaled to its own range"
        )

    def picture_to_save(self):
        if self.maps is None:
            return None, ""
        tiles = activation_tiles(self.maps, self.order())
        return tile_grid(tiles[:256]), f"activations-{self.layer.replace('/', '-')}"
