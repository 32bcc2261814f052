"""The check that fails a GUI test leaving a thread running, checked on such threads."""

import threading

from PySide6.QtCore import QObject

from gui.core.jobs import Job


def test_a_job_never_stopped_and_a_python_thread_are_found(qtbot, no_thread_left):
    owner, gate = QObject(), threading.Event()
    job = Job(owner)
    job.start(lambda run: gate.wait(30))
    thread = threading.Thread(target=gate.wait, args=(30,), name="forgotten")
    thread.start()
    assert no_thread_left.leftovers(grace_ms=100) == [
        "1 worker(s) of the QThreadPool",
        "Python thread 'forgotten'",
    ]
    gate.set()  # what shutdown() does for a panel's jobs
    assert job.wait(5000)
    thread.join(5)
    assert no_thread_left.leftovers() == []
