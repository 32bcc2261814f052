"""The Inspect tab: layers, filter grid, live activations and the Grad-CAM overlay in the real
window; still pictures and other models with the panel alone, beside a live view with a model."""

import keras
import numpy as np
import pytest
from PIL import Image

from engine.inspection.live import inspector_for
from engine.inspection.pictures import filter_tiles, tile_grid
from engine.live.overlay import draw_labels
from engine.models.classifier import fit_to_input
from gui.core.jobs import Job
from gui.panels.inspect.panel import InspectPanel
from tests.helpers.frames import COLOURS, SolidSource, solid
from tests.helpers.gui import StandInLink, inspecting, live_classifier, open_inspect, show_alone
from tests.helpers.models import conv_model


@pytest.fixture
def link(workspace, conv_info):
    """A live view running the two-convolution colour model ('convs')."""
    return StandInLink(workspace, live_classifier(conv_info))


@pytest.fixture
def panel(qtbot, link):
    """The Inspect panel alone, once it has read the live model's layers."""
    return inspecting(qtbot, show_alone(qtbot, InspectPanel(link)))


def test_panel_opens_on_the_live_model_and_shows_its_filters(make_window, qtbot, conv_info):
    window = make_window(SolidSource("green"), model=conv_info)
    panel = open_inspect(window, qtbot)
    assert panel.subject is window.stream.classifier
    table = panel.table
    assert [table.item(r, 0).text().strip() for r in range(table.rowCount())] == [
        "conv",
        "conv2",
        "pool",
        "colour",
    ]
    assert table.item(0, 2).text() == "32×32×4" and table.item(0, 3).text() == "112"
    assert panel.layer == "conv"  # the first convolution is selected
    kernel = keras.ops.convert_to_numpy(panel.subject.model.get_layer("conv").kernel)
    np.testing.assert_array_equal(
        panel.filters.picture.image, tile_grid(filter_tiles(kernel).tiles)
    )
    assert "gray = 0" in panel.filters.caption.text()
    panel.filters.select("conv2")  # deeper: one input channel at a time
    panel.filters.channel.setValue(2)
    second = keras.ops.convert_to_numpy(panel.subject.model.get_layer("conv2").kernel)
    np.testing.assert_array_equal(
        panel.filters.picture.image, tile_grid(filter_tiles(second, 2).tiles)
    )


def test_activations_follow_the_live_frames(make_window, qtbot, conv_info):
    window = make_window(SolidSource("green"), model=conv_info)
    panel = open_inspect(window, qtbot)
    panel.views.setCurrentWidget(panel.activations)
    panel.select_layer("conv2")

    def expected(colour):
        frame = solid(colour, (120, 160))
        return panel.inspector.activations(panel.subject.prepare(frame), "conv2")

    def showing(colour):
        maps = panel.activations.maps
        return maps is not None and np.allclose(maps, expected(colour), atol=1e-5)

    qtbot.waitUntil(lambda: showing("green"), timeout=10000)
    shown = panel.activations.updates
    assert panel.activations.grid.count() == 6
    window.switch_source(SolidSource("red"))
    qtbot.waitUntil(lambda: showing("red"), timeout=10000)
    assert panel.activations.updates > shown
    np.testing.assert_array_equal(
        panel.activations.input.image, fit_to_input(solid("red", (120, 160)), (32, 32))
    )
    means = panel.activations.maps.mean(axis=(0, 1))
    first = panel.activations.grid.item(0)
    assert first.data(0x0100) == int(np.argmax(means))  # sorted by mean, highest first
    panel.activations.grid.setCurrentItem(panel.activations.grid.item(1))
    assert panel.activations.enlarged.image.shape == (32, 32, 3)
    panel.views.setCurrentWidget(panel.filters)  # nobody watches: no more live maps
    assert panel.live.target is None


def test_grad_cam_toggle_paints_an_overlay_on_the_live_view(make_window, qtbot, conv_info):
    window = make_window(SolidSource("blue"), model=conv_info)
    qtbot.waitUntil(lambda: window.stream.classifier is not None, timeout=20000)
    assert window.panel.tools.isVisibleTo(window.panel)
    raw = solid("blue", (120, 160))

    def overlaid():
        shown = window.view.shown
        return shown is not None and not np.array_equal(shown[-20:, 30:130], raw[-20:, 30:130])

    qtbot.waitUntil(lambda: window.view.shown is not None, timeout=5000)
    assert not overlaid()
    window.inspect.gradcam_toggle.setChecked(True)
    qtbot.waitUntil(overlaid, timeout=10000)
    shown = window.view.shown
    assert np.array_equal(shown[-20:, :15], raw[-20:, :15])  # outside the square the model saw
    window.inspect.gradcam_toggle.setChecked(False)
    qtbot.waitUntil(lambda: not overlaid(), timeout=5000)
    assert np.array_equal(
        window.view.shown, draw_labels(raw, window.view.labels, window.view.banner)
    )


