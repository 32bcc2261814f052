"""Fine-tuning results: live curves for both stages, per-class accuracy, and a confusion matrix
whose cells open the validation images behind them."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHeaderView, QLabel

from gui.panels.collect_train.thumbs import ThumbnailFiller, icon_grid
from gui.widgets.curves import Series, TrainingCurves
from gui.widgets.results import ResultsView

STAGES = {"head": "#1f77b4", "fine-tuning": "#d62728"}


class FileResultsView(ResultsView):
    """ResultsView over image files: the gallery decodes its thumbnails in a worker."""

    def __init__(self, parent=None):
        super().__init__(parent)
        icon_grid(self.gallery, 72)
        self.filler = ThumbnailFiller(self.gallery, 72)
        self.per_class = QLabel()
        self.per_class.setWordWrap(True)
        self.layout().insertWidget(0, self.per_class)
        for header in (self.matrix.horizontalHeader(), self.matrix.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # no empty corner
        self.matrix.setToolTip(
            "Rows: true class, columns: predicted class. Click a cell to see "
            "the validation images behind it."
        )
        self.layout().setStretchFactor(self.matrix, 2)
        self.layout().setStretchFactor(self.gallery, 3)
        self.caption.setWordWrap(True)
        self.caption.setText("Train to see per-class accuracy and where the model goes wrong.")

    def show_outcome(self, outcome) -> None:
        if outcome.confusion is None:
            self.per_class.setText("No validation images: nothing to measure.")
            self.matrix.setRowCount(0)
            self.filler.show([])
            return
        counts = outcome.confusion.sum(axis=1)
        self.per_class.setText(
            f"Validation accuracy {100 * outcome.accuracy:.1f}%  ·  "
            + "  ·  ".join(
                f"{name}: {100 * a:.0f}% of {n}" if n else f"{name}: no images"
                for name, a, n in zip(outcome.class_names, outcome.per_class_accuracy(), counts)
            )
            + "\nRows: true class, columns: predicted. Click a cell to see its images."
        )
        truth = np.array([item.label for item in outcome.validation])
        self.show_results(
            [item.path for item in outcome.validation],
            truth,
            outcome.predicted,
            outcome.class_names,
        )

    def show_indices(self, indices, caption: str) -> None:
        self.caption.setText(caption.replace("test images", "validation images"))
        indices = [int(i) for i in indices]
        self.filler.show(
            [self._images[i] for i in indices],
            [
                f"{self._images[i].name}: true {self._names[self._truth[i]]}, "
                f"predicted {self._names[self._predicted[i]]}"
                for i in indices
            ],
            data=indices,
        )


class Curves(TrainingCurves):
    """Loss and accuracy per epoch, train solid and validation dashed; stage 2 follows stage 1."""

    def __init__(self, parent=None):
        super().__init__(
            key="Solid: training, dashed: validation. Blue: stage 1 (the head), red: stage 2 "
            "(fine-tuning).",
            side_by_side=False,
            parent=parent,
        )
        self.clear()

    def clear(self) -> None:
        self.history = {stage: {} for stage in STAGES}
        self.redraw()

    def add(self, stage: str, logs: dict) -> None:
        for key, value in logs.items():
            self.history[stage].setdefault(key, []).append(float(value))
        self.redraw()

    def redraw(self) -> None:
        series, first = [], 1
        for stage, colour in STAGES.items():
            series.append(Series(stage, colour, self.history[stage], first))
            first += len(self.history[stage].get("loss", []))
        self.draw(series)
