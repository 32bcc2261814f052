"""A restart: the window closed, a new one built: the Live settings, the layout and the model come
back; a typed --top-k wins; damaged values and a deleted model fall back to the defaults."""

import math

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt

import cli
from engine.models import zoo
from engine.workspace.store import ModelInfo
from gui.app import remembered_model
from gui.core.settings import Remembered
from gui.main_window import REMEMBERED_MODEL
from gui.panels.live.panel import ALPHA, TOP_K


def restarted(window, make_window, **kwargs):
    """Close ``window`` as a person does, then start a new one."""
    window.close()
    return make_window(**kwargs)


def test_a_restart_restores_top_k_smoothing_splitter_and_tab(make_window, qtbot, colour_info):
    window = make_window(model=colour_info)
    window.panel.k_spin.setFocus()
    window.panel.k_spin.selectAll()
    qtbot.keyClicks(window.panel.k_spin, "2")
    qtbot.keyClick(window.panel.k_spin, Qt.Key.Key_Enter)
    assert window.panel.k_spin.value() == 2
    window.panel.smoothing.setValue(60)
    window.splitter.setSizes([520, 480])
    size, sizes = window.size(), window.splitter.sizes()
    window.tabs.setCurrentIndex(3)  # Inspect

    again = restarted(window, make_window, model=colour_info)
    assert again.panel.k_spin.value() == 2 and again.panel.alpha == 0.6
    assert again.panel.smoothing_value.text() == "0.60"
    assert again.tabs.currentIndex() == 3
    again.tabs.setCurrentIndex(0)
    again.resize(size)  # the offscreen screen (800 px) shrinks a restored window to fit it
    qtbot.waitUntil(lambda: again.splitter.sizes() == sizes, timeout=2000)
    assert sizes[1] >= 480  # not the default, where the panel takes its smallest width
    qtbot.waitUntil(lambda: again.stream.classifier is not None, timeout=20000)
    assert again.stream.classifier.top_k == 2  # the classifier runs with them, not just the form
    assert again.stream.classifier.smoother.alpha == 0.6


def test_a_restart_restores_the_window_maximized(make_window, qtbot):
    window = make_window()
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized)
    assert restarted(window, make_window).isMaximized()


def test_a_typed_top_k_wins_over_the_remembered_one(make_window, qtbot):
    window = make_window()
    window.panel.k_spin.setValue(9)
    assert restarted(window, make_window, top_k=3).panel.k_spin.value() == 3
    assert cli.parse_args(["--demo", "--top-k", "3"]).top_k == 3
    assert cli.parse_args(["--top", "3"]).top_k == 3  # argparse's abbreviation
    assert cli.parse_args(["--demo"]).top_k is None  # not given: the last session's stands


GARBAGE = QByteArray(b"\xde\xad\xbe\xef" * 9)


@pytest.mark.parametrize(
    "top_k, smoothing, splitter, geometry, tab, kept",
    [  # damaged values beside sound ones: the sound ones (kept: k, alpha, tab) still come back
        (-3, math.nan, GARBAGE, GARBAGE, 2, (TOP_K, ALPHA, 2)),
        (10**9, 5.0, "not bytes", "not bytes", "1", (TOP_K, ALPHA, 1)),
        (7, 0.5, QByteArray(), QByteArray(b"\xff"), 99, (7, 0.5, 0)),
        ("nine", "inf", GARBAGE, 3, -1, (TOP_K, ALPHA, 0)),
        ("12", "0.3", "@ByteArray(", True, "two", (12, 0.3, 0)),
    ],
)
def test_damaged_or_out_of_range_values_fall_back_to_the_defaults(
    make_window, top_k, smoothing, splitter, geometry, tab, kept
):
    fresh = make_window()
    default_size, default_sizes = fresh.size(), fresh.splitter.sizes()
    fresh.hide()  # not closed: it would remember its own values
    settings = QSettings()
    for key, value in {
        "live/top_k": top_k,
        "live/smoothing": smoothing,
        "live/splitter": splitter,
        "window/geometry": geometry,
        "window/tab": tab,
        REMEMBERED_MODEL: "../../etc/passwd",
    }.items():
        settings.setValue(key, value)
    settings.sync()

    window = make_window()
    panel = window.panel
    assert (panel.k_spin.value(), panel.alpha, window.tabs.currentIndex()) == kept
    assert window.size() == default_size and not window.isMaximized()
    window.tabs.setCurrentIndex(0)
    assert window.splitter.sizes() == default_sizes
    assert remembered_model(Remembered().text(REMEMBERED_MODEL)) == zoo.DEFAULT_MODEL


def test_the_model_used_last_comes_back_and_a_deleted_one_gives_the_default(
    make_window, qtbot, colour_info
):
    window = make_window()
    window.live_model.open_file(colour_info.path)  # File > Open model…
    qtbot.waitUntil(lambda: window.stream.classifier is not None, timeout=20000)
    window.close()
    chosen = remembered_model(Remembered().text(REMEMBERED_MODEL))
    assert isinstance(chosen, ModelInfo) and chosen.path.samefile(colour_info.path)

    again = make_window(model=chosen)
    qtbot.waitUntil(lambda: again.stream.classifier is not None, timeout=20000)
    assert again.stream.classifier.name == "colours"
    assert again.panel.picker.currentData().path == colour_info.path

    again.close()
    colour_info.path.unlink()
    colour_info.path.with_suffix(".json").unlink()
    chosen = remembered_model(Remembered().text(REMEMBERED_MODEL))
    assert chosen == zoo.DEFAULT_MODEL  # no error: the default network starts instead
    last = make_window(model=chosen, weights=None)  # random weights: tests never download
    qtbot.waitUntil(lambda: last.stream.classifier is not None, timeout=60000)
    assert last.stream.classifier.name == zoo.DEFAULT_MODEL
    assert not last.panel.message.isVisible()


def test_a_zoo_network_used_last_is_remembered_by_name(make_window):
    assert remembered_model("MobileNetV3Small") == "MobileNetV3Small"
    assert remembered_model(None) == remembered_model("NoSuchNet") == zoo.DEFAULT_MODEL
    Remembered().remember({REMEMBERED_MODEL: "MobileNetV3Small"})
    window = make_window()
    window.close()  # no model ran: the one remembered stays
    assert Remembered().text(REMEMBERED_MODEL) == "MobileNetV3Small"
