"""Closing the window while frames are recorded or a model is saved leaves only whole files."""

import re
import threading
import time

import keras
from PIL import Image
from PySide6.QtCore import QEvent, QObject, Qt

from engine.workspace import store
from tests.helpers.files import colour_project, images_of
from tests.helpers.gui import answer, make_class, set_up_training
from tests.helpers.models import tiny_base


def leftovers(root) -> list[str]:
    """Scratch, temporary and empty files under ``root``, and image files that do not decode."""
    bad = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.suffix == ".tmp" or path.stat().st_size == 0:
            bad.append(f"{path.relative_to(root)}: scratch or empty")
        elif path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            try:
                with Image.open(path) as image:
                    image.load()  # a truncated file raises here
            except OSError as error:
                bad.append(f"{path.relative_to(root)}: {error}")
    return bad


def recording_window(make_window, qtbot, monkeypatch):
    window = make_window()  # the demo stream: every frame differs, so each one is written
    window.tabs.setCurrentWidget(window.finetune)
    collect = window.finetune.collect
    answer(monkeypatch, "gestures")
    collect.bar.new_button.click()
    make_class(collect, monkeypatch, "wave")
    collect.rate.setValue(30)
    return window, collect


def closed_while_recording(window, collect, qtbot, workspace) -> list:
    qtbot.waitUntil(lambda: len(images_of(workspace, "gestures", "wave")) >= 5, timeout=10000)
    assert collect.session is not None
    window.close()
    assert collect.session is None  # recording stopped with the window
    recorded = int(re.search(r"Recorded (\d+) frames", collect.message.text()).group(1))
    qtbot.wait(300)
    files = images_of(workspace, "gestures", "wave")
    assert len(files) == recorded >= 5
    assert leftovers(workspace.root) == []
    return files


def test_closing_while_the_record_button_is_held(make_window, qtbot, workspace, monkeypatch):
    window, collect = recording_window(make_window, qtbot, monkeypatch)
    qtbot.mousePress(collect.record_button, Qt.MouseButton.LeftButton)
    files = closed_while_recording(window, collect, qtbot, workspace)
    with Image.open(files[0]) as first:
        assert first.size == (160, 120)


def test_closing_during_a_burst(make_window, qtbot, workspace, monkeypatch):
    window, collect = recording_window(make_window, qtbot, monkeypatch)
    collect.burst.setValue(500)
    qtbot.mouseClick(collect.burst_button, Qt.MouseButton.LeftButton)
    files = closed_while_recording(window, collect, qtbot, workspace)
    assert len(files) < 500


class CloseSeen(QObject):
    """Sets ``closing`` when the window it watches receives its close event."""

    def __init__(self, window):
        super().__init__(window)
        self.closing = threading.Event()
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Close:
            self.closing.set()
        return False


def test_closing_while_a_trained_model_is_saved(make_window, qtbot, workspace, monkeypatch):
    window = make_window()
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)
    tiny_base(workspace)
    colour_project(workspace)
    set_up_training(panel, qtbot, workspace, epochs=1)
    panel.form.name.setText("closing")
    seen = CloseSeen(window)
    saving, keras_save = threading.Event(), keras.Model.save

    def save_until_closed(model, path, *args, **kwargs):
        keras_save(model, path, *args, **kwargs)  # the scratch .keras is written…
        saving.set()
        assert seen.closing.wait(30)  # …and the window closes before it is renamed into place
        time.sleep(0.5)

    monkeypatch.setattr(keras.Model, "save", save_until_closed)
    panel.form.train_button.click()
    qtbot.waitUntil(saving.is_set, timeout=60000)
    assert any(p.name.startswith(".closing.") for p in workspace.models_dir.iterdir())
    window.close()
    assert panel.job.wait(0)  # the save was waited for
    monkeypatch.undo()
    assert sorted(p.name for p in workspace.models_dir.iterdir()) == [
        "closing.json",
        "closing.keras",
        "tiny.json",
        "tiny.keras",
    ]
    assert leftovers(workspace.root) == []
    info = store.ModelInfo.read(workspace.models_dir / "closing.keras")
    assert info.class_names == ["blue", "red"]
    assert store.load_keras_model(info.path).output_shape == (None, 2)
