"""The only place a numpy picture becomes a QImage: RGB frames, grayscale maps and digits."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(image: np.ndarray) -> QImage:
    """A uint8 picture, RGB (H, W, 3) or grayscale (H, W) or (H, W, 1), as a QImage that owns a
    copy of the pixels."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    kind = QImage.Format.Format_RGB888 if image.ndim == 3 else QImage.Format.Format_Grayscale8
    return QImage(image.data, w, h, image.strides[0], kind).copy()
