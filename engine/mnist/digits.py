"""Turn a drawing or a camera frame into an MNIST-style 28x28 digit (white on black, centred).

MNIST's digits were size-normalised into a 20x20 box and centred by their centre of mass in a
28x28 field; doing the same here is what lets a network trained on MNIST read a person's digit.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_mnist(gray: np.ndarray) -> np.ndarray:
    """White-on-black uint8 image of any size -> 28x28 uint8, MNIST-normalised (black if empty)."""
    ys, xs = np.nonzero(gray > 30)
    if len(xs) == 0:
        return np.zeros((28, 28), np.uint8)
    digit = gray[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = digit.shape
    scale = 20.0 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    digit = cv2.resize(digit, size, interpolation=cv2.INTER_AREA)
    field = np.zeros((28, 28), np.uint8)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    field[top : top + size[1], left : left + size[0]] = digit
    mass = field.astype(np.float64)
    total = mass.sum()
    if total > 0:
        cy = (mass.sum(axis=1) * np.arange(28)).sum() / total
        cx = (mass.sum(axis=0) * np.arange(28)).sum() / total
        shift = np.float32([[1, 0, round(13.5 - cx)], [0, 1, round(13.5 - cy)]])
        field = cv2.warpAffine(field, shift, (28, 28))
    return field


def frame_to_mnist(frame: np.ndarray, crop: float = 0.5) -> np.ndarray:
    """A digit written dark on light paper, in the centre of an RGB frame -> 28x28 MNIST-style.

    Centre crop (``crop`` of the shorter side), grayscale, invert, Otsu threshold, normalise.
    """
    h, w = frame.shape[:2]
    side = max(8, int(min(h, w) * crop))
    y0, x0 = (h - side) // 2, (w - side) // 2
    gray = cv2.cvtColor(frame[y0 : y0 + side, x0 : x0 + side], cv2.COLOR_RGB2GRAY)
    _, ink = cv2.threshold(255 - gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if ink.mean() > 128:  # mostly "ink": no digit on a light page in view
        return np.zeros((28, 28), np.uint8)
    return to_mnist(ink)
