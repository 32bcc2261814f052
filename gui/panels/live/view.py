"""The live video: the newest frame drawn with the probes' overlays, the labels and a banner."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Signal

from engine.live.frames import Result
from engine.live.overlay import draw_labels, note_for
from engine.models.classifier import centre_crop
from gui.widgets.frame_view import FrameView

log = logging.getLogger(__name__)

PAUSED = "Paused (space resumes)"


class LiveView(FrameView):
    """The Live tab's video: each frame as it comes, drawn with what is known about it.

    Onto a copy of the frame go the newest values of the probes that paint (Grad-CAM, under the
    labels), the labels of the newest result (with a note when its outputs are uniform), and a
    banner line: a model loading, pause, source trouble or a notice, and while panels train,
    that the live labels rest. The region the model sees (its centre crop) is outlined faintly.
    A change of banner, hold or model is drawn at once, on the last frame (the video may be
    paused or its source lost); new labels and probe values show with the next frame, or at
    once while paused. ``labels_shown(labels)`` follows every change of the labels drawn: the
    bars beside the video show those, so the two always say the same. ``resting(bool)`` says
    when the live labels stop (a panel trains, a model loads) and when they may come back.
    """

    labels_shown = Signal(list)
    resting = Signal(bool)

    def __init__(self, notice: str = "", parent=None):
        super().__init__(parent)
        self._notice = self._line = notice
        self._paused = False
        self._loading: str | None = None  # the model being loaded, named
        self._holders: set[str] = set()
        self._labels: list[tuple[str, float]] = []  # the newest result's, drawn with a frame
        self._drawn: list[tuple[str, float]] = []  # those on the video now (and in the bars)
        self._note = ""
        self._input_size: tuple[int, int] | None = None  # of the model that said the labels
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
        return self._drawn

    @property
    def note(self) -> str:
        """What is said under the labels (random weights' uniform outputs), or ''."""
        return self._note

    @property
    def loading(self) -> str | None:
        """The name of the model being loaded, or None."""
        return self._loading

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
        parts = [f"Loading {self._loading}…"] if self._loading else []
        if self._holders and not self._paused:  # the pause says all: the video is still
            parts.append(f"Live labels rest while {' and '.join(sorted(self._holders))} trains")
        return " · ".join([*parts, self._line] if self._line else parts)

    def show_frame(self, frame: np.ndarray) -> None:
        """Draw the newest frame as it came from the source, with everything over it."""
        self._newest = frame
        self._redraw(new=True)

    def show_result(self, result: Result) -> bool:
        """Take a result's labels and the values of the probes that paint, for the next frame
        (drawn at once while paused); while held or while a model loads, ignore it (it was
        classified before the hold, or by the model being replaced) and return False."""
        if self._holders or self._loading:
            return False
        self._labels = result.labels
        self._note = note_for(result.probabilities)
        self._input_size = getattr(result.model, "input_size", None)
        self._values.update(
            (name, v) for name, v in result.extras.items() if name in self._painters
        )
        if self._paused:  # no next frame is coming
            self._redraw_last()
        return True

    def clear_labels(self) -> None:
        """Draw no labels, note or model region until the next result (a new model runs)."""
        self._labels, self._note, self._input_size = [], "", None
        self._redraw_last()
        self._announce([])

    def set_loading(self, name: str | None) -> None:
        """Say on the video that model ``name`` loads, and clear the labels of the one it
        replaces; results are ignored until None says the loading is over (the new model runs,
        or a refusal left the old one running)."""
        was = self._rests()
        self._loading = name or None
        if self._loading:
            self.clear_labels()
        else:
            self._redraw_last()
        self._tell_rest(was)

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
        was = self._rests()
        (self._holders.add if held else self._holders.discard)(holder)
        if self._holders:
            self._labels, self._note, self._values = [], "", {}
            self._announce([])
        self._redraw_last()
        self._tell_rest(was)
        return bool(self._holders)

    def _rests(self) -> bool:
        return bool(self._holders or self._loading)

    def _tell_rest(self, was: bool) -> None:
        if self._rests() != was:
            self.resting.emit(not was)

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
            self._redraw(new=False)

    def _redraw(self, new: bool) -> None:
        frame = self._newest
        for name, paint in list(self._painters.items()):
            if name in self._values:
                try:
                    frame = paint(frame, self._values[name])
                except Exception:  # a broken overlay must not stop the video
                    log.exception("painting %s failed", name)
                    self._painters.pop(name, None)
        self._shown = draw_labels(frame, self._labels, self.banner, self._note)
        self.set_region(centre_crop(frame.shape, self._input_size) if self._input_size else None)
        super().show_frame(self._shown, new)
        self._announce(self._labels)

    def _announce(self, labels: list[tuple[str, float]]) -> None:
        """Tell the bars the labels on the video, when they changed."""
        if labels != self._drawn:
            self._drawn = list(labels)
            self.labels_shown.emit(self._drawn)
