"""Picture of the Inspect tab on a small network trained here (offscreen Qt, real widgets).

    .venv/bin/python tools/inspect_screenshot.py docs/inspect.png [--view activations]

Needs Debian's dataset-fashion-mnist. Trains the course's 'cnn' preset for 2 epochs on 6,000
Fashion-MNIST images, saves it to a throwaway workspace, picks it in the Inspect tab, opens a
test image (a sneaker, drawn dark on light as a camera would see it) and shows one view;
``--view live`` shows the Live tab with the Grad-CAM overlay on the demo stream instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QApplication

from engine.data import datasets
from engine.mnist import lab
from engine.workspace.store import Workspace
from tools.shots import open_window, save, wait


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", nargs="?", default="docs/inspect.png")
    parser.add_argument(
        "--view",
        default="activations",
        choices=["filters", "activations", "features", "gradcam", "live"],
    )
    args = parser.parse_args()
    workspace = Workspace(tempfile.mkdtemp())
    data = datasets.load_fashion_mnist().subset(6000, 1000)
    result = lab.train_preset("cnn", data, epochs=2)
    info = workspace.save_model(result.model, data.class_names, (28, 28), "mnist", "fashion-cnn")
    sneaker = data.x_test[np.flatnonzero(data.y_test == 7)[0]]
    picture = Path(workspace.root) / "sneaker.png"
    Image.fromarray(255 - sneaker).resize((112, 112), Image.NEAREST).convert("RGB").save(picture)

    app = QApplication([])
    window = open_window(workspace, 1300, 780, model=info)
    panel = window.inspect
    window.tabs.setCurrentWidget(panel)
    wait(app, lambda: panel.inspector is not None, 60)
    if args.view == "live":  # the Live tab with the Grad-CAM overlay on the demo stream
        window.tabs.setCurrentIndex(0)
        panel.gradcam_toggle.setChecked(True)
        wait(app, lambda: "gradcam" in window.view.values, 30)
        wait(app, lambda: False, 1.0)
        return save(window, args.output)
    panel.open_image(picture)
    view = {
        "filters": panel.filters,
        "activations": panel.activations,
        "features": panel.features,
        "gradcam": panel.gradcam,
    }[args.view]
    panel.views.setCurrentWidget(view)
    if args.view == "activations":
        convs = [i.path for i in panel.inspector.convolutions()]
        panel.select_layer(convs[0])
        wait(app, lambda: panel.activations.maps is not None, 30)
        panel.activations.grid.setCurrentRow(0)
    elif args.view == "features":
        panel.select_layer(panel.inspector.convolutions()[-1].path)
        panel.features.steps.setValue(128)
        panel.run_feature()
        wait(app, lambda: panel.features.picture.image is not None, 300)
    elif args.view == "gradcam":
        panel.explain()
        wait(app, lambda: panel.gradcam.cam.image is not None, 60)
    wait(app, lambda: False, 0.5)
    return save(window, args.output)


if __name__ == "__main__":
    sys.exit(main())
