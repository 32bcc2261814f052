"""The selected run's test results: its name above a confusion matrix whose axes are titled
(true class down the side, predicted class along the top), and the images behind its cells;
a run restored from the workspace before its data set is loaded shows its matrix and says where
its images are."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from gui.widgets.results import ResultsView

TRUE_TITLE = "true class"
PREDICTED_TITLE = "predicted class"
NO_RUN = "No run yet: train one to see where it goes wrong."


class SideTitle(QWidget):
    """A line of text read bottom to top, as a plot's vertical axis title."""

    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.text = text

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.height() + 4, metrics.horizontalAdvance(self.text) + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.translate(0, self.height())
        painter.rotate(-90)
        painter.drawText(0, 0, self.height(), self.width(), Qt.AlignmentFlag.AlignCenter, self.text)
        painter.end()


class RunResults(ResultsView):
    """ResultsView with the run it shows named above it and the matrix's axes titled."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._missing = ""  # where a restored run's images are, while they are not loaded
        layout = self.layout()
        layout.removeWidget(self.matrix)
        self.run_title = QLabel(NO_RUN)
        self.run_title.setWordWrap(True)
        self.predicted_title = QLabel(PREDICTED_TITLE)
        self.predicted_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.true_title = SideTitle(TRUE_TITLE)
        self.true_title.setToolTip("Rows: the true class of the test images")
        self.predicted_title.setToolTip("Columns: the class the network chose")
        grid = QGridLayout()
        grid.setSpacing(2)
        grid.addWidget(self.predicted_title, 0, 1)
        grid.addWidget(self.true_title, 1, 0)
        grid.addWidget(self.matrix, 1, 1)
        layout.insertWidget(0, self.run_title)
        layout.insertLayout(1, grid, 3)

    def show_run(
        self, title: str, images, truth, predicted, names: list[str], missing: str = ""
    ) -> None:
        """Show a run's results, ``title`` (its number, network and data) above them; with
        ``images`` None the cells still count, and ``missing`` says where the images are."""
        self.run_title.setText(title)
        self._missing = missing
        self.show_results(images, truth, predicted, names)

    def show_nothing(self, title: str) -> None:
        """A run with no test predictions to show: ``title`` says so, the matrix is empty."""
        self.run_title.setText(title)
        self._images = self._truth = self._predicted = None
        self.matrix.setRowCount(0)
        self.matrix.setColumnCount(0)
        self.caption.setText("")
        self.gallery.clear()

    def show_indices(self, indices, caption: str) -> None:
        if self._images is None:
            self.caption.setText(f"{caption}. {self._missing}")
            self.gallery.clear()
            return
        super().show_indices(indices, caption)
