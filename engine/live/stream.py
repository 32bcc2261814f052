"""The live loop: a capture thread and an inference thread joined by a latest-frame mailbox.

The capture thread reads the source at its own rate and hands every frame to ``on_frame`` (the
display). The inference thread takes the newest frame whenever it is free, so a slow model slows
the labels, never the video, and no queue of stale frames builds up. With ``lossless=True`` the
capture thread waits for the model instead, so every frame is classified (the headless command).
The source's calls run on a Reader (engine/live/reader.py) with a time limit: a read that blocks is
reported as "stalled" and the loop reconnects with backoff. Frames that are not RGB uint8 never
reach the view or the model; black frames (a camera warming up) are shown but not classified.
One implementation serves the GUI, the command line and the benchmark.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from engine.live.frames import BLACK_LEVEL, Frame, Mailbox, RateMeter, Result, frame_problem
from engine.live.reader import Reader, Stalled
from engine.live.sources import EndOfStream, Source

log = logging.getLogger(__name__)


class LiveStream:
    """Runs a source and a classifier on two threads and reports through callbacks.

    Callbacks run on the stream's threads: ``on_frame(Frame)``, ``on_result(Result)``,
    ``on_status(kind, message)`` with kind in {"ok", "lost", "error", "ended"}.
    Probes (``set_probe``) run on the inference thread after the classifier, on the same frame:
    ``probe(image, classifier)`` returns anything, delivered in ``Result.extras[name]``.
    """

    RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)

    def __init__(
        self,
        source: Source,
        classifier=None,
        *,
        on_frame=None,
        on_result=None,
        on_status=None,
        paced: bool = True,
        lossless: bool = False,
        max_frames: int | None = None,
        max_fps: float | None = 60.0,
        stall_after: float = 4.0,
        open_timeout: float = 15.0,
    ):
        self._classifier = classifier
        self.on_frame: Callable[[Frame], None] = on_frame or (lambda f: None)
        self.on_result: Callable[[Result], None] = on_result or (lambda r: None)
        self.on_status: Callable[[str, str], None] = on_status or (lambda k, m: None)
        self.paced = paced
        self.max_frames = max_frames
        # An unpaced live source would otherwise decode hundreds of frames a second that no
        # screen shows, taking a core (and the GIL) from the model. Lossless runs need no cap.
        self.max_fps = None if lossless else max_fps
        self.mailbox = Mailbox(lossless)
        self.display_rate = RateMeter()
        self.inference_rate = RateMeter()
        self.frames_captured = 0
        self.frames_classified = 0
        self.frames_rejected = 0
        self.stall_after, self.open_timeout = stall_after, open_timeout
        self.last_latency_ms = 0.0
        self._paused = threading.Event()
        self._held = threading.Event()  # frames flow, the model rests (a training run needs it)
        self._stop = threading.Event()
        self._capture_done = threading.Event()
        self._wake = threading.Event()
        self._pending: Source | None = source
        self._threads: list[threading.Thread] = []
        self._probes: dict[str, Callable] = {}

    # -- control -----------------------------------------------------------------------------
    def start(self) -> LiveStream:
        self._threads = [
            threading.Thread(target=self._capture_loop, name="capture", daemon=True),
            threading.Thread(target=self._inference_loop, name="inference", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads; the capture thread releases the source on its way out."""
        self._stop.set()
        self._wake.set()
        self.mailbox.clear()
        for thread in self._threads:
            thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the source has ended and its last frame is classified."""
        finished = self._capture_done.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        return finished

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def set_source(self, source: Source) -> None:
        """Switch to another source; the capture thread closes the old one. Never blocks."""
        self._pending = source
        self._wake.set()

    @property
    def classifier(self):
        return self._classifier

    def set_classifier(self, classifier) -> None:
        """Use another classifier from the next frame on (None stops inference)."""
        self._classifier = classifier

    def set_probe(self, name: str, probe: Callable | None) -> None:
        """Run ``probe(image, classifier)`` on every classified frame (None removes it)."""
        probes = dict(self._probes)  # copy-on-write: the inference thread iterates a snapshot
        if probe is None:
            probes.pop(name, None)
        else:
            probes[name] = probe
        self._probes = probes

    def pause(self, paused: bool = True) -> None:
        if paused:
            self._paused.set()
        else:
            self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def hold_inference(self, held: bool = True) -> None:
        """Stop classifying (frames are still captured and delivered) while another job, such
        as training, needs the processor; the frame in progress finishes."""
        if held:
            self._held.set()
        else:
            self._held.clear()

    @property
    def inference_held(self) -> bool:
        return self._held.is_set()

    # -- threads -----------------------------------------------------------------------------
    def _capture_loop(self) -> None:
        source, reader, is_open, failures = None, None, False, 0
        next_due = time.perf_counter()
        try:
            while not self._stop.is_set():
                if self._pending is not None:
                    if reader is not None:
                        reader.close()
                    source, self._pending, is_open, failures = self._pending, None, False, 0
                    reader = Reader(source)
                if self._paused.is_set():
                    self._sleep(0.02)
                    next_due = time.perf_counter()
                    continue
                if not is_open:
                    is_open = self._open(reader)
                    if not is_open:
                        if not reader.thread.is_alive() or reader.stalled:
                            source = source.fresh()
                            reader = Reader(source)
                        failures += 1
                        self._sleep(self.RETRY_DELAYS[min(failures, len(self.RETRY_DELAYS)) - 1])
                        continue
                    failures = 0
                    next_due = time.perf_counter()  # no burst to catch up on the opening's time
                try:
                    image = reader.call("read", self.stall_after, self._stop)
                except EndOfStream:
                    self.on_status("ended", f"{source.name} has ended")
                    return
                except Stalled:
                    if self._stop.is_set():
                        return
                    log.warning("%s stalled", source.name)
                    self.on_status(
                        "lost",
                        f"{source.name} stalled: no frame for "
                        f"{self.stall_after:g} s. Reconnecting…",
                    )
                    source = source.fresh()  # the stuck one is closed when its read returns
                    reader = Reader(source)
                    is_open, failures = False, failures + 1
                    self._sleep(self.RETRY_DELAYS[min(failures, len(self.RETRY_DELAYS)) - 1])
                    continue
                except Exception as error:  # any fault in a driver counts as a lost source
                    log.warning("read from %s failed: %s", source.name, error)
                    self.on_status("lost", f"{source.name}: {error}. Retrying…")
                    reader.close()
                    reader = Reader(source)
                    is_open, failures = False, failures + 1
                    self._sleep(self.RETRY_DELAYS[min(failures, len(self.RETRY_DELAYS)) - 1])
                    continue
                problem = frame_problem(image)
                if problem:  # never shown, never classified
                    self.frames_rejected += 1
                    if self.frames_rejected == 1 or self.frames_rejected % 100 == 0:
                        log.warning("%s: rejected frame (%s)", source.name, problem)
                    continue
                now = time.perf_counter()
                frame = Frame(image, self.frames_captured, now)
                self.frames_captured += 1
                self.display_rate.tick(now)
                self.on_frame(frame)
                if image.max() > BLACK_LEVEL:  # a camera warming up sends black frames
                    self.mailbox.put(frame, self._stop)
                if self.max_frames is not None and self.frames_captured >= self.max_frames:
                    self.on_status("ended", f"{self.max_frames} frames done")
                    return
                interval = self._interval(source)
                if interval:
                    next_due = max(next_due + interval, now - 0.5)
                    self._sleep(next_due - time.perf_counter())
        finally:
            if reader is not None:
                reader.close()
            self._capture_done.set()

    def _interval(self, source: Source) -> float:
        """Seconds between frames: the source's own rate when paced, at most ``max_fps``."""
        interval = 1.0 / source.fps if self.paced and source.fps else 0.0
        return max(interval, 1.0 / self.max_fps) if self.max_fps else interval

    def _open(self, reader: Reader) -> bool:
        try:
            reader.call("open", self.open_timeout, self._stop)
        except Stalled:
            self.on_status(
                "lost",
                f"{reader.source.name} did not open within {self.open_timeout:g} s. Retrying…",
            )
            return False
        except Exception as error:
            log.warning("cannot open %s: %s", reader.source.name, error)
            self.on_status("lost", f"{error}. Retrying…")
            return False
        self.on_status("ok", reader.source.name)
        return True

    def _sleep(self, seconds: float) -> None:
        """Wait, but wake at once for stop() or set_source()."""
        if seconds > 0 and self._wake.wait(seconds):
            self._wake.clear()

    def _inference_loop(self) -> None:
        while not self._stop.is_set():
            frame = self.mailbox.take(0.05)
            if frame is None:
                if self._capture_done.is_set():
                    return
                continue
            classifier = self._classifier
            if classifier is None or self._held.is_set():
                continue
            start = time.perf_counter()
            try:
                probabilities, labels = classifier.classify(frame.image)
                finished = time.perf_counter()
                self.last_latency_ms = (finished - start) * 1000
                self.frames_classified += 1
                self.inference_rate.tick(finished)
                extras = self._run_probes(frame.image, classifier)
                self.on_result(
                    Result(
                        frame.index,
                        frame.captured,
                        finished,
                        self.last_latency_ms,
                        labels,
                        probabilities,
                        extras,
                        classifier,
                    )
                )
            except Exception as error:  # a bad frame or a broken callback must not end the loop
                log.exception("inference failed")
                self.on_status("error", f"the model failed on a frame: {error}")

    def _run_probes(self, image: np.ndarray, classifier) -> dict:
        extras = {}
        for name, probe in self._probes.items():
            try:
                extras[name] = probe(image, classifier)
            except Exception as error:  # one broken probe must not stop the labels
                log.exception("probe %s failed", name)
                self.on_status("error", f"{name} failed on a frame: {error}")
        return extras
