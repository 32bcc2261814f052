"""Networks described as lists of layer specs (dicts), so that the course's presets and a
network a person types go through one builder, and a short text form reads and
writes them."""

from __future__ import annotations

import keras

from engine.failures import BadInput

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


def dense(units, activation):
    """A dense layer spec."""
    return {"type": "dense", "units": units, "activation": activation}


def _add_shrinking(model, layer, input_shape) -> None:
    """Add a convolution or pooling; BadInput when the picture would shrink to nothing."""
    before = model.output_shape if model.layers else (None, *input_shape)
    try:
        model.add(layer)
    except ValueError as error:
        if "negative" not in str(error) and "zero" not in str(error):
            raise
        raise BadInput(
            f"The network does not fit {input_shape[0]}x{input_shape[1]} images: its "
            f"convolutions and poolings shrink the {before[1]}x{before[2]} picture they get to "
            f"nothing. Use larger images, or fewer or smaller convolutions and poolings"
        ) from error


def build_network(
    layers,
    input_shape=(28, 28, 1),
    classes: int = 10,
    seed: int | None = 0,
    *,
    mirror: bool = False,
    dtype: str | None = None,
):
    """A Sequential network from layer specs; flattens before the first dense layer.

    ``mirror`` is what ``augment auto`` means for the data at hand (random mirror images or
    none, see ``mirrors_suit``); ``dtype`` a Keras dtype policy for every layer but the softmax
    output, which stays float32 (``"mixed_bfloat16"`` computes in bfloat16).
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(input_shape)])
    flat = False
    weights = _WeightBudget(model, input_shape)
    for spec in layers:
        kind = spec["type"]
        if kind == "dense" and not flat:
            model.add(keras.layers.Flatten(dtype=dtype))
            flat = True
        weights.add(spec)
        if kind in ("conv", "sepconv", "pool", "gap") and flat:
            raise ValueError(f"a {kind} layer cannot follow a dense layer or gap")
        if kind == "dense":
            activation = spec.get("activation", "relu")
            model.add(keras.layers.Dense(spec["units"], activation=activation, dtype=dtype))
        elif kind in ("conv", "sepconv"):
            convolution = keras.layers.Conv2D if kind == "conv" else keras.layers.SeparableConv2D
            conv = convolution(
                spec["filters"],
                spec.get("kernel", 3),
                strides=spec.get("stride", 1),
                activation=spec.get("activation", "relu"),
                padding=spec.get("padding", "valid"),
                dtype=dtype,
            )
            _add_shrinking(model, conv, input_shape)
        elif kind == "gap":  # one average per channel: no flattening, few weights after it
            model.add(keras.layers.GlobalAveragePooling2D(dtype=dtype))
            flat = True
        elif kind == "pool":
            pool = keras.layers.MaxPooling2D(spec.get("size", 2), dtype=dtype)
            _add_shrinking(model, pool, input_shape)
        elif kind == "dropout":
            model.add(keras.layers.Dropout(spec.get("rate", 0.5), dtype=dtype))
        elif kind == "batchnorm":
            # momentum 0.9, not 0.99: a run of a few hundred steps must end with usable averages
            model.add(keras.layers.BatchNormalization(momentum=0.9, dtype=dtype))
        elif kind == "augment":  # active while training only; inference sees the image as is
            if spec.get("flip") is True or (spec.get("flip") == "auto" and mirror):
                model.add(keras.layers.RandomFlip("horizontal"))
            if spec.get("shift"):
                model.add(
                    keras.layers.RandomTranslation(
                        spec["shift"], spec["shift"], fill_mode="constant"
                    )
                )
        else:
            raise ValueError(f"unknown layer type {kind!r}")
    if not flat:
        model.add(keras.layers.Flatten(dtype=dtype))
    weights.add({"type": "dense", "units": classes}, "the output layer")
    model.add(keras.layers.Dense(classes, activation="softmax", dtype="float32"))
    return model


class _WeightBudget:
    """The weights a network asks for, counted from its shapes before Keras allocates a layer:
    BadInput past MOST_WEIGHTS (``dense 4096`` after an unpooled ``conv 4096x3 same`` would
    ask for 13 billion)."""

    def __init__(self, model, input_shape):
        self.model, self.input_shape, self.total = model, tuple(input_shape), 0

    def add(self, spec: dict, what: str | None = None) -> None:
        shape = self.model.output_shape[1:] if self.model.layers else self.input_shape
        kind, channels = spec["type"], int(shape[-1])
        if kind == "dense":
            fan_in = 1
            for side in shape:
                fan_in *= int(side)
            added = (fan_in + 1) * spec["units"]
        elif kind in ("conv", "sepconv"):
            area = spec.get("kernel", 3) ** 2
            added = (channels * area if kind == "conv" else channels * (area + 1)) * spec[
                "filters"
            ] + spec["filters"]
        else:
            return
        self.total += added
        if self.total > MOST_WEIGHTS:
            name = what or f"its {kind} {spec.get('units', spec.get('filters'))} layer"
            raise BadInput(
                f"The network would have more than {MOST_WEIGHTS:,} weights ({name} alone has "
                f"{added:,}): use fewer units or filters, or shrink the picture with pooling "
                "or a stride before the dense layers"
            )


LAYER_HELP = (
    "dense N [act], conv NxK [act] [same] [stride S], sepconv NxK [act] [same] [stride S], "
    "pool [N], gap, dropout R, batchnorm or augment [flip|auto] [shift F] "
    "(N up to 4096; K, S and pool sizes up to 28)"
)
MOST_UNITS = 4096  # units or filters of one layer
MOST_SIDE = 28  # a kernel, stride or pooling window: the digits' side
MOST_WEIGHTS = 50_000_000  # 200 MB of float32; the course's largest network has 1.2 million


def _within(value: int, most: int = MOST_SIDE) -> int:
    """``value`` if it is 1..``most``; ValueError (the parser names the item) otherwise."""
    if not 1 <= value <= most:
        raise ValueError(value)
    return value


def parse_layers(text: str) -> list[dict]:
    """Layer specs from a short text, items separated by commas or new lines:

    ``dense 300 tanh``, ``conv 32x5 relu`` (filters x kernel, kernel 3 if left out; ``same`` keeps
    the size, ``stride 2`` halves it), ``sepconv 64x3`` (the same as a depthwise-separable
    convolution), ``pool`` or ``pool 2``, ``gap`` (global average pooling), ``dropout 0.25``,
    ``batchnorm``, ``augment flip shift 0.1`` (random mirror and shift while training; ``auto``
    instead of ``flip`` mirrors only where the data allows it, see ``mirrors_suit``; ``augment``
    alone is an explicit none). ValueError names the bad item.
    """
    layers = []
    for item in [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]:
        words = item.lower().split()
        kind, args = words[0], words[1:]
        try:
            if kind == "dense":
                layers.append(dense(_within(int(args[0]), MOST_UNITS), _activation(args[1:])))
            elif kind in ("conv", "sepconv"):
                layers.append(_convolution(kind, args))
            elif kind == "pool" and len(args) <= 1:
                layers.append({"type": "pool", "size": _within(int(args[0]) if args else 2)})
            elif kind == "dropout":
                layers.append({"type": "dropout", "rate": float(args[0])})
            elif kind in ("batchnorm", "gap") and not args:
                layers.append({"type": kind})
            elif kind == "augment":
                layers.append(_augment(args))
            else:
                raise ValueError
        except (ValueError, IndexError):
            raise ValueError(
                f"cannot read {item!r}: use {LAYER_HELP}; activations: {', '.join(ACTIVATIONS)}"
            ) from None
    return layers


def _convolution(kind: str, words: list[str]) -> dict:
    filters, _, kernel = words[0].partition("x")
    options = words[1:]
    stride = 1
    if "stride" in options:
        at = options.index("stride")
        stride = int(options[at + 1])
        options = options[:at] + options[at + 2 :]
    same = bool(options) and options[-1] == "same"
    spec = {
        "type": kind,
        "filters": int(filters),
        "kernel": int(kernel or 3),
        "activation": _activation(options[: len(options) - same]),
    }
    _within(spec["filters"], MOST_UNITS), _within(spec["kernel"]), _within(stride)
    if same:
        spec["padding"] = "same"
    if stride != 1:
        spec["stride"] = stride
    return spec


def _augment(words: list[str]) -> dict:
    flip = "auto" if "auto" in words else "flip" in words
    spec = {"type": "augment", "flip": flip, "shift": 0.0}
    if "shift" in words:
        spec["shift"] = float(words[words.index("shift") + 1])
    if len(words) != bool(flip) + 2 * ("shift" in words) or not 0 <= spec["shift"] < 0.5:
        raise ValueError(words)
    return spec


def _activation(words: list[str]) -> str:
    if not words:
        return "relu"
    if len(words) > 1 or words[0] not in ACTIVATIONS:
        raise ValueError(words)
    return words[0]


def describe_layers(layers) -> str:
    """The text ``parse_layers`` reads back into the same specs."""
    parts = []
    for spec in layers:
        kind = spec["type"]
        if kind == "dense":
            parts.append(f"dense {spec['units']} {spec.get('activation', 'relu')}")
        elif kind in ("conv", "sepconv"):
            same = " same" if spec.get("padding") == "same" else ""
            stride = f" stride {spec['stride']}" if spec.get("stride", 1) != 1 else ""
            parts.append(
                f"{kind} {spec['filters']}x{spec.get('kernel', 3)} "
                f"{spec.get('activation', 'relu')}{same}{stride}"
            )
        elif kind == "pool":
            parts.append(f"pool {spec.get('size', 2)}")
        elif kind == "dropout":
            parts.append(f"dropout {spec.get('rate', 0.5)}")
        elif kind == "augment":
            flip = spec.get("flip")
            words = ["augment"] + (["auto"] if flip == "auto" else ["flip"] * bool(flip))
            parts.append(" ".join(words + [f"shift {spec['shift']}"] * bool(spec.get("shift"))))
        else:
            parts.append(kind)
    return ", ".join(parts)
