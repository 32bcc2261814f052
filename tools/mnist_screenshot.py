"""Picture of the MNIST lab tab after two short Fashion-MNIST runs (offscreen Qt, real widgets).

    .venv/bin/python tools/mnist_screenshot.py docs/mnist_lab.png

Needs Debian's dataset-fashion-mnist. Trains LeNet-5 and the Dense 300 MLP for 3 epochs on
6,000 images, draws a 7 on the pad, and saves the window with the confusion matrix open.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from engine.data import datasets
from engine.workspace.store import Workspace
from tools.shots import open_window, save, wait


def main() -> int:
    output = sys.argv[1] if len(sys.argv) > 1 else "docs/mnist_lab.png"
    app = QApplication([])
    window = open_window(Workspace(tempfile.mkdtemp()), 1300, 760)
    window.tabs.setCurrentWidget(window.mnist)
    panel = window.mnist
    panel.set_data(datasets.load_fashion_mnist().subset(6000, 1000))
    for key in ("lenet5", "mlp-adadelta"):
        panel.preset.setCurrentIndex(panel.preset.findData(key))
        panel.epochs.setValue(3)
        runs = len(panel.runs)
        panel.train()
        wait(app, lambda: len(panel.runs) > runs, 300)
    panel.views.setCurrentWidget(panel.results)
    for start, end in (((60, 40), (130, 40)), ((130, 40), (80, 160))):
        panel.try_digit.pad.stroke(QPoint(*start), QPoint(*end))
    wait(app, lambda: False, 0.3)
    return save(window, output)


if __name__ == "__main__":
    sys.exit(main())
