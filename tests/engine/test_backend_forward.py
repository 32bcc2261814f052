"""backend.compiled_forward: the inference call the live stream, embeddings and MNIST lab use."""

import logging

import keras
import numpy as np
import pytest

from engine import backend
from engine.backend import forward as forward_module

torch_only = pytest.mark.skipif(backend.name() != "torch", reason="the torch forward's trace")


def small_cnn():
    """Convolution, batch norm, pooling, flatten and dense: the layers whose torch ops differ."""
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 2)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Dropout(0.5),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    rng = np.random.default_rng(5)
    model.set_weights([rng.uniform(0.2, 1.0, w.shape).astype(np.float32) for w in model.weights])
    return model


def inputs(batch, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, 12, 12, 2)).astype(np.float32)


def plain(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def keras_calls(monkeypatch, model):
    """Counts the calls that go through Keras' own layer machinery."""
    calls = []
    original = type(model).call
    monkeypatch.setattr(
        type(model), "call", lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    )
    return calls


@pytest.mark.parametrize("batch", [1, 3])
def test_the_compiled_forward_matches_the_model(batch):
    model = small_cnn()
    forward = backend.compiled_forward(model)
    for seed in range(3):  # the first call of a shape compiles, the later ones reuse it
        x = inputs(batch, seed)
        answer = forward(x)
        assert answer.shape == (batch, 3) and answer.dtype == np.float32
        np.testing.assert_allclose(answer, plain(model, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(forward(inputs(2)), plain(model, inputs(2)), rtol=1e-5, atol=1e-6)


def test_the_compiled_forward_answers_with_weights_assigned_after_it_was_built():
    model = small_cnn()
    forward = backend.compiled_forward(model)
    x = inputs(2)
    before = forward(x)
    forward(x)
    kernel = model.get_layer("out").kernel
    kernel.assign(-keras.ops.convert_to_numpy(kernel))
    for _ in range(3):  # right after the change, and once it has been compiled again
        after = forward(x)
        np.testing.assert_allclose(after, plain(model, x), rtol=1e-5, atol=1e-6)
        assert np.abs(after - before).max() > 0.01
    model.get_layer("norm").moving_mean.assign(np.full(4, 0.5, np.float32))
    np.testing.assert_allclose(forward(x), plain(model, x), rtol=1e-5, atol=1e-6)


@torch_only
def test_under_torch_the_forward_runs_the_traced_ops_not_keras_layer_calls(monkeypatch):
    model = small_cnn()
    forward = backend.compiled_forward(model)
    x = inputs(1)
    forward(x)  # traces: the plain reference call and the trace itself go through Keras
    calls = keras_calls(monkeypatch, model)
    for _ in range(3):
        forward(x)
    assert calls == []
    model.get_layer("out").bias.assign(np.ones(3, np.float32))
    forward(x)  # the weights just changed: the plain call answers
    forward(x)  # still unchanged since: traced again
    calls.clear()
    forward(x)
    assert calls == []


@torch_only
def test_under_torch_a_failed_trace_falls_back_to_the_plain_call_with_one_log_line(
    monkeypatch, caplog
):
    import torch

    def broken(*args, **kwargs):
        raise RuntimeError("simulated: this model cannot be traced")

    monkeypatch.setattr(torch.jit, "trace", broken)
    model = small_cnn()
    forward = backend.compiled_forward(model)
    with caplog.at_level(logging.WARNING, logger=forward_module.__name__):
        for batch in (1, 1, 3, 3):
            x = inputs(batch)
            np.testing.assert_allclose(forward(x), plain(model, x), rtol=1e-5, atol=1e-6)
    lines = [r.getMessage() for r in caplog.records if r.name == forward_module.__name__]
    assert len(lines) == 1 and "simulated: this model cannot be traced" in lines[0]


@torch_only
def test_under_torch_a_trace_that_answers_differently_is_not_used(monkeypatch, caplog):
    import torch

    real = forward_module._inference

    def doubled(model):
        module = real(model)
        inner = module.forward
        module.forward = lambda x: inner(x) * 2  # a trace that bakes in a wrong answer
        return module

    monkeypatch.setattr(forward_module, "_inference", doubled)
    model = small_cnn()
    forward = backend.compiled_forward(model)
    x = inputs(3)
    with caplog.at_level(logging.WARNING, logger=forward_module.__name__):
        for _ in range(3):
            np.testing.assert_allclose(forward(x), plain(model, x), rtol=1e-5, atol=1e-6)
    assert any("differently" in r.getMessage() for r in caplog.records)
    assert torch.is_grad_enabled()


@torch_only
def test_under_torch_a_model_built_by_its_first_call_still_sees_later_weight_changes():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(3, name="out")])  # no Input: built on call
    forward = backend.compiled_forward(model)
    x = np.random.default_rng(2).normal(size=(2, 5)).astype(np.float32)
    first = forward(x)
    model.get_layer("out").kernel.assign(np.ones((5, 3), np.float32))
    for _ in range(3):
        np.testing.assert_allclose(forward(x), plain(model, x), rtol=1e-5, atol=1e-6)
    assert np.abs(forward(x) - first).max() > 0.01
