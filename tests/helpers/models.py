"""Tiny real Keras models, built in milliseconds with weights the tests can reason about."""

import keras
import numpy as np


def colour_model():
    """A tiny real Keras model that names a frame's dominant colour: mean RGB -> softmax."""
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="colour")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("colour").set_weights(
        [np.eye(3, dtype="float32") * 20.0, np.zeros(3, "float32")]
    )
    return model


def conv_model():
    """Two small convolutions with weights from numpy, then average and softmax over colours."""
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="colour")(x))
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def flat_mlp(inputs=784, classes=10):
    """A multilayer perceptron on flat vectors: not an image classifier."""
    return keras.Sequential(
        [keras.Input((inputs,)), keras.layers.Dense(classes, activation="softmax")]
    )


def score_map(size=(32, 32)):
    """An image in, a map of scores out (segmentation-like): a base, not a classifier."""
    inputs = keras.Input((*size, 3))
    return keras.Model(inputs, keras.layers.Conv2D(2, 3, padding="same", name="conv")(inputs))


def tiny_base(workspace):
    """A small conv net saved in the workspace: 32x32 input, 'unit' preprocessing."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(x)
    return workspace.save_model(
        keras.Model(inputs, outputs), ["x", "y", "z"], (32, 32), "unit", "tiny"
    )


def lambda_archive(folder, classes=2):
    """A ``gift.keras`` whose Lambda layer creates ``canary.txt`` in ``folder`` whenever Keras
    runs it: (the archive, the canary, which does not exist yet)."""
    canary = folder / "canary.txt"
    where = str(canary)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(classes),
            keras.layers.Lambda(lambda x: (open(where, "w").close(), x)[1]),
        ]
    )
    canary.unlink()  # building the model ran the lambda once, here, on purpose
    model.save(folder / "gift.keras")
    return folder / "gift.keras", canary


def numpy(tensor) -> np.ndarray:
    """A backend tensor as numpy, whichever backend runs the tests."""
    return keras.ops.convert_to_numpy(tensor)
