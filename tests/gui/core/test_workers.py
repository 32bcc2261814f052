"""gui/core/workers.py: the cycle collector that the window installs runs only between jobs."""

import gc
import threading

from PySide6.QtCore import QThreadPool
from superqt.utils import create_worker

from gui.core.workers import GarbagePolicy


def test_the_cycle_collector_runs_only_while_no_worker_is_busy(make_window, qtbot):
    make_window()
    assert not gc.isenabled()  # automatic collection could run on the GUI thread mid-build
    policy = GarbagePolicy.install()
    release = threading.Event()
    create_worker(release.wait, 10, _connect={"errored": lambda error: None})
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() > 0, timeout=5000)
    assert policy.collect() is False
    release.set()
    QThreadPool.globalInstance().waitForDone(5000)
    assert policy.collect() is True
