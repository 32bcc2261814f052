"""Gradients of a scalar with respect to an input, one small function per backend."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.backend.choice import name


def value_and_grad(fn: Callable, x: np.ndarray) -> tuple[float, np.ndarray]:
    """``fn(x)`` and its gradient with respect to ``x``, as (float, numpy array of x's shape).

    ``fn`` takes a backend tensor and returns a scalar tensor built from ``keras.ops`` and model
    calls (call models with ``training=False``). This is what attacks, saliency and feature
    visualization differentiate through, whichever backend runs.
    """
    grads = {
        "tensorflow": _tf_value_and_grad,
        "jax": _jax_value_and_grad,
        "torch": _torch_value_and_grad,
    }
    value, grad = grads[name()](fn, np.asarray(x, dtype=np.float32))
    return float(value), np.asarray(grad, dtype=np.float32)


def _tf_value_and_grad(fn, x):
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = fn(x)
    return value.numpy(), tape.gradient(value, x).numpy()


def _jax_value_and_grad(fn, x):
    import jax

    value, grad = jax.value_and_grad(fn)(jax.numpy.asarray(x))
    return np.asarray(value), np.asarray(grad)


def _torch_value_and_grad(fn, x):
    import keras
    import torch

    tensor = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)  # on Keras' device
    value = fn(tensor)
    (grad,) = torch.autograd.grad(value, tensor)
    return value.detach().cpu().numpy(), grad.detach().cpu().numpy()


class CompiledGradient:
    """``fn(x, *args)`` and its gradient with respect to ``x``, compiled once and reused.

    ``fn`` returns a scalar tensor from ``keras.ops`` and model calls (``training=False``);
    ``args`` are what changes between calls (one-hot classes, a sign, a step size), given as
    numpy arrays and passed in as tensors, so new values never compile again. ``variables``
    are the Keras variables ``fn`` reads (usually ``model.variables``): JAX differentiates a
    pure function of them, read afresh at each call, so weights trained later are the ones
    used. ``traces`` counts compilations: TensorFlow compiles once per input shape family and
    JAX once per input shape; torch runs autograd and compiles nothing.
    """

    def __init__(self, fn: Callable, variables=()):
        self.fn, self.variables = fn, list(variables)
        self._count = [0]  # traces, in a cell the compiled step can hold without holding self
        self._calls: dict = {}

    @property
    def traces(self) -> int:
        return self._count[0]

    def __call__(self, x, *args) -> tuple[float, np.ndarray]:
        x = np.asarray(x, np.float32)
        args = tuple(np.asarray(a) for a in args)
        build = {"tensorflow": _tf_compiled, "jax": _jax_compiled, "torch": _torch_compiled}
        key = (name(), x.shape[1:], tuple((a.ndim, a.dtype.str) for a in args))
        if key not in self._calls:
            self._calls[key] = build[name()](self, x, args)
        value, grad = self._calls[key](x, *args)
        return float(value), np.asarray(grad, dtype=np.float32)

    def counted(self, fn: Callable) -> Callable:
        """``fn`` that counts its tracing: Python runs a compiled function's body only then.

        It holds the count's cell, not ``self``: a compiled step stored in ``self`` that held
        ``self`` would be a reference cycle, freed only by the cycle collector, and a TensorFlow
        function freed that way on the GUI thread can deadlock with a thread running TensorFlow.
        """
        count = self._count

        def traced(*a):
            count[0] += 1
            return fn(*a)

        return traced


def compiled_value_and_grad(fn: Callable, variables=()) -> CompiledGradient:
    """``fn(x, *args)`` -> scalar, with its gradient with respect to ``x``, compiled once per
    model and objective (see ``CompiledGradient``)."""
    return CompiledGradient(fn, variables)


def _tf_compiled(compiled: CompiledGradient, x, args):
    import tensorflow as tf

    # A free batch axis (and free sizes for the arguments) keep one trace for every batch size
    # and every value; only the input's per-example shape and the arguments' ranks are fixed.
    signature = [tf.TensorSpec((None, *x.shape[1:]), tf.float32)] + [
        tf.TensorSpec((None,) * a.ndim, tf.as_dtype(a.dtype)) for a in args
    ]
    fn = compiled.counted(compiled.fn)

    @tf.function(input_signature=signature, autograph=False)
    def step(t, *rest):
        with tf.GradientTape() as tape:
            tape.watch(t)
            value = fn(t, *rest)
        return value, tape.gradient(value, t)

    def call(x, *args):
        value, grad = step(tf.constant(x), *(tf.constant(a) for a in args))
        return value.numpy(), grad.numpy()

    return call


def _jax_compiled(compiled: CompiledGradient, x, args):
    import jax
    import keras

    variables, fn = compiled.variables, compiled.counted(compiled.fn)

    def pure(values, t, *rest):
        with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
            return fn(t, *rest)

    step = jax.jit(jax.value_and_grad(pure, argnums=1))

    def call(x, *args):
        # Read the variables at each call: Keras' jitted fit replaces their buffers.
        value, grad = step([v.value for v in variables], x, *args)
        return np.asarray(value), np.asarray(grad)

    return call


def _torch_compiled(compiled: CompiledGradient, x, args):
    import keras
    import torch

    fn = compiled.fn

    def call(x, *args):
        tensor = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        rest = [keras.ops.convert_to_tensor(a) for a in args]
        value = fn(tensor, *rest)
        (grad,) = torch.autograd.grad(value, tensor)
        return value.detach().cpu().numpy(), grad.detach().cpu().numpy()

    return call
