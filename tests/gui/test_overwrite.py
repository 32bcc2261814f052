"""Saving over a file asks in the window (never on the console), or the app picks a new name."""

import builtins
import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.data import datasets
from gui.core.live_link import LiveLink
from gui.panels.adversarial.panel import AdversarialPanel
from gui.panels.mnist_lab.panel import MnistPanel
from tests.helpers.files import write_idx_folder
from tests.helpers.gui import StandInLink, live_classifier, show_alone, wait_for_attack


@pytest.fixture
def console(monkeypatch):
    """Every question asked on the console (Keras' overwrite=False would ask there)."""
    asked = []
    monkeypatch.setattr(builtins, "input", lambda *a: asked.append(a) or "n")
    return asked


def test_a_png_saved_under_a_typed_jpeg_name_asks_before_replacing(
    qtbot, workspace, colour_info, tmp_path, monkeypatch, console
):
    link = StandInLink(workspace, live_classifier(colour_info))
    panel = show_alone(qtbot, AdversarialPanel(link))
    panel.set_image(np.full((32, 32, 3), 128, np.uint8), "grey")
    crafted = wait_for_attack(panel, qtbot)
    earlier = tmp_path / "attack.png"
    earlier.write_bytes(b"an earlier image")
    # the file dialog asked about attack.jpg, which does not exist; attack.png is what is written
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "attack.jpg"), "")
    )
    answers, asked = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes], []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or answers.pop(0))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and f"{earlier} already exists" in asked[0]
    assert earlier.read_bytes() == b"an earlier image"
    assert panel.status.text() == "Not saved: attack.png is kept as it was."
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2
    np.testing.assert_array_equal(np.asarray(Image.open(earlier)), crafted.adversarial)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "new.jpg"), "")
    )
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2 and (tmp_path / "new.png").is_file()  # nothing to replace: no question
    assert not (tmp_path / "attack.jpg").exists() and console == []


def test_mnist_runs_finished_in_the_same_second_keep_both_models(
    qtbot, workspace, tmp_path, monkeypatch, console
):
    panel = MnistPanel(LiveLink(workspace))
    qtbot.addWidget(panel)
    panel.set_data(datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=200)))
    panel.preset.setCurrentIndex(panel.preset.findData("mlp-adadelta"))
    panel.epochs.setValue(1)
    monkeypatch.setattr(time, "strftime", lambda *a: "20250101-120000")  # one frozen second
    saved = []
    for run in (1, 2):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.table.rowCount() == run, timeout=60000)
        saved.append({p.name: p.read_bytes() for p in workspace.models_dir.iterdir()})
    stem = "mlp-adadelta-idx-20250101-120000"
    assert sorted(saved[0]) == [f"{stem}.json", f"{stem}.keras"]
    assert sorted(saved[1]) == sorted([*saved[0], f"{stem}-2.json", f"{stem}-2.keras"])
    assert all(saved[1][name] == data for name, data in saved[0].items())  # the first is intact
    assert f"Saved {stem}-2 to the workspace" in panel.status.text() and console == []
