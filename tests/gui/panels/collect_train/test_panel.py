"""The 'Collect & train' tab driven with qtbot (offscreen): built alone on a live view that serves
demo frames, and in the real window where the live view uses what it trained."""

import time
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.data import split as splitting
from engine.data.projects import session_group
from engine.models import zoo
from engine.models.callbacks import QuickValidation
from engine.workspace.store import ModelInfo, load_keras_model
from gui.panels.collect_train import base as bases
from gui.panels.collect_train.panel import FinetunePanel
from tests.helpers.files import colour_project, images_of, write_images
from tests.helpers.gui import StandInLink, answer, choose, make_class, set_up_training, show_alone
from tests.helpers.models import tiny_base


def test_make_a_project_and_classes_then_record_by_holding_the_button(
    panel, qtbot, workspace, monkeypatch
):
    collect = panel.collect
    assert not collect.record_button.isEnabled()  # no project yet
    answer(monkeypatch, "gestures")
    collect.bar.new_button.click()
    assert collect.project.root == workspace.projects_dir / "gestures"
    make_class(collect, monkeypatch, "thumbs up", "wave")
    assert [collect.classes.item(i).text() for i in range(2)] == ["thumbs up  (0)", "wave  (0)"]
    assert collect.current_class() == "wave" and collect.record_button.isEnabled()
    answer(monkeypatch, "thumbs up")  # a name that is taken: said, and nothing changes
    collect.rename_button.click()
    assert "already a class 'thumbs up'" in collect.message.text()
    assert collect.current_class() == "wave"

    collect.rate.setValue(10)
    for session in range(2):
        before = len(images_of(workspace, "gestures", "wave"))
        qtbot.mousePress(collect.record_button, Qt.MouseButton.LeftButton)
        assert collect.session is not None
        if session == 1:  # the rate can change while recording
            collect.rate.setValue(20)
            assert collect.recorder._timer.interval() == 50
        qtbot.waitUntil(
            lambda: len(images_of(workspace, "gestures", "wave")) >= before + 3, timeout=5000
        )
        qtbot.mouseRelease(collect.record_button, Qt.MouseButton.LeftButton)
        assert collect.session is None
    files = images_of(workspace, "gestures", "wave")
    groups = {session_group(p) for p in files}
    assert len(groups) == 2  # one capture session per press
    rows = collect.sessions.row_texts()  # a row per session with its count, after "All"
    assert rows[0][:2] == ("All", str(len(files))) and len(rows) == 3
    assert sorted(int(row[1]) for row in rows[1:]) == sorted(
        sum(session_group(p) == g for p in files) for g in groups
    )
    frames = [np.asarray(Image.open(p)) for p in files]
    assert frames[0].shape == (120, 160, 3) and not np.array_equal(frames[0], frames[1])
    assert collect.classes.currentItem().text() == f"wave  ({len(files)})"
    assert collect.grid.count() == len(files)
    qtbot.waitUntil(lambda: collect.thumbs.pending == 0, timeout=5000)
    assert not collect.grid.item(0).icon().pixmap(96, 96).isNull()

    collect.burst.setValue(4)
    collect.classes.setCurrentRow(0)
    collect.burst_button.click()
    qtbot.waitUntil(lambda: collect.session is None, timeout=5000)
    burst = images_of(workspace, "gestures", "thumbs up")
    assert len(burst) == 4 and len({session_group(p) for p in burst}) == 1
    # one session per class: the split warns that validation holds near-copies
    qtbot.waitUntil(lambda: "one capture session" in panel.checks.text(), timeout=5000)
    assert "'thumbs up'" in panel.checks.text()

    answer(monkeypatch, "hello")
    collect.rename_button.click()
    assert len(images_of(workspace, "gestures", "hello")) == 4
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    collect.delete_class_button.click()
    assert not (workspace.projects_dir / "gestures" / "hello").exists()
    assert len(list(workspace.trash_dir.rglob("*.jpg"))) == 4
    assert collect.classes.count() == 1 and "trash" in collect.message.text()


