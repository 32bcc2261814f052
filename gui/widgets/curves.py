"""Loss and accuracy per epoch as training goes: solid for training, dashed for validation;
training within epochs too, when a run recorded it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget

STYLES = (("", Qt.PenStyle.SolidLine), ("val_", Qt.PenStyle.DashLine))


class Series(NamedTuple):
    """One curve pair's data: a Keras history in one colour, its first epoch numbered
    ``first_epoch`` (a second training stage follows the first). ``steps``, when given, holds
    the training curve within epochs (``{"epoch": fractional epochs from 0, "loss": [...],
    "accuracy": [...]}``), drawn as the solid line instead of the per-epoch points."""

    label: str
    colour: str
    history: dict
    first_epoch: int = 1
    steps: dict | None = None


class TrainingCurves(QWidget):
    """A loss plot and an accuracy plot, side by side or one above the other."""

    def __init__(
        self,
        loss_title: str = "Loss",
        accuracy_title: str = "Accuracy",
        *,
        key: str = "",
        side_by_side: bool = True,
        parent=None,
    ):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if key:  # a line above the plots: a long plot title would widen its plot past the view
            self.key = QLabel(key)
            self.key.setWordWrap(True)
            layout.addWidget(self.key)
        self.loss_plot = pg.PlotWidget(title=loss_title)
        self.accuracy_plot = pg.PlotWidget(title=accuracy_title)
        self.loss_plot.addLegend(offset=(-10, 10))  # losses fall: the top right stays clear
        self.accuracy_plot.addLegend(offset=(-10, -30))  # accuracies rise: the bottom right
        plots = QBoxLayout(
            QBoxLayout.Direction.LeftToRight if side_by_side else QBoxLayout.Direction.TopToBottom
        )
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setBackground("w")
            plot.showGrid(x=True, y=True, alpha=0.3)
            plot.setLabel("bottom", "epoch")
            plots.addWidget(plot)
        layout.addLayout(plots)
        self.draw([])

    def draw(self, series: Iterable[Series]) -> None:
        """Redraw every series; with nothing to draw, say what will appear."""
        self.loss_plot.clear()
        self.accuracy_plot.clear()
        for label, colour, history, first, steps in series:
            for key, plot in (("loss", self.loss_plot), ("accuracy", self.accuracy_plot)):
                for prefix, style in STYLES:
                    pen = pg.mkPen(colour, width=2, style=style)
                    name = label if not prefix else None
                    if not prefix and steps and steps.get(key):
                        x = [first - 1 + epoch for epoch in steps["epoch"]]
                        plot.plot(x, steps[key], pen=pen, name=name)
                        continue
                    values = history.get(prefix + key, [])
                    if values:
                        plot.plot(
                            range(first, first + len(values)),
                            values,
                            symbol="o",
                            symbolSize=5,
                            symbolBrush=colour,
                            pen=pen,
                            name=name,
                        )
        if not self.points():
            for plot, what in ((self.loss_plot, "loss"), (self.accuracy_plot, "accuracy")):
                hint = pg.TextItem(f"{what}: drawn while training", color="#777", anchor=(0.5, 0.5))
                hint.setPos(0.5, 0.5)
                plot.addItem(hint)

    def points(self) -> int:
        """How many points the loss plot draws, training and validation."""
        return sum(len(item.xData) for item in self.loss_plot.listDataItems())
