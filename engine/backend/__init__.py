"""The only package that touches tensorflow, jax or torch directly.

Choose the Keras backend before anything imports keras (``select``), then ask for the device
description (``choice``), a compiled forward call (``forward``) or an input gradient
(``gradients``). Each backend has one small function per job.
"""

from engine.backend.choice import BACKENDS, describe_device, fast_bfloat16, name, select
from engine.backend.forward import compiled_forward, compiles_per_shape
from engine.backend.gradients import compiled_value_and_grad, value_and_grad

__all__ = [
    "BACKENDS",
    "compiled_forward",
    "compiled_value_and_grad",
    "compiles_per_shape",
    "describe_device",
    "fast_bfloat16",
    "name",
    "select",
    "value_and_grad",
]
