"""The live panel: model picker, top-k bars, k and smoothing controls."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.label_bars import LabelBars
from gui.widgets.model_picker import ModelPicker

TOP_K, TOP_K_RANGE = 5, (1, 20)  # labels shown, by default and at most
ALPHA, ALPHA_RANGE = 0.95, (0.0, 0.99)  # smoothing, in hundredths on the slider


class LivePanel(QWidget):
    """Controls beside the live view. Emits what the person changed; the window acts on it."""

    model_chosen = Signal(object)
    top_k_changed = Signal(int)
    smoothing_changed = Signal(float)

    def __init__(
        self, zoo_names, list_workspace, top_k: int = TOP_K, alpha: float = ALPHA, parent=None
    ):
        super().__init__(parent)
        layout = QVBoxLayout(self)

        model_box = QGroupBox("Model")
        model_layout = QVBoxLayout(model_box)
        self.picker = ModelPicker(zoo_names, list_workspace)
        self.picker.currentIndexChanged.connect(
            lambda i: self.model_chosen.emit(self.picker.itemData(i))
        )
        self.busy = QProgressBar()
        self.busy.setVisible(False)
        self.message = QPlainTextEdit()  # wraps long file names anywhere, lets them be copied
        self.message.setReadOnly(True)
        self.message.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.message.setStyleSheet("color: #b00020; background: transparent;")
        self.message.setFrameShape(QFrame.Shape.NoFrame)
        self.message.setMinimumHeight(300)
        self.message.setVisible(False)
        model_layout.addWidget(self.picker)
        model_layout.addWidget(self.busy)
        model_layout.addWidget(self.message)
        layout.addWidget(model_box)

        predictions = QGroupBox("What the network sees")
        predictions_layout = QVBoxLayout(predictions)
        self.bars = LabelBars()
        predictions_layout.addWidget(self.bars)
        layout.addWidget(predictions)

        settings = QGroupBox("Display")
        form = QFormLayout(settings)
        self.k_spin = QSpinBox()
        self.k_spin.setRange(*TOP_K_RANGE)
        self.k_spin.setValue(top_k)
        self.k_spin.valueChanged.connect(self.top_k_changed.emit)
        form.addRow("Top-k labels", self.k_spin)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(*(round(end * 100) for end in ALPHA_RANGE))
        self.smoothing.setValue(round(alpha * 100))
        self.smoothing_value = QLabel(f"{alpha:.2f}")
        self.smoothing.valueChanged.connect(self._smoothing_moved)
        form.addRow("Smoothing α", self.smoothing)
        form.addRow("", self.smoothing_value)
        layout.addWidget(settings)

        self.tools = QGroupBox("Live tools")  # toggles that other panels add (add_tool)
        self.tools_layout = QVBoxLayout(self.tools)
        self.tools.setVisible(False)
        layout.addWidget(self.tools)

        hint = QLabel("Keys: s snapshot · space pause · q quit")
        hint.setStyleSheet("color: gray;")
        layout.addWidget(hint)
        layout.addStretch(1)

    def add_tool(self, widget: QWidget) -> None:
        """Add a live toggle from another panel (Grad-CAM overlay, attack every frame)."""
        self.tools_layout.addWidget(widget)
        self.tools.setVisible(True)

    @property
    def alpha(self) -> float:
        return self.smoothing.value() / 100

    def _smoothing_moved(self, value: int) -> None:
        self.smoothing_value.setText(f"{value / 100:.2f}")
        self.smoothing_changed.emit(value / 100)

    def set_loading(self, label: str | None) -> None:
        """Show an indeterminate busy bar while ``label`` loads (None hides it)."""
        self.busy.setVisible(label is not None)
        if label is not None:
            self.busy.setRange(0, 0)
            self.busy.setFormat(f"Loading {label}…")
            self.show_message("")

    def set_download(self, done: int, total: int) -> None:
        """Switch the busy bar to a determinate download bar."""
        if total > 0:
            self.busy.setRange(0, 1000)
            self.busy.setValue(round(1000 * done / total))
            self.busy.setFormat(f"Downloading weights: {done / 1e6:.1f} / {total / 1e6:.1f} MB")

    def show_message(self, text: str) -> None:
        self.message.setPlainText(text)
        self.message.setVisible(bool(text))
