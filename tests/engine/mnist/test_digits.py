"""Drawings and camera frames become MNIST-style digits."""

import cv2
import numpy as np

from engine.mnist.digits import frame_to_mnist, to_mnist


def test_a_small_off_centre_stroke_is_scaled_to_20_pixels_and_centred():
    canvas = np.zeros((280, 280), np.uint8)
    cv2.line(canvas, (20, 30), (20, 90), 255, 8)  # a "1" near the top-left corner
    digit = to_mnist(canvas)
    ys, xs = np.nonzero(digit > 30)
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert 18 <= ys.max() - ys.min() + 1 <= 21  # the long side fills the 20-pixel box
    assert abs(xs.mean() - 13.5) <= 1.5 and abs(ys.mean() - 13.5) <= 1.5  # centre of mass
    assert to_mnist(np.zeros((50, 50), np.uint8)).max() == 0


def test_a_dark_digit_on_paper_in_a_camera_frame_becomes_white_on_black():
    frame = np.full((480, 640, 3), 200, np.uint8)  # grey-white paper
    cv2.circle(frame, (320, 240), 50, (20, 20, 20), 12)  # a "0" in the centre
    cv2.line(frame, (10, 10), (100, 10), (0, 0, 0), 12)  # ink outside the crop is ignored
    digit = frame_to_mnist(frame)
    assert digit.shape == (28, 28) and digit[13:15, 13:15].max() == 0  # hollow centre
    ys, xs = np.nonzero(digit > 30)
    assert 18 <= ys.max() - ys.min() + 1 <= 21 and abs(xs.mean() - 13.5) <= 1.5
    assert frame_to_mnist(np.full((480, 640, 3), 200, np.uint8)).max() == 0  # blank page
