"""A source's open/read/close on a thread of their own, with a time limit on each call.

OpenCV has no timeout for webcams: after an unplug a read can block for about 10 s on Linux, or
forever. The capture loop asks a Reader instead; when a call takes longer than its limit the
Reader is abandoned (its thread closes the source whenever the stuck call returns) and the loop
reconnects with a fresh copy of the source, so the window never hangs and quitting always works.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time


class Stalled(RuntimeError):
    """A source call did not return within its time limit."""


class Reader:
    """Runs ``source.open/read/close`` on its own daemon thread, one call at a time."""

    def __init__(self, source):
        self.source = source
        self._calls: queue.Queue = queue.Queue()
        self._results: queue.Queue = queue.Queue()
        self._abandoned = threading.Event()
        self.thread = threading.Thread(
            target=self._run, daemon=True, name=f"reader {getattr(source, 'name', 'source')}"
        )
        self.thread.start()

    def call(self, method: str, timeout: float, stop: threading.Event | None = None):
        """The result of ``source.<method>()``, or its exception; Stalled after ``timeout``
        seconds (or at once when ``stop`` is set while waiting)."""
        self._calls.put(method)
        deadline = time.perf_counter() + timeout
        while True:
            try:
                ok, value = self._results.get(
                    timeout=min(0.05, max(deadline - time.perf_counter(), 0))
                )
                break
            except queue.Empty:
                if time.perf_counter() >= deadline or (stop is not None and stop.is_set()):
                    self.abandon()
                    raise Stalled(f"{method} took longer than {timeout:g} s") from None
        if ok:
            return value
        raise value

    @property
    def stalled(self) -> bool:
        """True once a call ran past its limit (or the reader was given up)."""
        return self._abandoned.is_set()

    def abandon(self) -> None:
        """Give up on this reader; its thread closes the source when its call returns."""
        self._abandoned.set()
        self._calls.put(None)

    def close(self, timeout: float = 1.0) -> None:
        """Close the source (waiting at most ``timeout`` seconds) and end the thread."""
        try:
            self.call("close", timeout)
        except Stalled:
            pass
        except Exception:  # a failing close is not worth more than the log line below
            pass
        self.abandon()

    def _run(self) -> None:
        while True:
            method = self._calls.get()
            if method is None or self._abandoned.is_set():
                break
            try:
                result = (True, getattr(self.source, method)())
            except BaseException as error:  # handed to the caller, raised there
                result = (False, error)
            if self._abandoned.is_set():
                break
            self._results.put(result)
        with contextlib.suppress(Exception):
            self.source.close()
