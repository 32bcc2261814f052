"""backend.value_and_grad: the gradient every attack and saliency map stands on."""

import keras
import numpy as np

from engine import backend
from tests.helpers.memory import freed_by_reference_counting


def test_value_and_grad_of_a_known_function():
    x = np.array([[1.0, -2.0, 3.0]], np.float32)
    value, grad = backend.value_and_grad(lambda t: keras.ops.sum(t * t * t), x)
    assert value == 1.0 - 8.0 + 27.0
    np.testing.assert_allclose(grad, 3 * x * x, rtol=1e-6)
    assert grad.shape == x.shape and grad.dtype == np.float32


def test_value_and_grad_through_a_model_matches_finite_differences():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    x = np.random.default_rng(0).normal(size=(1, 4)).astype(np.float32)

    def loss(t):
        return -keras.ops.log(model(t, training=False)[0, 1])

    def loss_value(t) -> float:  # detached: torch warns on float() of a tensor with a gradient
        return float(keras.ops.convert_to_numpy(loss(t)))

    value, grad = backend.value_and_grad(loss, x)
    step = 1e-2
    numeric = np.zeros_like(x)
    for i in range(4):
        up, down = x.copy(), x.copy()
        up[0, i] += step
        down[0, i] -= step
        numeric[0, i] = (loss_value(up) - loss_value(down)) / (2 * step)
    assert value == loss_value(x)
    # float32 central differences: measured relative error ~1e-4 under tensorflow and torch
    assert np.abs(grad - numeric).max() / np.abs(numeric).max() < 1e-2


def _tiny_classifier():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def _class_loss(model):
    def loss(t, onehot, scale):
        log_p = keras.ops.log(model(t, training=False))
        return keras.ops.multiply(scale, -keras.ops.sum(keras.ops.multiply(onehot, log_p)))

    return loss


def test_the_compiled_gradient_matches_the_eager_one_and_finite_differences():
    model = _tiny_classifier()
    loss = _class_loss(model)
    compiled = backend.compiled_value_and_grad(loss, model.variables)
    x = np.random.default_rng(1).normal(size=(2, 5)).astype(np.float32)
    onehot = np.eye(3, dtype=np.float32)[[2, 0]]
    scale = np.float32(1.5)

    value, grad = compiled(x, onehot, scale)
    eager_value, eager_grad = backend.value_and_grad(lambda t: loss(t, onehot, scale), x)
    assert abs(value - eager_value) < 1e-5 * max(1.0, abs(eager_value))
    np.testing.assert_allclose(grad, eager_grad, rtol=1e-4, atol=1e-6)
    assert grad.shape == x.shape and grad.dtype == np.float32

    step, numeric = 1e-2, np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        numeric[index] = (compiled(up, onehot, scale)[0] - compiled(down, onehot, scale)[0]) / (
            2 * step
        )
    # float32 central differences: measured relative error ~1e-4 on each backend
    assert np.abs(grad - numeric).max() / np.abs(numeric).max() < 1e-2


def test_new_classes_scales_and_batch_sizes_do_not_compile_again():
    model = _tiny_classifier()
    compiled = backend.compiled_value_and_grad(_class_loss(model), model.variables)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 5)).astype(np.float32)
    values = set()
    for k in range(6):
        onehot = np.eye(3, dtype=np.float32)[np.full(4, k % 3)]
        values.add(round(compiled(x, onehot, np.float32(0.5 + k))[0], 4))
    assert len(values) == 6  # each call used its own class and scale, not a traced constant
    # TensorFlow and JAX compile once (JAX once more for a new batch size); torch compiles nothing
    assert compiled.traces == (0 if backend.name() == "torch" else 1)
    compiled(x[:1], np.eye(3, dtype=np.float32)[[0]], np.float32(1.0))
    assert compiled.traces == {"torch": 0, "tensorflow": 1, "jax": 2}[backend.name()]


def test_the_compiled_gradient_sees_weights_changed_after_it_was_built():
    model = _tiny_classifier()
    compiled = backend.compiled_value_and_grad(_class_loss(model), model.variables)
    x = np.ones((1, 5), np.float32)
    onehot = np.eye(3, dtype=np.float32)[[1]]
    before = compiled(x, onehot, np.float32(1.0))[1]
    model.layers[0].kernel.assign(np.zeros((5, 8), np.float32))
    after = compiled(x, onehot, np.float32(1.0))[1]
    # a zero first kernel leaves no path from the input: the gradient vanishes
    assert np.abs(before).max() > 1e-3 and np.abs(after).max() == 0.0


def test_a_used_compiled_gradient_is_freed_by_reference_counting_alone():
    # The window runs the cycle collector only when no worker is busy: a TensorFlow function
    # in a reference cycle would be freed by it on the GUI thread, which can deadlock.
    model = _tiny_classifier()  # outlives the gradient, as the app's models do

    def used():
        compiled = backend.compiled_value_and_grad(_class_loss(model), model.variables)
        compiled(np.ones((1, 5), np.float32), np.eye(3, dtype=np.float32)[[0]], np.float32(1.0))
        return compiled

    assert freed_by_reference_counting(used)
