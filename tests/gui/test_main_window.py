"""The real window, driven with qtbot on the offscreen platform."""

import threading
import urllib.error

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from engine.live import sources
from engine.live.stream import LiveStream
from engine.workspace.store import ModelInfo
from gui.core.jobs import Job
from gui.main_window import MainWindow
from tests.helpers.files import write_idx_folder
from tests.helpers.frames import COLOURS, SolidSource, solid
from tests.helpers.gui import painted_more


def test_frames_reach_the_view_and_the_status_bar_reports_rates(make_window, qtbot):
    window = make_window(notice="No camera 0: showing the demo stream")
    painted_more(window, qtbot, 10, timeout=15000)  # a busy machine paints fewer a second
    assert window.view.image.width() == 160
    qtbot.waitUntil(lambda: "display" in window.status_label.text(), timeout=2000)
    text = window.status_label.text()
    assert "Keras tensorflow" in text or "Keras torch" in text or "Keras jax" in text
    # New frames only: never more than the 30 fps source gives (a busy machine gives fewer;
    # the rate itself is measured in bench/live.py, not here).
    assert 0 < float(text.split("display ")[1].split(" fps")[0]) <= 30 * 1.2
    assert window.view.banner.startswith("No camera 0")


def test_overlay_shows_labels_from_a_real_model(make_window, qtbot, colour_info):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    assert window.panel.bars.texts() == ["green", "red", "blue"][: len(window.panel.bars.texts())]
    painted_more(window, qtbot)
    raw = solid("green", (120, 160))
    shown = window.view.shown
    assert shown.shape == raw.shape
    assert not np.array_equal(shown[:30, :60], raw[:30, :60])  # text box drawn on the video
    assert np.array_equal(shown[-20:, -20:], raw[-20:, -20:])  # the rest untouched
    assert window.stream.inference_rate.rate() > 1


def test_switching_source_and_model_keeps_the_video_playing(
    make_window, qtbot, colour_info, tmp_path
):
    window = make_window(SolidSource("red"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["red"], timeout=20000)
    window.switch_source(SolidSource("blue"))
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["blue"], timeout=10000)
    assert "solid blue" in window.windowTitle()

    window.live_model.weights = None  # no ImageNet download in tests: random weights
    start = window.view.frames_painted
    window.panel.picker.setCurrentIndex(window.panel.picker.findText("MobileNetV3Small"))
    assert window.panel.busy.isVisible()
    qtbot.waitUntil(lambda: window.stream.classifier.name == "MobileNetV3Small", timeout=60000)
    assert window.view.frames_painted - start > 10  # frames kept coming while it loaded
    assert not window.panel.busy.isVisible()
    qtbot.waitUntil(
        lambda: bool(window.panel.bars.texts()) and window.panel.bars.texts()[0] not in COLOURS,
        timeout=10000,
    )


def test_offline_weights_message_keeps_the_current_model(
    make_window, qtbot, colour_info, monkeypatch
):
    from keras.src.utils import file_utils

    def offline(url, filename, hook):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    window = make_window(SolidSource("red"), model=colour_info)
    qtbot.waitUntil(lambda: window.stream.classifier is not None, timeout=20000)
    window.live_model.choose("MobileNetV2")
    qtbot.waitUntil(lambda: window.panel.message.isVisible(), timeout=60000)
    text = window.panel.message.toPlainText()
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5" in text
    assert "--weights" in text and "Still using colours" in text
    assert "open a model of your own (File > Open model…)." in text  # where it is here
    assert window.stream.classifier.name == "colours"
    assert isinstance(window.panel.picker.currentData(), ModelInfo)
    painted_more(window, qtbot)


def test_the_newest_model_choice_wins_over_a_slower_earlier_one(make_window, qtbot, colour_info):
    window = make_window(SolidSource("green"), model=None)
    window.live_model.weights = None
    window.live_model.choose("MobileNetV3Small")  # slow to build
    window.live_model.choose(colour_info)  # chosen later, ready sooner
    qtbot.waitUntil(lambda: window.stream.classifier is not None, timeout=60000)
    window.live_model.loader.wait()
    qtbot.wait(200)  # let a late "loaded" signal arrive, if any were sent
    assert window.stream.classifier.name == "colours"
    assert window.panel.picker.currentData().name == "colours"


def test_workspace_models_appear_in_the_picker(make_window, qtbot, colour_info):
    window = make_window()
    picker = window.panel.picker
    assert picker.findText("MobileNetV2") == 0
    assert any(
        isinstance(picker.itemData(i), ModelInfo) and picker.itemData(i).name == "colours"
        for i in range(picker.count())
    )


