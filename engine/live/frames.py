"""What travels between the live loop's threads: frames, results, a one-slot mailbox, rates."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

BLACK_LEVEL = 8  # frames whose brightest pixel is this dark are shown but not classified


def frame_problem(image) -> str | None:
    """None for an RGB uint8 (H, W, 3) frame; otherwise what is wrong with it."""
    if not isinstance(image, np.ndarray):
        return f"not an array ({type(image).__name__})"
    if image.dtype != np.uint8:
        return f"{image.dtype} pixels, not uint8"
    if image.ndim != 3 or image.shape[2] != 3:
        return f"shape {image.shape}, not (H, W, 3)"
    if image.shape[0] < 2 or image.shape[1] < 2:
        return f"empty frame {image.shape}"
    return None


@dataclass
class Frame:
    """A captured frame with its running index and capture time (time.perf_counter)."""

    image: np.ndarray
    index: int
    captured: float


@dataclass
class Result:
    """What the model said about one frame."""

    index: int
    captured: float
    finished: float
    latency_ms: float
    labels: list[tuple[str, float]]
    probabilities: np.ndarray
    extras: dict = field(default_factory=dict)  # probe name -> what the probe returned
    model: object = None  # the classifier that said it (a result of a replaced one is stale)


class Mailbox:
    """Holds at most one item; ``put`` replaces it (or waits for it to be taken when lossless)."""

    def __init__(self, lossless: bool = False):
        self.lossless = lossless
        self._item = None
        self._cond = threading.Condition()
        self.replaced = 0

    def put(self, item, stop: threading.Event) -> None:
        with self._cond:
            while self.lossless and self._item is not None and not stop.is_set():
                self._cond.wait(0.05)
            if self._item is not None:
                self.replaced += 1
            self._item = item
            self._cond.notify_all()

    def take(self, timeout: float):
        with self._cond:
            if self._item is None:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def clear(self) -> None:
        with self._cond:
            self._item = None
            self._cond.notify_all()


class RateMeter:
    """Events per second over the last ``window`` seconds: 0 once events stop coming (a paused
    video or a lost camera), never the rate from before."""

    def __init__(self, window: float = 2.0):
        self.window = window
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def tick(self, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        with self._lock:
            self._times.append(now)
            while self._times and now - self._times[0] > self.window:
                self._times.popleft()

    def rate(self, now: float | None = None) -> float:
        now = time.perf_counter() if now is None else now
        with self._lock:
            while self._times and now - self._times[0] > self.window:
                self._times.popleft()
            if len(self._times) < 2:
                return 0.0
            span = self._times[-1] - self._times[0]
            return (len(self._times) - 1) / span if span > 0 else 0.0
