"""The Adversarial tab, alone beside a live view with a model (or none), and in the real window
with its frozen live frame and the live 'Attack every frame' tool."""

from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog

from engine.mnist import lab
from gui.core.jobs import Job
from gui.panels.adversarial.panel import AdversarialPanel
from tests.helpers.files import real_data
from tests.helpers.frames import SolidSource
from tests.helpers.gui import StandInLink, live_classifier, show_alone, wait_for_attack


@pytest.fixture
def panel(qtbot, workspace, colour_info):
    """The Adversarial panel alone, beside a live view that runs the colour model."""
    return show_alone(qtbot, AdversarialPanel(StandInLink(workspace, live_classifier(colour_info))))


def test_an_image_file_is_attacked_and_the_slider_recomputes(panel, qtbot, tmp_path):
    picture = np.zeros((40, 60, 3), np.uint8)
    picture[...] = (120, 132, 110)  # greenish, but not by much
    Image.fromarray(picture).save(tmp_path / "greenish.png")
    assert panel.load_image(tmp_path / "greenish.png")
    crafted = wait_for_attack(panel, qtbot, eps=8.0)  # FGSM at 8 / 255
    assert panel.bars[0].texts()[0] == "green"
    assert panel.bars[2].texts()[0] != "green"  # fooled
    assert len(panel.bars[0].texts()) == len(panel.bars[2].texts()) == 3
    assert "fooled" in panel.captions[2].text() and "not" not in panel.captions[2].text()
    assert "L∞ 8.0" in panel.measures.text() and "PSNR" in panel.measures.text()
    assert "8 / 255 = 0.031" in panel.eps_label.text()
    first = [view.pixmap().toImage() for view in panel.views]
    assert all(not image.isNull() for image in first)

    panel.eps.setValue(2)
    crafted = wait_for_attack(panel, qtbot, eps=2.0)
    assert np.abs(crafted.adversarial.astype(int) - crafted.clean).max() == 2
    assert panel.bars[2].texts()[0] == "green"  # too small to fool it
    second = [view.pixmap().toImage() for view in panel.views]
    assert second[0] == first[0] and second[2] != first[2]
    # FGSM's picture is eps * sign(gradient): the same after amplification, by another factor
    assert second[1] == first[1] and "× 63.5" in panel.captions[1].text()  # 127 / 2

    saved = panel.save_png(tmp_path / "out.jpg")
    assert saved.suffix == ".png"
    np.testing.assert_array_equal(np.asarray(Image.open(saved)), crafted.adversarial)
    assert "JPEG" in panel.save_button.toolTip()


def test_quick_slider_moves_end_with_the_newest_setting(panel, qtbot):
    panel.method.setCurrentText("PGD L∞")
    panel.set_image(np.full((32, 32, 3), 128, np.uint8), "grey")
    for eps in (3, 9, 17, 30, 12):
        panel.eps.setValue(eps)
    crafted = wait_for_attack(panel, qtbot, eps=12.0)
    qtbot.wait(300)
    assert panel.crafted is crafted and np.abs(crafted.adversarial.astype(int) - 128).max() == 12


def test_the_frozen_live_frame_with_a_targeted_attack(make_window, qtbot, colour_info):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    panel = window.adversarial
    window.tabs.setCurrentWidget(panel)
    panel.method.setCurrentText("PGD L∞")
    panel.target_class.setCurrentIndex(panel.target_class.findData(2))  # blue
    panel.eps.setValue(64)
    panel.source.setCurrentIndex(0)
    panel.freeze_live_frame()
    crafted = wait_for_attack(panel, qtbot, eps=64.0)
    assert crafted.spec.target_class == 2 and crafted.clean.shape == (32, 32, 3)
    assert crafted.clean_top[0][0] == "green"
    blue = dict(crafted.adversarial_top)["blue"]
    assert blue > 1000 * dict(crafted.clean_top)["blue"]  # pushed towards the target
    assert crafted.adversarial[..., 2].mean() > crafted.clean[..., 2].mean() + 30


