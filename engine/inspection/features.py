"""Feature visualization: gradient ascent on an input picture to excite a channel or a class.

The picture is optimised in pixel space (0..255 RGB), through the model's own preprocessing, so
the result is a picture a person can look at and save. Regularisers as in Olah et al. (2017,
"Feature Visualization"): random jitter before each step, a Gaussian blur every few steps and a
decay towards mid-gray; without them ascent produces high-frequency noise.

The objective's gradient is compiled once per inspector, layer and preprocessing (the channel or
class is a one-hot argument) and reused by every step and every later call; the jitter, the blur
and the decay are numpy work between compiled calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from engine import backend
from engine.inspection.inspector import Inspector, one_hot


def affine_preprocessing(preprocess: Callable, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``preprocess`` measured as a per-pixel affine map: p(x) = x @ matrix + offset.

    Every preprocessing in the app (x/255, x/127.5 - 1, Caffe's BGR mean subtraction, MNIST's
    inverted gray) is one; measuring it makes it differentiable on every backend. ValueError
    when ``preprocess`` is not affine per pixel.
    """

    def run(x):
        return np.asarray(preprocess(x.astype(np.float32)), np.float64).reshape(-1)

    offset = run(np.zeros((1, 1, 1, channels)))
    matrix = np.stack(
        [
            (run(255.0 * np.eye(channels)[c].reshape(1, 1, 1, channels)) - offset) / 255.0
            for c in range(channels)
        ]
    )
    probe = np.random.default_rng(0).uniform(0, 255, (1, 4, 4, channels))
    expected = np.asarray(preprocess(probe.astype(np.float32)), np.float64)
    if expected.shape[-1] != offset.size or not np.allclose(
        probe @ matrix + offset, expected, atol=1e-3 * (1 + np.abs(expected).max())
    ):
        raise ValueError(
            "the model's preprocessing is not a per-pixel affine map; "
            "feature visualization cannot run through it"
        )
    return matrix.astype(np.float32), offset.astype(np.float32)


@dataclass
class Target:
    """What to excite: a channel of a layer (``layer``, ``index``) or a class (``layer`` None)."""

    index: int
    layer: str | None = None

    def describe(self) -> str:
        return f"{self.layer} channel {self.index}" if self.layer else f"class {self.index}"


@dataclass
class Ascent:
    """The picture found, the objective at each step, and whether Stop cut it short."""

    image: np.ndarray
    values: list[float] = field(default_factory=list)
    cancelled: bool = False


def objective(inspector: Inspector, target: Target, matrix: np.ndarray, offset: np.ndarray):
    """fn(pixels) -> scalar tensor: the target's mean activation or class score."""
    import keras

    matrix_t, offset_t = (keras.ops.convert_to_tensor(a) for a in (matrix, offset))

    def fn(pixels):
        x = keras.ops.matmul(pixels, matrix_t) + offset_t
        if target.layer is None:
            return inspector.class_score(x, target.index)
        return keras.ops.mean(
            inspector.sub_model(target.layer)(x, training=False)[..., target.index]
        )

    return fn


def ascent_gradient(
    inspector: Inspector, target: Target, matrix: np.ndarray, offset: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """pixels -> (``objective``'s value, its gradient), compiled once per inspector, layer and
    preprocessing and kept on the inspector; the target's index is an argument."""
    matrix, offset = np.asarray(matrix, np.float32), np.asarray(offset, np.float32)
    key = ("features", target.layer, matrix.tobytes(), offset.tobytes())

    def build():
        model = (
            inspector.score_model() if target.layer is None else inspector.sub_model(target.layer)
        )
        return backend.compiled_value_and_grad(
            _mean_channel(model, matrix, offset), inspector.model.variables
        )

    compiled = inspector.compiled(key, build)
    if target.layer is None:
        onehot = one_hot(target.index, inspector.classes)
    else:
        width = int(inspector.layer(target.layer).shape[-1])
        onehot = one_hot(target.index, width, f"{target.layer} channel")
    return lambda pixels: compiled(pixels, onehot)


def _mean_channel(model, matrix: np.ndarray, offset: np.ndarray):
    """fn(pixels, one-hot) -> the mean over the picture of ``model``'s one-hot channel, fed the
    preprocessed pixels (for the score model, the one-hot class score)."""
    import keras

    def fn(pixels, onehot):
        x = keras.ops.add(keras.ops.matmul(pixels, matrix), offset)
        out = model(x, training=False)
        return keras.ops.sum(keras.ops.mean(out, axis=tuple(range(len(out.shape) - 1))) * onehot)

    return fn


def visualize(
    inspector: Inspector,
    target: Target,
    preprocess: Callable,
    *,
    steps: int = 64,
    step_size: float = 4.0,
    jitter: int = 4,
    blur_every: int = 4,
    blur_sigma: float = 0.5,
    decay: float = 0.01,
    start: np.ndarray | None = None,
    seed: int = 0,
    report: Callable[[int, int, float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Ascent:
    """Gradient ascent on a picture to maximise ``target``; returns the uint8 RGB picture.

    Each step rolls the picture by up to ``jitter`` pixels, follows the gradient normalised to
    mean magnitude ``step_size`` (in 0..255 pixel units), pulls it ``decay`` of the way back to
    mid-gray, blurs it every ``blur_every`` steps and clips it to 0..255. It starts from
    ``start`` (an RGB picture of the input's size) or from mid-gray with a little noise.
    ``report(step, steps, value)`` after each step; setting ``cancel`` stops after the current one.
    """
    height, width = inspector.model.input_shape[1:3]
    rng = np.random.default_rng(seed)
    if start is None:
        pixels = 128.0 + rng.uniform(-16, 16, (1, height, width, 3))
    else:
        pixels = np.asarray(start, np.float64).reshape(1, height, width, 3)
    pixels = pixels.astype(np.float32)
    gradient = ascent_gradient(inspector, target, *affine_preprocessing(preprocess))
    result = Ascent(pixels[0].astype(np.uint8))
    for step in range(steps):
        if cancel is not None and cancel.is_set():
            result.cancelled = True
            break
        dy, dx = (int(v) for v in rng.integers(-jitter, jitter + 1, 2)) if jitter else (0, 0)
        value, grad = gradient(np.roll(pixels, (dy, dx), axis=(1, 2)))
        grad = np.roll(grad, (-dy, -dx), axis=(1, 2))
        pixels = pixels + step_size * grad / (np.abs(grad).mean() + 1e-8)
        pixels = 128.0 + (pixels - 128.0) * (1.0 - decay)
        if blur_every and (step + 1) % blur_every == 0 and blur_sigma > 0:
            pixels = cv2.GaussianBlur(pixels[0], (0, 0), blur_sigma)[None]
        pixels = np.clip(pixels, 0, 255).astype(np.float32)
        result.values.append(value)
        if report is not None:
            report(step + 1, steps, value)
    result.image = (pixels[0] + 0.5).astype(np.uint8)
    return result


def target_value(
    inspector: Inspector, target: Target, preprocess: Callable, image: np.ndarray
) -> float:
    """The objective ``visualize`` maximises, on an RGB picture of the input's size."""
    import keras

    fn = objective(inspector, target, *affine_preprocessing(preprocess))
    pixels = keras.ops.convert_to_tensor(np.asarray(image, np.float32)[None])
    return float(keras.ops.convert_to_numpy(fn(pixels)))
