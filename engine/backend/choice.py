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


def fast_bfloat16() -> bool:
    """Whether bfloat16 runs natively where Keras computes: a GPU of compute capability 8 or
    more (Ampere on), or, without a GPU, a CPU with AVX512-BF16 or AMX. Elsewhere it is
    emulated, slower than float32, and some CPU kernels are missing."""
    try:
        gpu = {"tensorflow": _tf_gpu_capability, "jax": _jax_gpu_capability}.get(
            name(), _torch_gpu_capability
        )()
    except Exception:  # a broken driver: judge by the CPU
        gpu = None
    if gpu is not None:
        return gpu >= (8, 0)
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            flags = next((line for line in info if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _tf_gpu_capability() -> tuple[int, int] | None:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    return tuple(
        tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
    )


def _jax_gpu_capability() -> tuple[int, int] | None:
    import jax

    device = jax.devices()[0]
    if device.platform != "gpu":
        return None
    major, _, minor = str(getattr(device, "compute_capability", "0.0")).partition(".")
    return int(major), int(minor or 0)


def _torch_gpu_capability() -> tuple[int, int] | None:
    import torch

    return torch.cuda.get_device_capability(0) if torch.cuda.is_available() else None
