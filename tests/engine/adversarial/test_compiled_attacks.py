"""Attacks run on gradients compiled once per Target and objective: new steps, eps values,
classes and frames reuse the compiled call instead of tracing the network again."""

import keras
import numpy as np

from engine import backend
from engine.adversarial.attacks import AttackSpec, Target, class_gradients, deepfool, fgsm, pgd
from engine.adversarial.robustness import LiveAttack, robustness_curve
from engine.models import zoo
from engine.models.classifier import Classifier
from tests.helpers.memory import freed_by_reference_counting

ONCE = 0 if backend.name() == "torch" else 1  # torch runs plain autograd: it compiles nothing


def small_target(classes=5, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 3)),
            keras.layers.Conv2D(3, 3, activation="tanh"),
            keras.layers.Flatten(),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
    return Target(model, zoo.preprocessing("mobilenet_v2"), (6, 6))


def pixels(count, seed=0):
    return np.random.default_rng(seed).uniform(20, 235, (count, 6, 6, 3)).astype(np.float32)


def test_the_compiled_objective_is_the_eager_one():
    target = small_target()
    x = pixels(3)
    for labels, goal in (([0, 3, 4], None), ([0, 3, 4], 2)):
        wanted = labels if goal is None else [goal] * 3
        sign = np.float32(1.0 if goal is None else -1.0)
        onehot = target.onehot(wanted)
        _, eager = backend.value_and_grad(lambda t: target.objective(t, onehot, sign), x)
        compiled = target.objective_gradient(x, labels, goal)
        np.testing.assert_allclose(compiled, eager, rtol=1e-4, atol=1e-6)
        assert np.abs(compiled).max() > 1e-4
    # targeted climbs the other way: its gradient is minus the untargeted one for that class
    np.testing.assert_allclose(
        target.objective_gradient(x, [2, 2, 2], 2),
        -target.objective_gradient(x, [2, 2, 2]),
        rtol=1e-5,
        atol=1e-7,
    )


def test_ten_pgd_steps_and_new_eps_and_targets_compile_the_objective_once():
    target = small_target()
    x = pixels(4)
    labels = target.predict(x)
    out = pgd(target, x, labels, 8.0, steps=10)
    assert np.abs(out - x).max() > 7.9  # it did step
    assert target.compiled["objective"].traces == ONCE
    pgd(target, x, labels, 3.0, steps=4, norm="2", target_class=1)
    fgsm(target, x, labels, 16.0, target_class=4)
    assert target.compiled["objective"].traces == ONCE
    assert "class" not in target.compiled  # only what an attack asks for is compiled


def test_a_robustness_curve_over_several_eps_compiles_the_objective_once():
    target = small_target()
    x = pixels(20, seed=1)
    y = target.predict(x)
    curve = robustness_curve(target, x, y, [0, 2, 4, 8, 16, 32], steps=5, batch_size=10)
    assert curve.accuracy["FGSM"][0] == 1.0 and curve.accuracy["PGD L∞"][-1] < 1.0
    assert target.compiled["objective"].traces == ONCE


def test_deepfool_gradients_are_compiled_once_tiled_or_one_call_per_class():
    target = small_target(classes=5)
    x = pixels(3, seed=2)
    classes = np.array([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]])
    gradients = class_gradients(target, x, classes)
    for j in range(5):  # each example's gradient for its j-th class, as a call per class gives
        alone = target.class_gradient(x, classes[:, j]).reshape(3, -1)
        np.testing.assert_allclose(gradients[:, j], alone, rtol=1e-4, atol=1e-6)
    out = deepfool(target, x, steps=20, candidates=3)
    assert (target.predict(out) != target.predict(x)).all()
    # TensorFlow: one trace for every batch size (the tiled 3 x 5 and 3 x 4, and 3); JAX, which
    # compiles per batch size, takes a call per class: batches of 3 only
    assert target.compiled["class"].traces == ONCE
    assert "objective" not in target.compiled


def test_the_live_probe_compiles_once_for_every_frame_and_new_spec():
    target = small_target()
    classifier = Classifier(
        target.model, (6, 6), zoo.preprocessing("mobilenet_v2"), target.class_names
    )
    probe = LiveAttack(AttackSpec("FGSM", 4.0))
    frames = np.random.default_rng(3).integers(0, 256, (6, 12, 12, 3), np.uint8)
    for i, frame in enumerate(frames):
        if i == 3:
            probe.spec = AttackSpec("PGD L∞", 12.0, steps=3)
        assert probe(frame, classifier)["stats"]["linf"] <= (4 if i < 3 else 12)
    assert probe.target(classifier).compiled["objective"].traces == ONCE


def test_probabilities_from_the_compiled_forward_are_the_softmax_of_the_logits():
    keras.utils.set_random_seed(4)
    x = pixels(5, seed=4)
    heads = {
        "softmax": keras.layers.Dense(4, activation="softmax"),
        "one sigmoid unit": keras.layers.Dense(1, activation="sigmoid"),
        "plain probabilities": keras.layers.Dense(3, activation="sigmoid"),
    }
    for head in heads.values():
        model = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Flatten(), head])
        target = Target(model, zoo.preprocessing("mobilenet_v2"), (6, 6))
        expected = keras.ops.convert_to_numpy(keras.ops.softmax(target.logit_values(x)))
        got = target.probabilities(x, batch_size=2)  # batches of 2, 2 and 1
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
        assert got.shape == (5, target.classes) and np.allclose(got.sum(axis=1), 1.0)


def test_a_target_from_a_classifier_uses_its_compiled_forward():
    model = small_target().model
    classifier = Classifier(model, (6, 6), zoo.preprocessing("mobilenet_v2"), list("abcde"))
    calls, forward = [], classifier.forward
    classifier.forward = lambda batch: calls.append(len(batch)) or forward(batch)
    target = Target.from_classifier(classifier)
    x = pixels(3, seed=5)
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(target.logit_values(x)))
    np.testing.assert_allclose(target.probabilities(x), expected, rtol=1e-4, atol=1e-6)
    assert calls == [3]  # the classifier's call, already traced for frames, not a second one


def test_a_target_with_compiled_gradients_is_freed_by_reference_counting_alone():
    # The window runs the cycle collector only when no worker is busy, and the live probe drops
    # its Target on the inference thread whenever the live model changes: a Target in a cycle
    # with its compiled functions would wait for the collector, on whichever thread it runs.
    def used():
        target, x = small_target(), pixels(2)
        fgsm(target, x, [0, 1], 4.0)
        target.class_gradient(x, np.array([0, 1]))
        target.probabilities(x)
        return target

    assert freed_by_reference_counting(used)
