"""While a panel trains, the live model rests (frames keep coming): on a CPU the two shared the
cores and training ran at half speed. The labels come back when the run ends."""

import time

import pytest
from PySide6.QtCore import Qt

from engine.data import datasets
from engine.models.callbacks import QuickValidation
from tests.helpers.files import colour_project, write_idx_folder
from tests.helpers.frames import SolidSource
from tests.helpers.gui import set_up_training
from tests.helpers.models import tiny_base


@pytest.fixture
def window(make_window, conv_info, qtbot):
    window = make_window(SolidSource("green"), model=conv_info)
    qtbot.waitUntil(lambda: window.stream.frames_classified > 3, timeout=20000)
    return window


def resting(window, qtbot, holder):
    """Check that the live model classifies nothing while frames still arrive."""
    stream = window.stream
    qtbot.waitUntil(lambda: stream.inference_held, timeout=10000)
    qtbot.wait(200)  # the frame in progress when the run started finishes
    classified, captured = stream.frames_classified, stream.frames_captured
    qtbot.wait(600)
    assert stream.frames_classified == classified and stream.frames_captured > captured + 3
    assert window.panel.bars.texts() == []
    window.tabs.setCurrentIndex(0)  # a look at the Live tab meanwhile
    qtbot.wait(100)
    assert window.view.labels == [] and window.view.shown is not None
    assert window.view.banner.startswith(f"Live labels rest while {holder} trains")
    window.status_label.refresh()
    assert "inference rests while training" in window.status_label.text()


def classifies_again(window, qtbot):
    stream = window.stream
    qtbot.waitUntil(lambda: not stream.inference_held, timeout=30000)
    classified = stream.frames_classified
    qtbot.waitUntil(lambda: stream.frames_classified > classified + 3, timeout=10000)
    qtbot.waitUntil(lambda: window.panel.bars.texts() != [], timeout=10000)
    assert "rest" not in window.view.banner


def test_the_live_model_rests_while_collect_and_train_trains(window, qtbot, workspace, monkeypatch):
    tiny_base(workspace)
    colour_project(workspace)
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)
    set_up_training(panel, qtbot, workspace, epochs=400)
    slow = QuickValidation.on_epoch_end  # the head on 12 images runs 400 epochs in seconds
    monkeypatch.setattr(
        QuickValidation, "on_epoch_end", lambda *args: (time.sleep(0.02), slow(*args))[1]
    )
    panel.form.train_button.click()
    resting(window, qtbot, "Collect & train")
    panel.form.stop_button.click()
    classifies_again(window, qtbot)
    assert "Stopped" in panel.form.status.text()


def test_the_live_model_rests_while_the_mnist_lab_trains(window, qtbot, tmp_path):
    mnist = window.mnist
    mnist.set_data(
        datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=2000, n_test=200))
    )
    mnist.preset.setCurrentIndex(mnist.preset.findData("mlp-adadelta"))
    mnist.epochs.setValue(50)
    window.tabs.setCurrentWidget(mnist)
    qtbot.mouseClick(mnist.train_button, Qt.MouseButton.LeftButton)
    resting(window, qtbot, "MNIST lab")
    qtbot.mouseClick(mnist.stop_button, Qt.MouseButton.LeftButton)
    classifies_again(window, qtbot)
    assert mnist.runs[-1].stopped
