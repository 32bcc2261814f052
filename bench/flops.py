"""Floating-point operations of one forward pass, counted from a Keras model's layers.

Counts the multiply-adds of convolutions (plain, depthwise, separable) and dense layers, two
FLOPs each; batch norm, activations and pooling are ignored (a few percent at most).
"""

from __future__ import annotations

import numpy as np


def _layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:  # a nested model
            yield from _layers(layer)
        else:
            yield layer


def forward_flops(model) -> int:
    """FLOPs of one forward pass at batch size 1."""
    import keras

    total = 0
    for layer in _layers(model):
        try:
            out_shape = layer.output.shape
            in_shape = layer.input.shape
        except (AttributeError, ValueError):
            continue
        if isinstance(in_shape, list):
            continue
        spatial = int(np.prod(out_shape[1:-1])) if len(out_shape) > 2 else 1
        c_in, c_out = int(in_shape[-1]), int(out_shape[-1])
        if isinstance(layer, keras.layers.SeparableConv2D):
            kh, kw = layer.kernel_size
            total += 2 * spatial * kh * kw * c_in * layer.depth_multiplier
            total += 2 * spatial * c_in * layer.depth_multiplier * c_out
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            total += 2 * spatial * kh * kw * c_in * layer.depth_multiplier
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            total += 2 * spatial * kh * kw * (c_in // layer.groups) * c_out
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * int(np.prod(in_shape[1:])) // c_in * c_in * c_out
    return total
