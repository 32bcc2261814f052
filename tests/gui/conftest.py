"""GUI test fixtures: a real window on a synthetic stream."""

import pytest

from engine import sources
from engine.stream import LiveStream
from gui.main_window import MainWindow


@pytest.fixture
def make_window(qtbot, workspace):
    windows = []

    def make(source=None, model=None, **kwargs):
        window = MainWindow(LiveStream(source or sources.SyntheticSource(160, 120)), workspace,
                            model=model, cameras=[], **kwargs)
        qtbot.addWidget(window)
        window.show()
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
