"""gui/panels/live/view.py: the live video alone, fed frames and results by hand."""

import numpy as np
import pytest

from engine.live.frames import Result
from engine.live.overlay import UNIFORM, draw_labels, label_lines
from gui.panels.live.view import PAUSED, LiveView
from gui.widgets.label_bars import LabelBars
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


class Model:
    """What a result says about the classifier that made it: its input size."""

    input_size = (32, 32)


def test_the_bars_show_what_the_video_draws_playing_and_paused(view, qtbot):
    bars = LabelBars()
    qtbot.addWidget(bars)
    view.labels_shown.connect(bars.show_labels)
    view.show_frame(RAW)
    view.show_result(result())
    assert bars.shown() == [] and view.labels == []  # playing: both wait for the next frame
    view.show_frame(RAW)
    assert bars.shown() == label_lines(view.labels) == ["green  90.0%", "red  10.0%"]
    view.set_paused(True)
    later = [("red", 0.534), ("green", 0.466)]
    assert view.show_result(result(later))  # classified after the pause: no frame will come
    assert view.labels == later and bars.shown() == ["red  53.4%", "green  46.6%"]
    assert np.array_equal(view.shown, draw_labels(RAW, later, PAUSED))
    view.hold("MNIST lab", True)
    assert view.labels == [] and bars.shown() == []


def test_uniform_outputs_are_said_on_the_video(view):
    view.show_frame(RAW)
    flat = Result(0, 0.0, 0.0, 1.0, [("tench", 0.001)], np.full(1000, 0.001, np.float32), {})
    view.show_result(flat)
    view.show_frame(RAW)
    assert view.note == UNIFORM
    assert np.array_equal(view.shown, draw_labels(RAW, [("tench", 0.001)], view.banner, UNIFORM))
    view.show_result(result())  # a network that prefers a class
    view.show_frame(RAW)
    assert view.note == "" and np.array_equal(view.shown, draw_labels(RAW, GREEN, view.banner))


def test_a_model_loading_is_said_and_its_predecessors_labels_and_region_go(view, qtbot):
    shown = []
    view.labels_shown.connect(shown.append)
    view.show_frame(RAW)
    view.show_result(Result(0, 0.0, 0.0, 1.0, GREEN, np.zeros(2), {}, Model()))
    view.show_frame(RAW)
    assert view.labels == GREEN and view.region == (20, 0, 140, 120)  # the middle square
    view.set_loading("MobileNetV3Small")
    assert view.banner == "Loading MobileNetV3Small… · No camera 0: showing the demo stream"
    assert view.labels == [] and shown[-1] == [] and view.region is None
    assert np.array_equal(view.shown, draw_labels(RAW, [], view.banner))  # drawn at once
    assert not view.show_result(result())  # the old model's, still running meanwhile
    view.show_frame(RAW)
    assert view.labels == []
    view.set_loading(None)
    assert view.banner == "No camera 0: showing the demo stream"
    assert view.show_result(Result(0, 0.0, 0.0, 1.0, GREEN, np.zeros(2), {}, Model()))
    view.show_frame(RAW)
    assert view.labels == GREEN and shown[-1] == GREEN


def test_the_region_the_model_sees_is_outlined_on_the_widget(view, qtbot):
    view.resize(320, 240)
    view.show()
    view.show_frame(RAW)
    plain = view.grab().toImage()
    view.show_result(Result(0, 0.0, 0.0, 1.0, [], np.zeros(2), {}, Model()))
    view.show_frame(RAW)
    outlined = view.grab().toImage()
    left = 40 + 1  # the frame is drawn at twice its size: crop column 20 is widget column 40
    assert any(outlined.pixelColor(left, y) != plain.pixelColor(left, y) for y in range(240))
    assert all(outlined.pixelColor(10, y) == plain.pixelColor(10, y) for y in range(240))
    assert np.array_equal(view.shown, draw_labels(RAW, [], view.banner))  # not in snapshots


def test_only_new_frames_count_as_painted(view, qtbot):
    view.show()
    for _ in range(3):
        view.show_frame(RAW)
        view.grab()  # a paint
        view.set_banner("camera 7 stopped delivering frames")  # the same frame drawn again
        view.grab()
        view.set_paused(True)
        view.show_result(result())
        view.grab()
        view.set_paused(False)
        view.grab()
    assert view.frames_painted == 3


def test_resting_is_said_once_when_the_labels_stop_and_once_when_they_may_return(view):
    said = []
    view.resting.connect(said.append)
    view.hold("MNIST lab", True)
    view.hold("Collect & train", True)  # already resting: nothing new to say
    view.set_loading("ResNet50")
    view.hold("MNIST lab", False)
    view.hold("Collect & train", False)  # a model still loads
    assert said == [True]
    view.set_loading(None)
    assert said == [True, False]
    view.set_loading("VGG16")
    view.set_loading(None)
    assert said == [True, False, True, False]
