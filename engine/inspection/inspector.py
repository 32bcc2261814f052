"""Look inside a network: its layers, any layer's activations, Grad-CAM and gradient saliency.

``Inspector`` rewires a model once so that every layer's output, nested models' layers included
(a fine-tuned base inside a functional model), can be read and differentiated. The rewiring
calls the model's own layers again on a new input, as ``keras.models.clone_model`` does (weights
are shared, nothing is copied), so it works for any Sequential or functional model on every
backend. Gradients go through ``backend.value_and_grad``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from engine import backend


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

        # An eager call, not backend.compiled_forward: compiled TensorFlow functions freed by
        # the garbage collector while another thread runs TensorFlow can deadlock (seen in the
        # test suite), and inspectors come and go with the models a person picks.
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

    def grad_cam(
        self, batch: np.ndarray, class_index: int | None = None, layer: str | None = None
    ) -> tuple[np.ndarray, int]:
        """Grad-CAM heatmap (H, W) in [0, 1] at ``layer``'s resolution, and the class explained.

        Each channel of the layer's maps is weighted by the mean gradient of the class score
        over it; the weighted sum's positive part is the evidence (Selvaraju et al. 2017). The
        class is the top one unless ``class_index`` names another; the layer defaults to the
        last one with 2-D maps.
        """
        import keras

        path = layer or self.last_spatial()
        batch = np.asarray(batch[:1], np.float32)
        maps = self.activations(batch, path)[None]
        rest = self.rest_model(path)
        x = keras.ops.convert_to_tensor(batch)
        if class_index is None:
            scores = keras.ops.convert_to_numpy(
                rest([x, keras.ops.convert_to_tensor(maps)], training=False)
            )
            class_index = int(np.argmax(scores[0]))
        _, grads = backend.value_and_grad(
            lambda m: rest([x, m], training=False)[0, class_index], maps
        )
        weights = grads[0].mean(axis=(0, 1))
        cam = np.maximum((maps[0] * weights).sum(axis=-1), 0.0)
        peak = cam.max()
        return (cam / peak if peak > 0 else cam).astype(np.float32), class_index

    def class_score(self, batch, class_index: int):
        """The score (before the softmax where there is one) of ``class_index``, as a tensor."""
        return self._score_model()(batch, training=False)[0, class_index]

    def _score_model(self):
        import keras

        with self._lock:
            if "score" not in self._cut:
                self._cut["score"] = keras.Model(self._input, self._score)
            return self._cut["score"]

    def saliency(self, batch: np.ndarray, class_index: int | None = None) -> tuple[np.ndarray, int]:
        """Gradient saliency: |d score / d input|, maximum over channels, scaled to [0, 1]."""
        batch = np.asarray(batch[:1], np.float32)
        if class_index is None:
            class_index = int(np.argmax(self.probabilities(batch)))
        _, grads = backend.value_and_grad(lambda x: self.class_score(x, class_index), batch)
        magnitude = np.abs(grads[0]).max(axis=-1)
        peak = magnitude.max()
        return (magnitude / peak if peak > 0 else magnitude).astype(np.float32), class_index


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
