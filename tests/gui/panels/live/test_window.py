"""The Live tab in the real window: the overlay and the bars say the same numbers, paused and
playing; the status bar says paused; a model loading clears the old labels; the display rate
counts new frames."""

import numpy as np
from PySide6.QtCore import Qt, QTimer

from engine.live.frames import Result
from engine.live.overlay import draw_labels, label_lines
from engine.live.sources import SyntheticSource
from tests.helpers.frames import SolidSource
from tests.helpers.gui import painted_more

LATER = [("red", 0.534), ("green", 0.466)]


def said(window, labels, model=None):
    """Deliver a result as the stream does (on the GUI thread, as the bridge's signal does)."""
    model = window.stream.classifier if model is None else model
    window.bridge.result_ready.emit(
        Result(0, 0.0, 0.0, 1.0, labels, np.array([0.534, 0.466, 0.0]), {}, model)
    )


def agree(window) -> bool:
    view = window.view
    drawn = draw_labels(view.newest, view.labels, view.banner, view.note)
    return window.panel.bars.shown() == label_lines(view.labels) and np.array_equal(
        view.shown, drawn
    )


def test_paused_and_playing_the_overlay_and_the_bars_show_the_same_numbers(
    make_window, qtbot, colour_info
):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    painted_more(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.wait(200)  # the frame in the model's hands when the pause came is classified
    assert agree(window)
    said(window, LATER)  # a result that comes after the last frame
    assert window.panel.bars.shown() == ["red  53.4%", "green  46.6%"]
    assert label_lines(window.view.labels) == ["red  53.4%", "green  46.6%"] and agree(window)

    qtbot.keyClick(window, Qt.Key.Key_Space)
    painted_more(window, qtbot)
    said(window, [("blue", 0.717), ("green", 0.283)])  # playing: both show it with the next frame
    assert agree(window)
    painted_more(window, qtbot, 1)
    assert agree(window)


def test_while_paused_the_status_bar_says_so_instead_of_old_rates(make_window, qtbot, colour_info):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.stream.frames_classified > 2, timeout=20000)
    window.status_label.refresh()
    assert window.status_label.text().startswith("display ")
    qtbot.keyClick(window, Qt.Key.Key_Space)
    window.status_label.refresh()
    text = window.status_label.text()
    assert text.startswith("paused (space resumes) · colours · Keras ") and "fps" not in text
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.status_label.text().startswith("display "), timeout=3000)


def test_a_model_loading_clears_the_old_labels_and_says_so_on_the_video(
    make_window, qtbot, colour_info, conv_info
):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    painted_more(window, qtbot)
    old = window.stream.classifier
    window.live_model.choose(conv_info)
    assert window.view.banner.startswith("Loading convs…")
    assert window.view.labels == [] and window.panel.bars.texts() == []
    assert np.array_equal(window.view.shown, draw_labels(window.view.newest, [], "Loading convs…"))
    said(window, LATER, model=old)  # the old model runs on while the new one loads
    painted_more(window, qtbot, 1)
    assert window.view.labels == [] and window.panel.bars.texts() == []
    qtbot.waitUntil(lambda: window.stream.classifier.name == "convs", timeout=20000)
    assert "Loading" not in window.view.banner
    said(window, [("stale", 1.0)], model=old)  # classified by the old model just before
    qtbot.waitUntil(lambda: bool(window.panel.bars.texts()), timeout=10000)
    painted_more(window, qtbot, 2)
    assert "stale" not in window.panel.bars.texts() and agree(window)
    assert window.view.region == (20, 0, 140, 120)  # the middle square of 160x120 frames


def test_the_display_rate_counts_new_frames_not_repaints(make_window, qtbot):
    window = make_window(SyntheticSource(160, 120, fps=10.0))
    repaints = QTimer(window, interval=20, timeout=window.view.update)  # 50 a second
    repaints.start()
    painted_more(window, qtbot, 5)
    qtbot.wait(2200)  # the rates' two-second window
    shown, captured = window.view.paint_rate.rate(), window.stream.display_rate.rate()
    repaints.stop()
    # 50 repaints a second counted as frames read 6x; a busy GUI may show fewer than captured
    assert shown > 0 and shown / captured < 1.2, (shown, captured)
