"""The headless commands' one error boundary: every way a command can end, said once.

A known failure (``engine.failures.explain``: a refused input, a damaged file, a full or
read-only disk, a missing backend, out of memory) is one line ``error: <sentence>`` on stderr and
its exit code. Anything else is an internal error: its traceback goes to the workspace's
``lab.log`` (or to stderr when the workspace cannot be written) and the person reads where.
Ctrl-C ends with 130 and one short line, never a traceback; a closed standard output
(``classify ... | head``) ends quietly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from engine import failures

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
LOG_ONLY = {"console": False}  # ``extra=`` of a record for lab.log only: stderr says it itself


class OneLineFormatter(logging.Formatter):
    """Log records without their tracebacks: the terminal gets the line, lab.log the details."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def guarded(
    work: Callable[[], int],
    workspace_root: Callable[[], Path | None],
    check: Callable[[], None] = lambda: None,
) -> int:
    """Run ``check()`` then ``work()`` and return the exit status, or that of the way it failed.

    ``workspace_root()`` is asked once ``check`` has passed (so that a refused command creates
    nothing): the folder whose ``lab.log`` receives the run's log and any traceback.
    """
    handlers: list[logging.Handler] = []
    try:
        check()
        return work_logged(work, workspace_root, handlers)
    except KeyboardInterrupt:
        with _no_interrupts():
            _say("Interrupted.")
        return failures.EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return failures.EXIT_CLOSED_OUTPUT
    except Exception as error:
        known = failures.explain(error)
        if known is not None:
            _say(f"error: {known.sentence}")
            return known.exit_code
        return _internal(error, handlers)
    finally:
        root = logging.getLogger()
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()


def work_logged(
    work: Callable[[], int],
    workspace_root: Callable[[], Path | None],
    handlers: list[logging.Handler],
) -> int:
    """``work()`` with the run's log going to ``lab.log`` in the workspace (when it can be
    written) and, unless someone already listens, to stderr without tracebacks."""
    root = logging.getLogger()
    if not root.handlers:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(OneLineFormatter(LOG_FORMAT))
        console.addFilter(lambda record: getattr(record, "console", True))
        handlers.append(console)
        root.setLevel(logging.INFO)
    folder = workspace_root()
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(folder / "lab.log", encoding="utf-8")
        except OSError:
            pass  # a workspace that cannot be written: the commands say so where it matters
        else:
            to_file.setFormatter(logging.Formatter(LOG_FORMAT))
            to_file.setLevel(logging.INFO)
            handlers.append(to_file)
    for handler in handlers:
        root.addHandler(handler)
    return work()


def _internal(error: BaseException, handlers: list[logging.Handler]) -> int:
    """Log an unexpected error's traceback (lab.log, else stderr) and say where it is."""
    files = [h for h in handlers if isinstance(h, logging.FileHandler)]
    if files:
        log.error("internal error in a command", exc_info=error, extra=LOG_ONLY)
        where = files[0].baseFilename
    else:
        traceback.print_exception(error, file=sys.stderr)
        where = "the traceback above"
    _say(f"error: {failures.internal(where)}")
    return failures.EXIT_INTERNAL


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr itself may be closed
        print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _no_interrupts():
    """A second Ctrl-C while the first is being reported is ignored (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _silence_stdout() -> None:
    """The reader of stdout went away: point stdout at devnull, so that the interpreter's own
    flush at exit raises nothing (the recipe of Python's signal module documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's capture)
        pass
