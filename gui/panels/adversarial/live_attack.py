"""The live view's 'Attack every frame' tool: clean and attacked predictions side by side."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.adversarial.attacks import AttackSpec
from engine.adversarial.robustness import LiveAttack
from gui.core.live_link import LiveLink
from gui.widgets.label_bars import LabelBars

PROBE = "attack"
CHOICES = {"FGSM": ("FGSM", 1), "PGD, 3 steps": ("PGD L∞", 3), "PGD, 10 steps": ("PGD L∞", 10)}
RESTING = "The live model rests (a panel trains, or a model loads); the attack resumes with it."


def paint_attacked(frame: np.ndarray, value: dict) -> np.ndarray:
    """The frame with the attacked model input (RGB, or a gray network's one channel) in its
    top-right corner, framed in red."""
    out = frame.copy()
    h, w = out.shape[:2]
    side = max(48, min(h, w) // 3)
    image = value["image"]
    if image.ndim == 2 or image.shape[-1] == 1:
        image = np.repeat(image.reshape(*image.shape[:2], 1), 3, axis=-1)
    inset = cv2.resize(image, (side, side), interpolation=cv2.INTER_NEAREST)
    out[2 : 2 + side, w - side - 2 : w - 2] = inset
    cv2.rectangle(out, (w - side - 3, 1), (w - 2, side + 2), (230, 30, 30), 2)
    return out


class LiveAttackTool(QWidget):
    """A toggle that installs the LiveAttack probe on the live stream, the attack's settings,
    and two columns of labels: what the network says on the clean frame and on the attacked one.

    While the live labels rest (``link.resting``: a panel trains, or a model loads), the
    columns are emptied and ``resting`` is set; the next result fills them.
    """

    def __init__(self, link: LiveLink, parent=None):
        super().__init__(parent)
        self.link = link
        self.probe = LiveAttack(k=3)
        self.resting = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QCheckBox("Attack every frame")
        self.toggle.setToolTip(
            "Each frame is attacked against the model's own answer before it "
            "is classified again; the attacked input shows in the corner"
        )
        self.method = QComboBox()
        self.method.addItems(list(CHOICES))
        self.eps = QSpinBox()
        self.eps.setRange(1, 64)
        self.eps.setValue(4)
        self.eps.setPrefix("ε ")
        self.eps.setToolTip("Pixel units of the 0-255 image")
        grid = QGridLayout()
        grid.addWidget(self.toggle, 0, 0, 1, 2)
        grid.addWidget(self.method, 1, 0)
        grid.addWidget(self.eps, 1, 1)
        self.clean_title, self.attacked_title = QLabel("Clean"), QLabel("Attacked")
        self.attacked_title.setStyleSheet("color: #b00020;")
        self.clean, self.attacked = LabelBars(), LabelBars()
        grid.addWidget(self.clean_title, 2, 0)
        grid.addWidget(self.attacked_title, 2, 1)
        grid.addWidget(self.clean, 3, 0)
        grid.addWidget(self.attacked, 3, 1)
        layout.addLayout(grid)
        self.summary = QLabel()
        self.summary.setWordWrap(True)  # a long line would widen the tools' column
        layout.addWidget(self.summary)
        self._set_visible(False)
        self.toggle.toggled.connect(self.set_enabled)
        self.method.currentTextChanged.connect(self._update_spec)
        self.eps.valueChanged.connect(self._update_spec)
        link.result.connect(self.show_result)
        link.resting.connect(self.rest)
        self._update_spec()

    def _set_visible(self, on: bool) -> None:
        for widget in (
            self.clean_title,
            self.attacked_title,
            self.clean,
            self.attacked,
            self.summary,
        ):
            widget.setVisible(on)

    def _update_spec(self, *_) -> None:
        method, steps = CHOICES[self.method.currentText()]
        self.probe.spec = AttackSpec(method, float(self.eps.value()), steps)

    def set_enabled(self, on: bool) -> None:
        self.link.set_probe(PROBE, self.probe if on else None, paint_attacked if on else None)
        self._set_visible(on)
        self.resting = False
        self.summary.setText("")
        if not on:
            self.clean.show_labels([])
            self.attacked.show_labels([])

    def rest(self, resting: bool) -> None:
        """The live labels rest (empty the columns: they would be stale) or may come back."""
        if not resting or not self.toggle.isChecked():
            return
        self.resting = True
        self.clean.show_labels([])
        self.attacked.show_labels([])
        self.summary.setText(RESTING)

    def show_result(self, result) -> None:
        value = result.extras.get(PROBE)
        if value is None or not self.toggle.isChecked():
            return
        self.resting = False
        self.clean.show_labels(value["clean"])
        self.attacked.show_labels(value["attacked"])
        fooled = value["clean"][0][0] != value["attacked"][0][0]
        self.summary.setText(
            ("Fooled: " if fooled else "Not fooled: ") + f"L∞ {value['stats']['linf']:.0f}, "
            f"PSNR {value['stats']['psnr']:.1f} dB"
        )