def test_import_a_folder_with_junk_and_open_a_read_only_folder(
    panel, qtbot, workspace, monkeypatch, tmp_path
):
    collect = panel.collect
    collect.bar.new_project("pets")
    make_class(collect, monkeypatch, "chat été 🐱")  # unicode class (folder) names
    source = tmp_path / "photos"
    write_images(source, 0, 3)
    (source / "notes.txt").write_text("not a picture")
    (source / "fake.jpg").write_text("not a jpeg either")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(source))
    collect.import_folder_button.click()
    qtbot.waitUntil(lambda: "Imported" in collect.message.text(), timeout=5000)
    text = collect.message.text()
    assert "Imported 3 images into 'chat été 🐱'" in text and "Skipped 2" in text
    assert "fake.jpg: not an image file Pillow can read" in text
    assert len(list((workspace.projects_dir / "pets" / "chat été 🐱").glob("*.png"))) == 3
    assert sorted(p.name for p in source.iterdir()) == [
        "fake.jpg",
        "img00.png",
        "img01.png",
        "img02.png",
        "notes.txt",
    ]

    extra = write_images(tmp_path / "more", 1, 2, seed=1)  # dropped from a file manager
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in extra])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    collect.grid.dropEvent(event)
    qtbot.waitUntil(lambda: collect.grid.count() == 5, timeout=5000)
    picked = write_images(tmp_path / "single", 2, 1, stem="ça {}")  # Import files…
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(picked[0])], ""))
    collect.import_files_button.click()
    qtbot.waitUntil(lambda: collect.grid.count() == 6, timeout=5000)
    assert (workspace.projects_dir / "pets" / "chat été 🐱" / "ça 0.png").is_file()
    assert collect.classes.item(0).text() == "chat été 🐱  (6)"

    tree = tmp_path / "tree"
    write_images(tree / "train" / "ants", 0, 3)
    write_images(tree / "train" / "bees", 2, 3)
    write_images(tree / "val" / "bees", 2, 1)
    (tree / "train" / "ants" / "empty.jpg").write_bytes(b"")
    collect.bar.open_folder(tree)
    assert not collect.project.editable and collect.bar.readonly.isVisible()
    assert not collect.add_button.isEnabled() and not collect.record_button.isEnabled()
    qtbot.waitUntil(lambda: collect.skipped_toggle.isVisible(), timeout=5000)
    assert collect.skipped_toggle.text() == "Skipped files (1)"
    collect.skipped_toggle.click()
    assert collect.skipped.isVisible()
    assert collect.skipped.item(0).text() == "train/ants/empty.jpg: the file is empty (0 bytes)"
    assert collect.sessions.row_texts() == [
        ("All", "4", "training"),
        ("train/ files", "4", "training"),
    ]
    assert "keep their own split" in collect.images.caption.text()
    assert [collect.classes.item(i).text() for i in range(2)] == ["ants  (4)", "bees  (4)"]

    collect.bar.copy_button.click()
    qtbot.waitUntil(lambda: collect.project.editable, timeout=5000)
    copy = workspace.projects_dir / "tree"
    assert collect.project.root == copy and sorted(p.name for p in copy.iterdir()) == [
        "ants",
        "bees",
    ]
    assert len(list((copy / "bees").iterdir())) == 4  # train and val flattened
    assert (tree / "train" / "ants" / "empty.jpg").exists()  # the original is untouched


def test_delete_a_thumbnail_moves_the_file_to_the_trash(
    panel, qtbot, workspace, monkeypatch, tmp_path
):
    collect = panel.collect
    collect.bar.new_project("p")
    make_class(collect, monkeypatch, "a")
    write_images(workspace.projects_dir / "p" / "a", 0, 3)
    collect.refresh()
    assert collect.grid.count() == 3
    collect.grid.item(1).setSelected(True)
    collect.delete_images_button.click()
    left = sorted(p.name for p in (workspace.projects_dir / "p" / "a").iterdir())
    assert left == ["img00.png", "img02.png"] and collect.grid.count() == 2
    trashed = list(workspace.trash_dir.rglob("img01.png"))
    assert len(trashed) == 1 and "Moved 1 image to the trash" in collect.message.text()


