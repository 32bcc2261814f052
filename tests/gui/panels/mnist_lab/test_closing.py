"""Closing the window during an MNIST lab run: the run ends and nothing is saved, neither a
finished-looking model nor a marked stopped one (issue 16, item 5: closing at epoch 2 of 10
once left an unmarked half-trained model in the workspace)."""

from engine.data import datasets
from tests.helpers.files import write_idx_folder


def test_closing_the_window_mid_run_saves_no_model(make_window, qtbot, workspace, tmp_path):
    window = make_window()
    panel = window.mnist
    panel.set_data(datasets.load_idx_folder(write_idx_folder(tmp_path / "idx", n_train=2000)))
    panel.epochs.setValue(50)
    batches = []
    panel.job.progress.connect(batches.append)
    panel.train()
    qtbot.waitUntil(lambda: len(batches) >= 3, timeout=30000)
    window.close()
    assert panel.job.wait(0)  # the run ended, and closing waited for it
    qtbot.wait(300)  # any late signal would have arrived by now
    assert list(workspace.models_dir.glob("*.keras")) == [] and panel.table.rowCount() == 0
