"""gui/panels/live/panel.py: the controls beside the live video, alone: what they emit, the
loading and download bar, the message, and the live tools other panels add."""

import pytest
from PySide6.QtWidgets import QCheckBox

from gui.panels.live.panel import LivePanel
from tests.helpers.frames import COLOURS
from tests.helpers.models import colour_model

ZOO = ["MobileNetV2", "ResNet50"]


@pytest.fixture
def panel(qtbot, workspace):
    widget = LivePanel(ZOO, workspace.models, top_k=5, alpha=0.95)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_k_and_smoothing_start_as_given_and_emit_what_the_person_sets(panel, qtbot):
    assert panel.k_spin.value() == 5 and panel.alpha == 0.95
    assert panel.smoothing_value.text() == "0.95"
    with qtbot.waitSignal(panel.top_k_changed) as k:
        panel.k_spin.setValue(3)
    assert k.args == [3]
    with qtbot.waitSignal(panel.smoothing_changed) as alpha:
        panel.smoothing.setValue(0)  # raw probabilities
    assert alpha.args == [0.0] and panel.alpha == 0.0 and panel.smoothing_value.text() == "0.00"


def test_a_model_picked_is_emitted_and_a_re_read_emits_nothing(panel, qtbot, workspace):
    chosen = []
    panel.model_chosen.connect(chosen.append)
    info = workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    panel.picker.refresh()
    assert chosen == []
    panel.picker.setCurrentIndex(panel.picker.findText("ResNet50"))
    panel.picker.setCurrentIndex(panel.picker.count() - 1)
    assert chosen[0] == "ResNet50" and chosen[1].path == info.path


def test_loading_then_a_download_then_a_refusal(panel):
    assert not panel.busy.isVisible() and not panel.message.isVisible()
    panel.show_message("Cannot load flat: …")
    assert panel.message.isVisible()
    panel.set_loading("MobileNetV2")  # a new load clears the last refusal
    assert panel.busy.isVisible() and not panel.message.isVisible()
    assert panel.busy.maximum() == 0 and panel.busy.format() == "Loading MobileNetV2…"
    panel.set_download(0, 0)  # no size known yet: still indeterminate
    assert panel.busy.maximum() == 0
    panel.set_download(3_500_000, 14_000_000)
    assert (panel.busy.maximum(), panel.busy.value()) == (1000, 250)
    assert panel.busy.format() == "Downloading weights: 3.5 / 14.0 MB"
    panel.set_loading(None)
    panel.show_message("Cannot load MobileNetV2: its weights are not on this computer.")
    assert not panel.busy.isVisible()
    assert panel.message.toPlainText().startswith("Cannot load MobileNetV2")
    panel.show_message("")
    assert not panel.message.isVisible()


def test_live_tools_show_only_once_a_panel_adds_one(panel):
    assert not panel.tools.isVisible()
    toggle = QCheckBox("Grad-CAM overlay (top class)")
    panel.add_tool(toggle)
    assert panel.tools.isVisible() and toggle.isVisible()
    assert toggle.parent() is panel.tools
