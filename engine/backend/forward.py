"""Compiled forward calls for inference, one small function per backend."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.backend.choice import name


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
