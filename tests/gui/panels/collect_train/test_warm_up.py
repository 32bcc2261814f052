"""Collect & train builds and compiles the chosen base while the person fills in the form, so
that Train starts embedding at once; it never downloads ahead of Train."""

import time

from PySide6.QtCore import QThreadPool

from engine import backend
from gui.panels.collect_train import base as bases
from gui.panels.collect_train import picker
from tests.helpers.files import colour_project
from tests.helpers.gui import choose
from tests.helpers.models import tiny_base


def counting(monkeypatch, owner, name):
    """Replace ``owner.name`` by a wrapper that counts its calls."""
    calls = []
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_the_chosen_base_is_built_and_compiled_before_train_which_reuses_it(
    panel, qtbot, workspace, monkeypatch
):
    monkeypatch.setattr(picker, "WARM_UP_MS", 300)
    monkeypatch.setattr(bases, "_BASES", {})
    builds = counting(monkeypatch, bases.BaseChoice, "_make")
    compiles = counting(monkeypatch, backend, "compiled_forward")
    tiny_base(workspace)
    colour_project(workspace, count=6)
    panel.collect.bar.refresh()
    panel.collect.bar.open_folder(workspace.projects_dir / "colours")
    form = panel.form
    form.refresh_bases()
    choose(form.weights, "random (none)")
    choose(form.base, "MobileNetV3Small")  # passed over at once: never built
    choose(form.base, "tiny (workspace)")
    qtbot.waitUntil(lambda: form.layer.isEnabled(), timeout=10000)
    with qtbot.waitSignal(form.picker.prepared, timeout=30000) as prepared:
        choose(form.layer, "conv")
    base = prepared.args[0]
    assert base.name == "tiny at conv" and base._forward is not None
    assert len(builds) == 1 and len(compiles) == 1  # only the choice that stayed
    form.epochs.setValue(2)
    form.name.setText("warm")
    form.train_button.click()
    qtbot.waitUntil(lambda: form.train_button.isEnabled(), timeout=60000)
    assert "Saved 'warm'" in form.status.text(), form.status.text()
    assert len(builds) == 1 and len(compiles) == 1  # Train took the prepared base as it was


def test_imagenet_weights_are_not_downloaded_ahead_of_train(panel, qtbot, monkeypatch):
    from keras.src.utils import file_utils

    started, blocks = [], []

    def slow(url, filename, hook):
        started.append(url)
        hook(0, 8192, 8192 * 200)
        for block in range(1, 201):
            blocks.append(block)
            hook(block, 8192, 8192 * 200)
            time.sleep(0.01)
        raise OSError("unreachable")

    monkeypatch.setattr(file_utils, "urlretrieve", slow)
    monkeypatch.setattr(picker, "WARM_UP_MS", 0)
    monkeypatch.setattr(bases, "_BASES", {})
    form = panel.form
    assert form.base.currentText() == "MobileNetV2" and form.weights.currentData() == "imagenet"
    choose(form.weights, "ImageNet (download once)")
    qtbot.waitUntil(lambda: bool(started), timeout=30000)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=30000)
    assert blocks == [] and bases._BASES == {}  # stopped before the first block


def test_weights_that_do_not_fit_are_said_when_picked(panel, qtbot, monkeypatch, tmp_path):
    import keras
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(picker, "WARM_UP_MS", 0)
    small = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    small.save_weights(tmp_path / "small.weights.h5")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "small.weights.h5"), "")
    )
    form = panel.form
    choose(form.base, "MobileNetV3Small")
    choose(form.weights, "from a file…")
    note = form.picker.note
    qtbot.waitUntil(lambda: "do not fit" in note.text(), timeout=60000)
    assert note.text().startswith("The weights in small.weights.h5 do not fit MobileNetV3Small")
    assert form.train_button.isEnabled()  # nothing started
