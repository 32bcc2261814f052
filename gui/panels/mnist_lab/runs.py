"""The runs of the MNIST lab: their loss and accuracy curves, one colour a run, and the
comparison table whose ticks choose the curves shown, exported as CSV or Markdown."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
)

from engine.mnist import lab
from gui.widgets.curves import Series, TrainingCurves

COLUMNS = ["Architecture", "Parameters", "Optimizer", "Epochs", "CPU s", "Error", "Images"]
MODEL_COLUMN = "Model"  # shown after the course's columns, not exported
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


class Curves(TrainingCurves):
    """Loss and accuracy side by side, one colour a run: solid training (within epochs too),
    dashed test (after each epoch)."""

    def __init__(self, parent=None):
        super().__init__(
            "Loss per epoch",
            "Accuracy per epoch",
            key="Solid: training, dashed: test. One colour a run; the ticks in the table choose "
            "the runs shown.",
            parent=parent,
        )

    def draw_runs(self, curves: list[tuple[int, str, dict, dict | None]]) -> None:
        """Redraw from (run number, legend, Keras history, StepCurve points or None); the number
        picks the colour."""
        self.draw(
            [
                Series(label, PALETTE[i % len(PALETTE)], history, 1, steps)
                for i, label, history, steps in curves
            ]
        )


class RunTable(QTableWidget):
    """One row a finished run, ticked (its curves shown) when it is added, with the model it was
    saved as (or why it has none) after the course's columns."""

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS) + 1, parent)
        self.setHorizontalHeaderLabels([*COLUMNS, MODEL_COLUMN])
        self.horizontalHeader().setStretchLastSection(True)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)

    def add_run(self, result: lab.RunResult, model: str = "") -> None:
        """Append ``result``'s row, ``model`` in the last column, without signalling a change
        of its items."""
        row = self.rowCount()
        self.blockSignals(True)
        self.insertRow(row)
        values = [
            result.title,
            f"{result.parameters:,}",
            result.optimizer,
            f"{result.epochs_done} (stopped)" if result.cut_short else str(result.epochs_done),
            f"{result.seconds:.0f}" if math.isfinite(result.seconds) else "—",
            f"{100 * result.test_error:.2f}%" if math.isfinite(result.test_error) else "—",
            f"{result.training_images:,}",
            model,
        ]
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            if column == len(COLUMNS):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if column == 0:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
            self.setItem(row, column, item)
        self.blockSignals(False)
        self.resizeColumnsToContents()

    def ticked(self, row: int) -> bool:
        item = self.item(row, 0)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    # -- export ------------------------------------------------------------------------------
    def rows(self) -> list[list[str]]:
        return [
            [self.item(r, c).text() for c in range(len(COLUMNS))] for r in range(self.rowCount())
        ]

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(self.rows())
        return out.getvalue()

    def as_markdown(self) -> str:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---:|---|---:|---:|---:|---:|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows()]
        return "\n".join(lines) + "\n"

    def export_dialog(self, kind: str, folder: Path) -> None:
        """Ask where, starting in ``folder``, and write the table as ``kind`` ("csv" or "md")."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the table", str(folder / f"runs.{kind}")
        )
        if path:
            from engine.workspace.store import atomic_write_bytes

            try:
                atomic_write_bytes(
                    Path(path), (self.as_csv() if kind == "csv" else self.as_markdown()).encode()
                )
            except OSError as error:
                QMessageBox.warning(self, "Not exported", f"{path} could not be written: {error}")
