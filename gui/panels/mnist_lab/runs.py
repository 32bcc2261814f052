"""The runs of the MNIST lab: their loss and accuracy curves, one colour a run, and the
comparison table whose ticks choose the curves shown, exported as CSV or Markdown."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from engine.mnist import lab

COLUMNS = ["Architecture", "Parameters", "Optimizer", "Epochs", "CPU s", "Error"]
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


class Curves(QWidget):
    """Loss and accuracy per epoch side by side: solid for training, dashed for test."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(title="Loss per epoch (solid: train, dashed: test)")
        self.accuracy_plot = pg.PlotWidget(title="Accuracy per epoch")
        self.loss_plot.addLegend(offset=(-10, 10))  # losses fall: top right stays clear
        self.accuracy_plot.addLegend(offset=(-10, -30))  # accuracies rise: bottom right
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setBackground("w")
            plot.showGrid(x=True, y=True, alpha=0.3)
            plot.setLabel("bottom", "epoch")
        plots = QHBoxLayout(self)
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)

    def draw(self, curves: list[tuple[int, str, dict]]) -> None:
        """Redraw from (run number, legend, Keras history) triples; the number picks the colour."""
        self.loss_plot.clear()
        self.accuracy_plot.clear()
        for i, label, history in curves:
            colour = PALETTE[i % len(PALETTE)]
            for key, plot in (("loss", self.loss_plot), ("accuracy", self.accuracy_plot)):
                for name, style in (
                    (key, Qt.PenStyle.SolidLine),
                    (f"val_{key}", Qt.PenStyle.DashLine),
                ):
                    values = history.get(name, [])
                    if values:
                        plot.plot(
                            range(1, len(values) + 1),
                            values,
                            symbol="o",
                            symbolSize=5,
                            pen=pg.mkPen(colour, width=2, style=style),
                            symbolBrush=colour,
                            name=label if name == key else None,
                        )


class RunTable(QTableWidget):
    """One row a finished run, ticked (its curves shown) when it is added."""

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeader().setStretchLastSection(True)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)

    def add_run(self, result: lab.RunResult) -> None:
        """Append ``result``'s row without signalling a change of its items."""
        row = self.rowCount()
        self.blockSignals(True)
        self.insertRow(row)
        values = [
            result.title,
            f"{result.parameters:,}",
            result.optimizer,
            str(result.epochs_done),
            f"{result.seconds:.0f}",
            f"{100 * result.test_error:.2f}%",
        ]
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
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
        lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---:|---|---:|---:|---:|"]
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