def test_still_image_grad_cam_feature_visualization_and_saving(panel, qtbot, tmp_path, workspace):
    picture = np.zeros((64, 64, 3), np.uint8)
    picture[40:60, 40:60] = (250, 30, 30)
    Image.fromarray(picture).save(tmp_path / "red.png")
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    assert not panel.open_image(tmp_path / "broken.png")
    assert "Cannot read broken.png" in panel.status.text()
    assert panel.open_image(tmp_path / "red.png")

    panel.views.setCurrentWidget(panel.gradcam)
    panel.explain()
    qtbot.waitUntil(lambda: panel.gradcam.cam.image is not None, timeout=20000)
    _heat, index = inspector_for(panel.subject.model).grad_cam(
        panel.subject.prepare(picture), None, "conv2"
    )
    assert COLOURS[index] in panel.gradcam.caption.text()
    np.testing.assert_array_equal(panel.gradcam.input.image, fit_to_input(picture, (32, 32)))
    path = panel.save_picture()
    assert path.parent == workspace.snapshots_dir and path.suffix == ".png"
    np.testing.assert_array_equal(np.asarray(Image.open(path)), panel.gradcam.picture_to_save()[0])

    panel.views.setCurrentWidget(panel.features)
    panel.select_layer("conv2")
    panel.features.channel.setValue(1)
    panel.features.steps.setValue(5)
    panel.run_feature()
    qtbot.waitUntil(lambda: panel.features.picture.image is not None, timeout=20000)
    assert panel.features.bar.value() == 5 and "conv2 channel 1" in panel.features.caption.text()
    panel.features.steps.setValue(2000)
    panel.run_feature()
    qtbot.waitUntil(lambda: panel.features.bar.value() >= 2, timeout=20000)
    panel.features.stop_button.click()
    qtbot.waitUntil(lambda: panel.features.run_button.isEnabled(), timeout=20000)
    assert "(stopped)" in panel.features.caption.text()

    panel.run_feature()  # the window closes during an ascent: it ends at once, says nothing
    qtbot.waitUntil(lambda: panel.features.bar.value() >= 2, timeout=20000)
    caption = panel.features.caption.text()
    panel.shutdown()
    assert all(job.wait(0) for job in panel.findChildren(Job))
    qtbot.wait(300)
    assert panel.features.caption.text() == caption


def test_a_nested_workspace_model_can_be_picked(panel, link, qtbot, workspace):
    base = conv_model()
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Dense(2, activation="softmax", name="head")(
        keras.layers.GlobalAveragePooling2D()(
            keras.Model(base.inputs, base.get_layer("conv2").output, name="base")(inputs)
        )
    )
    workspace.save_model(keras.Model(inputs, outputs), ["a", "b"], (32, 32), "unit", "nested")
    panel.picker.refresh()
    index = next(
        i
        for i in range(panel.picker.count())
        if getattr(panel.picker.itemData(i), "name", "") == "nested"
    )
    panel.picker.setCurrentIndex(index)
    qtbot.waitUntil(
        lambda: (
            panel.subject is not None
            and panel.subject.name == "nested"
            and panel.inspector is not None
            and panel.inspector.model is panel.subject.model
        ),
        timeout=20000,
    )
    paths = [info.path for info in panel.inspector.layers]
    assert paths[:3] == ["base", "base/conv", "base/conv2"] and panel.layer == "base/conv"
    assert panel.table.item(1, 0).text() == "    conv"
    assert link.classifier.name == "convs" and link.chosen == []  # the live view keeps its own


def test_choosing_the_live_model_while_another_loads_keeps_the_live_one(
    panel, link, qtbot, workspace, monkeypatch
):
    import time

    from PySide6.QtCore import QThreadPool

    from engine.models import zoo
    from gui.panels.inspect.panel import LIVE

    live = link.classifier
    assert panel.subject is live
    other = workspace.save_model(conv_model(), COLOURS, (32, 32), "unit", "other")
    load = zoo.workspace_classifier
    monkeypatch.setattr(
        zoo,
        "workspace_classifier",
        lambda *args, **kwargs: (time.sleep(1.0), load(*args, **kwargs))[1],
    )
    panel.choose_model(other)  # slow to load; the person goes back to 'Live model' meanwhile
    panel.choose_model(LIVE)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=20000)
    qtbot.wait(100)  # the finished load's signal is delivered, and dropped
    assert panel.chosen == LIVE and panel.subject is live
    assert "other" not in panel.status.text()
