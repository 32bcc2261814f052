"""The MNIST lab panel: pick data and a course preset, train with live curves, compare runs."""

from __future__ import annotations

import csv
import io
import threading
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QLineEdit, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QMessageBox, QProgressBar, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)
from superqt.utils import create_worker

from engine import datasets, mnist_lab
from engine.store import Workspace
from gui.panels.results import ResultsView, thumbnail
from gui.panels.try_digit import TryDigit

COLUMNS = ["Architecture", "Parameters", "Optimizer", "Epochs", "CPU s", "Error"]
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def sample_grid(images: np.ndarray, columns: int = 8) -> np.ndarray:
    """Tile the first images (N, 28, 28) into one uint8 picture, ``columns`` wide."""
    count = min(len(images), columns * 4)
    rows = -(-count // columns)
    h, w = images.shape[1:3]
    grid = np.zeros((rows * (h + 2), columns * (w + 2)), np.uint8)
    for i in range(count):
        r, c = divmod(i, columns)
        grid[r * (h + 2) + 1 : r * (h + 2) + 1 + h, c * (w + 2) + 1 : c * (w + 2) + 1 + w] = images[i]
    return grid


class TrainingJob(QObject):
    """Runs mnist_lab.train in a worker thread; turns its callbacks into signals."""

    progress = Signal(str, int, int, int, object)  # object: no dict conversion across threads
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel = threading.Event()

    def start(self, layers, optimizer: dict, data: datasets.ImageSet, **options) -> None:
        """Train in a worker: options are mnist_lab.train's (epochs, batch_size, loss, seed, title)."""
        self.cancel.clear()
        create_worker(mnist_lab.train, layers, optimizer, data, **options,
                      report=lambda *args: self.progress.emit(*args), cancel=self.cancel,
                      _connect={"returned": self.finished.emit,
                                "errored": lambda error: self.failed.emit(str(error))})


class MnistPanel(QWidget):
    """Data, preset, Train / Stop, progress with ETA, live curves and the comparison table."""

    def __init__(self, workspace: Workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.data: datasets.ImageSet | None = None
        self.runs: list[mnist_lab.RunResult] = []
        self.run_data: list[datasets.ImageSet] = []  # the data each run was trained and tested on
        self.job = TrainingJob(self)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        layout.addLayout(left, 0)
        data_box = QGroupBox("Data")
        data_form = QVBoxLayout(data_box)
        self.dataset = QComboBox()
        self.dataset.addItems(["Fashion-MNIST", "MNIST", "IDX folder…"])
        self.dataset.activated.connect(self._dataset_chosen)
        self.samples = QLabel("No data loaded")
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        data_form.addWidget(self.dataset)
        data_form.addWidget(self.samples)
        left.addWidget(data_box)

        train_box = QGroupBox("Network")
        form = QFormLayout(train_box)
        self.preset = QComboBox()
        for key, preset in mnist_lab.PRESETS.items():
            self.preset.addItem(f"{preset.title} · {preset.optimizer['name']}", key)
            self.preset.setItemData(self.preset.count() - 1,
                                    f"{preset.parameters:,} parameters. {preset.note} "
                                    + (f"Course: {preset.epochs} epochs, {100 * preset.course_error:.2f}% error."
                                     if preset.course_error == preset.course_error else ""),
                                    Qt.ItemDataRole.ToolTipRole)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setValue(128)
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.train)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.job.cancel.set)
        self.layers = QLineEdit()
        self.layers.setToolTip("Comma-separated: dense N [act], conv NxK [act] [same], pool, "
                               "dropout R, batchnorm, augment [flip] [shift F]. Activations: " + ", ".join(mnist_lab.ACTIVATIONS)
                               + ". A softmax output layer is added.")
        self.optimizer = QComboBox()
        self.optimizer.addItems(mnist_lab.OPTIMIZERS)
        self.optimizer.currentTextChanged.connect(self._optimizer_chosen)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(0.00001, 10.0)
        self.learning_rate.setSingleStep(0.001)
        self.loss = QComboBox()
        self.loss.addItems(list(mnist_lab.LOSSES))
        self.seed = QSpinBox()
        self.seed.setRange(0, 999999)
        self.schedule = QComboBox()
        self.schedule.addItems(["constant", "cosine"])
        self.schedule.setToolTip("cosine: the learning rate falls to zero along a cosine by the "
                                 "last epoch, or by the time budget when that ends first")
        self.budget = QSpinBox()
        self.budget.setRange(0, 600)
        self.budget.setSuffix(" min")
        self.budget.setSpecialValueText("none")
        self.budget.setToolTip("The course's challenge: the best test accuracy in 1, 5 or 15 "
                               "minutes of training. Training stops when the budget is spent.")
        form.addRow("Preset", self.preset)
        form.addRow("Layers", self.layers)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Loss", self.loss)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate schedule", self.schedule)
        form.addRow("Time budget", self.budget)
        form.addRow("Seed", self.seed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.bar = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        form.addRow(self.bar)
        form.addRow(self.status)
        left.addWidget(train_box)
        left.addStretch(1)

        right = QVBoxLayout()
        layout.addLayout(right, 1)
        self.loss_plot = pg.PlotWidget(title="Loss per epoch (solid: train, dashed: test)")
        self.accuracy_plot = pg.PlotWidget(title="Accuracy per epoch")
        self.loss_plot.addLegend(offset=(-10, 10))  # losses fall: top right stays clear
        self.accuracy_plot.addLegend(offset=(-10, -30))  # accuracies rise: bottom right
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setBackground("w")
            plot.showGrid(x=True, y=True, alpha=0.3)
            plot.setLabel("bottom", "epoch")
        curves = QWidget()
        plots = QHBoxLayout(curves)
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)
        self.results = ResultsView()
        self.views = QTabWidget()
        self.views.addTab(curves, "Curves")
        self.views.addTab(self.results, "Confusion matrix and mistakes")
        self.try_digit = TryDigit(self._model_and_names)
        self.views.addTab(self.try_digit, "Try it")
        right.addWidget(self.views, 2)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(lambda *_: self._redraw_curves())
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._show_results)
        right.addWidget(self.table, 1)
        export = QHBoxLayout()
        for text, kind in (("Export CSV…", "csv"), ("Export Markdown…", "md")):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=kind: self._export_dialog(k))
            export.addWidget(button)
        export.addStretch(1)
        right.addLayout(export)
        self._live: dict[str, list[float]] = {}
        self._preset_chosen()

    def chosen_run(self) -> int | None:
        """The index of the run selected in the table, else of the newest run."""
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.runs):
            return rows[0].row()
        return len(self.runs) - 1 if self.runs else None

    def _model_and_names(self):
        i = self.chosen_run()
        return None if i is None else (self.runs[i].model, self.run_data[i].class_names)

    def _show_results(self) -> None:
        i = self.chosen_run()
        if i is not None and self.runs[i].predicted is not None:
            data = self.run_data[i]
            self.results.show_results(data.x_test, data.y_test, self.runs[i].predicted,
                                      data.class_names)

    # -- data --------------------------------------------------------------------------------
    def _dataset_chosen(self, index: int) -> None:
        try:
            if index == 2:
                folder = QFileDialog.getExistingDirectory(self, "A folder of IDX files")
                if not folder:
                    return
                self.set_data(datasets.load_idx_folder(folder))
            else:
                self.set_data(datasets.load_fashion_mnist() if index == 0 else datasets.load_mnist())
        except (datasets.DatasetUnavailable, ValueError) as error:
            self.status.setText(str(error))

    def set_data(self, data: datasets.ImageSet) -> None:
        self.data = data
        self.samples.setPixmap(thumbnail(sample_grid(data.x_train), 1.5))
        labels = ", ".join(data.class_names[int(k)] for k in data.y_train[:8])
        self.samples.setToolTip(f"First row: {labels}")
        self.status.setText(f"{data.name}: {len(data.x_train):,} training and "
                            f"{len(data.x_test):,} test images, {len(data.class_names)} classes")

    def _preset_chosen(self, *_) -> None:
        preset = mnist_lab.PRESETS[self.preset.currentData()]
        self.epochs.setValue(preset.epochs)
        self.batch.setValue(preset.batch_size)
        self.schedule.setCurrentText(preset.schedule)
        self.layers.setText(mnist_lab.describe_layers(preset.layers))
        self.optimizer.setCurrentText(preset.optimizer["name"])
        self._optimizer_chosen(preset.optimizer["name"])
        self.loss.setCurrentText("cross-entropy")
        self._preset_form = self._form()
        self.preset.setToolTip(self.preset.itemData(self.preset.currentIndex(),
                                                    Qt.ItemDataRole.ToolTipRole))

    def _optimizer_chosen(self, name: str) -> None:
        preset = mnist_lab.PRESETS[self.preset.currentData()]
        settings = {**mnist_lab.COURSE_DEFAULTS[name],
                    **(preset.optimizer if preset.optimizer["name"] == name else {})}
        self.learning_rate.setValue(settings["learning_rate"])

    def _form(self) -> tuple:
        return (self.layers.text(), self.optimizer.currentText(), self.learning_rate.value(),
                self.loss.currentText())

    def network(self) -> tuple[list, dict, str]:
        """The layers, optimizer and title the form describes: the preset's while the form still
        holds what the preset filled in, else a custom network titled by its layers."""
        layers = mnist_lab.parse_layers(self.layers.text())
        preset = mnist_lab.PRESETS[self.preset.currentData()]
        name = self.optimizer.currentText()
        optimizer = dict(preset.optimizer) if preset.optimizer["name"] == name else {"name": name}
        optimizer["learning_rate"] = self.learning_rate.value()
        title = preset.title if self._form() == self._preset_form else self.layers.text()
        return layers, optimizer, title

    # -- training ----------------------------------------------------------------------------
    def train(self) -> None:
        if self.data is None:
            self._dataset_chosen(self.dataset.currentIndex())
            if self.data is None:
                return
        try:
            layers, optimizer, title = self.network()
        except ValueError as error:
            self.status.setText(str(error))
            return
        self._training_data, self._training_epochs = self.data, self.epochs.value()
        self._budget = 60 * self.budget.value()
        self._live = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
        self._started = time.perf_counter()
        self.train_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.job.start(layers, optimizer, self.data, epochs=self.epochs.value(),
                       batch_size=self.batch.value(), loss=self.loss.currentText(),
                       seed=self.seed.value(), title=title, schedule=self.schedule.currentText(),
                       time_limit=60 * self.budget.value() or None)

    def _progress(self, kind: str, epoch: int, batch: int, batches: int, logs: dict) -> None:
        epochs = self._training_epochs
        done = (epoch + batch / max(batches or 1, 1)) / epochs
        elapsed = time.perf_counter() - self._started
        if self._budget:  # a time budget ends the run first when it is shorter
            done = min(max(done, elapsed / self._budget), 1.0)
        self.bar.setValue(round(1000 * done))
        eta = elapsed / done - elapsed if done > 0 else 0
        self.bar.setFormat(f"epoch {epoch + 1}/{epochs} · {100 * done:.0f}% · ETA {eta:.0f} s")
        if kind == "epoch":
            for key in self._live:
                if key in logs:
                    self._live[key].append(float(logs[key]))
            self._redraw_curves()

    def _finished(self, result: mnist_lab.RunResult) -> None:
        self.train_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.runs.append(result)
        self.run_data.append(self._training_data)
        data = self._training_data
        self._live = {}
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        values = [result.title, f"{result.parameters:,}", result.optimizer,
                  str(result.epochs_done), f"{result.seconds:.0f}", f"{100 * result.test_error:.2f}%"]
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            if column == 0:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
            self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        note = " (stopped)" if result.stopped else ""
        preset = self.preset.currentData()
        base = preset if result.title == mnist_lab.PRESETS[preset].title else "custom"
        name = f"{base}-{data.name.lower()}-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            info = self.workspace.save_model(
                result.model, data.class_names, data.x_train.shape[1:3], "mnist",
                self.workspace.free_model_name(name), base=base,
                layers=mnist_lab.describe_layers(mnist_lab.parse_layers(result.title))
                if base == "custom" else mnist_lab.describe_layers(mnist_lab.PRESETS[preset].layers),
                dataset=data.name, test_error=result.test_error)
            self.status.setText(f"Done{note}: test error {100 * result.test_error:.2f}%. "
                                f"Saved {info.path.name} to the workspace.")
        except OSError as error:
            self.status.setText(f"Done{note}, but the model could not be saved: {error}")
        self.bar.setFormat("done" + note)
        self._redraw_curves()
        self._show_results()

    def _failed(self, message: str) -> None:
        self.train_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.status.setText(f"Training failed: {message}")

    def _redraw_curves(self) -> None:
        self.loss_plot.clear()
        self.accuracy_plot.clear()
        curves = [(i, f"#{i + 1} {run.title.split(' (')[0]}", run.history)
                  for i, run in enumerate(self.runs) if self._ticked(i)]
        if self._live:
            curves.append((len(self.runs), f"#{len(self.runs) + 1} training…", self._live))
        for i, label, history in curves:
            colour = PALETTE[i % len(PALETTE)]
            for key, plot in (("loss", self.loss_plot), ("accuracy", self.accuracy_plot)):
                for name, style in ((key, Qt.PenStyle.SolidLine), (f"val_{key}", Qt.PenStyle.DashLine)):
                    values = history.get(name, [])
                    if values:
                        plot.plot(range(1, len(values) + 1), values, symbol="o", symbolSize=5,
                                  pen=pg.mkPen(colour, width=2, style=style), symbolBrush=colour,
                                  name=label if name == key else None)

    def _ticked(self, row: int) -> bool:
        item = self.table.item(row, 0)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    # -- export ------------------------------------------------------------------------------
    def table_rows(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(len(COLUMNS))]
                for r in range(self.table.rowCount())]

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(self.table_rows())
        return out.getvalue()

    def as_markdown(self) -> str:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---:|---|---:|---:|---:|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.table_rows()]
        return "\n".join(lines) + "\n"

    def _export_dialog(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the table",
                                              str(self.workspace.root / f"runs.{kind}"))
        if path:
            from engine.store import atomic_write_bytes

            try:
                atomic_write_bytes(Path(path), (self.as_csv() if kind == "csv" else self.as_markdown()).encode())
            except OSError as error:
                QMessageBox.warning(self, "Not exported", f"{path} could not be written: {error}")
