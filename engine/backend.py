"""The only module that touches tensorflow, jax or torch directly.

Choose the Keras backend before anything imports keras (``select``), then ask for the device
description and a compiled forward call. Each backend has one small function per job.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")


def select(name: str | None) -> str:
    """Set KERAS_BACKEND to ``name`` (or keep the environment's) before keras is imported."""
    import sys

    if name:
        if name not in BACKENDS:
            raise ValueError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")
        if "keras" in sys.modules and sys.modules["keras"].backend.backend() != name:
            raise RuntimeError("keras is already imported with another backend")
        os.environ["KERAS_BACKEND"] = name
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def name() -> str:
    """The Keras backend in use."""
    import keras

    return keras.backend.backend()


def describe_device() -> str:
    """'CPU' or the GPU's name, for the status bar."""
    try:
        return {"tensorflow": _tf_device, "jax": _jax_device, "torch": _torch_device}[name()]()
    except Exception:  # a broken driver must not stop the app from opening
        return "CPU"


def _tf_device() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(gpus[0])
    return details.get("device_name", gpus[0].name)


def _jax_device() -> str:
    import jax

    device = jax.devices()[0]
    return "CPU" if device.platform == "cpu" else device.device_kind


def _torch_device() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"


def compiled_forward(model, xla: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """A forward call for inference (no training mode) that returns numpy.

    Faster than ``model.predict`` per frame, which rebuilds a data pipeline on every call.
    ``xla`` asks TensorFlow for XLA compilation (JAX always uses XLA; torch ignores it); on this
    project's 2-core CPU it was slower (bench/levers.py), so the app leaves it off.
    """
    forwards = {"tensorflow": _tf_forward, "jax": _jax_forward, "torch": _torch_forward}
    return forwards[name()](model, xla)


def compiles_per_shape() -> bool:
    """Whether a compiled call is compiled again for each new input shape (JAX). TensorFlow's
    functions generalise the batch axis after a second shape and torch compiles nothing, so
    only under JAX is padding a short last batch to full size cheaper than a new compile."""
    return name() == "jax"


def _tf_forward(model, xla):
    import tensorflow as tf

    # A signature with a free batch axis traces once; without one, a short last batch traced
    # the whole network a second time (1.5 s for MobileNetV2 on 2 cores).
    inputs = getattr(model, "inputs", None)
    signature = None
    if inputs is not None and len(inputs) == 1:
        signature = [tf.TensorSpec((None, *inputs[0].shape[1:]), tf.float32)]

    @tf.function(input_signature=signature, reduce_retracing=True, jit_compile=xla)
    def forward(x):
        return model(x, training=False)

    return lambda x: forward(tf.convert_to_tensor(x, tf.float32)).numpy()


def _jax_forward(model, xla):
    import jax

    @jax.jit
    def forward(tv, ntv, x):
        return model.stateless_call(tv, ntv, x, training=False)[0]

    # Read the variables at each call: Keras' own jitted steps (predict, fit) donate and replace
    # their buffers, so values captured once would be deleted arrays by then.
    return lambda x: np.asarray(
        forward(
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            x,
        )
    )


def _torch_forward(model, xla):
    import torch

    def forward(x):
        with torch.inference_mode():
            return model(x, training=False).detach().cpu().numpy()

    return forward


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
