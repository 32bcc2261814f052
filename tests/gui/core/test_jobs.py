"""The GUI's one job layer: signals, a cancel flag per run, newest-wins, failures said as
sentences and logged with their traceback, and stopping and waiting for workers."""

import errno
import logging
import threading
import time
import warnings

import pytest
from PySide6.QtCore import QObject, QThreadPool

from engine.failures import BadFile
from gui.core import jobs
from gui.core.jobs import Job, LatestJob, describe, shut_down


@pytest.fixture
def owner():
    """The QObject a job belongs to (a panel, in the app)."""
    return QObject()


class Heard:
    """Everything a job said, in order."""

    def __init__(self, job):
        self.said = []
        job.progress.connect(lambda values: self.said.append(("progress", values)))
        job.result.connect(lambda value: self.said.append(("result", value)))
        job.failure.connect(lambda message, error: self.said.append(("failure", message)))
        job.finished.connect(lambda: self.said.append(("finished",)))

    def of(self, kind):
        return [item[1:] for item in self.said if item[0] == kind]


def test_a_run_reports_its_progress_then_its_result_then_finished(qtbot, owner):
    job = Job(owner, "counting")
    heard = Heard(job)

    def work(run):
        run.report("step", 1, 2)
        run.report("step", 2, 2)
        return 42

    job.start(work)
    assert job.running
    qtbot.waitUntil(lambda: bool(heard.of("finished")), timeout=5000)
    assert heard.said == [
        ("progress", ("step", 1, 2)),
        ("progress", ("step", 2, 2)),
        ("result", 42),
        ("finished",),
    ]
    assert not job.running


def test_each_run_has_its_own_cancel_flag(qtbot, owner):
    """A stopped run still unwinding keeps its flag set while the next run starts."""
    job = Job(owner)
    heard = Heard(job)
    began, saw_stop, unwound = threading.Event(), threading.Event(), threading.Event()

    def first(run):
        began.set()
        run.cancel.wait(10)
        saw_stop.set()
        unwound.wait(10)  # still cleaning up when the next run starts
        return run.cancel.is_set()

    first_run = job.start(first)
    assert began.wait(5)
    job.stop()
    assert saw_stop.wait(5)
    second_run = job.start(lambda run: run.cancel.is_set())
    unwound.set()
    qtbot.waitUntil(lambda: len(heard.of("result")) == 2, timeout=5000)
    assert sorted(heard.of("result")) == [(False,), (True,)]  # the first still saw its stop
    assert first_run.cancel is not second_run.cancel and not second_run.cancel.is_set()


def test_a_failure_is_a_sentence_and_its_traceback_is_logged(qtbot, owner, caplog):
    job = Job(owner, "the broken work")
    heard = Heard(job)
    errors = []
    job.failure.connect(lambda message, error: errors.append(error))

    def broken_work(run):
        raise ValueError("the file is damaged: choose another one")

    with caplog.at_level(logging.ERROR, logger="gui.core.jobs"):
        job.start(broken_work)
        qtbot.waitUntil(lambda: bool(heard.of("finished")), timeout=5000)
    assert heard.of("failure") == [("the file is damaged: choose another one.",)]
    assert heard.of("result") == [] and isinstance(errors[0], ValueError)
    record = next(r for r in caplog.records if "the broken work failed" in r.getMessage())
    assert record.exc_info is not None
    assert "broken_work" in caplog.text and "Traceback (most recent call last)" in caplog.text


def test_an_error_not_worded_for_a_person_is_an_internal_error_pointing_to_the_log():
    for error in (KeyError("conv2"), RuntimeError(), TypeError("'NoneType' is not callable")):
        assert describe(error).startswith("An internal error stopped it; the details are in")
    assert "None" not in describe(ValueError(None))
    traced = describe(
        ValueError("Graph execution error:\nTraceback (most recent call last):\n  File x")
    )
    assert traced.startswith("Graph execution error") and "File x" not in traced
    assert "lab.log" in traced
    assert len(describe(ValueError("x" * 5000))) < 1000


