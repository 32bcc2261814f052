"""Look inside a network: its layers, any layer's activations, Grad-CAM and gradient saliency.

``Inspector`` rewires a model once so that every layer's output, nested models' layers included
(a fine-tuned base inside a functional model), can be read and differentiated. The rewiring
calls the model's own layers again on a new input, as ``keras.models.clone_model`` does (weights
are shared, nothing is copied), so it works for any Sequential or functional model on every
backend. Grad-CAM and saliency go through ``backend.compiled_value_and_grad``, compiled once per
layer and kept on the inspector; the class reaches them as a one-hot argument, so another class
or another picture compiles nothing.

Compiled objects close over the model or a sub-model, never over the inspector: with no
reference cycle through them, reference counting frees them with the inspector (the GUI runs the
cycle collector only while no worker runs TensorFlow, gui/core/workers.py GarbagePolicy).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from engine import backend
from engine.failures import BadInput


@dataclass
class LayerInfo:
    """One row of the layer table: nested layers are named 'outer/inner'."""

    path: str
    kind: str
    shape: tuple
    params: int
    depth: int
    layer: object

    @property
    def spatial(self) -> bool:
        """Whether the output is a stack of 2-D maps (batch, H, W, channels)."""
        return len(self.shape) == 3

    @property
    def kernel(self) -> np.ndarray | None:
        """The convolution kernel (kh, kw, in, out) or None; depthwise ones as (kh, kw, 1, in)."""
        layer = self.layer
        weight = getattr(layer, "depthwise_kernel", None)
        if weight is None:
            weight = getattr(layer, "kernel", None)
        if weight is None or len(weight.shape) != 4:
            return None
        kernel = np.asarray(weight.numpy(), dtype=np.float32)
        if hasattr(layer, "depthwise_kernel"):  # (kh, kw, in, multiplier)
            kernel = kernel.reshape(kernel.shape[0], kernel.shape[1], 1, -1)
        return kernel


def _retrace(model, inputs, record: dict, prefix: str = "", inject=None):
    """Call ``model``'s own layers on ``inputs``, recording each output by path in ``record``.

    Nested models are expanded so that their layers' outputs connect to ``inputs``.
    ``inject(path, tensor) -> tensor`` may replace a layer's output (for gradients there).
    """
    import keras

    def call(layer, *args, **kwargs):
        path = prefix + layer.name
        if isinstance(layer, keras.Model):
            out = _retrace(layer, args[0], record, path + "/", inject)
        else:
            out = layer(*args, **kwargs)
            logits = _logits(layer, args[0])
            if logits is not None:
                record[path + ":logits"] = logits
        if inject is not None:
            out = inject(path, out)
        record[path] = out
        return out

    if isinstance(model, keras.Sequential):
        x = inputs
        for layer in model.layers:
            x = call(layer, x)
        return x
    # clone_model(call_function=...) walks the graph this way, but then builds a model from
    # ``inputs``, which Keras refuses for a nested model called on an intermediate tensor.
    outputs = model._run_through_graph(inputs, operation_fn=lambda op: op, call_fn=call)
    return keras.tree.flatten(outputs)[0]


def _logits(layer, x):
    """A Dense softmax layer's scores before the softmax, or None for any other layer.

    Grad-CAM and class visualization follow the score before the softmax: once the softmax
    saturates its gradient vanishes.
    """
    import keras

    if (
        not isinstance(layer, keras.layers.Dense)
        or layer.activation is not keras.activations.softmax
    ):
        return None
    z = keras.ops.matmul(x, layer.kernel)
    return z + layer.bias if layer.use_bias else z


class Inspector:
    """A model seen from inside. Arrays in and out are numpy; batches are preprocessed inputs."""

    def __init__(self, model):
        import keras

        self.model = model
        self._lock = threading.Lock()
        self._input = keras.Input(model.input_shape[1:])
        self._tensors: dict = {}
        self._output = _retrace(model, self._input, self._tensors)
        self._score = _score_of(self._tensors, self._output)
        self.layers = _table(model, self._tensors)
        self._cut: dict = {}
        self._rest: dict = {}
        self._compiled: dict = {}

    # -- layers ------------------------------------------------------------------------------
    def layer(self, path: str) -> LayerInfo:
        for info in self.layers:
            if info.path == path:
                return info
        raise KeyError(f"no layer {path!r} in {self.model.name}")

    def convolutions(self) -> list[LayerInfo]:
        """Layers with a 2-D convolution kernel, first to last."""
        return [info for info in self.layers if info.kernel is not None]

    def last_spatial(self) -> str:
        """The last layer whose output is a stack of maps larger than 1x1 (Grad-CAM's default)."""
        spatial = [
            i.path
            for i in self.layers
            if i.spatial
            and i.shape[0] * i.shape[1] > 1
            and i.kind not in ("Functional", "Sequential")
        ]
        if not spatial:
            raise ValueError(f"{self.model.name} has no layer with 2-D feature maps")
        return spatial[-1]

    # -- forward -----------------------------------------------------------------------------
    def sub_model(self, path: str):
        """A model from the input to ``path``'s output (the same layers and weights)."""
        import keras

        with self._lock:
            if path not in self._cut:
                if path not in self._tensors:
                    raise KeyError(f"no layer {path!r} in {self.model.name}")
                self._cut[path] = keras.Model(self._input, self._tensors[path])
            return self._cut[path]

    def activations(self, batch: np.ndarray, path: str) -> np.ndarray:
        """``path``'s output for the first image of ``batch``, without the batch axis."""
        import keras

        # An eager call, not backend.compiled_forward: a person looks at one layer after
        # another, and compiling a function per layer would cost more than it saves (Grad-CAM,
        # run on every live frame, compiles its forward; see the module docstring on freeing).
        out = self.sub_model(path)(np.asarray(batch, np.float32), training=False)
        return keras.ops.convert_to_numpy(out)[0]

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        import keras

        return keras.ops.convert_to_numpy(
            self.model(np.asarray(batch, np.float32), training=False)
        )[0]

    # -- gradients ---------------------------------------------------------------------------
    def rest_model(self, path: str):
        """(input, maps at ``path``) -> class scores: the network after ``path``, fed its maps.

        The gradient of a score with respect to the maps input is its gradient with respect to
        the layer's output, whatever the graph does after it (branches, nesting). The input is
        there for skip connections that bypass the layer; for the last maps of most networks
        only a pooling and a dense layer remain, so this gradient costs almost nothing.
        """
        import keras

        with self._lock:
            if path not in self._rest:
                if path not in self._tensors:
                    raise KeyError(f"no layer {path!r} in {self.model.name}")
                x = keras.Input(self.model.input_shape[1:])
                maps = keras.Input(self._tensors[path].shape[1:])
                record: dict = {}
                output = _retrace(
                    self.model, x, record, inject=lambda p, tensor: maps if p == path else tensor
                )
                self._rest[path] = keras.Model([x, maps], _score_of(record, output))
            return self._rest[path]

    def compiled(self, key, build):
        """``build()`` once per ``key``, kept for the inspector's life (compiled gradients and
        forwards). ``build`` must not close over the inspector (see the module docstring)."""
        with self._lock:
            held = self._compiled.get(key)
        if held is None:
            made = build()  # outside the lock: building cuts sub-models, which take it
            with self._lock:
                held = self._compiled.setdefault(key, made)
        return held

    @property
    def traces(self) -> int:
        """How many times this inspector's gradients were compiled (torch compiles none)."""
        with self._lock:
            held = list(self._compiled.values())
        parts = [
            part for value in held for part in (value if isinstance(value, tuple) else (value,))
        ]
        return sum(getattr(part, "traces", 0) for part in parts)

    def grad_cam(
        self, batch: np.ndarray, class_index: int | None = None, layer: str | None = None
    ) -> tuple[np.ndarray, int]:
        """Grad-CAM heatmap (H, W) in [0, 1] at ``layer``'s resolution, and the class explained.

        Each channel of the layer's maps is weighted by the mean gradient of the class score
        over it; the weighted sum's positive part is the evidence (Selvaraju et al. 2017). The
        class is the top one unless ``class_index`` names another; the layer defaults to the
        last one with 2-D maps. One compiled forward gives the maps and the scores, then the
        compiled gradient of the network after the layer (for the last maps, a pooling and a
        dense layer) gives the weights.
        """
        path = layer or self.last_spatial()
        batch = np.asarray(batch[:1], np.float32)
        forward, gradient = self.compiled(("grad-cam", path), lambda: self._grad_cam_parts(path))
        shape = tuple(self._tensors[path].shape[1:])
        out = forward(batch)[0]
        maps, scores = out[: int(np.prod(shape))].reshape(1, *shape), out[int(np.prod(shape)) :]
        if class_index is None:
            class_index = int(np.argmax(scores))
        _, grads = gradient(maps, batch, one_hot(class_index, scores.size))
        weights = grads[0].mean(axis=(0, 1))
        cam = np.maximum((maps[0] * weights).sum(axis=-1), 0.0)
        peak = cam.max()
        return (cam / peak if peak > 0 else cam).astype(np.float32), class_index

    def _grad_cam_parts(self, path: str):
        """(forward: batch -> [flattened maps at ``path``, the model's output], gradient of the
        one-hot class score with respect to the maps given (maps, input, one-hot)).

        The forward ends at the model's output, whose top class is the scores' top class: the
        scores of a softmax head read its kernel outside a layer call, which torch's traced
        forward cannot freeze.
        """
        import keras

        maps = self._tensors[path]
        flat = keras.ops.reshape(maps, (-1, int(np.prod(maps.shape[1:]))))
        both = keras.Model(self._input, keras.ops.concatenate([flat, self._output], axis=-1))
        return (
            backend.compiled_forward(both),
            backend.compiled_value_and_grad(
                _rest_score(self.rest_model(path)), self.model.variables
            ),
        )

    @property
    def classes(self) -> int:
        """How many class scores the model gives."""
        return int(self._score.shape[-1])

    def class_score(self, batch, class_index: int):
        """The score (before the softmax where there is one) of ``class_index``, as a tensor."""
        return self.score_model()(batch, training=False)[0, class_index]

    def score_model(self):
        """A model from the input to the class scores (the logits of a softmax head)."""
        import keras

        with self._lock:
            if "score" not in self._cut:
                self._cut["score"] = keras.Model(self._input, self._score)
            return self._cut["score"]

    def saliency(self, batch: np.ndarray, class_index: int | None = None) -> tuple[np.ndarray, int]:
        """Gradient saliency: |d score / d input|, maximum over channels, scaled to [0, 1]."""
        batch = np.asarray(batch[:1], np.float32)

        def build():  # the forward for the top class: as in _grad_cam_parts, the output
            gradient = _input_score(self.score_model())
            return backend.compiled_forward(self.model), backend.compiled_value_and_grad(
                gradient, self.model.variables
            )

        forward, gradient = self.compiled("saliency", build)
        if class_index is None:
            class_index = int(np.argmax(forward(batch)[0]))
        _, grads = gradient(batch, one_hot(class_index, self.classes))
        magnitude = np.abs(grads[0]).max(axis=-1)
        peak = magnitude.max()
        return (magnitude / peak if peak > 0 else magnitude).astype(np.float32), class_index


def one_hot(index: int, size: int, what: str = "class") -> np.ndarray:
    """A float32 vector with 1 at ``index``: how a class or channel reaches a compiled gradient
    (an argument, not a traced constant, so another one compiles nothing). BadInput, naming
    ``what`` was asked for, when there is no such index."""
    if not 0 <= index < size:
        raise BadInput(f"there is no {what} {index}: pick one of 0-{size - 1}")
    return np.eye(size, dtype=np.float32)[index]


def _rest_score(rest):
    """fn(maps, input, one-hot) -> the one-hot class score of ``rest`` (see rest_model)."""
    import keras

    def fn(maps, x, onehot):
        return keras.ops.sum(rest([x, maps], training=False)[0] * onehot)

    return fn


def _input_score(scores):
    """fn(input, one-hot) -> the one-hot class score of the model ``scores``."""
    import keras

    def fn(x, onehot):
        return keras.ops.sum(scores(x, training=False)[0] * onehot)

    return fn


def _table(model, tensors: dict) -> list[LayerInfo]:
    """Every layer in drawing order, nested models' layers indented under their model's row."""
    import keras

    rows: list[LayerInfo] = []

    def walk(m, prefix: str, depth: int) -> None:
        for layer in m.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            path = prefix + layer.name
            tensor = tensors.get(path)
            shape = tuple(tensor.shape[1:]) if tensor is not None else ()
            rows.append(
                LayerInfo(
                    path, type(layer).__name__, shape, int(layer.count_params()), depth, layer
                )
            )
            if isinstance(layer, keras.Model):
                walk(layer, path + "/", depth + 1)

    walk(model, "", 0)
    return rows


def _score_of(record: dict, output):
    """The class scores: the logits of the Dense softmax that makes ``output``, if it is one."""
    return next(
        (
            record[k + ":logits"]
            for k, t in record.items()
            if t is output and k + ":logits" in record
        ),
        output,
    )
