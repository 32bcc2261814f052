"""The MNIST lab panel, driven with qtbot: train a preset to the end, stop another midway."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.data import datasets
from engine.mnist import lab
from gui.core.jobs import Job
from gui.core.live_link import LiveLink
from gui.panels.mnist_lab.panel import MnistPanel, sample_grid
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


def test_train_a_preset_to_the_end_then_stop_a_second_run_midway(panel, qtbot, workspace):
    choose(panel, "mlp-adadelta")
    panel.epochs.setValue(2)
    panel.batch.setValue(64)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    row = panel.table_rows()[0]
    assert row[:4] == ["Dense 300 tanh", "238,510", "adadelta", "2"]
    assert float(row[5].rstrip("%")) < 10
    points = list(panel.loss_plot.listDataItems())
    assert len(points) == 2 and all(len(item.xData) == 2 for item in points)  # train and test
    assert len(list(workspace.models_dir.glob("mlp-adadelta-*.keras"))) == 1
    assert panel.as_markdown().splitlines()[2].startswith("| Dense 300 tanh | 238,510 |")
    assert panel.as_csv().splitlines()[0] == "Architecture,Parameters,Optimizer,Epochs,CPU s,Error"

    batches = []
    panel.job.progress.connect(lambda report: batches.append(report[2]))  # (kind, epoch, batch…)
    panel.epochs.setValue(50)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(batches) >= 5, timeout=30000)
    ran = []  # counted in the worker as each signal leaves it: queued ones do not blur Stop
    panel.job.progress.connect(lambda *args: ran.append(1), Qt.ConnectionType.DirectConnection)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    stopped_at = len(ran)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=30000)
    assert len(ran) <= stopped_at + 2  # at most the batch in flight (and its epoch) after Stop
    assert panel.runs[-1].stopped and panel.runs[-1].epochs_done <= 1
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()
    assert "stopped" in panel.status.text()


def test_unticking_a_run_removes_its_curves(panel, qtbot):
    choose(panel, "mlp-sgd")
    panel.epochs.setValue(1)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    assert len(panel.accuracy_plot.listDataItems()) == 2
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

    choose(panel, "mlp-adadelta")
    panel.epochs.setValue(3)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
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
    assert panel.batch.value() == 256 and panel.schedule.currentText() == "cosine"
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
    assert calls[0]["batch_size"] == 256


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