def test_train_on_a_tiny_project_then_use_the_model_live(make_window, qtbot, workspace):
    window = make_window()
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)
    tiny_base(workspace)
    colour_project(workspace)
    set_up_training(panel, qtbot, workspace, epochs=6)
    form = panel.form
    form.learning_rate.setValue(0.05)
    form.name.setText("my colours")
    qtbot.mouseClick(form.train_button, Qt.MouseButton.LeftButton)
    assert not form.train_button.isEnabled() and form.stop_button.isEnabled()
    qtbot.waitUntil(lambda: form.train_button.isEnabled(), timeout=60000)
    assert "Saved 'my colours'" in form.status.text(), form.status.text()
    assert (workspace.models_dir / "my colours.keras").is_file()
    # train and validation loss, one point per epoch each
    assert [len(item.xData) for item in panel.curves.loss_plot.listDataItems()] == [6, 6]
    assert form.bar.format().startswith("done")

    results = panel.results
    confusion = results.matrix
    assert confusion.rowCount() == 2 and confusion.columnCount() == 2
    counts = np.array([[int(confusion.item(t, p).text()) for p in range(2)] for t in range(2)])
    assert counts.sum() == len(results._truth) >= 4
    assert "Validation accuracy" in results.per_class.text() and "red:" in results.per_class.text()
    wrong = int(counts.sum() - np.trace(counts))  # the misclassified ones are shown first
    assert results.gallery.count() == wrong and results.caption.text().startswith(
        f"Misclassified validation images: {wrong} of {counts.sum()}"
    )
    panel.views.setCurrentWidget(results)
    rect = confusion.visualItemRect(confusion.item(1, 1))
    qtbot.mouseClick(confusion.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert (
        results.gallery.count() == counts[1, 1]
        and "True red, predicted red" in results.caption.text()
    )
    assert all(
        Path(results.gallery.item(i).data(Qt.ItemDataRole.UserRole + 1)).parent.name == "red"
        for i in range(results.gallery.count())
    )

    picker = window.panel.picker
    index = next(
        i
        for i in range(picker.count())
        if isinstance(picker.itemData(i), ModelInfo) and picker.itemData(i).name == "my colours"
    )
    assert "2 classes" in picker.itemText(index)
    picker.setCurrentIndex(index)  # the person picks it in the live view
    qtbot.waitUntil(lambda: sorted(window.panel.bars.texts()) == ["blue", "red"], timeout=20000)
    assert window.stream.classifier.name == "my colours"


def test_stop_mid_run_keeps_the_earlier_model(panel, link, qtbot, workspace, monkeypatch):
    tiny_base(workspace)
    colour_project(workspace)
    earlier = workspace.models_dir / "colours.keras"
    earlier.write_bytes(b"the earlier model")
    set_up_training(panel, qtbot, workspace, epochs=400)
    slow = QuickValidation.on_epoch_end  # the head on 12 images runs 400 epochs in seconds
    monkeypatch.setattr(
        QuickValidation, "on_epoch_end", lambda *args: (time.sleep(0.05), slow(*args))[1]
    )
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes
    )
    epochs = []
    panel.job.progress.connect(
        lambda report: report[0] == "head" and epochs.append(report[1])  # (stage, done, …)
    )
    panel.form.train_button.click()
    assert len(asked) == 1 and "already has a model 'colours'" in asked[0]
    qtbot.waitUntil(lambda: len(epochs) >= 3, timeout=60000)
    assert "Training the head" in panel.form.bar.format() and "ETA" in panel.form.bar.format()
    qtbot.mouseClick(panel.form.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.form.train_button.isEnabled(), timeout=30000)
    assert max(epochs) < 400
    assert "Stopped" in panel.form.status.text() and "nothing was saved" in panel.form.status.text()
    assert earlier.read_bytes() == b"the earlier model"
    assert not earlier.with_suffix(".json").exists()
    # the live model rested while it trained, and nothing new joined its list
    assert link.holds == [("Collect & train", True), ("Collect & train", False)]
    assert link.refreshes == 0


def test_problems_and_missing_weights_are_said_before_training(
    panel, qtbot, workspace, monkeypatch
):
    collect = panel.collect
    collect.bar.new_project("lonely")
    make_class(collect, monkeypatch, "only")
    write_images(workspace.projects_dir / "lonely" / "only", 0, 3)
    collect.refresh()
    qtbot.waitUntil(lambda: collect.dataset is not None, timeout=5000)
    assert "at least two classes" in panel.checks.text()
    panel.form.train_button.click()
    assert "Training cannot start" in panel.form.status.text()
    assert not panel.job.running and panel.form.train_button.isEnabled()

    make_class(collect, monkeypatch, "other")
    write_images(workspace.projects_dir / "lonely" / "other", 2, 3)
    collect.refresh()
    qtbot.waitUntil(lambda: collect.dataset is not None, timeout=5000)
    assert panel.form.base.currentText() == "MobileNetV2"
    assert panel.form.weights.currentData() == "imagenet"
    panel.form.train_button.click()  # offline: the ImageNet weights cannot be fetched
    qtbot.waitUntil(lambda: panel.form.train_button.isEnabled(), timeout=60000)
    text = panel.form.status.text()
    assert "not on this computer" in text and "Traceback" not in text
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5" in text
    assert str(zoo.keras_cache()) in text and "'from a file…'" in text
    assert "have learnt nothing" in text and "workspace model as the base" in text  # offline
    assert not workspace.models_dir.exists() or not list(workspace.models_dir.glob("lonely*"))
    choose(panel.form.weights, "random (none)")
    said = panel.form.picker.note.text()  # what a random base can and cannot do, at the pick
    assert "61%" in said and "46%" in said and "not for results" in said