class GreenishSource(SolidSource):
    """Green by a margin a small attack can overcome."""

    def read(self):
        frame = np.zeros((120, 160, 3), np.uint8)
        frame[...] = (120, 140, 110)
        return frame


def test_the_live_toggle_shows_clean_and_attacked_predictions(make_window, qtbot, colour_info):
    window = make_window(GreenishSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    tool = window.adversarial.live_tool
    assert tool.parent() is not None and window.panel.tools.isVisibleTo(window)
    tool.method.setCurrentText("PGD, 3 steps")
    tool.eps.setValue(16)
    tool.toggle.setChecked(True)
    qtbot.waitUntil(lambda: tool.attacked.texts() != [], timeout=20000)
    assert tool.clean.texts()[0] == "green" and len(tool.attacked.texts()) == 3
    qtbot.waitUntil(lambda: tool.attacked.texts()[0] != "green", timeout=5000)  # fooled
    assert tool.summary.text().startswith("Fooled: L∞ 16")
    assert "attack" in window.view.painters
    tool.toggle.setChecked(False)
    assert "attack" not in window.view.painters and tool.attacked.texts() == []


def test_robustness_curve_runs_stops_and_exports(qtbot, workspace, tmp_path, monkeypatch):
    real_data(Path("/usr/share/datasets/fashion-mnist"))
    model = lab.build_network([lab.dense(16, "relu")], seed=0)
    info = workspace.save_model(model, [str(i) for i in range(10)], (28, 28), "mnist", "tiny")
    panel = show_alone(qtbot, AdversarialPanel(StandInLink(workspace)))  # no live model
    box = panel.robustness
    box.run()  # the live view has no model
    assert "Choose a model" in box.status.text()
    panel.choose_model(info)
    qtbot.waitUntil(lambda: panel.classifier is not None, timeout=20000)
    panel.source.setCurrentIndex(2)  # a Fashion-MNIST test image, as the model reads them
    panel.index.setValue(3)
    crafted = wait_for_attack(panel, qtbot)
    sample = panel._datasets["Fashion-MNIST"].x_test[3]
    # attacked in its one channel, drawn white on black as the IDX file stores it
    np.testing.assert_array_equal(crafted.clean[..., 0], sample)
    assert "test image 3 (" in panel.status.text() or "→" in panel.status.text()
    box.count.setValue(40)
    box.eps.setText("0, 4, 16")
    box.run()
    qtbot.waitUntil(lambda: not box.running, timeout=60000)
    assert box.curve is not None and not box.curve.stopped
    items = box.plot.getPlotItem().listDataItems()
    assert [item.name() for item in items] == ["FGSM", "PGD L∞"]
    np.testing.assert_array_equal(items[1].getData()[0], [0, 4, 16])
    asked = []
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda parent, title, start, kinds: (
            asked.append(start) or (str(tmp_path / "curve.csv"), kinds)
        ),
    )
    box.export_button.click()
    assert asked == [str(workspace.root / "robustness.csv")]  # starts in the workspace
    lines = (tmp_path / "curve.csv").read_text().splitlines()
    assert lines[0].startswith("eps (0-255),eps (fraction)") and len(lines) == 4

    box.count.setValue(2000)
    box.run()
    qtbot.waitUntil(lambda: box.bar.maximum() > 1, timeout=20000)
    box.stop_button.click()
    qtbot.waitUntil(lambda: not box.running, timeout=30000)
    assert box.curve.stopped and box.status.text().startswith("Stopped")

    drawn = box.curve
    box.run()  # the window closes during a curve: it ends at once and draws nothing
    qtbot.waitUntil(lambda: box.bar.value() > 0, timeout=30000)
    panel.shutdown()
    assert all(job.wait(0) for job in panel.findChildren(Job))
    qtbot.wait(300)
    assert box.curve is drawn
    keras.backend.clear_session()
