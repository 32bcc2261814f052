"""The live video: the newest frame drawn with the probes' overlays, the labels and a banner."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from engine.live.frames import Result
from engine.live.overlay import draw_labels
from gui.widgets.frame_view import FrameView

log = logging.getLogger(__name__)

PAUSED = "Paused (space resumes)"


class LiveView(FrameView):
    """The Live tab's video: each frame as it comes, drawn with what is known about it.

    Onto a copy of the frame go the newest values of the probes that paint (Grad-CAM, under the
    labels), the labels of the newest result, and a banner line: pause, source trouble or a
    notice, and while panels train, that the live labels rest. A change of banner or hold is
    drawn at once, on the last frame (the video may be paused or its source lost); new labels
    and probe values show with the next frame.
    """

    def __init__(self, notice: str = "", parent=None):
        super().__init__(parent)
        self._notice = self._line = notice
        self._paused = False
        self._holders: set[str] = set()
        self._labels: list[tuple[str, float]] = []
        self._painters: dict[str, Callable] = {}
        self._values: dict[str, object] = {}  # each painting probe's newest value
        self._newest: np.ndarray | None = None
        self._shown: np.ndarray | None = None

    @property
    def newest(self) -> np.ndarray | None:
        """The newest frame as it came, RGB uint8 (H, W, 3), or None before the first."""
        return self._newest

    @property
    def shown(self) -> np.ndarray | None:
        """The newest frame as drawn, overlays, labels and banner included (snapshots save it)."""
        return self._shown

    @property
    def labels(self) -> list[tuple[str, float]]:
        """The (name, probability) pairs drawn on the video."""
        return self._labels

    @property
    def painters(self) -> list[str]:
        """The names of the probes that paint on the video."""
        return list(self._painters)

    @property
    def values(self) -> dict[str, object]:
        """The newest value of each probe that paints, by name (those not yet seen are absent)."""
        return dict(self._values)

    @property
    def banner(self) -> str:
        """The line drawn under the video: pause, source trouble, a notice, panels training."""
        if not self._holders or self._paused:
            return self._line
        rest = f"Live labels rest while {' and '.join(sorted(self._holders))} trains"
        return f"{rest} · {self._line}" if self._line else rest

    def show_frame(self, frame: np.ndarray) -> None:
        """Draw the newest frame as it came from the source, with everything over it."""
        self._newest = frame
        self._redraw()

    def show_result(self, result: Result) -> bool:
        """Take a result's labels and the values of the probes that paint, for the next frame;
        while held, ignore it (it was classified before the hold) and return False."""
        if self._holders:
            return False
        self._labels = result.labels
        self._values.update(
            (name, v) for name, v in result.extras.items() if name in self._painters
        )
        return True

    def clear_labels(self) -> None:
        """Draw no labels until the next result (a new model runs)."""
        self._labels = []

    def set_painter(self, name: str, paint: Callable | None) -> None:
        """Draw probe ``name``'s newest value with ``paint(frame, value) -> frame``; None stops.
        Either way its last value is forgotten (it may come from another probe of that name)."""
        self._values.pop(name, None)
        if paint is None:
            self._painters.pop(name, None)
        else:
            self._painters[name] = paint

    def hold(self, holder: str, held: bool) -> bool:
        """Say that the live labels rest while ``holder`` (a panel) trains, or no longer; while
        any holds, no labels or probe values are drawn. Returns whether any holds now."""
        (self._holders.add if held else self._holders.discard)(holder)
        if self._holders:
            self._labels, self._values = [], {}
        self._redraw_last()
        return bool(self._holders)

    def set_notice(self, notice: str) -> None:
        """Keep ``notice`` as the banner for when nothing else is to be said (shown from the
        next ``set_banner(None)``)."""
        self._notice = notice

    def set_banner(self, line: str | None) -> None:
        """Put ``line`` (source trouble, a source opening) in the banner; None: the notice."""
        self._line = self._notice if line is None else line
        self._redraw_last()

    def set_paused(self, paused: bool) -> None:
        """Say that the video is paused, or that it plays again (the banner: the notice)."""
        self._paused = paused
        self.set_banner(PAUSED if paused else None)

    def _redraw_last(self) -> None:
        if self._newest is not None:
            self._redraw()

    def _redraw(self) -> None:
        frame = self._newest
        for name, paint in list(self._painters.items()):
            if name in self._values:
                try:
                    frame = paint(frame, self._values[name])
                except Exception:  # a broken overlay must not stop the video
                    log.exception("painting %s failed", name)
                    self._painters.pop(name, None)
        self._shown = draw_labels(frame, self._labels, self.banner)
        super().show_frame(self._shown)
