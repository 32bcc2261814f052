"""Picture of the Adversarial tab: LeNet-5 trained briefly on Fashion-MNIST, one test image
attacked with PGD, and the robustness curve (offscreen Qt, real widgets).

    .venv/bin/python tools/adversarial_screenshot.py docs/adversarial.png

Needs Debian's dataset-fashion-mnist.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from engine.data import datasets
from engine.mnist import lab
from engine.workspace.store import Workspace
from tools.shots import open_window, save, wait


def main() -> int:
    output = sys.argv[1] if len(sys.argv) > 1 else "docs/adversarial.png"
    app = QApplication([])
    workspace = Workspace(tempfile.mkdtemp())
    data = datasets.load_fashion_mnist()
    lenet = lab.PRESETS["lenet5"]
    result = lab.train(lenet.layers, lenet.optimizer, data.subset(12000, 1000), epochs=3)
    info = workspace.save_model(
        result.model, data.class_names, (28, 28), "mnist", "lenet5-fashion-mnist", base="lenet5"
    )
    window = open_window(workspace, 1300, 860, model=None)
    panel = window.adversarial
    window.tabs.setCurrentWidget(panel)
    panel.choose_model(info)
    wait(app, lambda: panel.classifier is not None, 60)
    panel.method.setCurrentText("PGD L∞")
    panel.eps.setValue(16)
    panel.index.setValue(0)
    panel.source.setCurrentIndex(2)
    panel.load_test_image("Fashion-MNIST", 0)
    wait(app, lambda: panel.crafted is not None and not panel.job.running, 60)
    box = panel.robustness
    box.count.setValue(500)
    box.run()
    wait(app, lambda: box.running, 5)
    wait(app, lambda: not box.running, 600)
    wait(app, lambda: False, 0.3)
    return save(window, output)


if __name__ == "__main__":
    sys.exit(main())
