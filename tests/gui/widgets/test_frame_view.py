"""gui/widgets/frame_view.py: the newest frame scaled to fit, its aspect kept, and a count of what
it painted."""

import numpy as np
from PySide6.QtGui import QColor

from gui.widgets.frame_view import FrameView
from tests.helpers.frames import solid

BACKGROUND = QColor(24, 24, 24)


def test_a_frame_is_scaled_to_fit_and_centred_with_the_background_around_it(qtbot):
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    assert view.image is None
    empty = view.grab().toImage()
    assert empty.pixelColor(200, 200) == BACKGROUND and view.frames_painted == 0  # no frame

    frame = solid("red", (120, 160))
    view.show_frame(frame)
    frame[...] = 0  # the view keeps its own copy of the pixels
    painted = view.grab().toImage()
    assert view.frames_painted >= 1 and (view.image.width(), view.image.height()) == (160, 120)
    # 160x120 in 400x400: 400x300, with 50 rows of background above and below
    for y in (55, 200, 344):
        assert painted.pixelColor(200, y) == QColor(230, 0, 0), y
    for y in (10, 45, 355, 390):
        assert painted.pixelColor(200, y) == BACKGROUND, y
    assert painted.pixelColor(2, 200) == QColor(230, 0, 0)  # the full width


def test_a_grayscale_frame_is_shown_as_gray(qtbot):
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(320, 240)
    view.show()
    view.show_frame(np.full((60, 80), 77, np.uint8))
    assert view.grab().toImage().pixelColor(160, 120) == QColor(77, 77, 77)
