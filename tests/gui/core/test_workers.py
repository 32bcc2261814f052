"""gui/core/workers.py: the cycle collector that the window installs runs only between jobs."""

import gc
import threading

from PySide6.QtCore import QObject

from gui.core.jobs import Job
from gui.core.workers import GarbagePolicy


def test_the_cycle_collector_runs_only_while_no_worker_is_busy(qtbot):
    policy = GarbagePolicy.install()
    assert not gc.isenabled()  # automatic collection could run on the GUI thread mid-build
    owner = QObject()
    job, started, release = Job(owner), threading.Event(), threading.Event()
    job.start(lambda run: started.set() or release.wait(10))
    assert started.wait(5)
    assert policy.collect() is False
    release.set()
    assert job.wait(5000)
    qtbot.waitUntil(policy.collect, timeout=5000)  # once the pool has let the thread go


def test_a_tick_scans_the_young_generations_and_the_oldest_only_once_a_minute(qtbot, monkeypatch):
    """A full collection with a network loaded takes a tenth of a second or more: on every
    3-second tick it stuttered the video."""
    policy = GarbagePolicy.install()
    scanned = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: scanned.append(generation))
    monkeypatch.setattr(policy, "_ticks", 0)
    for _ in range(2 * GarbagePolicy.FULL_EVERY):
        assert policy.collect()
    assert scanned.count(2) == 2 and scanned.count(1) == 2 * GarbagePolicy.FULL_EVERY - 2
    assert GarbagePolicy.FULL_EVERY * policy.timer.interval() <= 60_000
