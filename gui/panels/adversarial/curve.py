"""Robustness curve: a model's accuracy against epsilon over a test set, for FGSM and PGD."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
)

from engine.adversarial.attacks import Target
from engine.adversarial.robustness import (
    RobustnessCurve,
    frame_pixels,
    robustness_curve,
    sample_frame,
)
from engine.data import datasets
from engine.workspace.store import atomic_write_bytes
from gui.core.jobs import Job

METHODS = ("FGSM", "PGD L∞")
COLOURS = {"FGSM": "#1f77b4", "PGD L∞": "#d62728"}
LOADERS = {"Fashion-MNIST": lambda: datasets.load_fashion_mnist(), "MNIST": datasets.load_mnist}


def parse_eps(text: str) -> list[float]:
    """'0, 2, 4 8' -> [0, 2, 4, 8]; ValueError says what to type."""
    try:
        values = sorted({float(v) for v in text.replace(",", " ").split()})
    except ValueError:
        raise ValueError(
            "Epsilons: type numbers in 0-255 pixel units, e.g. 0, 2, 4, 8, 16"
        ) from None
    if not values or values[0] < 0 or values[-1] > 255:
        raise ValueError("Epsilons: type numbers between 0 and 255, e.g. 0, 2, 4, 8, 16")
    return values


def dataset_pixels(data: datasets.ImageSet, target: Target, count: int):
    """The first ``count`` test images as the pixels ``target`` takes, with their labels."""
    if target.classes != len(data.class_names):
        raise ValueError(
            f"{target.name} has {target.classes} classes and {data.name} has "
            f"{len(data.class_names)}: pick a model trained on {data.name} (train one "
            f"in the MNIST lab, then choose it under Model)"
        )
    images = data.x_test[:count]
    pixels = np.stack([frame_pixels(sample_frame(image, target), target) for image in images])
    return pixels, data.y_test[:count]


class RobustnessBox(QGroupBox):
    """Dataset, size, epsilons, Run / Stop with a progress bar, the plotted curve, CSV export.

    ``target()`` gives the model to measure (a Target) or None; ``steps()`` the PGD steps.
    """

    def __init__(
        self,
        target: Callable[[], Target | None],
        steps: Callable[[], int],
        folder: Path,
        parent=None,
    ):
        super().__init__("Robustness curve: accuracy against ε", parent)
        self._target, self._steps, self._folder = target, steps, Path(folder)
        self.curve: RobustnessCurve | None = None
        self.job = Job(self, "robustness curve")
        self.job.progress.connect(self._progress)
        self.job.result.connect(self._finished)
        self.job.failure.connect(self._failed)
        layout = QHBoxLayout(self)
        form = QFormLayout()
        self.dataset = QComboBox()
        self.dataset.addItems(list(LOADERS))
        self.count = QSpinBox()
        self.count.setRange(10, 10000)
        self.count.setValue(200)
        self.eps = QLineEdit("0, 2, 4, 8, 16, 32")
        self.eps.setToolTip("ε values in pixel units of the 0-255 image (8 = 0.031 of the range)")
        self.run_button, self.stop_button = QPushButton("Run"), QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.job.stop)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_dialog)
        self.bar = QProgressBar()
        self.status = QLabel("Uses the model chosen above, FGSM and PGD (steps as above).")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.stop_button, self.export_button):
            buttons.addWidget(button)
        form.addRow("Test images", self.dataset)
        form.addRow("How many", self.count)
        form.addRow("ε values", self.eps)
        form.addRow(buttons)
        form.addRow(self.bar)
        form.addRow(self.status)
        column = QVBoxLayout()
        column.addLayout(form)
        column.addStretch(1)
        layout.addLayout(column, 0)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "ε (0-255 pixel units)")
        self.plot.setLabel("left", "accuracy")
        self.plot.setYRange(0, 1)
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setMinimumHeight(160)
        # take the height that is left, not pyqtgraph's tall size hint (the panel scrolls)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        layout.addWidget(self.plot, 1)

    @property
    def running(self) -> bool:
        """Whether a curve is being computed."""
        return self.job.running

    def run(self) -> None:
        target = self._target()
        if target is None:
            self.status.setText("Choose a model first (Model, above).")
            return
        try:
            eps = parse_eps(self.eps.text())
        except ValueError as error:
            self.status.setText(str(error))
            return
        loader, count, steps = (
            LOADERS[self.dataset.currentText()],
            self.count.value(),
            self._steps(),
        )
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.bar.setRange(0, 0)
        self.status.setText("Loading the test images…")

        def work(run):
            pixels, labels = dataset_pixels(loader(), target, count)
            return robustness_curve(
                target,
                pixels,
                labels,
                eps,
                METHODS,
                steps=steps,
                report=run.report,
                cancel=run.cancel,
            )

        self.job.start(work)

    @Slot(object)
    def _progress(self, report: tuple) -> None:
        """robustness_curve's report: (batches done, batches, the curve so far)."""
        done, total, curve = report
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        self.status.setText(f"Attacking {curve.count} images: {done}/{total} batches")
        self._draw(curve)

    @Slot(object)
    def _finished(self, curve: RobustnessCurve) -> None:
        self._stopped_running()
        self.curve = curve
        self._draw(curve)
        self.export_button.setEnabled(True)
        pgd = curve.accuracy[METHODS[1]]
        summary = (
            (
                f"; PGD accuracy {pgd[0]:.0%} at ε={curve.eps[0]:g} → {pgd[-1]:.0%} at "
                f"ε={curve.eps[len(pgd) - 1]:g}"
            )
            if pgd
            else ""
        )
        self.status.setText(
            ("Stopped" if curve.stopped else "Done") + f" on {curve.count} images" + summary
        )

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        self._stopped_running()
        self.status.setText(f"The curve could not be computed: {message}")

    def _stopped_running(self) -> None:
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)

    def _draw(self, curve: RobustnessCurve) -> None:
        self.plot.clear()
        for method, values in curve.accuracy.items():
            values = list(values)
            if values:
                self.plot.plot(
                    curve.eps[: len(values)],
                    values,
                    name=method,
                    symbol="o",
                    symbolSize=6,
                    pen=pg.mkPen(COLOURS[method], width=2),
                    symbolBrush=COLOURS[method],
                )

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the curve", str(self._folder / "robustness.csv"), "CSV (*.csv)"
        )
        if path:
            self.export(path)

    def export(self, path: str | Path) -> bool:
        try:
            atomic_write_bytes(Path(path), self.curve.to_csv().encode())
        except OSError as error:
            QMessageBox.warning(self, "Not exported", f"{path} could not be written: {error}")
            return False
        self.status.setText(f"Saved {path}")
        return True