def test_space_pauses_and_s_saves_a_snapshot_with_the_overlay(
    make_window, qtbot, colour_info, workspace
):
    window = make_window(SolidSource("blue"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["blue"], timeout=20000)
    painted_more(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.stream.paused
    qtbot.wait(150)
    held = window.stream.frames_captured
    qtbot.wait(300)
    assert window.stream.frames_captured == held
    qtbot.keyClick(window, Qt.Key.Key_S)
    saved = list(workspace.snapshots_dir.glob("*.png"))
    assert len(saved) == 1
    pixels = np.asarray(Image.open(saved[0]))
    assert np.array_equal(pixels, window.view.shown)
    assert pixels[-5, 80].tolist() != solid("blue")[0, 0].tolist()  # "Paused" banner drawn in
    assert str(saved[0]) in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.stream.frames_captured > held + 3, timeout=3000)


def test_closing_stops_every_thread(qtbot, workspace, colour_info):
    window = MainWindow(LiveStream(SolidSource("red")), workspace, model=colour_info, cameras=[])
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.stream.frames_classified > 2, timeout=20000)
    window.live_model.choose(ModelInfo.read(colour_info.path))  # close while a load may be running
    window.close()
    assert not window.stream.running
    assert not [t for t in threading.enumerate() if t.name in ("capture", "inference")]
    assert all(job.wait(0) for job in window.findChildren(Job))  # every worker has ended


class UnpluggedAfter(sources.Source):
    """Delivers ``frames`` frames, then every read fails as an unplugged camera's does."""

    def __init__(self, frames):
        self.name, self.fps, self.frames, self.reads = "Camera 7", 30.0, frames, 0

    def read(self):
        self.reads += 1
        if self.reads > self.frames:
            raise sources.SourceError("camera 7 stopped delivering frames")
        return solid("red", (120, 160))


def test_an_unplugged_camera_keeps_the_last_frame_with_a_banner(make_window, qtbot):
    window = make_window(UnpluggedAfter(10))
    qtbot.waitUntil(lambda: "stopped delivering frames" in window.view.banner, timeout=5000)
    assert "Retrying" in window.view.banner
    assert window.view.image is not None and window.view.shown.shape == (120, 160, 3)
    red = solid("red", (120, 160))
    assert not np.array_equal(window.view.shown[-10:], red[-10:])  # banner drawn
    window.switch_source(SolidSource("blue"))  # the person can switch away at any time
    qtbot.waitUntil(lambda: "solid blue" in window.windowTitle(), timeout=5000)
    assert window.view.banner == ""


def test_source_menu_lists_the_cameras_that_open(make_window, qtbot):
    window = make_window()
    window.source_menu.list_cameras([0, 2])
    texts = [a.text() for a in window.source_menu.actions()]
    assert texts[:2] == ["Camera 0", "Camera 2"] and "&Demo stream" in texts
    window.source_menu.list_cameras([])
    first = window.source_menu.actions()[0]
    assert first.text() == "No camera found" and not first.isEnabled()
    window.switch_source(SolidSource("green"))
    qtbot.waitUntil(lambda: "solid green" in window.windowTitle(), timeout=5000)
    next(a for a in window.source_menu.actions() if a.text() == "&Demo stream").trigger()
    qtbot.waitUntil(lambda: "Demo stream" in window.windowTitle(), timeout=5000)


def test_a_live_probe_paints_its_newest_value_on_the_video_and_can_be_removed(
    make_window, qtbot, colour_info
):
    window = make_window(SolidSource("green"), model=colour_info)
    seen = []
    window.link.result.connect(lambda result: seen.append(result.extras.get("mean")))

    def paint(frame, mean):
        painted = frame.copy()
        painted[-10:, -10:] = (255, 0, 255) if mean > 0 else (0, 0, 0)
        return painted

    window.set_live_probe("mean", lambda image, clf: float(image.mean()), paint)
    qtbot.waitUntil(lambda: any(value for value in seen), timeout=20000)
    painted_more(window, qtbot)
    assert tuple(window.view.shown[-1, -1]) == (255, 0, 255)
    window.set_live_probe("mean", None)
    painted_more(window, qtbot)
    assert np.array_equal(window.view.shown[-10:, -10:], solid("green", (120, 160))[-10:, -10:])


def test_closing_during_training_stops_it_and_leaves_no_partial_file(
    make_window, qtbot, workspace, tmp_path
):
    from engine.data import datasets
    from engine.workspace import store

    window = make_window()
    window.mnist.set_data(
        datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=8000))
    )
    batches = []
    window.mnist.job.progress.connect(lambda report: batches.append(report[2]))
    window.mnist.epochs.setValue(200)  # minutes of work: only Stop can end it before the wait
    window.mnist.train()
    qtbot.waitUntil(lambda: len(batches) >= 3, timeout=30000)
    window.close()
    assert window.mnist.job.wait(0)  # the run ended within a batch, and closing waited
    qtbot.wait(200)  # let any late signal arrive
    files = (
        sorted(p.name for p in workspace.models_dir.glob("*"))
        if workspace.models_dir.exists()
        else []
    )
    assert not [
        name for name in files if not name.endswith((".keras", ".json"))
    ]  # no scratch files
    for keras_file in workspace.models_dir.glob("*.keras"):
        store.load_keras_model(keras_file)  # whatever was saved is complete
        assert keras_file.with_suffix(".json").is_file()
