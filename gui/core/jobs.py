"""Background work for the whole GUI: a job runs a function on a worker thread and speaks in
four signals, progress, result, failure and finished.

Every panel's long or slow work goes through ``Job`` (or ``LatestJob``, where only the newest
request counts); nothing else in gui/ starts threads. The work is a function of one argument,
the ``Run``: ``run.cancel`` is that run's own threading.Event (a run still unwinding never sees
the next run's flag cleared) and ``run.report(*values)`` arrives as ``progress``. An exception
in the work reaches the panel as a sentence through ``failure`` (see ``describe``) and is logged
to the workspace's lab.log: a known failure (engine.failures: a full disk, a refused file) in
one line, anything else with its traceback. ``stop()`` sets the cancel flags and ``wait()``
waits for the workers; ``shut_down`` does both and silences the jobs, so that closing is
deterministic::

    job = Job(self, "MNIST training")
    job.progress.connect(self._progress)  # the tuple the work reported
    job.result.connect(self._finished)  # what the work returned
    job.failure.connect(self._failed)  # a sentence, and the exception
    job.start(lambda run: lab.train(..., report=run.report, cancel=run.cancel))
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterable

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot
from superqt.utils import FunctionWorker, create_worker

from engine import failures

log = logging.getLogger(__name__)
WAIT_MS = 30000  # how long closing the window waits for a worker (a model may still be loading)
LONGEST = 800  # characters of an error message shown; the log has all of it
_SKIPPED = object()  # what an overtaken run returns when it had not begun


def describe(error: BaseException) -> str:
    """The sentence a person reads for ``error``. A known failure (engine.failures) or an error
    the app words itself (its class is the app's, or a ValueError) says its own message, with a
    full stop; a traceback inside a message, or its pages, are left to the log. Anything else is
    an internal error: the sentence says where its details are."""
    failure = failures.explain(error)
    if failure is not None:
        return failure.sentence
    text = str(error).strip()
    if not worded(error) or text in ("", "None"):
        return failures.internal(log_file())
    cut = text.find("(most recent call last)")
    if cut >= 0:
        text = text[:cut].rstrip(" :\n") + " … (the rest is in lab.log in the workspace)"
    if len(text) > LONGEST:
        text = text[: LONGEST - 1] + "… (the rest is in lab.log in the workspace)"
    return text if text.endswith((".", "!", "?")) else text + "."


def worded(error: BaseException) -> bool:
    """Whether ``error``'s message was written for a person: the app's own error classes, and
    ValueError, which the engine raises with a sentence."""
    own = type(error).__module__.split(".")[0] in ("engine", "gui", "cli")
    return own or (isinstance(error, ValueError) and not isinstance(error, UnicodeError))


def log_file() -> str | None:
    """The file the log is written to (the workspace's lab.log), if there is one."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return None


class Run:
    """One call of a job's work, handed to it: ``cancel``, this run's own threading.Event, and
    ``report(*values)``, which the job emits as ``progress``."""

    def __init__(self, job: Job):
        self.cancel = threading.Event()
        self.ended = threading.Event()  # set on the worker thread after its outcome is sent
        self.overtaken = False  # a newer request replaced it: it reports nothing
        self.worker: _Worker | None = None
        self.value: object = None  # what the work returned, or
        self.error: BaseException | None = None  # what it raised
        self._job = job

    def report(self, *values) -> None:
        """Called by the work on its thread. A Job emits ``progress(values)`` from there, so a
        slot connected directly counts reports as they happen; a LatestJob from the GUI thread,
        once it has checked that the run is still the newest."""
        self._job._progress(self, values)


class _Ends(QObject):
    """Carries each run's end from its worker thread to the GUI thread: one for the process,
    never deleted, so a run may end after its job has gone."""

    ended = Signal(object)
    one: _Ends | None = None

    @classmethod
    def make(cls) -> None:
        if cls.one is None:
            cls.one = cls()

    def __init__(self):
        super().__init__()
        self.ended.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, run: Run) -> None:
        run.worker = None
        if shiboken6.isValid(run._job):
            run._job._ended(run, run.value, run.error)


class _Worker(FunctionWorker):
    """superqt's FunctionWorker that keeps its outcome on its Run and sends the Run through
    ``_Ends``; its own signals have no receivers. The thread pool frees a worker, and the signal
    emitter it owns, on the worker thread: a receiver of those signals being deleted on the GUI
    thread at that moment crashed the process (a segfault in ~QObject, seen in CI and about once
    in 400 runs of the job tests on a loaded machine)."""

    def __init__(self, func, work, run: Run):
        super().__init__(func, work, run)
        self._job_run = run

    def work(self) -> None:  # inside superqt's run, which routes warnings to a signal
        warnings.showwarning = self._log_warning
        try:
            self._job_run.value = super().work()
        except Exception as error:
            self._job_run.error = error

    def run(self) -> None:  # QRunnable.run, on the worker thread
        try:
            super().run()
        finally:
            _Ends.one.ended.emit(self._job_run)
            self._job_run.ended.set()

    def _log_warning(self, message, category, filename, lineno, file=None, line=None) -> None:
        text = warnings.formatwarning(message, category, filename, lineno, line).strip()
        log.warning("%s: %s", self._job_run._job.name, text)


def _call(work: Callable[[Run], object], run: Run):
    """The work on the worker thread; a generator's values are reported as they come."""
    if run.overtaken:
        return _SKIPPED
    result = work(run)
    if inspect.isgenerator(result):
        for value in result:
            if run.cancel.is_set():
                result.close()
                return None
            run._job._progress(run, value)
        return None
    return result


class Job(QObject):
    """Runs a function of a ``Run`` on a worker thread; several runs may overlap.

    ``progress(values)``: what the work passed to ``run.report`` (a tuple), or a value a
    generator yielded. ``result(value)``: what the work returned. ``failure(message, error)``:
    the work raised; ``message`` is a sentence for the person (see ``describe``), ``error`` the
    exception, for panels that word some kinds themselves; it is already logged with its
    traceback. ``finished()`` follows each run's result or failure. A run stopped before its
    worker began still calls the work, which finds its cancel flag set.
    """

    progress = Signal(object)
    result = Signal(object)
    failure = Signal(str, object)
    finished = Signal()

    def __init__(self, parent: QObject, name: str = ""):
        super().__init__(parent)
        self.name = name or type(parent).__name__
        self._runs: list[Run] = []
        self._closed = False  # its owner is going away: nothing more is reported

    @property
    def running(self) -> bool:
        """Whether a run started and its end has not been reported yet."""
        return bool(self._runs)

    def start(self, work: Callable[[Run], object]) -> Run:
        """Call ``work(run)`` on a worker thread with a fresh Run."""
        _Ends.make()  # on the GUI thread, where its deliveries run
        run = Run(self)
        run.worker = create_worker(_call, work, run, _start_thread=False, _worker_class=_Worker)
        self._runs.append(run)
        self._began(run)  # before the worker can report: it may report at once
        # superqt's start() waits a timer tick while an event loop runs; a wait() meanwhile
        # (closing the window) would block that tick and never see the run begin.
        QThreadPool.globalInstance().start(run.worker)
        return run

    def stop(self) -> None:
        """Set every run's cancel flag; each ends when its work next looks at it."""
        for run in self._runs:
            run.cancel.set()

    def close(self) -> None:
        """Stop every run, and report nothing more: no progress, result or failure."""
        self._closed = True
        self.stop()

    def wait(self, msecs: int = WAIT_MS) -> bool:
        """Wait up to ``msecs`` for the workers of the runs started so far to end; True when
        none is left. Their results still arrive as signals, once the event loop runs."""
        deadline = time.monotonic() + msecs / 1000
        for run in list(self._runs):
            if not run.ended.wait(max(0.0, deadline - time.monotonic())):
                log.warning("%s: a worker still runs after %d ms", self.name, msecs)
                return False
        return True

    def _began(self, run: Run) -> None:
        """Called as ``run`` is handed to a worker thread."""

    def _reports(self, run: Run) -> bool:
        """Whether ``run``'s progress and end are passed on: all runs, until the job closes."""
        return not self._closed

    def _progress(self, run: Run, values) -> None:  # on the worker thread
        if self._reports(run):
            self.progress.emit(values)

    def _ended(self, run: Run, value, error) -> None:
        reports = self._reports(run)
        if run in self._runs:
            self._runs.remove(run)
        if error is not None and failures.explain(error) is not None:
            log.warning("%s stopped: %s", self.name, describe(error))  # expected: no traceback
        elif error is not None:
            log.error("%s failed: %s", self.name, error, exc_info=error)
        if not reports:
            return
        if error is not None:
            self.failure.emit(describe(error), error)
        elif value is not _SKIPPED:
            self.result.emit(value)
        self.finished.emit()


class LatestJob(Job):
    """A job where only the newest request counts: a run overtaken by a later ``start`` (or
    by ``drop``) reports nothing, its cancel flag is set, and if its worker had not begun its
    work is skipped.

    With ``one_at_a_time`` a start while a run goes on waits for it, replacing any start that
    was waiting: quick slider moves end with the newest setting, never with a queue.
    """

    _reported = Signal(object, object)  # (run, values), from a worker to the GUI thread

    def __init__(self, parent: QObject, name: str = "", *, one_at_a_time: bool = False):
        super().__init__(parent, name)
        self.one_at_a_time = one_at_a_time
        self._newest: Run | None = None
        self._waiting: Callable[[Run], object] | None = None
        self._reported.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return super().running or self._waiting is not None

    def start(self, work: Callable[[Run], object]) -> Run | None:
        """Run ``work`` as the newest request (None while it waits its turn)."""
        self._overtake()
        if self.one_at_a_time and self._runs:
            self._waiting = work
            return None
        return super().start(work)

    def drop(self) -> None:
        """Report nothing of the requests made so far (the person chose something else)."""
        self._overtake()
        self._newest, self._waiting = None, None

    def stop(self) -> None:
        self._waiting = None
        super().stop()

    def _began(self, run: Run) -> None:
        self._newest = run

    def _overtake(self) -> None:
        if self._newest is not None:
            self._newest.overtaken = True
            self._newest.cancel.set()

    def _reports(self, run: Run) -> bool:
        return super()._reports(run) and run is self._newest and self._waiting is None

    def _progress(self, run: Run, values) -> None:  # on the worker thread
        # Asked on the GUI thread instead, when the report arrives: a run overtaken while its
        # reports were on their way says nothing more.
        self._reported.emit(run, values)

    @Slot(object, object)
    def _deliver(self, run: Run, values) -> None:
        if self._reports(run):
            self.progress.emit(values)

    def _ended(self, run: Run, value, error) -> None:
        super()._ended(run, value, error)
        if self._waiting is not None and not self._runs:
            work, self._waiting = self._waiting, None
            Job.start(self, work)


def workers_busy() -> bool:
    """Whether any job's worker is running now."""
    return QThreadPool.globalInstance().activeThreadCount() > 0


def deadline(msecs: int = WAIT_MS) -> float:
    """The time.monotonic() at which a wait of ``msecs`` from now ends."""
    return time.monotonic() + msecs / 1000


def shut_down(jobs: Iterable[Job], until: float | None = None) -> bool:
    """Close every job in ``jobs`` (their runs stop, none reports again), then wait for their
    workers until ``until`` (a time.monotonic(); by default WAIT_MS from now); True when none is
    left running."""
    jobs = list(jobs)
    for job in jobs:
        job.close()
    until = deadline() if until is None else until
    return all(job.wait(max(0, round(1000 * (until - time.monotonic())))) for job in jobs)