def test_stage_two_fine_tunes_end_to_end_and_its_curves_follow_stage_one(
    panel, link, qtbot, workspace
):
    tiny_base(workspace)
    colour_project(workspace, count=8)
    set_up_training(panel, qtbot, workspace, epochs=3)
    choose(panel.form.optimizer, "rmsprop")
    panel.form.stage2.setChecked(True)
    assert panel.form.fine_learning_rate.value() == 1e-4  # the course's SGD 1e-4, momentum 0.9
    panel.form.unfreeze.setValue(1)
    panel.form.fine_epochs.setValue(2)
    panel.form.train_button.click()
    qtbot.waitUntil(lambda: panel.form.train_button.isEnabled(), timeout=60000)
    assert "Saved 'colours'" in panel.form.status.text(), panel.form.status.text()
    history = panel.curves.history
    assert len(history["head"]["loss"]) == 3 and len(history["fine-tuning"]["loss"]) == 2
    assert len(history["fine-tuning"]["val_loss"]) == 2
    xs = sorted(list(item.xData) for item in panel.curves.loss_plot.listDataItems())
    assert [1.0, 2.0, 3.0] in xs and [4.0, 5.0] in xs  # stage 2 carries on after stage 1
    saved = ModelInfo.read(workspace.models_dir / "colours.keras")
    assert saved.extra["options"]["unfreeze"] == 1 and saved.class_names == ["blue", "red"]
    assert saved.extra["options"]["optimizer"] == "rmsprop"
    assert saved.extra["options"]["fine_learning_rate"] == 1e-4
    assert bases._BASES == {}  # stage 2 changed the kept base's weights: the next run rebuilds it
    assert link.refreshes == 1  # the live view's list shows it at once
    panel.form.use_button.click()
    assert [info.path for info in link.chosen] == [saved.path]  # 'Use it live'


def test_each_session_shows_its_count_and_its_side_of_the_split(panel, qtbot, workspace):
    root = workspace.projects_dir / "hands"
    for label, colour in (("open", 0), ("fist", 2)):
        for n, count in enumerate((6, 4, 3)):
            write_images(
                root / label, colour, count, seed=n, stem=f"cap-20240314-10{n}000-000-{{:04d}}"
            )
        write_images(root / label, colour, 2, seed=9)  # two imported files
    collect, table = panel.collect, panel.collect.sessions
    collect.bar.refresh()
    collect.bar.open_folder(root)
    qtbot.waitUntil(lambda: collect.dataset is not None and bool(table.sides), timeout=10000)
    assert collect.current_class() == "fist"

    def expected():
        parts = splitting.split(collect.dataset, panel.form.validation.value())
        validation = {item.path for item in parts.validation}
        rows = []
        for n, count in enumerate((6, 4, 3)):
            paths = set((root / "fist").glob(f"cap-20240314-10{n}*"))
            assert paths <= validation or not paths & validation  # a session is never cut in two
            rows.append(
                (
                    f"14 Mar 10:{n}0:00",
                    str(count),
                    "validation" if paths <= validation else "training",
                )
            )
        imported = sum(p in validation for p in (root / "fist").glob("img*.png"))
        rows.append(
            (
                "imported files",
                "2",
                {0: "training", 2: "validation"}.get(imported, "1 train, 1 val"),
            )
        )
        return rows

    assert table.row_texts()[1:] == expected()
    assert "validation" in [row[2] for row in table.row_texts()[1:4]]
    assert all(
        warning in panel.checks.text() for warning in splitting.split(collect.dataset, 0.2).warnings
    )
    assert table.row_texts()[0][:2] == ("All", "15")
    assert "session's frames stay on one side" in collect.images.caption.text()

    item = table.topLevelItem(1)  # a click shows that session's thumbnails only
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(item).center()
    )
    assert collect.grid.count() == 6
    assert collect.images.caption.text().startswith("Showing session 14 Mar 10:00:00 only.")
    assert table.topLevelItem(1).toolTip(0) == "14 Mar 10:00:00: 6 images"
    side = expected()[0][2]
    assert all(
        collect.grid.item(i).toolTip().endswith(f"session 14 Mar 10:00:00 · {side}")
        for i in range(6)
    )

    before = table.row_texts()
    panel.form.validation.setValue(0.5)  # a new share: the rows follow at once
    assert table.row_texts()[1:] == expected() and table.row_texts() != before
    assert collect.grid.count() == 6  # still that session's thumbnails