def test_known_failures_are_sentences_logged_in_one_line(qtbot, owner, caplog):
    full = OSError(errno.ENOSPC, "No space left on device", "/w/models/a.keras")
    assert describe(full) == "/w/models/a.keras: the disk is full: free some space and try again."
    assert describe(BadFile("a.keras is damaged")) == "a.keras is damaged."
    job = Job(owner, "saving")
    heard = Heard(job)

    def save(run):
        raise full

    with caplog.at_level(logging.WARNING, logger="gui.core.jobs"):
        job.start(save)
        qtbot.waitUntil(lambda: bool(heard.of("finished")), timeout=5000)
    assert heard.of("failure") == [(describe(full),)]
    assert "the disk is full" in caplog.text and "Traceback" not in caplog.text


def test_only_the_newest_request_is_reported(qtbot, owner):
    job = LatestJob(owner)
    heard = Heard(job)
    slow_gate = threading.Event()

    def slow(run):
        slow_gate.wait(10)
        return "slow"

    slow_run = job.start(slow)
    job.start(lambda run: "quick")  # asked later, ready sooner
    qtbot.waitUntil(lambda: bool(heard.of("result")), timeout=5000)
    assert slow_run.cancel.is_set()  # overtaken: told it may stop
    slow_gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert heard.of("result") == [("quick",)] and heard.of("finished") == [()]

    job.start(lambda run: "dropped")
    job.drop()  # the person chose something else
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert heard.of("result") == [("quick",)] and len(heard.of("finished")) == 1


def test_reports_of_a_request_overtaken_while_they_travel_are_not_heard(qtbot, owner):
    """The old request reported before the new one was made, but the GUI thread had not yet
    taken its reports: they belong to what the person no longer asked for."""
    job = LatestJob(owner)
    heard = Heard(job)
    reported, gate = threading.Event(), threading.Event()

    def old(run):
        for step in range(3):
            run.report("old", step)
        reported.set()
        gate.wait(10)
        return "old"

    job.start(old)
    assert reported.wait(5)  # three reports sent; no event processed on this thread yet
    job.start(lambda run: run.report("new", 0) or "new")
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert heard.of("progress") == [(("new", 0),)] and heard.of("result") == [("new",)]


def test_one_at_a_time_runs_the_newest_waiting_request_only(qtbot, owner):
    job = LatestJob(owner, one_at_a_time=True)
    heard = Heard(job)
    gate, ran = threading.Event(), []

    def request(name):
        def work(run):
            ran.append(name)
            if name == "first":
                gate.wait(10)
            return name

        return work

    job.start(request("first"))
    qtbot.waitUntil(lambda: ran == ["first"], timeout=5000)
    for name in ("second", "third", "fourth"):  # quick slider moves while the first runs
        assert job.start(request(name)) is None
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert ran == ["first", "fourth"]  # one at a time, and only the newest waiting one
    assert heard.of("result") == [("fourth",)]

    gate.clear()
    job.start(request("first"))
    qtbot.waitUntil(lambda: ran[-1] == "first", timeout=5000)
    job.start(request("waiting"))
    job.stop()  # Stop forgets the request that waits its turn
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert "waiting" not in ran


def test_stop_then_wait_end_a_run_that_looks_at_its_flag(qtbot, owner):
    job = Job(owner)
    heard = Heard(job)
    started = threading.Event()

    def until_stopped(run):
        started.set()
        while not run.cancel.wait(0.01):
            pass
        return "stopped"

    job.start(until_stopped)
    assert started.wait(5)
    assert job.wait(200) is False  # still running: the wait gives up
    job.stop()
    assert job.wait(5000)
    qtbot.waitUntil(lambda: heard.of("result") == [("stopped",)], timeout=5000)


def test_a_job_shut_down_ends_its_runs_and_says_nothing_after(qtbot, owner):
    """Closing the window: the workers have ended when shut_down returns, and what they
    returned (a stopped training run, a failure) no longer reaches the panel."""
    job, latest = Job(owner), LatestJob(owner)
    heard, heard_latest = Heard(job), Heard(latest)
    started = threading.Semaphore(0)

    def until_stopped(run, outcome):
        started.release()
        while not run.cancel.wait(0.01):
            pass
        if outcome == "fail":
            raise OSError("disk full")
        return outcome

    job.start(lambda run: until_stopped(run, "fail"))  # a failure, and
    latest.start(lambda run: until_stopped(run, "loaded model"))  # a result: neither heard
    for _ in range(2):  # as many workers as this machine's pool may run at once
        assert started.acquire(timeout=5)
    assert shut_down([job, latest], until=time.monotonic() + 5)
    assert job.wait(0) and latest.wait(0)  # every worker has ended
    qtbot.wait(200)
    assert heard.said == [] and heard_latest.said == []


