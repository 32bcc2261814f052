"""Try a trained digit classifier: draw with the mouse, or show a digit on paper to the camera."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine import backend
from engine.mnist.digits import frame_to_mnist, to_mnist
from engine.models.labels import top_k
from gui.widgets.draw_pad import DrawPad
from gui.widgets.label_bars import LabelBars
from gui.widgets.results import thumbnail

NO_MODEL = "No model answers yet. Train a run or open a saved model first."
OTHER_RUN = "Select another run in the table to try it instead."


class TryDigit(QWidget):
    """A drawing pad, what the network gets (28x28), its top-3 answer and which model answers.

    ``model_and_names()`` gives the model to try, its class names and a line saying which model
    it is (the model None, and the line why there is none yet, while it cannot answer), or None
    when there is no run at all.
    """

    def __init__(self, model_and_names: Callable[[], tuple | None], parent=None):
        super().__init__(parent)
        self._model_and_names = model_and_names
        self._forward, self._forward_model = None, None
        self._digit: np.ndarray | None = None  # the newest digit shown, answered again later
        self.setToolTip("Draw a digit, or tick 'Read the camera' and show one on paper")
        layout = QHBoxLayout(self)
        column = QVBoxLayout()
        self.pad = DrawPad()
        self.pad.changed.connect(lambda: self.classify_digit(to_mnist(self.pad.pixels())))
        clear = QPushButton("Clear")
        clear.clicked.connect(self.pad.clear)
        self.use_camera = QCheckBox("Read the camera")
        self.use_camera.setToolTip("Centre of the live video: dark digit on light paper")
        for widget in (self.pad, clear, self.use_camera):
            column.addWidget(widget)
        column.addStretch(1)
        layout.addLayout(column)
        column = QVBoxLayout()
        self.answering = QLabel()
        self.answering.setWordWrap(True)
        self.answering.setMinimumWidth(240)
        self.answering.setMinimumHeight(3 * self.answering.fontMetrics().lineSpacing())
        self.seen = QLabel()
        self.seen.setFixedSize(84, 84)
        self.seen.setToolTip("What the network gets: 28x28, white on black, centred")
        self.bars = LabelBars()
        self.bars.setMinimumWidth(240)
        column.addWidget(self.answering)
        column.addWidget(self.seen)
        column.addWidget(self.bars)
        column.addStretch(1)
        layout.addLayout(column)
        layout.addStretch(1)
        self.refresh_model()

    def refresh_model(self) -> tuple | None:
        """Say which model answers (the chosen run changed); returns model_and_names()."""
        chosen = self._model_and_names()
        if chosen is None:
            self.answering.setText(NO_MODEL)
        elif chosen[0] is None:
            self.answering.setText(chosen[2])
        else:
            self.answering.setText(f"Answering: {chosen[2]}. {OTHER_RUN}")
        return chosen

    def classify_digit(self, digit: np.ndarray) -> list[tuple[str, float]]:
        """Show the 28x28 digit and the model's top-3 for it."""
        self.seen.setPixmap(thumbnail(digit, 3))
        self._digit = digit
        chosen = self.refresh_model()
        if chosen is None or chosen[0] is None:
            self.bars.show_labels([])
            return []
        model, names, _ = chosen
        if self._forward_model is not model:
            self._forward, self._forward_model = backend.compiled_forward(model), model
        probabilities = self._forward((digit.astype(np.float32) / 255.0)[None, ..., None])
        labels = top_k(probabilities, names, 3)
        self.bars.show_labels(labels)
        return labels

    def answer_again(self) -> list[tuple[str, float]]:
        """Answer the newest digit again (the model that answers changed), or just say which
        model answers when nothing was drawn yet."""
        if self._digit is None:
            self.refresh_model()
            return []
        return self.classify_digit(self._digit)

    def show_camera_frame(self, frame: np.ndarray) -> None:
        """Read a digit from a live frame if the person asked (called a few times a second)."""
        if self.use_camera.isChecked():
            self.classify_digit(frame_to_mnist(frame))
