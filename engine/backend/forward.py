"""Compiled forward calls for inference, one small function per backend."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable

import numpy as np

from engine.backend.choice import name

logger = logging.getLogger(__name__)


def compiled_forward(model, xla: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """A forward call for inference (no training mode) that returns numpy.

    Faster than ``model.predict`` per frame, which rebuilds a data pipeline on every call.
    ``xla`` asks TensorFlow for XLA compilation (JAX always uses XLA; torch ignores it); on this
    project's 2-core CPU it was slower (bench/levers.py), so the app leaves it off. Under torch
    the call is a ``TorchForward``: traced per input shape on the first call of that shape.
    """
    forwards = {"tensorflow": _tf_forward, "jax": _jax_forward, "torch": _torch_forward}
    return forwards[name()](model, xla)


def compiles_per_shape() -> bool:
    """Whether a compiled call is compiled again for each new input shape (JAX, and torch's
    trace per shape). TensorFlow's functions generalise the batch axis after a second shape,
    so there padding a short last batch to full size is not cheaper than a new compile."""
    return name() in ("jax", "torch")


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
    return TorchForward(model)


class TorchForward:
    """The torch forward: the Keras model traced per input shape into its torch ops
    (``torch.jit.trace``) and frozen, the weights folded in as constants.

    Keras' layer machinery is most of a plain call's time under torch (bench/torch_forward.py:
    MobileNetV2 and the MNIST CNN ran several times faster traced and frozen; torch.compile took
    a minute to compile and ran slower). The weights are baked in, so each call compares their
    version counters (which every in-place assign bumps) with those the trace saw: a call after
    a change answers with the plain call, and the next call that finds them unchanged since
    traces again, so a model trained between calls never answers stale and a model trained
    during them does not retrace on every call. Tracing runs on a shape's first call, on the
    calling thread (the app's first calls are warm-ups on workers); a trace that fails, or that
    answers differently from the plain call, is logged once and leaves that shape on the plain
    call.
    """

    SHAPES = 4  # traced input shapes kept (each holds its folded weights); the oldest goes
    TOLERANCE = 1e-4  # largest difference from the plain call a trace may show, relative

    def __init__(self, model):
        self.model = model
        self._traced: dict[tuple, tuple] = {}  # shape -> (weights stamp, frozen module or None)
        self._variables = None
        self._seen = None  # the weights stamp at the previous call
        self._warned = False
        self._lock = threading.Lock()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch

        x = torch.from_numpy(np.ascontiguousarray(x, np.float32))
        with self._lock:
            stamp, seen = self._stamp(), self._seen
            self._seen = stamp
            built = self._traced.get(tuple(x.shape))
            if built is not None and built[0] == stamp:
                module = built[1]
            elif seen in (None, stamp):  # the first call, or weights steady since the last one
                module = self._trace(x)
            else:
                module = None
        with torch.inference_mode():
            answer = self.model(x, training=False) if module is None else module(x)
            return answer.detach().cpu().numpy()

    def _stamp(self) -> tuple:
        """Which tensors hold the weights and how often each was changed in place."""
        if self._variables is None:
            self._variables = list(self.model.variables)
        # _value is the torch tensor behind a Keras variable: .value would add Keras' autocast
        # check, 70 times the cost (1.8 ms a call for MobileNetV2's 262 variables).
        tensors = (getattr(v, "_value", None) for v in self._variables)
        tensors = (v.value if t is None else t for v, t in zip(self._variables, tensors))
        try:
            return tuple((id(t), t._version) for t in tensors)
        except RuntimeError:  # weights made in inference mode have no version: never trust a trace
            return (object(),)

    def _trace(self, x):
        import torch

        shape = tuple(x.shape)
        self._traced.pop(shape, None)
        if len(self._traced) >= self.SHAPES:
            self._traced.pop(next(iter(self._traced)))
        try:
            # no_grad, not inference_mode: variables made by this first call keep the version
            # counters the stamp reads (inference tensors have none).
            with torch.no_grad():
                expected = self.model(x, training=False)
            # TorchScript is deprecated in torch 2.13 but still the fastest here; and tracing
            # warns about each shape it turns into a constant, which a trace per shape allows.
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = torch.jit.freeze(torch.jit.trace(_inference(self.model), x))
                for _ in range(2):  # TorchScript optimises the graph on its first calls
                    answer = module(x)
            scale = float(expected.abs().max()) + 1.0
            if not float((answer - expected).abs().max()) <= self.TOLERANCE * scale:
                raise ValueError("the traced forward answers differently from model(x)")
        except Exception as error:  # a model torch cannot trace still answers, plainly
            if not self._warned:
                logger.warning("torch forward: plain Keras calls for %s (%s)", shape, error)
                self._warned = True
            module = None
        # Read the variables again: a model built by its first call has them only now.
        self._variables = None
        self._seen = self._stamp()
        self._traced[shape] = (self._seen, module)
        return module


def _inference(model):
    """``model`` as a torch module whose forward is the inference call, ready to trace."""
    import torch

    class Inference(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x, training=False)

    return Inference().eval()
