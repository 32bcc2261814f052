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


def paint_attacked(frame: np.ndarray, value: dict) -> np.ndarray:
    """The frame with the attacked model input in its top-right corner, framed in red."""
    out = frame.copy()
    h, w = out.shape[:2]
    side = max(48, min(h, w) // 3)
    inset = cv2.resize(value["image"], (side, side), interpolation=cv2.INTER_NEAREST)
    out[2 : 2 + side, w - side - 2 : w - 2] = inset
    cv2.rectangle(out, (w - side - 3, 1), (w - 2, side + 2), (230, 30, 30), 2)
    return out


class LiveAttackTool(QWidget):
    """A toggle that installs the LiveAttack probe on the live stream, the attack's settings,
    and two columns of labels: what the network says on the clean frame and on the attacked one.
    """

    def __init__(self, link: LiveLink, parent=None):
        super().__init__(parent)
        self.link = link
        self.probe = LiveAttack(k=3)
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
        layout.addWidget(self.summary)
        self._set_visible(False)
        self.toggle.toggled.connect(self.set_enabled)
        self.method.currentTextChanged.connect(self._update_spec)
        self.eps.valueChanged.connect(self._update_spec)
        link.result.connect(self.show_result)
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
        if not on:
            self.clean.show_labels([])
            self.attacked.show_labels([])

    def show_result(self, result) -> None:
        value = result.extras.get(PROBE)
        if value is None or not self.toggle.isChecked():
            return
        self.clean.show_labels(value["clean"])
        self.attacked.show_labels(value["attacked"])
        fooled = value["clean"][0][0] != value["attacked"][0][0]
        self.summary.setText(
            ("Fooled: " if fooled else "Not fooled: ") + f"L∞ {value['stats']['linf']:.0f}, "
            f"PSNR {value['stats']['psnr']:.1f} dB"
        )
