"""engine/live/overlay.py: the labels' lines, the note on uniform outputs, and the region the
model sees (engine/models/classifier.centre_crop, the crop fit_to_input takes)."""

import cv2
import numpy as np
import pytest

from engine.live.overlay import NOTE_COLOUR, UNIFORM, draw_labels, label_lines, note_for
from engine.models.classifier import centre_crop, fit_to_input

LABELS = [("common redshank", 0.051), ("eastern diamondback rattlesnake", 0.0534)]


def test_the_lines_drawn_are_the_labels_with_their_percentages():
    assert label_lines(LABELS) == [
        "common redshank  5.1%",
        "eastern diamondback rattlesnake  5.3%",
    ]


def test_uniform_outputs_are_said_and_any_real_preference_is_not():
    assert note_for(np.full(1000, 1 / 1000, np.float32)) == UNIFORM  # random MobileNetV2
    logits = np.random.default_rng(0).normal(0, 1e-12, 1000)  # its embeddings: about 1e-12
    assert note_for(np.exp(logits) / np.exp(logits).sum()) == UNIFORM
    assert note_for(np.r_[0.0015, np.full(999, (1 - 0.0015) / 999)]) == ""  # one class leads
    assert note_for(np.array([0.6, 0.3, 0.1])) == ""
    assert note_for(np.zeros(3)) == "" and note_for(np.array([1.0])) == ""  # not probabilities
    assert note_for(None) == ""


def test_a_note_is_written_under_the_labels_in_its_own_colour():
    frame = np.zeros((240, 320, 3), np.uint8)
    plain = draw_labels(frame, LABELS)
    noted = draw_labels(frame, LABELS, note=UNIFORM)
    line_h = int(28 * 0.4) + 6
    below = slice(2 * line_h + 4, 3 * line_h + 8)  # the third line: the note's
    assert not plain[below].any() and noted[below].any()
    assert np.array_equal(noted[: 2 * line_h - 4], plain[: 2 * line_h - 4])  # labels unchanged
    brightest = noted[below].reshape(-1, 3)[noted[below].reshape(-1, 3).sum(1).argmax()]
    assert brightest[0] > brightest[2] + 60  # amber, not the labels' white
    assert NOTE_COLOUR[0] > NOTE_COLOUR[2]
    alone = draw_labels(frame, [], note=UNIFORM)
    assert alone[:line_h].any()  # with no labels the note is the first line


@pytest.mark.parametrize(
    ("shape", "size", "region"),
    [
        ((480, 640), (224, 224), (80, 0, 560, 480)),  # a webcam frame: its middle square
        ((640, 480), (224, 224), (0, 80, 480, 560)),  # portrait
        ((120, 160), (32, 32), (20, 0, 140, 120)),
        ((100, 100), (224, 224), (0, 0, 100, 100)),  # the whole frame
        ((480, 640), (240, 160), (160, 0, 480, 480)),  # a tall input: 320 of 640 wide
    ],
)
def test_the_region_outlined_is_the_crop_the_classifier_takes(shape, size, region):
    assert centre_crop(shape, size) == region
    frame = np.random.default_rng(1).integers(0, 256, (*shape, 3), dtype=np.uint8)
    x0, y0, x1, y1 = region
    crop = frame[y0:y1, x0:x1]
    expected = cv2.resize(
        crop,
        size[::-1],
        interpolation=cv2.INTER_AREA if crop.shape[0] >= size[0] else cv2.INTER_LINEAR,
    )
    assert np.array_equal(fit_to_input(frame, size), expected)
