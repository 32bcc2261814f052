"""Frame -> preprocessed batch -> compiled forward -> smoothed top-k."""

from __future__ import annotations

import threading

import cv2
import numpy as np

from engine import backend
from engine.models.labels import top_k


class Smoother:
    """Exponential smoothing of probability vectors: p = alpha * p_prev + (1 - alpha) * p_new.

    alpha = 0 shows every frame's raw output; alpha near 1 changes slowly (the course used 0.95).
    """

    def __init__(self, alpha: float = 0.95):
        self.alpha = alpha
        self._state: np.ndarray | None = None

    @property
    def alpha(self) -> float:
        return self._alpha

    @alpha.setter
    def alpha(self, value: float) -> None:
        if not 0.0 <= value < 1.0:
            raise ValueError(f"alpha must lie in [0, 1), got {value}")
        self._alpha = float(value)

    def update(self, probabilities: np.ndarray) -> np.ndarray:
        probabilities = np.asarray(probabilities, dtype=np.float32)
        if self._state is None or self._state.shape != probabilities.shape:
            self._state = probabilities.copy()
        else:
            self._state = self._alpha * self._state + (1.0 - self._alpha) * probabilities
        return self._state

    def reset(self) -> None:
        self._state = None


def centre_crop(shape: tuple[int, ...], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The region (x0, y0, x1, y1) of a frame of ``shape`` that a network of input ``size``
    (height, width) sees: the largest centred rectangle of the input's aspect ratio."""
    height, width = size
    h, w = shape[:2]
    if h * width > w * height:
        crop = w * height // width
        return 0, (h - crop) // 2, w, (h - crop) // 2 + crop
    if h * width < w * height:
        crop = h * width // height
        return (w - crop) // 2, 0, (w - crop) // 2 + crop, h
    return 0, 0, w, h


def fit_to_input(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre-crop ``frame`` to the input's aspect ratio and resize it (uint8, INTER_AREA)."""
    height, width = size
    x0, y0, x1, y1 = centre_crop(frame.shape, size)
    frame = frame[y0:y1, x0:x1]
    if frame.shape[:2] == (height, width):
        return frame
    shrinking = frame.shape[0] >= height
    return cv2.resize(
        frame, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )


def as_probabilities(output: np.ndarray) -> np.ndarray:
    """The model's output as a probability vector (softmax applied when it is not one)."""
    output = np.asarray(output, dtype=np.float32).reshape(-1)
    if output.size == 1:  # a single sigmoid unit: two classes
        return np.array([1.0 - output[0], output[0]], dtype=np.float32)
    if output.min() >= 0 and abs(float(output.sum()) - 1.0) < 1e-3:
        return output
    shifted = np.exp(output - output.max())
    return shifted / shifted.sum()


class Classifier:
    """A loaded network with its input size, preprocessing and class names.

    ``classify(frame)`` takes an RGB uint8 frame of any size and returns the smoothed
    probabilities and the top-k (name, probability) list. Safe to call from one worker thread
    while another thread changes ``top_k`` or ``smoother.alpha``.
    """

    def __init__(
        self,
        model,
        input_size,
        preprocess,
        class_names,
        *,
        name: str = "model",
        top_k: int = 5,
        alpha: float = 0.95,
    ):
        self.model = model
        self.name = name
        self.input_size = tuple(input_size)
        self.preprocess = preprocess
        self.class_names = list(class_names)
        self.top_k = top_k
        self.smoother = Smoother(alpha)
        self.forward = backend.compiled_forward(model)  # (N, H, W, C) prepared batch -> scores
        self._lock = threading.Lock()

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        """The (1, H, W, 3) float32 batch the model expects for ``frame``."""
        batch = fit_to_input(frame, self.input_size)[None].astype(np.float32)
        return np.asarray(self.preprocess(batch), dtype=np.float32)

    def predict(self, frame: np.ndarray) -> np.ndarray:
        """Raw (unsmoothed) probabilities for one frame."""
        return as_probabilities(self.forward(self.prepare(frame)))

    def classify(self, frame: np.ndarray):
        with self._lock:
            smoothed = self.smoother.update(self.predict(frame))
            return smoothed, top_k(smoothed, self.class_names, self.top_k)

    def warm_up(self) -> None:
        """Run one frame so that the first live frame does not pay for tracing."""
        self.predict(np.zeros((*self.input_size, 3), np.uint8))
