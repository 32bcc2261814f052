"""Original | amplified perturbation | adversarial, each with its top-5, and the perturbation's
norms and PSNR."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine.adversarial.robustness import Crafted
from gui.core.images import to_qimage
from gui.widgets.label_bars import LabelBars

VIEW = 196  # 7 x 28: MNIST pixels stay square
TOP = 5  # labels under each picture


def reserve_rows(bars: LabelBars, rows: int) -> None:
    """Keep the height of ``rows`` labels for ``bars``, so that what is below does not jump
    when the first attack fills them."""
    bars.show_labels([(" ", 0.0)] * rows)
    bars.ensurePolished()
    for child in bars.findChildren(QWidget):
        child.ensurePolished()
    bars.setMinimumHeight(bars.sizeHint().height())
    bars.show_labels([])


def pixmap(image: np.ndarray, side: int = VIEW) -> QPixmap:
    """An RGB or grayscale uint8 image scaled to ``side`` pixels (nearest neighbour: pixels
    stay visible)."""
    return QPixmap.fromImage(to_qimage(image)).scaled(
        side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class AttackView(QWidget):
    """Three captioned pictures over their prediction bars, and a line of measures."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.views, self.captions, self.bars = [], [], []
        for column, title in enumerate(("Original", "Perturbation", "Adversarial")):
            caption, view, bars = QLabel(title), QLabel(), LabelBars()
            bars.setStyleSheet("QProgressBar { max-height: 13px; font-size: 9px; }")
            bars.layout().setSpacing(1)
            reserve_rows(bars, TOP)
            view.setFixedSize(VIEW, VIEW)
            view.setAlignment(Qt.AlignmentFlag.AlignCenter)
            view.setStyleSheet("background: #181818;")
            grid.addWidget(caption, 0, column)
            grid.addWidget(view, 1, column)
            grid.addWidget(bars, 2, column, Qt.AlignmentFlag.AlignTop)
            self.views.append(view)
            self.captions.append(caption)
            self.bars.append(bars)
        layout.addLayout(grid)
        self.measures = QLabel()
        self.measures.setMinimumHeight(2 * self.measures.fontMetrics().lineSpacing())  # no jump
        layout.addWidget(self.measures)

    def show_crafted(self, crafted: Crafted) -> None:
        for view, picture in zip(
            self.views, (crafted.clean, crafted.perturbation, crafted.adversarial)
        ):
            view.setPixmap(pixmap(picture))
        for bars, labels in zip(
            self.bars, (crafted.clean_top, crafted.perturbation_top, crafted.adversarial_top)
        ):
            bars.show_labels(labels)
        self.captions[1].setText(f"Perturbation × {crafted.factor:.1f} (grey = 0)")
        fooled = crafted.clean_top[0][0] != crafted.adversarial_top[0][0]
        self.captions[2].setText("Adversarial: " + ("fooled" if fooled else "not fooled"))
        self.measures.setText(measures(crafted))


def measures(crafted: Crafted) -> str:
    """The perturbation's norms where it was made (the network's channels, 0-255 units), its
    PSNR, and its size at the network's input when the preprocessing's scale is known."""
    stats = crafted.stats
    h, w, channels = crafted.clean.shape
    space = "one gray channel" if channels == 1 else f"{channels} channels"
    text = (
        f"Perturbation in the network's input, {w}×{h}, {space} (0-255 units): "
        f"L∞ {stats['linf']:.1f} · L2 {stats['l2']:.1f} · PSNR {stats['psnr']:.1f} dB"
    )
    if "input_linf" in stats:
        text += (
            f"\nAt its input layer (after its preprocessing): L∞ {stats['input_linf']:.4f} · "
            f"L2 {stats['input_l2']:.3f}"
        )
    return text
