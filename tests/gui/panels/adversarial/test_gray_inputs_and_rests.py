"""What a first hour in the Adversarial tab showed (issue 16): a gray network's attack drawn in
colour and Fashion-MNIST drawn inverted, 'Choose an input.' beside a chosen input, and the
'Attack every frame' bars kept while the live labels rest."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from engine.data import datasets
from engine.live.frames import Frame, Result
from engine.mnist import lab
from gui.panels.adversarial import live_attack
from gui.panels.adversarial.live_attack import RESTING, LiveAttackTool
from gui.panels.adversarial.panel import NO_INPUT, AdversarialPanel
from tests.helpers.files import write_idx_folder
from tests.helpers.frames import SolidSource
from tests.helpers.gui import StandInLink, choose, live_classifier, show_alone, wait_for_attack


def drawn(view) -> np.ndarray:
    """The picture a view draws, as RGB uint8 (H, W, 3)."""
    image = view.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()


@pytest.fixture
def fashion(tmp_path, monkeypatch):
    """A small Fashion-MNIST-style set (white on black, as the IDX files store it)."""
    data = datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=20, n_test=10))
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda *args: data)
    return data


def test_a_gray_network_is_attacked_and_drawn_in_gray_white_on_black(qtbot, workspace, fashion):
    model = lab.build_network([lab.dense(16, "relu")], seed=0)  # 28x28x1, as the MNIST lab's
    info = workspace.save_model(model, fashion.class_names, (28, 28), "mnist", "gray")
    panel = AdversarialPanel(StandInLink(workspace, live_classifier(info)))
    show_alone(qtbot, panel)
    panel.method.setCurrentText("PGD L∞")  # its random start differed per RGB channel
    panel.eps.setValue(16)
    panel.index.setValue(4)
    choose(panel.source, "Fashion-MNIST test image")
    crafted = wait_for_attack(panel, qtbot, eps=16.0)
    sample = fashion.x_test[4]
    assert crafted.clean.shape == crafted.adversarial.shape == (28, 28, 1)
    np.testing.assert_array_equal(crafted.clean[..., 0], sample)  # not 255 - sample
    pictures = [drawn(view) for view in panel.views]
    for picture in pictures:
        assert picture.shape == (196, 196, 3)
        assert (picture[..., 0] == picture[..., 1]).all() and (
            picture[..., 1] == picture[..., 2]
        ).all()
    # the original as the MNIST lab draws it: each pixel a 7x7 block of its own gray value
    np.testing.assert_array_equal(pictures[0][3::7, 3::7, 0], sample)
    assert pictures[2][3::7, 3::7, 0].astype(int).mean() < 128  # a garment on black, not inverted
    assert np.abs(crafted.adversarial.astype(int) - crafted.clean).max() == 16
    text = panel.measures.text()
    assert "one gray channel" in text and "L∞ 16.0" in text
    assert "L∞ 0.0627" in text  # 16 / 255: what the network's x / 255 input saw


def test_the_input_box_and_the_hint_agree(qtbot, workspace, colour_info):
    link = StandInLink(workspace, live_classifier(colour_info))
    panel = show_alone(qtbot, AdversarialPanel(link))
    assert panel.status.text() == NO_INPUT
    assert panel.source.currentIndex() == -1 and panel.source.currentText() == ""
    assert panel.source.placeholderText() == NO_INPUT  # the box, too, asks for an input
    curve_top = panel.robustness.geometry().top()
    choose(panel.source, "Frozen live frame")  # no live frame yet
    assert panel.status.text().startswith("No live frame yet")
    assert panel.source.currentIndex() == -1  # it does not claim the frame it could not take
    link.frames = SolidSource("green")
    choose(panel.source, "Frozen live frame")
    crafted = wait_for_attack(panel, qtbot)
    assert crafted.clean_top[0][0] == "green"
    assert panel.source.currentText() == "Frozen live frame"
    assert NO_INPUT not in panel.status.text() and "green" in panel.status.text()
    qtbot.wait(50)  # the layout settles
    assert panel.robustness.geometry().top() == curve_top  # the bars' room was kept for them
    link.frames = None
    choose(panel.source, "Frozen live frame")
    assert panel.source.currentText() == "Frozen live frame"  # the frame frozen before stays


def probe_result(captured: float, clean: str, attacked: str) -> Result:
    value = {
        "clean": [(clean, 0.9), ("blue", 0.1)],
        "attacked": [(attacked, 0.8), (clean, 0.2)],
        "image": np.zeros((4, 4, 3), np.uint8),
        "stats": {"linf": 4.0, "l2": 8.0, "psnr": 40.0},
    }
    return Result(0, captured, captured + 0.05, 50.0, [], np.zeros(3), {live_attack.PROBE: value})


def test_the_attack_bars_rest_with_the_live_labels_and_come_back(qtbot, workspace):
    link = StandInLink(workspace)
    tool = LiveAttackTool(link)
    qtbot.addWidget(tool)
    tool.toggle.setChecked(True)
    for t in (10.0, 10.5, 11.0):
        link.frame.emit(Frame(np.zeros((4, 4, 3), np.uint8), 0, t))
        link.result.emit(probe_result(t, "green", "red"))
    assert tool.attacked.texts()[0] == "red" and not tool.resting
    link.resting.emit(True)  # a panel trains, or a model loads: the live model rests
    assert tool.resting and tool.clean.texts() == [] and tool.attacked.texts() == []
    assert tool.summary.text() == RESTING
    link.resting.emit(False)
    link.result.emit(probe_result(20.0, "green", "blue"))  # the next result fills them again
    assert not tool.resting and tool.attacked.texts()[0] == "blue"
    assert tool.summary.text().startswith("Fooled")


def test_in_the_window_the_attack_bars_rest_while_a_panel_trains(make_window, qtbot, colour_info):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    tool = window.adversarial.live_tool
    tool.toggle.setChecked(True)
    qtbot.waitUntil(lambda: tool.attacked.texts() != [], timeout=20000)
    window.link.hold_live("MNIST lab", True)  # what a training panel asks of the live view
    qtbot.waitUntil(lambda: tool.resting, timeout=8000)
    assert tool.clean.texts() == [] and tool.attacked.texts() == []
    window.link.hold_live("MNIST lab", False)
    qtbot.waitUntil(lambda: tool.attacked.texts() != [], timeout=20000)
    assert not tool.resting and tool.clean.texts()[0] == "green"
    tool.toggle.setChecked(False)
