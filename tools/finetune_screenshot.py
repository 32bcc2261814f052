"""Picture of the 'Collect & train' tab after a short run on the ants and bees photos.

    xvfb-run -a env QT_QPA_PLATFORM=xcb .venv/bin/python tools/finetune_screenshot.py \
        docs/finetune.png

Opens ../shared/data/hymenoptera read-only as a project, trains a head on DenseNet121 with random
weights (no ImageNet weights on this machine, so the accuracy is modest) for 40 epochs at
learning rate 0.01, and saves the window with the confusion matrix and the misclassified photos.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from engine.workspace.store import Workspace
from tools.shots import open_window, wait

BASE = "DenseNet121"  # random MobileNetV2 embeddings are ~1e-12: nothing for a head to learn
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hymenoptera"


def main() -> int:
    output = sys.argv[1] if len(sys.argv) > 1 else "docs/finetune.png"
    app = QApplication([])
    window = open_window(Workspace(tempfile.mkdtemp()), 1500, 820)
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)
    panel.collect.bar.open_folder(DATA)
    panel.collect.classes.setCurrentRow(1)
    wait(app, lambda: panel.collect.dataset is not None and panel.collect.thumbs.pending == 0, 120)
    panel.form.base.setCurrentIndex(panel.form.base.findData(BASE))
    panel.form.weights.setCurrentIndex(panel.form.weights.findData(None))
    panel.form.epochs.setValue(40)
    panel.form.learning_rate.setValue(0.01)
    panel.form.name.setText("ants-vs-bees")
    panel.train()
    wait(app, lambda: panel.form.train_button.isEnabled(), 900)
    panel.views.setCurrentWidget(panel.results)
    wait(app, lambda: panel.results.filler.pending == 0, 60)
    wait(app, lambda: False, 0.5)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(output)
    print(panel.form.status.text())
    window.close()
    QThreadPool.globalInstance().waitForDone(30000)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
