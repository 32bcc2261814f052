"""backend.value_and_grad: the gradient every attack and saliency map stands on."""

import keras
import numpy as np

from engine import backend


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
