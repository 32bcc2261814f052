"""Train in the real window: the base prepared on picking, and the live model resting.

    QT_QPA_PLATFORM=offscreen python bench/finetune_window.py    # 2 classes x 100 images

Drives the app's MainWindow on the demo stream (offscreen) with the 'Collect & train' panel on
bench/finetune.py's JPEGs, MobileNetV2 (weights=None) as the base, 25 epochs, no embedding cache
(it is cleared before each run), and prints the time from pressing Train to the saved model:
  - Train pressed at once after picking the base, against pressed once the panel has built and
    compiled it (it does that in a worker when a choice stays put);
  - with a live MobileNetV2 classifying the stream: the live model resting while the panel
    trains (what the app does) against it running beside training, runs alternated.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from bench.finetune import make_images
from engine import backend
from engine.live import sources
from engine.live.stream import LiveStream
from engine.models import zoo
from engine.workspace.store import Workspace
from gui.main_window import MainWindow
from gui.panels.collect_train import base as bases


def main() -> int:
    app = QApplication.instance() or QApplication([])

    def wait(condition, seconds=600.0):
        deadline = time.perf_counter() + seconds
        while not condition() and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.01)

    tmp = Path(tempfile.mkdtemp())
    make_images(tmp / "data", 2, 100)
    workspace = Workspace(tmp / "ws")
    window = MainWindow(
        LiveStream(sources.SyntheticSource(320, 240, fps=30)), workspace, model=None, cameras=[]
    )
    window.show()
    window.start()
    panel, form = window.finetune, window.finetune.form
    window.tabs.setCurrentWidget(panel)
    panel.collect.bar.open_folder(tmp / "data")
    form.epochs.setValue(25)
    random_weights = form.weights.findData(None)

    def pick_base():
        bases._BASES.clear()
        form.weights.setCurrentIndex(random_weights)
        form.weights.activated.emit(random_weights)

    def train(name: str) -> float:
        shutil.rmtree(workspace.cache_dir, ignore_errors=True)
        form.name.setText(name)
        start = time.perf_counter()
        form.train_button.click()
        wait(lambda: form.train_button.isEnabled())
        assert form.status.text().startswith("Saved"), form.status.text()
        return time.perf_counter() - start

    print(
        f"# bench/finetune_window.py: 2 classes x 100 images, MobileNetV2 (weights=None), "
        f"25 epochs, Keras {backend.name()} on {backend.describe_device()}"
    )
    print("| run | Train to saved model s |\n|---|---:|")
    pick_base()
    print(f"| Train at once after picking the base | {train('at-once'):.1f} |", flush=True)
    pick_base()
    wait(lambda: False, 10)  # the panel builds and compiles the base meanwhile
    print(f"| Train once the base is prepared | {train('prepared'):.1f} |", flush=True)

    live = zoo.zoo_classifier("MobileNetV2", None)
    live.warm_up()
    window.stream.set_classifier(live)
    hold = window.hold_live
    for n, rests in enumerate((True, False) * 3):
        window.hold_live = hold if rests else (lambda *args: None)
        wait(lambda: False, 3)
        before = window.stream.frames_classified
        seconds = train(f"live-{n}")
        what = "resting (the app)" if rests else "running beside training"
        print(
            f"| live MobileNetV2 {what}, {window.stream.frames_classified - before} frames "
            f"classified meanwhile | {seconds:.1f} |",
            flush=True,
        )
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