def test_a_workspace_model_without_an_image_input_is_refused_as_a_base(panel, qtbot, workspace):
    import keras

    digits = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    workspace.save_model(digits, [str(i) for i in range(10)], (28, 28), "mnist", "digits")
    form = panel.form
    form.refresh_bases()
    choose(form.base, "digits (workspace)")
    qtbot.waitUntil(lambda: "cannot be a base" in form.picker.note.text(), timeout=20000)
    note = form.picker.note.text()
    assert "digits.keras takes (784,)" in note and "input (H, W, 1)" in note
    index = form.base.findText("digits (workspace: cannot be a base)")
    assert index >= 0 and not form.base.model().item(index).isEnabled()
    assert "(784,)" in form.base.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert form.base.currentText() == "MobileNetV2" and form.choice().zoo_name == "MobileNetV2"
    form.refresh_bases()  # still refused after the list is read again
    assert (
        not form.base.model()
        .item(form.base.findText("digits (workspace: cannot be a base)"))
        .isEnabled()
    )


def test_zoo_base_weights_from_a_file(panel, qtbot, workspace, monkeypatch, tmp_path):
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    colour_project(workspace, count=6)
    panel.collect.bar.refresh()
    panel.collect.bar.open_folder(workspace.projects_dir / "colours")
    form = panel.form
    choose(form.base, "MobileNetV3Small")
    picked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(picked[-1]), ""))

    picked.append(tmp_path / "notes.h5")
    picked[-1].write_text("not weights")
    choose(form.weights, "from a file…")
    assert "notes.h5 is not a Keras weights file" in form.picker.note.text()
    assert form.weights.currentData() == "imagenet" and form.weights.count() == 3

    # Keras' ImageNet format (legacy HDF5) for the whole network, classifier included
    whole = zoo.build("MobileNetV3Small", None, top=True)
    weights = whole.get_weights()
    weights[0][:] = 0.0456  # the first convolution's kernel, recognisable later
    whole.set_weights(weights)
    picked.append(tmp_path / "whole.h5")
    with h5py.File(picked[-1], "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, whole)
    choose(form.weights, "from a file…")
    assert form.weights.currentText() == "file: whole.h5"
    form.augment["flip"].click()  # ticking a kind makes copies: it never does nothing
    assert form.variants.isEnabled() and form.options().variants == 2
    form.epochs.setValue(2)
    form.name.setText("from file")
    form.train_button.click()
    qtbot.waitUntil(lambda: form.train_button.isEnabled(), timeout=120000)
    assert "Saved 'from file'" in form.status.text(), form.status.text()
    assert "36 computed" in form.status.text()  # 12 images, each with 2 flipped copies
    saved = load_keras_model(workspace.models_dir / "from file.keras")
    assert np.allclose(saved.layers[1].get_weights()[0], 0.0456)  # the file's weights were used

    small = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    picked.append(tmp_path / "small.weights.h5")
    small.save_weights(picked[-1])
    choose(form.weights, "from a file…")
    form.name.setText("wrong file")
    form.train_button.click()
    qtbot.waitUntil(lambda: form.train_button.isEnabled(), timeout=120000)
    text = form.status.text()
    assert (
        text.startswith(
            "Training did not start: The weights in small.weights.h5 do not fit MobileNetV3Small"
        )
        and "Traceback" not in text
    )
    assert not (workspace.models_dir / "wrong file.keras").exists()


def test_stop_while_imagenet_weights_download(panel, qtbot, workspace, monkeypatch):
    from keras.src.utils import file_utils

    blocks = []

    def slow(url, filename, hook):
        for block in range(1, 2001):
            blocks.append(block)
            hook(block, 8192, 8192 * 2000)
            time.sleep(0.01)
        raise urllib.error.URLError("unreachable")

    monkeypatch.setattr(file_utils, "urlretrieve", slow)
    colour_project(workspace, count=3)
    panel.collect.bar.refresh()
    panel.collect.bar.open_folder(workspace.projects_dir / "colours")
    form = panel.form
    assert form.weights.currentData() == "imagenet"
    form.train_button.click()
    qtbot.waitUntil(lambda: "Downloading ImageNet weights" in form.bar.format(), timeout=60000)
    qtbot.waitUntil(lambda: "ETA" in form.bar.format(), timeout=5000)
    assert " / 16.4 MB" in form.bar.format()
    form.stop_button.click()
    qtbot.waitUntil(lambda: form.train_button.isEnabled(), timeout=30000)
    assert len(blocks) < 2000 and "Stopped" in form.status.text()
    assert not (workspace.models_dir / "colours.keras").exists()


def test_disk_full_while_saving_keeps_the_earlier_model(panel, qtbot, workspace, monkeypatch):
    import errno

    from engine.workspace.store import Workspace

    tiny_base(workspace)
    colour_project(workspace, count=6)
    earlier = workspace.models_dir / "colours.keras"
    earlier.write_bytes(b"the earlier model")
    set_up_training(panel, qtbot, workspace, epochs=2)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workspace, "save_model", full)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    panel.form.train_button.click()
    qtbot.waitUntil(lambda: panel.form.train_button.isEnabled(), timeout=60000)
    text = panel.form.status.text()
    assert "could not be saved: The disk is full: free some space and try again." in text
    assert "Any earlier model 'colours' is unchanged." in text and "Traceback" not in text
    assert earlier.read_bytes() == b"the earlier model"
    assert not panel.form.use_button.isEnabled()