def test_a_request_overtaken_before_its_worker_began_is_skipped(qtbot, owner):
    pool = QThreadPool.globalInstance()
    busy, gate, called = Job(owner), threading.Event(), []
    for _ in range(pool.maxThreadCount()):  # every worker thread taken
        busy.start(lambda run: gate.wait(10))
    job = LatestJob(owner)
    heard = Heard(job)
    job.start(lambda run: called.append("stale"))
    job.start(lambda run: called.append("newest") or "newest")
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert called == ["newest"] and heard.of("result") == [("newest",)]
    assert busy.wait(5000)


def test_a_run_stopped_before_its_worker_began_still_ends_with_its_result(qtbot, owner):
    pool = QThreadPool.globalInstance()
    busy, gate = Job(owner), threading.Event()
    for _ in range(pool.maxThreadCount()):
        busy.start(lambda run: gate.wait(10))
    job = Job(owner)
    heard = Heard(job)
    job.start(lambda run: "stopped at once" if run.cancel.is_set() else "ran")
    job.stop()  # Stop pressed before a worker was free: the panel still hears how it ended
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert heard.said == [("result", "stopped at once"), ("finished",)]
    assert busy.wait(5000)


def test_a_generator_reports_what_it_yields_and_stops_between_values(qtbot, owner):
    job = Job(owner)
    heard = Heard(job)
    gate = threading.Event()

    def values(run):
        for i in range(1000):
            yield i
            if i == 2:
                gate.wait(10)

    job.start(values)
    qtbot.waitUntil(lambda: len(heard.of("progress")) == 3, timeout=5000)
    job.stop()
    gate.set()
    qtbot.waitUntil(lambda: bool(heard.of("finished")), timeout=5000)
    assert heard.of("progress") == [(0,), (1,), (2,)]  # nothing after the stop


def test_the_newest_run_is_heard_from_its_very_first_report(qtbot, owner, monkeypatch):
    """A worker that reports before ``start`` returns (a free thread, a quick generator) is
    already the newest run: none of its reports is dropped."""

    class AtOnce:  # a pool whose worker runs before start() returns
        @staticmethod
        def globalInstance():
            return AtOnce

        @staticmethod
        def start(worker):
            worker.run()

    monkeypatch.setattr(jobs, "QThreadPool", AtOnce)
    job = LatestJob(owner, "thumbnails")
    heard = Heard(job)

    def thumbnails(run):
        yield from ("first", "second")

    job.start(thumbnails)
    qtbot.waitUntil(lambda: len(heard.of("progress")) == 2, timeout=5000)
    assert heard.of("progress") == [("first",), ("second",)]


def test_a_warning_in_the_work_is_logged_with_the_job_name(qtbot, owner, caplog):
    job = Job(owner, "the noisy work")
    heard = Heard(job)

    def noisy(run):
        warnings.warn("a deprecated option was used", UserWarning, stacklevel=1)
        return "done"

    with caplog.at_level(logging.WARNING, logger="gui.core.jobs"):
        job.start(noisy)
        qtbot.waitUntil(lambda: bool(heard.of("finished")), timeout=5000)
    assert heard.of("result") == [("done",)]
    assert "the noisy work: " in caplog.text and "a deprecated option was used" in caplog.text


def test_a_thousand_overtaken_requests_end_cleanly(qtbot, owner):
    """Slider drags and thumbnails: many short runs, each freed while the next begins. Freeing
    a worker on its thread while the GUI thread let go of its receiver crashed the process
    (a segfault in CI); every run here must end, and only runs still the newest be heard."""
    job = LatestJob(owner, "slider")
    heard = Heard(job)
    for i in range(1000):
        job.start(lambda run, i=i: run.report(i) or i)
        if i % 7 == 0:
            qtbot.wait(1)  # let some ends arrive while later runs start
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    results = [value for (value,) in heard.of("result")]
    assert results[-1] == 999 and results == sorted(set(results))
    assert all(value % 7 == 0 for value in results[:-1])  # newest while the loop paused
    assert len(heard.of("finished")) == len(results)
