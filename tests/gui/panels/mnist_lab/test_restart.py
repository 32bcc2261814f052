"""The MNIST lab after a restart (issue 16, item 6): a new panel on the same workspace shows the
runs again, their curves and confusion matrices, and Try it answers with their models; a
damaged record is skipped, a deleted model is said, a saved model can be opened."""

import logging

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine.data import datasets
from engine.mnist import records
from gui.core.live_link import LiveLink
from gui.panels.mnist_lab.panel import MnistPanel
from tests.helpers.files import write_idx_folder
from tests.helpers.gui import show_alone

BAND = np.zeros((28, 28), np.uint8)
BAND[12:14] = 250  # the test set's class 4 (write_idx_folder: class k is bright in rows 2k+4..)


@pytest.fixture
def idx(tmp_path):
    return write_idx_folder(tmp_path / "idx", n_train=2000, n_test=200)


@pytest.fixture
def trained(qtbot, workspace, idx):
    """A panel that trained one tiny run (640 images, 1 epoch) and saved its model."""
    panel = show_alone(qtbot, MnistPanel(LiveLink(workspace)))
    panel.set_data(datasets.load_idx_folder(idx))
    panel.preset.setCurrentIndex(panel.preset.findData("mlp-sgd"))
    panel.epochs.setValue(1)
    panel.batch.setValue(64)
    panel.data_box.subset.setValue(640)
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=60000)
    assert panel.run_saved[0]
    return panel


def restart(qtbot, workspace):
    return show_alone(qtbot, MnistPanel(LiveLink(workspace)))


def matrix(panel):
    cells = panel.results.matrix
    return [[cells.item(t, p).text() for p in range(cells.columnCount())] for t in range(10)]


def try_it(panel, qtbot):
    """Show the Try it tab and wait until the chosen run's model answers; returns its answer."""
    panel.views.setCurrentWidget(panel.try_digit)
    qtbot.waitUntil(
        lambda: panel.try_digit.answering.text().startswith("Answering:"), timeout=30000
    )
    return panel.try_digit.bars.texts(), panel.try_digit.classify_digit(BAND)


def test_a_restart_shows_the_run_its_curves_and_matrix_and_its_model_answers(
    trained, qtbot, workspace, idx
):
    before_rows, before_matrix = trained.table_rows(), matrix(trained)
    before_loss = [list(item.yData) for item in trained.loss_plot.listDataItems()]
    before_answer = trained.try_digit.classify_digit(BAND)
    wrong = trained.results.shown_indices()

    panel = restart(qtbot, workspace)
    assert panel.table_rows() == before_rows and panel.table.rowCount() == 1
    assert panel.table.item(0, 7).text() == trained.run_saved[0]  # the Model column
    assert [list(item.yData) for item in panel.loss_plot.listDataItems()] == before_loss
    assert panel.curves.points() == 11  # ten batches within the epoch and the test point
    assert matrix(panel) == before_matrix
    assert panel.results.run_title.text() == trained.results.run_title.text()
    # The data set is not loaded yet: the cells count, the images are said to be elsewhere
    assert panel.results.shown_indices() == []
    assert "The images are in idx, which is not loaded" in panel.results.caption.text()
    panel.set_data(datasets.load_idx_folder(idx))
    assert panel.results.shown_indices() == wrong

    assert panel.try_digit.answering.text().endswith("opens when you try it.")
    _, answer = try_it(panel, qtbot)
    assert panel.try_digit.answering.text().startswith("Answering: run #1: Dense 300 tanh on idx")
    assert [name for name, _ in answer] == [name for name, _ in before_answer]
    assert [p for _, p in answer] == pytest.approx([p for _, p in before_answer], abs=1e-5)
    # The next run is numbered after the restored one
    panel.train()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=60000)
    assert panel.status.text().startswith("Run #2: Done") and len(records.load_all(workspace)) == 2


def test_a_damaged_record_is_skipped_and_the_others_restored(trained, qtbot, workspace, caplog):
    (good,) = records.folder(workspace).glob("*.json")
    later = records.read(good)
    later.title, later.created = "A later run", later.created + 60
    records.save(workspace, later)
    (records.folder(workspace) / "20250101-120000-damaged.json").write_bytes(b'{"kind": "mn')
    with caplog.at_level(logging.WARNING):
        panel = restart(qtbot, workspace)
    assert [row[0] for row in panel.table_rows()] == ["Dense 300 tanh", "A later run"]
    assert "20250101-120000-damaged.json is not a run record" in caplog.text
    assert panel.status.text() == "2 earlier runs shown again from the workspace."


def test_a_deleted_model_is_said_and_cannot_answer(trained, qtbot, workspace):
    name = trained.run_saved[0]
    (workspace.models_dir / f"{name}.keras").unlink()
    panel = restart(qtbot, workspace)
    assert panel.table.item(0, 7).text() == "model deleted"
    panel.views.setCurrentWidget(panel.try_digit)
    assert panel.try_digit.classify_digit(BAND) == []
    said = panel.try_digit.answering.text()
    assert said.startswith("Run #1: Dense 300 tanh on idx (640 training images)")
    assert f"its model {name} was deleted from the workspace. Select another run" in said
    assert matrix(panel) == matrix(trained)  # the run's results stay


def test_a_saved_model_opens_in_the_lab_and_answers(
    trained, qtbot, workspace, monkeypatch, colour_info
):
    name = trained.run_saved[0]
    for path in records.folder(workspace).glob("*.json"):
        path.unlink()  # a model saved before runs were recorded
    panel = restart(qtbot, workspace)
    assert panel.table.rowCount() == 0
    chosen = [str(colour_info.path), str(workspace.models_dir / f"{name}.keras")]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen.pop(0), ""))
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert panel.status.text().startswith("Not opened: colours.keras is not an MNIST lab model")
    assert panel.table.rowCount() == 0
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=30000)
    row = panel.table_rows()[0]
    assert row[:4] == ["dense 300 tanh", "238,510", "—", "1"] and row[6] == "640"
    assert panel.table.item(0, 7).text() == name
    assert "no test predictions recorded" in panel.results.run_title.text()
    _, answer = try_it(panel, qtbot)
    assert [n for n, _ in answer] == [n for n, _ in trained.try_digit.classify_digit(BAND)]
