"""The left side of the MNIST lab: the data choice with a few samples and how many training
images to use, and the network form (preset or custom layers, optimizer, loss, schedule, time
budget) that a run's settings are read from, with Train / Stop, the progress bar and the status
line. Everything that appears later has its room from the start: the form never moves under the
pointer when data loads or a status line grows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from engine.data import datasets
from engine.mnist import lab, networks
from gui.widgets.results import thumbnail

SAMPLE_COLUMNS, SAMPLE_ROWS, SAMPLE_SCALE = 8, 4, 1.5


def sample_grid(images: np.ndarray, columns: int = SAMPLE_COLUMNS) -> np.ndarray:
    """Tile the first images (N, 28, 28) into one uint8 picture, ``columns`` wide."""
    count = min(len(images), columns * SAMPLE_ROWS)
    rows = -(-count // columns)
    h, w = images.shape[1:3]
    grid = np.zeros((rows * (h + 2), columns * (w + 2)), np.uint8)
    for i in range(count):
        r, c = divmod(i, columns)
        grid[r * (h + 2) + 1 : r * (h + 2) + 1 + h, c * (w + 2) + 1 : c * (w + 2) + 1 + w] = images[
            i
        ]
    return grid


class DataBox(QGroupBox):
    """Fashion-MNIST, MNIST or a folder of IDX files, the first images of the one loaded, and
    how many of its training images a run uses (the first N; all by default)."""

    def __init__(self, parent=None):
        super().__init__("Data", parent)
        data_form = QVBoxLayout(self)
        self.dataset = QComboBox()
        self.dataset.addItems(["Fashion-MNIST", "MNIST", "IDX folder…"])
        self.samples = QLabel("No data loaded")
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # the grid's room from the start: loading data must not push the form down (issue 16)
        self.samples.setFixedSize(
            round(SAMPLE_COLUMNS * 30 * SAMPLE_SCALE), round(SAMPLE_ROWS * 30 * SAMPLE_SCALE)
        )
        self.subset = QSpinBox()
        self.subset.setRange(0, 60000)
        self.subset.setSingleStep(1000)
        self.subset.setSpecialValueText("all images")
        self.subset.setSuffix(" images")
        self.subset.setToolTip(
            "Train on the first N training images only, for quicker runs; 'all' uses every one. "
            "The test images stay all of them, so runs compare."
        )
        subset_row = QHBoxLayout()
        subset_row.addWidget(QLabel("Train on"))
        subset_row.addWidget(self.subset, 1)
        data_form.addWidget(self.dataset)
        data_form.addWidget(self.samples, 0, Qt.AlignmentFlag.AlignHCenter)
        data_form.addLayout(subset_row)

    def load(self, index: int) -> datasets.ImageSet | None:
        """The data set at ``index`` of the list (None: no folder was picked); raises
        DatasetUnavailable or ValueError when it cannot be read."""
        if index == 2:
            folder = QFileDialog.getExistingDirectory(self, "A folder of IDX files")
            return datasets.load_idx_folder(folder) if folder else None
        return datasets.load_fashion_mnist() if index == 0 else datasets.load_mnist()

    def show_samples(self, data: datasets.ImageSet) -> None:
        """Show the first training images, their labels in the tooltip."""
        grid = thumbnail(sample_grid(data.x_train), SAMPLE_SCALE)
        if grid.width() > self.samples.width() or grid.height() > self.samples.height():
            grid = grid.scaled(self.samples.size(), Qt.AspectRatioMode.KeepAspectRatio)
        self.samples.setPixmap(grid)
        labels = ", ".join(data.class_names[int(k)] for k in data.y_train[:SAMPLE_COLUMNS])
        self.samples.setToolTip(f"First row: {labels}")
        self.subset.setMaximum(len(data.x_train))

    def training_data(self, data: datasets.ImageSet) -> datasets.ImageSet:
        """``data`` with the training images the box asks for (the first N, or all)."""
        count = self.subset.value()
        return data.subset(count) if 0 < count < len(data.x_train) else data


class NetworkForm(QGroupBox):
    """The network and how to train it; a preset fills the form in, any edit makes it custom.

    Epochs, batch size and time budget are how long and how a person wants to train: a preset
    sets them only while they still hold the previous preset's values (a challenge preset's
    budget is the challenge's it was made for), and the preset's own count is shown beside
    Epochs either way. A preset's precision (bfloat16 or float32) goes with it."""

    def __init__(self, parent=None):
        super().__init__("Network", parent)
        form = QFormLayout(self)
        self.preset = QComboBox()
        for key, preset in lab.PRESETS.items():
            self.preset.addItem(f"{preset.title} · {preset.optimizer['name']}", key)
            self.preset.setItemData(
                self.preset.count() - 1,
                f"{preset.parameters:,} parameters. {preset.note} "
                + (
                    f"Course: {preset.epochs} epochs, {100 * preset.course_error:.2f}% error."
                    if preset.course_error == preset.course_error
                    else ""
                ),
                Qt.ItemDataRole.ToolTipRole,
            )
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        # the longest title must not widen the whole form (the runs table lost its last column);
        # the list that opens shows the titles whole
        self.preset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset.setMinimumContentsLength(32)
        self.preset.view().setMinimumWidth(self.preset.view().sizeHintForColumn(0) + 24)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs_hint = QLabel()
        self.epochs_hint.setMinimumWidth(  # the longest hint: "preset: 20" is never cut
            self.epochs_hint.fontMetrics().horizontalAdvance("preset: 200")
        )
        epochs_row = QHBoxLayout()
        epochs_row.addWidget(self.epochs, 1)
        epochs_row.addWidget(self.epochs_hint)
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setValue(128)
        self.train_button = QPushButton("Train")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.layers = QLineEdit()
        self.layers.setToolTip(
            f"Comma-separated: {networks.LAYER_HELP}. Activations: "
            + ", ".join(networks.ACTIVATIONS)
            + ". A softmax output layer is added. sepconv is a depthwise-separable convolution, "
            "gap a global average pooling. augment auto mirrors images while training where a "
            "mirror image keeps its class (clothes) and not for digits; augment flip always, "
            "augment alone never."
        )
        self.optimizer = QComboBox()
        self.optimizer.addItems(lab.OPTIMIZERS)
        self.optimizer.currentTextChanged.connect(self._optimizer_chosen)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(0.00001, 10.0)
        self.learning_rate.setSingleStep(0.001)
        self.loss = QComboBox()
        self.loss.addItems(list(lab.LOSSES))
        self.seed = QSpinBox()
        self.seed.setRange(0, 999999)
        self.schedule = QComboBox()
        self.schedule.addItems(["constant", "cosine"])
        self.schedule.setToolTip(
            "cosine: the learning rate falls to zero along a cosine by the "
            "last epoch, or by the time budget when that ends first"
        )
        self.budget = QSpinBox()
        self.budget.setRange(0, 600)
        self.budget.setSuffix(" min")
        self.budget.setSpecialValueText("none")
        self.budget.setToolTip(
            "The course's challenge: the best test accuracy in 1, 5 or 15 "
            "minutes of training. Training stops when the budget is spent."
        )
        for label, field in (
            ("Preset", self.preset),
            ("Layers", self.layers),
            ("Optimizer", self.optimizer),
            ("Learning rate", self.learning_rate),
            ("Loss", self.loss),
            ("Epochs", epochs_row),
            ("Batch size", self.batch),
            ("Learning rate schedule", self.schedule),
            ("Time budget", self.budget),
            ("Seed", self.seed),
        ):
            form.addRow(label, field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.bar = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setMinimumHeight(3 * self.status.fontMetrics().lineSpacing())
        form.addRow(self.bar)
        form.addRow(self.status)
        self._filled: lab.Preset | None = None  # the preset whose values the form was given
        self._preset_chosen()

    def _preset_chosen(self, *_) -> None:
        preset = lab.PRESETS[self.preset.currentData()]
        before = self._filled
        if before is None or self.epochs.value() == before.epochs:
            self.epochs.setValue(preset.epochs)
        if before is None or self.batch.value() == before.batch_size:
            self.batch.setValue(preset.batch_size)
        if before is None or self.budget.value() == before.budget:  # a challenge entry's own
            self.budget.setValue(preset.budget)
        self._filled = preset
        self.epochs_hint.setText(f"preset: {preset.epochs}")
        self.epochs_hint.setToolTip(
            f"{preset.title} trains {preset.epochs} epochs in its preset. Epochs you set "
            "yourself stay when you choose another preset."
        )
        self.schedule.setCurrentText(preset.schedule)
        self.layers.setText(networks.describe_layers(preset.layers))
        self.optimizer.setCurrentText(preset.optimizer["name"])
        self._optimizer_chosen(preset.optimizer["name"])
        self.loss.setCurrentText("cross-entropy")
        self._preset_form = self._form()
        self.preset.setToolTip(
            self.preset.itemData(self.preset.currentIndex(), Qt.ItemDataRole.ToolTipRole)
        )

    def _optimizer_chosen(self, name: str) -> None:
        preset = lab.PRESETS[self.preset.currentData()]
        settings = {
            **lab.COURSE_DEFAULTS[name],
            **(preset.optimizer if preset.optimizer["name"] == name else {}),
        }
        self.learning_rate.setValue(settings["learning_rate"])

    def _form(self) -> tuple:
        return (
            self.layers.text(),
            self.optimizer.currentText(),
            self.learning_rate.value(),
            self.loss.currentText(),
        )

    def network(self) -> tuple[list, dict, str]:
        """The layers, optimizer and title the form describes: the preset's while the form still
        holds what the preset filled in, else a custom network titled by its layers."""
        layers = lab.parse_layers(self.layers.text())
        preset = lab.PRESETS[self.preset.currentData()]
        name = self.optimizer.currentText()
        optimizer = dict(preset.optimizer) if preset.optimizer["name"] == name else {"name": name}
        optimizer["learning_rate"] = self.learning_rate.value()
        title = preset.title if self._form() == self._preset_form else self.layers.text()
        return layers, optimizer, title

    def options(self, title: str) -> dict:
        """lab.train's keyword options as the form sets them, the run titled ``title``."""
        return {
            "epochs": self.epochs.value(),
            "batch_size": self.batch.value(),
            "loss": self.loss.currentText(),
            "seed": self.seed.value(),
            "title": title,
            "schedule": self.schedule.currentText(),
            "time_limit": 60 * self.budget.value() or None,
            # a preset's precision goes with its own network, not with layers edited from it
            "precision": lab.PRESETS[self.preset.currentData()].precision
            if title == lab.PRESETS[self.preset.currentData()].title
            else "float32",
        }
