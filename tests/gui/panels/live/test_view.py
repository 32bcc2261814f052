"""gui/panels/live/view.py: the live video alone, fed frames and results by hand."""

import numpy as np
import pytest

from engine.live.frames import Result
from engine.live.overlay import draw_labels
from gui.panels.live.view import PAUSED, LiveView
from tests.helpers.frames import solid

RAW = solid("green", (120, 160))
GREEN = [("green", 0.9), ("red", 0.1)]


def result(labels=GREEN, **extras) -> Result:
    return Result(0, 0.0, 0.0, 1.0, labels, np.zeros(2), extras)


def corner(frame, value):
    """A painter: the top-right 10x10 corner in magenta when ``value`` is true, else black."""
    painted = frame.copy()
    painted[:10, -10:] = (255, 0, 255) if value else (0, 0, 0)
    return painted


@pytest.fixture
def view(qtbot):
    view = LiveView(notice="No camera 0: showing the demo stream")
    qtbot.addWidget(view)
    return view


def test_a_frame_is_drawn_with_the_labels_of_the_newest_result_and_the_banner(view):
    assert view.newest is None and view.shown is None and view.image is None
    view.show_frame(RAW)
    assert view.newest is RAW and view.banner == "No camera 0: showing the demo stream"
    assert np.array_equal(view.shown, draw_labels(RAW, [], view.banner))
    assert view.image.width() == 160  # what the widget paints is the frame as drawn
    assert view.show_result(result())
    assert np.array_equal(view.shown, draw_labels(RAW, [], view.banner))  # with the next frame
    view.show_frame(RAW)
    assert view.labels == GREEN
    assert np.array_equal(view.shown, draw_labels(RAW, GREEN, view.banner))
    view.clear_labels()  # a new model runs
    view.show_frame(RAW)
    assert np.array_equal(view.shown, draw_labels(RAW, [], view.banner))


def test_a_painter_draws_its_probes_newest_value_under_the_labels_until_removed(view):
    view.set_painter("mean", corner)
    view.show_frame(RAW)
    assert np.array_equal(view.shown[:10, -10:], RAW[:10, -10:])  # no value yet
    view.show_result(result(mean=1.0, other=5))
    assert view.values == {"mean": 1.0}  # a probe that paints nothing is not kept
    view.show_frame(RAW)
    assert tuple(view.shown[0, -1]) == (255, 0, 255) and view.painters == ["mean"]
    assert np.array_equal(view.shown, draw_labels(corner(RAW, 1.0), GREEN, view.banner))
    view.show_result(result(mean=0.0))
    view.show_frame(RAW)
    assert tuple(view.shown[0, -1]) == (0, 0, 0)  # the newest value
    view.set_painter("mean", None)
    view.show_frame(RAW)
    assert view.painters == [] and view.values == {}
    assert np.array_equal(view.shown[:10, -10:], RAW[:10, -10:])


def test_setting_a_painter_again_forgets_the_value_of_the_one_before(view):
    view.set_painter("mean", corner)
    view.show_result(result(mean=1.0))
    view.set_painter("mean", corner)  # another probe of that name: its value is still to come
    view.show_frame(RAW)
    assert view.values == {} and np.array_equal(view.shown[:10, -10:], RAW[:10, -10:])


def test_a_painter_that_fails_is_dropped_and_the_video_goes_on(view, caplog):
    def broken(frame, value):
        raise ValueError("no overlay today")

    view.set_painter("broken", broken)
    view.set_painter("mean", corner)
    view.show_result(result(broken=1, mean=1.0))
    view.show_frame(RAW)
    assert view.painters == ["mean"] and "painting broken failed" in caplog.text
    assert np.array_equal(view.shown, draw_labels(corner(RAW, 1.0), GREEN, view.banner))
    caplog.clear()
    view.show_frame(RAW)
    assert "painting broken failed" not in caplog.text  # tried once, not on every frame


def test_holds_combine_in_the_banner_and_are_drawn_at_once(view):
    view.show_frame(RAW)
    view.hold("MNIST lab", True)
    rest = "Live labels rest while MNIST lab trains"
    assert view.banner == f"{rest} · No camera 0: showing the demo stream"
    assert np.array_equal(view.shown, draw_labels(RAW, [], view.banner))  # no frame needed
    assert view.hold("Collect & train", True)
    assert view.banner.startswith("Live labels rest while Collect & train and MNIST lab trains")
    view.set_notice("")
    view.set_banner(None)
    assert view.banner == "Live labels rest while Collect & train and MNIST lab trains"
    assert view.hold("MNIST lab", False)  # one still trains
    assert view.banner == "Live labels rest while Collect & train trains"
    assert not view.hold("Collect & train", False)
    assert view.banner == ""
    assert np.array_equal(view.shown, RAW)


def test_a_hold_drops_the_labels_and_values_and_ignores_results_from_before_it(view):
    view.set_painter("mean", corner)
    view.show_result(result(mean=1.0))
    view.hold("MNIST lab", True)
    assert view.labels == [] and view.values == {}
    assert not view.show_result(result(mean=1.0))  # classified before the hold began
    view.show_frame(RAW)
    assert view.labels == [] and np.array_equal(view.shown[:10, -10:], RAW[:10, -10:])
    view.hold("MNIST lab", False)
    assert view.show_result(result(mean=1.0))
    view.show_frame(RAW)
    assert view.labels == GREEN and tuple(view.shown[0, -1]) == (255, 0, 255)


def test_the_banner_says_pause_and_source_trouble_and_then_the_notice_again(view):
    view.set_banner("camera 7 stopped delivering frames")
    assert view.banner == "camera 7 stopped delivering frames" and view.shown is None
    view.show_frame(RAW)
    view.set_banner(None)  # the source delivers again
    assert view.banner == "No camera 0: showing the demo stream"
    view.hold("MNIST lab", True)
    view.set_paused(True)
    assert view.banner == PAUSED  # the pause says all: the video is still
    assert np.array_equal(view.shown, draw_labels(RAW, [], PAUSED))
    view.set_paused(False)
    assert view.banner.endswith("· No camera 0: showing the demo stream")
