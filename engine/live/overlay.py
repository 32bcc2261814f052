"""Draw the top-k labels onto a copy of a frame: the live view and snapshots share the picture."""

from __future__ import annotations

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_labels(frame: np.ndarray, labels: list[tuple[str, float]], banner: str = "") -> np.ndarray:
    """A copy of ``frame`` with a translucent box of 'name  NN.N%' lines and an optional banner."""
    out = frame.copy()
    h, w = out.shape[:2]
    scale = max(0.4, min(w, h) / 800)
    thick = max(1, round(scale * 2))
    line_h = int(28 * scale) + 6
    if labels:
        lines = [f"{name}  {100 * p:.1f}%" for name, p in labels]
        width = max(cv2.getTextSize(t, FONT, scale, thick)[0][0] for t in lines) + 16
        box_h = line_h * len(lines) + 8
        _shade(out, 0, 0, min(w, width), min(h, box_h))
        for i, text in enumerate(lines):
            cv2.putText(
                out, text, (8, line_h * (i + 1)), FONT, scale, (255, 255, 255), thick, cv2.LINE_AA
            )
    if banner:
        _shade(out, 0, max(0, h - line_h - 10), w, h, colour=(160, 20, 20))
        cv2.putText(out, banner, (8, h - 12), FONT, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out


def _shade(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour=(0, 0, 0)) -> None:
    """Blend a rectangle of ``colour`` at 55% over the image, in place."""
    roi = image[y0:y1, x0:x1]
    roi[:] = (roi * 0.45 + np.array(colour, np.float32) * 0.55).astype(np.uint8)