def test_a_returning_student_with_models_in_the_workspace_gets_the_default_base(
    qtbot, workspace, colour_info
):
    """With workspace models listed below a separator, the base list opened blank (the empty
    list's current data, None, matched the separator's) and Train failed with 'None'."""
    panel = show_alone(qtbot, FinetunePanel(StandInLink(workspace)))
    picker = panel.form.picker
    assert picker.base.currentText() == zoo.DEFAULT_MODEL
    assert picker.choice().zoo_name == zoo.DEFAULT_MODEL


@pytest.mark.parametrize("name", ["../../evil", "sub/name", "x" * 300])
def test_a_model_name_that_would_leave_the_workspace_is_refused_before_training(
    panel, qtbot, workspace, name
):
    tiny_base(workspace)
    colour_project(workspace, count=6)
    set_up_training(panel, qtbot, workspace, epochs=1)
    panel.form.name.setText(name)
    panel.form.train_button.click()
    text = panel.form.status.text()
    assert "model name" in text and panel.form.train_button.isEnabled()
    assert not panel.job.running
    assert sorted(p.name for p in workspace.models_dir.iterdir()) == ["tiny.json", "tiny.keras"]
    assert not (workspace.root.parent / "evil.keras").exists()


def test_a_model_saved_elsewhere_during_training_is_not_replaced_unasked(
    panel, qtbot, workspace, monkeypatch
):
    """Nothing was called 'colours' at Train, so nobody agreed to replace one: a model of that
    name saved meanwhile (another window, the command line) stays, and the run says why."""
    from engine.transfer import finetune

    tiny_base(workspace)
    colour_project(workspace, count=6)
    set_up_training(panel, qtbot, workspace, epochs=1)
    original = finetune.save

    def meanwhile(outcome, *args, **kwargs):
        workspace.save_model(outcome.model, ["x", "y", "z"], (32, 32), "unit", "colours")
        return original(outcome, *args, **kwargs)

    monkeypatch.setattr(finetune, "save", meanwhile)
    panel.form.train_button.click()
    qtbot.waitUntil(lambda: panel.form.train_button.isEnabled(), timeout=60000)
    assert "A model named colours exists" in panel.form.status.text()
    assert ModelInfo.read(workspace.models_dir / "colours.keras").class_names == ["x", "y", "z"]


def test_a_stopped_run_s_model_is_marked_in_the_base_list(panel, workspace):
    """A half-trained MNIST lab model is never offered as a finished one."""
    import keras

    conv = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten()]
    )
    names = [str(i) for i in range(10)]
    workspace.save_model(conv, names, (28, 28), "mnist", "half", stopped=True, epochs_done=2)
    workspace.save_model(conv, names, (28, 28), "mnist", "whole")
    panel.form.refresh_bases()
    texts = [panel.form.base.itemText(i) for i in range(panel.form.base.count())]
    assert "half (workspace, stopped at epoch 2)" in texts and "whole (workspace)" in texts
