"""What a panel may use of the live view, and nothing else of the window."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from engine.workspace.store import Workspace


class LiveLink(QObject):
    """The live view as the panels see it: its newest frame and results, its model, its tools.

    MainWindow hands one to every panel it builds (its WindowLink answers from the window's
    LiveView, stream and LiveModel). On its own, as a panel test builds it, it is a live view
    that never started: no frame, no model, no signals, and the calls change nothing.

    ``result(Result)`` follows each live result shown, the extras of the probes included;
    ``frame(Frame)`` each frame shown; ``resting(bool)`` says when the live labels stop (a
    panel trains, a model loads) and when they may come back with the next result.
    """

    result = Signal(object)
    frame = Signal(object)
    resting = Signal(bool)

    def __init__(self, workspace: Workspace, weights: str | None = "imagenet", parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self._weights = weights

    @property
    def weights(self) -> str | None:
        """Weights for zoo networks, as the person started the app with: 'imagenet', None
        (random) or a file."""
        return self._weights

    @property
    def classifier(self):
        """The live model's Classifier, or None while there is none."""
        return None

    def newest_frame(self) -> np.ndarray | None:
        """The newest frame as it came (no labels or overlay), RGB uint8 (H, W, 3), or None
        before the first."""
        return None

    def set_probe(self, name: str, probe: Callable | None, paint: Callable | None = None) -> None:
        """Run ``probe(image, classifier)`` on each classified frame (None removes it); its
        value comes back in ``result``'s extras under ``name``, and ``paint(frame, value)``
        draws the newest one on the video."""

    def add_tool(self, widget: QWidget) -> None:
        """Put a live toggle (Grad-CAM overlay, attack every frame) beside the video."""

    def hold_live(self, holder: str, held: bool) -> None:
        """Rest the live model while ``holder`` (a panel, named as the person knows it)
        trains; the video goes on."""

    def refresh_models(self) -> None:
        """Re-read the workspace's models into the live view's list (one was saved)."""

    def choose_model(self, choice) -> None:
        """Run a zoo network (its name) or a workspace model (its ModelInfo) live."""

    def say(self, text: str, msecs: int = 4000) -> None:
        """Show a passing line in the window's status bar."""
