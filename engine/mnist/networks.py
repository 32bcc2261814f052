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


def build_network(layers, input_shape=(28, 28, 1), classes: int = 10, seed: int | None = 0):
    """A Sequential network from layer specs; flattens before the first dense layer."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(input_shape)])
    flat = False
    for spec in layers:
        kind = spec["type"]
        if kind == "dense" and not flat:
            model.add(keras.layers.Flatten())
            flat = True
        if kind == "dense":
            model.add(keras.layers.Dense(spec["units"], activation=spec.get("activation", "relu")))
        elif kind == "conv":
            if flat:
                raise ValueError("a convolution cannot follow a dense layer")
            conv = keras.layers.Conv2D(
                spec["filters"],
                spec.get("kernel", 3),
                activation=spec.get("activation", "relu"),
                padding=spec.get("padding", "valid"),
            )
            _add_shrinking(model, conv, input_shape)
        elif kind == "pool":
            _add_shrinking(model, keras.layers.MaxPooling2D(spec.get("size", 2)), input_shape)
        elif kind == "dropout":
            model.add(keras.layers.Dropout(spec.get("rate", 0.5)))
        elif kind == "batchnorm":
            # momentum 0.9, not 0.99: a run of a few hundred steps must end with usable averages
            model.add(keras.layers.BatchNormalization(momentum=0.9))
        elif kind == "augment":  # active while training only; inference sees the image as is
            if spec.get("flip"):
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
        model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(classes, activation="softmax"))
    return model


def parse_layers(text: str) -> list[dict]:
    """Layer specs from a short text, items separated by commas or new lines:

    ``dense 300 tanh``, ``conv 32x5 relu`` (filters x kernel, kernel 3 if left out; ``same`` at
    the end keeps the size), ``pool`` or ``pool 2``, ``dropout 0.25``, ``batchnorm``,
    ``augment flip shift 0.1`` (random mirror and shift while training). ValueError names the bad
    item.
    """
    layers = []
    for item in [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]:
        words = item.lower().split()
        kind, args = words[0], words[1:]
        try:
            if kind == "dense":
                layers.append(dense(int(args[0]), _activation(args[1:])))
            elif kind == "conv":
                filters, _, kernel = args[0].partition("x")
                same = args[-1] == "same"
                spec = {
                    "type": "conv",
                    "filters": int(filters),
                    "kernel": int(kernel or 3),
                    "activation": _activation(args[1 : len(args) - same]),
                }
                layers.append({**spec, "padding": "same"} if same else spec)
            elif kind == "pool":
                layers.append({"type": "pool", "size": int(args[0]) if args else 2})
            elif kind == "dropout":
                layers.append({"type": "dropout", "rate": float(args[0])})
            elif kind == "batchnorm" and not args:
                layers.append({"type": "batchnorm"})
            elif kind == "augment":
                layers.append(_augment(args))
            else:
                raise ValueError
        except (ValueError, IndexError):
            raise ValueError(
                f"cannot read {item!r}: use dense N [act], conv NxK [act] [same], pool, "
                f"dropout R, batchnorm or augment [flip] [shift F]; activations: "
                f"{', '.join(ACTIVATIONS)}"
            ) from None
    return layers


def _augment(words: list[str]) -> dict:
    spec = {"type": "augment", "flip": "flip" in words, "shift": 0.0}
    if "shift" in words:
        spec["shift"] = float(words[words.index("shift") + 1])
    if len(words) != spec["flip"] + 2 * ("shift" in words) or not 0 <= spec["shift"] < 0.5:
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
        elif kind == "conv":
            same = " same" if spec.get("padding") == "same" else ""
            parts.append(
                f"conv {spec['filters']}x{spec.get('kernel', 3)} "
                f"{spec.get('activation', 'relu')}{same}"
            )
        elif kind == "pool":
            parts.append(f"pool {spec.get('size', 2)}")
        elif kind == "dropout":
            parts.append(f"dropout {spec.get('rate', 0.5)}")
        elif kind == "augment":
            words = ["augment"] + ["flip"] * bool(spec.get("flip"))
            parts.append(" ".join(words + [f"shift {spec['shift']}"] * bool(spec.get("shift"))))
        else:
            parts.append(kind)
    return ", ".join(parts)
