"""Draw the top-k labels onto a copy of a frame: the live view and snapshots share the picture."""

from __future__ import annotations

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
UNIFORM = "random weights: outputs are uniform"
NOTE_COLOUR = (255, 200, 60)  # amber: a word about the labels, not one of them


def draw_labels(
    frame: np.ndarray, labels: list[tuple[str, float]], banner: str = "", note: str = ""
) -> np.ndarray:
    """A copy of ``frame`` with a translucent box of 'name  NN.N%' lines (and ``note`` under
    them, in amber) and an optional banner."""
    out = frame.copy()
    h, w = out.shape[:2]
    scale = max(0.4, min(w, h) / 800)
    thick = max(1, round(scale * 2))
    line_h = int(28 * scale) + 6
    lines = [(text, (255, 255, 255)) for text in label_lines(labels)]
    if note:
        lines.append((note, NOTE_COLOUR))
    if lines:
        width = max(cv2.getTextSize(t, FONT, scale, thick)[0][0] for t, _ in lines) + 16
        box_h = line_h * len(lines) + 8
        _shade(out, 0, 0, min(w, width), min(h, box_h))
        for i, (text, colour) in enumerate(lines):
            cv2.putText(out, text, (8, line_h * (i + 1)), FONT, scale, colour, thick, cv2.LINE_AA)
    if banner:
        _shade(out, 0, max(0, h - line_h - 10), w, h, colour=(160, 20, 20))
        cv2.putText(out, banner, (8, h - 12), FONT, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out


def label_lines(labels: list[tuple[str, float]]) -> list[str]:
    """The lines the overlay writes for ``labels``: 'name  NN.N%'."""
    return [f"{name}  {100 * p:.1f}%" for name, p in labels]


def note_for(probabilities: np.ndarray | None) -> str:
    """What to say under the labels about a result's probabilities: UNIFORM when every class
    scores the same (a network with random weights whose outputs are all but zero: its top k
    are just the first classes, the same for every such network), else nothing."""
    if probabilities is None:
        return ""
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if p.size < 2 or not np.isfinite(p).all():
        return ""
    mean = float(p.mean())
    return UNIFORM if mean > 0 and float(p.max() - p.min()) <= 1e-3 * mean else ""


def _shade(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour=(0, 0, 0)) -> None:
    """Blend a rectangle of ``colour`` at 55% over the image, in place."""
    roi = image[y0:y1, x0:x1]
    roi[:] = (roi * 0.45 + np.array(colour, np.float32) * 0.55).astype(np.uint8)
