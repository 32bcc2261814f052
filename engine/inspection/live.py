"""Inspection on the live stream: throttled probes for Grad-CAM and activations, and their paint.

Probes run on the stream's inference thread after the classifier (``LiveStream.set_probe``).
Grad-CAM is compiled once per model and layer (``Inspector.grad_cam``): about one classification
for MobileNetV2's last maps, against 6x when it ran eagerly (BENCHMARKS.md, "Inspect:
gradients"); its first call compiles, a pause of a few seconds for the labels only. A probe
recomputes at most every ``interval`` seconds and hands back its previous answer in between:
labels keep their rate and the video, on its own thread, never waits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from engine.inspection.inspector import Inspector
from engine.inspection.pictures import input_region, overlay

_inspectors: dict[int, tuple[object, Inspector]] = {}
_lock = threading.Lock()


def inspector_for(model) -> Inspector:
    """One Inspector per model, shared by the views and the probes (rewiring takes a moment)."""
    with _lock:
        held = _inspectors.get(id(model))
        if held is None or held[0] is not model:
            if len(_inspectors) > 4:  # models the app no longer shows
                _inspectors.clear()
            held = _inspectors[id(model)] = (model, Inspector(model))
        return held[1]


class Throttled:
    """Calls ``fn(image, classifier)`` at most every ``interval`` seconds; between calls it
    returns the last value. ``reset()`` forgets that value (a new model, a new setting)."""

    def __init__(self, fn, interval: float = 0.25):
        self.fn, self.interval = fn, interval
        self.calls = 0
        self._last, self._value = -np.inf, None

    def __call__(self, image, classifier):
        now = time.perf_counter()
        if now - self._last >= self.interval or self._value is None:
            self._value = self.fn(image, classifier)
            self._last = time.perf_counter()
            self.calls += 1
        return self._value

    def reset(self) -> None:
        self._last, self._value = -np.inf, None


@dataclass
class LiveHeat:
    """A Grad-CAM heatmap for one frame, the class it explains and the input's size."""

    heat: np.ndarray
    class_index: int
    class_name: str
    input_size: tuple[int, int]


def grad_cam_probe(class_index: int | None = None, interval: float = 0.25) -> Throttled:
    """A probe giving the live classifier's Grad-CAM (top class unless ``class_index``)."""

    def probe(image, classifier) -> LiveHeat | None:
        inspector = inspector_for(classifier.model)
        try:
            layer = inspector.last_spatial()
        except ValueError:
            return None  # a model without 2-D maps (an MLP) has nothing to overlay
        chosen = (
            class_index
            if class_index is not None and class_index < len(classifier.class_names)
            else None
        )
        heat, index = inspector.grad_cam(classifier.prepare(image), chosen, layer)
        names = classifier.class_names
        return LiveHeat(
            heat, index, names[index] if index < len(names) else str(index), classifier.input_size
        )

    return Throttled(probe, interval)


def paint_heat(frame: np.ndarray, value: LiveHeat | None, alpha: float = 0.45) -> np.ndarray:
    """Blend the heatmap over the part of the frame the model saw (the centre crop)."""
    if value is None:
        return frame
    return overlay(frame, value.heat, alpha, input_region(frame.shape, value.input_size))
