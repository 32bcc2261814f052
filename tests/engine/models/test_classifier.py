"""Smoothing math, top-k decoding with the offline ImageNet names, frame preparation."""

import numpy as np
import pytest

from engine.models.classifier import Classifier, Smoother, as_probabilities, fit_to_input
from engine.models.labels import imagenet_labels, top_k
from tests.helpers.frames import COLOURS, solid
from tests.helpers.models import colour_model


def test_smoother_is_an_exponential_moving_average():
    smoother = Smoother(alpha=0.95)
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert np.allclose(smoother.update(a), a)  # the first frame is taken as it is
    assert np.allclose(smoother.update(b), [0.95, 0.05])
    assert np.allclose(smoother.update(b), [0.9025, 0.0975])
    smoother.alpha = 0.0
    assert np.allclose(smoother.update(a), a)
    for _ in range(50):
        smoother.alpha = 0.5
        state = smoother.update(b)
    assert state[1] > 0.999
    with pytest.raises(ValueError):
        smoother.alpha = 1.0


def test_imagenet_names_work_offline_in_keras_index_order():
    names = imagenet_labels()
    assert len(names) == 1000 and len(set(names)) > 990
    assert names[0] == "tench" and names[1] == "goldfish" and names[999] == "toilet paper"
    probabilities = np.full(1000, 0.0001)
    probabilities[[388, 1, 817]] = [0.6, 0.2, 0.1]
    assert top_k(probabilities, names, 3) == [
        ("giant panda", pytest.approx(0.6)),
        ("goldfish", pytest.approx(0.2)),
        ("sports car", pytest.approx(0.1)),
    ]


def test_top_k_clamps_k_and_orders_by_probability():
    assert [n for n, _ in top_k(np.array([0.1, 0.7, 0.2]), ["a", "b", "c"], 10)] == ["b", "c", "a"]
    assert len(top_k(np.array([0.1, 0.7, 0.2]), ["a", "b", "c"], 0)) == 1


def test_fit_to_input_centre_crops_then_resizes():
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:, :80] = 255  # a left border that the centre crop removes
    out = fit_to_input(frame, (224, 224))
    assert out.shape == (224, 224, 3) and out.dtype == np.uint8 and out.max() == 0
    assert fit_to_input(np.zeros((10, 10, 3), np.uint8), (20, 30)).shape == (20, 30, 3)


def test_as_probabilities_softmaxes_logits_only():
    p = np.array([0.2, 0.8], np.float32)
    assert np.array_equal(as_probabilities(p), p)
    logits = as_probabilities(np.array([2.0, 0.0, -1.0]))
    assert logits.sum() == pytest.approx(1.0) and logits.argmax() == 0


def test_classifier_runs_a_real_model_on_frames_of_any_size():
    clf = Classifier(colour_model(), (32, 32), lambda x: x / 255.0, COLOURS, top_k=2, alpha=0.0)
    for colour in COLOURS:
        probabilities, labels = clf.classify(solid(colour, (480, 640)))
        assert labels[0][0] == colour and labels[0][1] > 0.99 and len(labels) == 2
        assert probabilities.shape == (3,)
    clf.smoother.alpha = 0.9  # the last frame was blue
    _, labels = clf.classify(solid("red"))
    assert labels[0] == ("blue", pytest.approx(0.9, abs=0.01))  # smoothing holds the answer
    for _ in range(30):
        _, labels = clf.classify(solid("red"))
    assert labels[0][0] == "red"


def test_the_compiled_forward_sees_weights_changed_after_it_was_made():
    model = colour_model()
    clf = Classifier(model, (32, 32), lambda x: x / 255.0, COLOURS, alpha=0.0)
    assert clf.classify(solid("red"))[1][0][0] == "red"
    model.predict(np.zeros((1, 32, 32, 3), np.float32), verbose=0)  # Keras' own step runs too
    swapped = np.eye(3, dtype="float32")[[2, 0, 1]] * 20.0  # red evidence now votes "blue"
    model.get_layer("colour").set_weights([swapped, np.zeros(3, "float32")])
    assert clf.classify(solid("red"))[1][0][0] == "blue"
