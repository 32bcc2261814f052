"""The MNIST lab panel, driven with qtbot: train a preset to the end, stop another midway."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.data import datasets
from engine.mnist import lab
from gui.core.jobs import Job
from gui.core.live_link import LiveLink
from gui.panels.mnist_lab.panel import MnistPanel, sample_grid
from gui.widgets.model_picker import ModelPicker
from tests.helpers.files import real_data, write_idx_folder
from tests.helpers.gui import show_alone


@pytest.fixture
def panel(qtbot, workspace, tmp_path):
    widget = show_alone(qtbot, MnistPanel(LiveLink(workspace)))
    widget.set_data(
        datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=2000, n_test=200))
    )
    return widget


def choose(panel, key):
    panel.preset.setCurrentIndex(panel.preset.findData(key))


def test_presets_fill_in_the_course_epochs_and_explain_themselves(panel):
    choose(panel, "mlp2-adadelta")
    assert panel.epochs.value() == 20
    assert "545,810 parameters" in panel.preset.toolTip() and "1.0" in panel.preset.toolTip()


def test_choosing_a_preset_keeps_the_epochs_and_batch_a_person_typed(panel, qtbot):
    choose(panel, "mlp-sgd")
    panel.epochs.clear()
    qtbot.keyClicks(panel.epochs, "3")
    panel.batch.setValue(64)
    choose(panel, "mlp2-adadelta")
    assert panel.epochs.value() == 3 and panel.batch.value() == 64
    assert panel.form.epochs_hint.text() == "preset: 20"  # the preset's own count, said beside
    assert panel.form.options("t")["epochs"] == 3
    panel.epochs.setValue(20)  # back at the preset's value: the next preset sets its own again
    panel.batch.setValue(128)
    choose(panel, "challenge")
    assert panel.epochs.value() == 200 and panel.batch.value() == 128


def test_the_form_does_not_move_when_data_loads(qtbot, workspace, tmp_path):
    widget = show_alone(qtbot, MnistPanel(LiveLink(workspace)))
    fields = (widget.dataset, widget.preset, widget.epochs, widget.train_button, widget.bar)

    def places():
        qtbot.wait(50)  # the layout settles
        return [(f.mapTo(widget, f.rect().topLeft()), f.size()) for f in fields]

    before = places()
    assert widget.samples.pixmap().isNull()
    widget.set_data(datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=100)))
    assert not widget.samples.pixmap().isNull()
    assert places() == before
    widget.status.setText("A long line " * 12)  # a status of three lines keeps the form in place
    assert places() == before


def test_train_a_preset_to_the_end_then_stop_a_second_run_midway(panel, qtbot, workspace):
    choose(panel, "mlp-adadelta")
    panel.epochs.setValue(2)
    panel.batch.setValue(64)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    row = panel.table_rows()[0]
    assert row[:4] == ["Dense 300 tanh", "238,510", "adadelta", "2"] and row[6] == "2,000"
    assert float(row[5].rstrip("%")) < 10
    train, test = panel.loss_plot.listDataItems()
    assert len(test.xData) == 2  # after each epoch; training within epochs: 20 points each
    assert len(train.xData) == 40 and train.xData[-1] == 2.0
    finished = list(workspace.models_dir.glob("mlp-adadelta-*.keras"))
    assert len(finished) == 1 and "stopped" not in finished[0].name
    meta = json.loads(finished[0].with_suffix(".json").read_text())
    assert meta["stopped"] is False and meta["epochs_done"] == meta["epochs"] == 2
    assert panel.as_markdown().splitlines()[2].startswith("| Dense 300 tanh | 238,510 |")
    assert panel.as_csv().splitlines()[0] == (
        "Architecture,Parameters,Optimizer,Epochs,CPU s,Error,Images"
    )

    batches = []
    panel.job.progress.connect(lambda report: batches.append(report[2]))  # (kind, epoch, batch…)
    panel.epochs.setValue(50)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(batches) >= 5, timeout=30000)
    qtbot.wait(50)  # the reports queued so far reach the panel
    assert panel.status.text().startswith("Run #2: Dense 300 tanh on ")  # not run #1's end
    assert "50 epochs" in panel.status.text() and "Saved" not in panel.status.text()
    ran = []  # counted in the worker as each signal leaves it: queued ones do not blur Stop
    panel.job.progress.connect(lambda *args: ran.append(1), Qt.ConnectionType.DirectConnection)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    stopped_at = len(ran)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=30000)
    assert len(ran) <= stopped_at + 2  # at most the batch in flight (and its epoch) after Stop
    assert panel.runs[-1].stopped and panel.runs[-1].epochs_done == 1
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.status.text().startswith("Run #2: Stopped at epoch 1 of 50")
    assert panel.table_rows()[1][3] == "1 (stopped)"
    # Kept, and marked as stopped in its name, its .json and the pickers (issue 16, item 5)
    stopped = list(workspace.models_dir.glob("mlp-adadelta-*-stopped-e1.keras"))
    assert len(stopped) == 1 and stopped[0].stem in panel.status.text()
    meta = json.loads(stopped[0].with_suffix(".json").read_text())
    assert meta["stopped"] is True and meta["epochs_done"] == 1 and meta["epochs"] == 50
    picker = ModelPicker([], workspace.models)
    labels = [picker.itemText(i) for i in range(picker.count())]
    assert f"{stopped[0].stem}  (workspace: 10 classes, stopped at epoch 1)" in labels
    assert f"{finished[0].stem}  (workspace: 10 classes)" in labels


def test_one_epoch_on_a_subset_draws_a_line_and_unticking_removes_it(panel, qtbot, workspace):
    choose(panel, "mlp-sgd")
    panel.epochs.setValue(1)
    panel.batch.setValue(64)
    panel.data_box.subset.setValue(640)  # the first 640 training images: 10 batches
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    assert panel.runs[0].training_images == 640 and panel.table_rows()[0][6] == "640"
    assert panel.run_data[0].x_test.shape[0] == 200  # the test images stay all of them
    saved = json.loads(next(workspace.models_dir.glob("mlp-sgd-*.json")).read_text())
    assert saved["training_images"] == 640
    train, test = panel.accuracy_plot.listDataItems()
    assert list(train.xData) == pytest.approx([b / 10 for b in range(1, 11)])  # a line, per batch
    assert len(test.xData) == 1 and panel.curves.points() == 11
    panel.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert panel.accuracy_plot.listDataItems() == []


def test_sample_grid_tiles_the_first_images():
    images = np.stack([np.full((28, 28), i, np.uint8) for i in range(40)])
    grid = sample_grid(images, columns=8)
    assert grid.shape == (4 * 30, 8 * 30)
    assert grid[1, 1] == 0 and grid[1, 31] == 1 and grid[31, 1] == 8


def test_real_fashion_mnist_shows_samples(qtbot, workspace):
    real_data(datasets.FASHION_DIRS[0] / "train-images-idx3-ubyte.gz")
    widget = MnistPanel(LiveLink(workspace))
    qtbot.addWidget(widget)
    widget._dataset_chosen(0)
    assert widget.data.x_train.shape == (60000, 28, 28)
    assert not widget.samples.pixmap().isNull() and "60,000 training" in widget.status.text()


def test_drawing_and_the_camera_feed_the_trained_model(panel, qtbot):
    from PySide6.QtCore import QPoint

    assert panel.try_digit.classify_digit(np.zeros((28, 28), np.uint8)) == []
    said = panel.try_digit.answering.text()  # no answer, and why: in words (issue 16, item 6)
    assert said == "No model answers yet. Train a run or open a saved model first."
    choose(panel, "mlp-adadelta")
    panel.epochs.setValue(3)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    answering = panel.try_digit.answering.text()
    assert answering.startswith("Answering: run #1: Dense 300 tanh on ")
    assert f"saved as {panel.run_saved[0]}" in answering and panel.run_saved[0]
    # The test set's class k is a bright horizontal band at rows 2k+4..2k+5 (write_idx_folder).
    # A horizontal stroke normalises to a band through the middle: rows 13-14, class 5 or so.
    panel.views.setCurrentIndex(panel.views.count() - 1)  # the "Try it" tab
    qtbot.mouseMove(panel.try_digit.pad, QPoint(30, 98))
    qtbot.mousePress(panel.try_digit.pad, Qt.MouseButton.LeftButton, pos=QPoint(30, 98))
    qtbot.mouseMove(panel.try_digit.pad, QPoint(160, 98))
    qtbot.mouseRelease(panel.try_digit.pad, Qt.MouseButton.LeftButton, pos=QPoint(160, 98))
    assert panel.try_digit.pad.pixels()[98, 30:160].min() == 255
    labels = panel.try_digit.bars.texts()
    assert labels[0] in ("4", "5")  # the band the stroke became
    assert len(labels) == 3 and all(name in panel.data.class_names for name in labels)
    assert not panel.try_digit.seen.pixmap().isNull()
    qtbot.mouseClick(panel.try_digit.pad, Qt.MouseButton.RightButton)
    assert panel.try_digit.pad.pixels().max() == 0

    frame = np.full((240, 320, 3), 210, np.uint8)
    frame[110:130, 100:220] = 10  # a dark bar on paper
    panel.try_digit.show_camera_frame(frame)  # ignored until the person ticks the box
    assert panel.try_digit.seen.pixmap().toImage().pixelColor(42, 42).value() == 0
    panel.try_digit.use_camera.setChecked(True)
    panel.try_digit.show_camera_frame(frame)
    seen = panel.try_digit.seen.pixmap().toImage()
    assert seen.pixelColor(42, 42).value() > 128  # the bar, white on black, through the centre


def test_confusion_matrix_cells_open_the_images_behind_them(panel, qtbot):
    choose(panel, "mlp-sgd")
    panel.epochs.setValue(1)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    run, results = panel.runs[-1], panel.results
    truth, predicted = panel.data.y_test, run.predicted
    panel.views.setCurrentWidget(results)
    assert results.true_title.text == "true class" and results.true_title.isVisible()
    assert results.predicted_title.text() == "predicted class"
    assert results.predicted_title.isVisible()
    assert results.true_title.geometry().right() < results.matrix.geometry().left()
    assert results.predicted_title.geometry().bottom() < results.matrix.geometry().top()
    assert results.run_title.text().startswith("Run #1: Dense 300 tanh on ")
    assert results.matrix.rowCount() == 10
    total = sum(int(results.matrix.item(t, p).text()) for t in range(10) for p in range(10))
    diagonal = sum(int(results.matrix.item(k, k).text()) for k in range(10))
    assert total == len(truth) and diagonal == int((truth == predicted).sum())
    wrong = list(np.flatnonzero(truth != predicted)[:96])
    assert results.shown_indices() == wrong
    t, p = max(
        ((t, p) for t in range(10) for p in range(10)),
        key=lambda cell: int(results.matrix.item(*cell).text()),
    )
    results.matrix.cellClicked.emit(t, p)
    shown = results.shown_indices()
    assert shown and all(truth[i] == t and predicted[i] == p for i in shown)


def test_a_custom_network_from_the_form(panel, qtbot):
    choose(panel, "lenet5")
    assert panel.layers.text().startswith("conv 6x5 relu, pool 2, conv 16x5 relu")
    assert panel.optimizer.currentText() == "adadelta" and panel.learning_rate.value() == 1.0
    assert panel.network()[2] == lab.PRESETS["lenet5"].title
    panel.layers.setText("dense 64 sigmoid, dropout 0.1")
    panel.optimizer.setCurrentText("adam")
    assert panel.learning_rate.value() == pytest.approx(0.001)
    panel.loss.setCurrentText("square error")
    panel.epochs.setValue(1)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    row = panel.table_rows()[0]
    assert row[:4] == ["dense 64 sigmoid, dropout 0.1", f"{784 * 64 + 64 + 650:,}", "adam", "1"]
    saved = list(panel.workspace.models_dir.glob("custom-*.json"))
    assert len(saved) == 1 and '"layers": "dense 64 sigmoid, dropout 0.1"' in saved[0].read_text()
    panel.layers.setText("dense lots")
    panel.train()
    assert "cannot read 'dense lots'" in panel.status.text() and panel.train_button.isEnabled()


def test_a_run_keeps_the_data_it_was_trained_on_after_the_data_changes(panel, qtbot, tmp_path):
    choose(panel, "mlp-sgd")
    panel.epochs.setValue(1)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    digits = panel.data
    letters = datasets.load_idx_folder(
        write_idx_folder(tmp_path / "other", n_test=30, seed=1), class_names=list("ABCDEFGHIJ")
    )
    panel.set_data(letters)
    labels = panel.try_digit.classify_digit(np.zeros((28, 28), np.uint8))
    assert labels and all(name in digits.class_names for name, _ in labels)
    panel.table.selectRow(0)
    assert panel.results.matrix.verticalHeaderItem(0).text() == "0"
    total = sum(int(panel.results.matrix.item(t, p).text()) for t in range(10) for p in range(10))
    assert total == len(digits.y_test) == 200


def test_a_diverging_run_says_so_and_the_panel_stays_usable(panel, qtbot, monkeypatch):
    import keras

    real = lab.make_optimizer

    def poisoned(spec):  # a learning rate no form allows: NaN weights after the first step
        return keras.optimizers.SGD(float("nan")) if spec["name"] == "sgd" else real(spec)

    monkeypatch.setattr(lab, "make_optimizer", poisoned)
    panel.layers.setText("dense 32 relu")
    panel.optimizer.setCurrentText("sgd")
    panel.epochs.setValue(3)
    panel.train()
    qtbot.waitUntil(lambda: "Training failed" in panel.status.text(), timeout=60000)
    assert "diverged" in panel.status.text() and "Lower the learning rate" in panel.status.text()
    assert panel.table.rowCount() == 0 and panel.train_button.isEnabled()
    panel.optimizer.setCurrentText("adam")
    panel.epochs.setValue(1)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)


def test_the_challenge_preset_sets_its_batch_and_schedule_and_a_budget_stops_the_run(
    panel, qtbot, monkeypatch
):
    choose(panel, "challenge")
    assert panel.batch.value() == 128 and panel.schedule.currentText() == "cosine"
    assert "1/5/15-minute" in panel.preset.toolTip()
    calls = []

    def train(*args, **options):  # what the panel asks lab.train for, without training
        calls.append(options)
        raise ValueError("not trained here")

    monkeypatch.setattr(lab, "train", train)
    panel.budget.setValue(1)
    panel.train()
    qtbot.waitUntil(lambda: not panel.job.running, timeout=10000)
    assert calls[0]["schedule"] == "cosine" and calls[0]["time_limit"] == 60
    assert calls[0]["batch_size"] == 128 and calls[0]["precision"] == "mixed_bfloat16"


def test_shutdown_ends_a_run_at_once_and_saves_nothing(panel, qtbot, workspace):
    """The window closes mid-run: the worker has ended when shutdown returns, and the stopped
    run is neither added nor saved afterwards."""
    choose(panel, "mlp-adadelta")
    panel.epochs.setValue(50)
    batches = []
    panel.job.progress.connect(batches.append)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(batches) >= 3, timeout=30000)
    panel.shutdown()
    assert all(job.wait(0) for job in panel.findChildren(Job))
    qtbot.wait(300)
    assert panel.table.rowCount() == 0 and list(workspace.models_dir.glob("*.keras")) == []
