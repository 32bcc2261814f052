"""GUI test fixtures: a real window on a synthetic stream, a check that every test leaves no
thread running, and QSettings of each test's own."""

import threading

import pytest
from PySide6.QtCore import QSettings, QThreadPool

from engine.live import sources
from engine.live.stream import LiveStream
from gui.main_window import MainWindow
from gui.panels.collect_train import picker
from tests.helpers.frames import COLOURS
from tests.helpers.models import conv_model


class ThreadCheck:
    """The threads a test started and left running: workers of Qt's global pool (every job's)
    and Python threads that did not exist before it."""

    def __init__(self):
        self.before = set(threading.enumerate())

    def leftovers(self, grace_ms: int = 2000) -> list[str]:
        """What still runs after waiting up to ``grace_ms`` for it to end."""
        pool = QThreadPool.globalInstance()
        pool.waitForDone(grace_ms)
        left = [f"{pool.activeThreadCount()} worker(s) of the QThreadPool"] * bool(
            pool.activeThreadCount()
        )
        for thread in set(threading.enumerate()) - self.before:
            if not isinstance(thread, threading._DummyThread):  # Qt's pool threads, seen above
                thread.join(grace_ms / 1000)
                if thread.is_alive():
                    left.append(f"Python thread {thread.name!r}")
        return left


@pytest.fixture(autouse=True)
def no_thread_left(qapp):
    """Fail a test that leaves a thread running once it has ended and its widgets are closed
    (pytest-qt closes them before fixtures end; closing the window shuts every panel down, a
    test that builds a panel alone calls its ``shutdown()``)."""
    check = ThreadCheck()
    yield check
    left = check.leftovers()
    if left:
        pytest.fail(f"the test left threads running: {', '.join(left)}", pytrace=False)


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    """QSettings in the test's own folder: no test reads or writes the person's settings, and a
    window closed in one test (it remembers its layout, top-k and model) leaves nothing to the
    next."""
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(kind, scope, str(tmp_path / "settings"))


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
