"""A network that reads one gray channel (the MNIST lab's, with the 'mnist' preprocessing) is
attacked in that channel, in its own polarity, and measured as it sees the change."""

import keras
import numpy as np
import pytest

from engine.adversarial.attacks import AttackSpec, Target, reads_gray, run_attack
from engine.adversarial.robustness import (
    LiveAttack,
    craft,
    frame_pixels,
    perturbation_stats,
    sample_frame,
)
from engine.models import zoo
from engine.models.classifier import Classifier


def gray_classifier(size=8, classes=4, seed=0):
    """A tiny one-channel network as the live view or the Adversarial tab loads one saved by
    the MNIST lab: the 'mnist' preprocessing, (255 - gray) / 255."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((size, size, 1)),
            keras.layers.Conv2D(4, 3, activation="tanh"),
            keras.layers.Flatten(),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
    names = [f"class {i}" for i in range(classes)]
    return Classifier(model, (size, size), zoo.preprocessing("mnist"), names, name="gray")


def garment(size=8, seed=0):
    """A dataset-style image: white on black, uint8 (H, W)."""
    image = np.zeros((size, size), np.uint8)
    image[2:-2, 2:-2] = np.random.default_rng(seed).integers(120, 230, (size - 4, size - 4))
    return image


def test_a_gray_network_is_attacked_in_its_one_channel_and_polarity():
    classifier = gray_classifier()
    target = Target.from_classifier(classifier)
    assert target.channels == 1 and target.flipped
    assert reads_gray(zoo.preprocessing("mnist")) and not reads_gray(zoo.preprocessing("unit"))
    image = garment()
    pixels = frame_pixels(sample_frame(image, target), target)
    assert pixels.shape == (8, 8, 1)
    np.testing.assert_array_equal(pixels[..., 0], image)  # white on black, as the IDX file has it
    # the network reads these pixels exactly as it reads the camera frame they come from
    frame = sample_frame(image, target)
    np.testing.assert_allclose(
        target.probabilities(pixels[None])[0], classifier.predict(frame), atol=1e-5
    )


@pytest.mark.parametrize("method", ["FGSM", "PGD L∞"])
def test_the_perturbation_has_one_channel_and_its_linf_is_eps_at_the_network(method):
    target = Target.from_classifier(gray_classifier())
    x = frame_pixels(sample_frame(garment(), target), target)
    crafted = craft(target, x, AttackSpec(method, 8.0, steps=5))
    delta = crafted.adversarial.astype(np.float64) - crafted.clean
    assert crafted.adversarial.shape == crafted.perturbation.shape == (8, 8, 1)
    assert np.abs(delta).max() == 8  # the budget, in the channel the network reads
    assert crafted.stats["linf"] == 8
    assert crafted.stats["input_linf"] == pytest.approx(8 / 255)  # its input is pixel / 255
    assert crafted.stats["l2"] == pytest.approx(np.linalg.norm(delta))  # one channel, not three
    assert crafted.stats["input_l2"] == pytest.approx(np.linalg.norm(delta) / 255)


def test_pgd_l2_stays_in_its_ball_in_the_gray_channel():
    target = Target.from_classifier(gray_classifier())
    x = frame_pixels(sample_frame(garment(), target), target)[None]
    out = run_attack(target, x, target.predict(x), AttackSpec("PGD L2", 40.0, steps=5))
    assert out.shape == (1, 8, 8, 1)
    assert np.linalg.norm(out - x) <= 40.0 * (1 + 1e-5)


def test_the_live_probe_attacks_a_gray_network_in_its_channel():
    classifier = gray_classifier()
    probe = LiveAttack(AttackSpec("FGSM", 6.0))
    camera = np.full((30, 40, 3), 230, np.uint8)  # a light page with a dark mark
    camera[10:20, 15:25] = (40, 60, 50)
    value = probe(camera, classifier)
    assert value["image"].shape == (8, 8, 1)
    assert value["image"].max() > 150  # the mark, white on black as the network sees it
    assert value["stats"]["linf"] == 6 and value["stats"]["input_linf"] == pytest.approx(6 / 255)


def test_stats_at_the_network_input_follow_its_preprocessing():
    model = keras.Sequential(
        [keras.Input((2, 2, 3)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    rgb = Target(model, zoo.preprocessing("mobilenet_v2"), (2, 2))  # its input: x / 127.5 - 1
    clean = np.full((2, 2, 3), 100.0)
    adversarial = clean.copy()
    adversarial[0, 0] += (3, 0, -4)
    stats = perturbation_stats(clean, adversarial, rgb)
    assert stats["linf"] == 4 and stats["l2"] == 5
    assert stats["input_linf"] == pytest.approx(4 / 127.5) and stats["input_l2"] == pytest.approx(
        5 / 127.5
    )
    assert "input_linf" not in perturbation_stats(clean, adversarial)
