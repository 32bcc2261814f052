"""Picture of the MNIST lab tab after two short Fashion-MNIST runs (offscreen Qt, real widgets).

    .venv/bin/python tools/mnist_screenshot.py docs/mnist_lab.png

Needs Debian's dataset-fashion-mnist. Trains LeNet-5 and the Dense 300 MLP for 3 epochs on
6,000 images, draws a 7 on the pad, and saves the window with the confusion matrix open.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import datasets, sources  # noqa: E402
from engine.store import Workspace  # noqa: E402
from engine.stream import LiveStream  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402


def wait(app, condition, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    output = sys.argv[1] if len(sys.argv) > 1 else "docs/mnist_lab.png"
    app = QApplication([])
    window = MainWindow(LiveStream(sources.SyntheticSource()), Workspace(tempfile.mkdtemp()),
                        model=None, cameras=[])
    window.resize(1300, 760)
    window.show()
    window.start()
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
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(output)
    window.close()
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
