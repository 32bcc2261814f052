"""Which Keras backend runs, and on what device."""

from __future__ import annotations

import os

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
