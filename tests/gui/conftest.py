"""GUI test fixtures: a real window on a synthetic stream."""

import pytest

from engine.live import sources
from engine.live.stream import LiveStream
from gui.main_window import MainWindow
from gui.panels.collect_train import picker
from tests.helpers.frames import COLOURS
from tests.helpers.models import conv_model


@pytest.fixture(autouse=True)
def no_base_warm_up(monkeypatch):
    """Collect & train builds the chosen base in a worker ahead of Train; tests that are not
    about that build it on Train only, so no background build competes with what they time
    or outlives them (tests/gui/panels/collect_train/test_warm_up.py turns it on)."""
    monkeypatch.setattr(picker, "WARM_UP_MS", None)


@pytest.fixture
def conv_info(workspace):
    """The two-convolution colour model saved in the workspace as 'convs'."""
    return workspace.save_model(conv_model(), COLOURS, (32, 32), "unit", "convs")


@pytest.fixture
def make_window(qtbot, workspace):
    windows = []

    def make(source=None, model=None, **kwargs):
        window = MainWindow(
            LiveStream(source or sources.SyntheticSource(160, 120)),
            workspace,
            model=model,
            cameras=[],
            **kwargs,
        )
        qtbot.addWidget(window)
        window.show()
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
