"""Shared test set-up: no network, a private Keras cache, offscreen Qt, tiny models."""

import os
import socket
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="dll-keras-home-")  # before keras is imported
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="dll-xdg-data-")  # a private system trash
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

_real_getaddrinfo = socket.getaddrinfo


def _local_only(host, *args, **kwargs):
    if host not in ("localhost", "127.0.0.1", "::1", None):
        raise socket.gaierror(f"tests may not reach the network (asked for {host})")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only


def real_data(path: Path) -> Path:
    """``path`` if it exists; skip the test when it does not, unless REQUIRE_REAL_DATA=1."""
    if not path.exists():
        if os.environ.get("REQUIRE_REAL_DATA") == "1":
            pytest.fail(f"real data missing: {path}")
        pytest.skip(f"real data missing: {path}")
    return path


COLOURS = ["red", "green", "blue"]


def colour_model():
    """A tiny real Keras model that names a frame's dominant colour: mean RGB -> softmax."""
    import keras

    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="colour")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("colour").set_weights(
        [np.eye(3, dtype="float32") * 20.0, np.zeros(3, "float32")]
    )
    return model


def numpy(tensor) -> np.ndarray:
    """A backend tensor as numpy, whichever backend runs the tests."""
    import keras

    return keras.ops.convert_to_numpy(tensor)


@pytest.fixture
def workspace(tmp_path):
    from engine.workspace.store import Workspace

    return Workspace(tmp_path / "workspace", system_trash=False)  # tests keep the real trash clean


@pytest.fixture
def colour_info(workspace):
    """The colour model saved in the workspace as .keras + .json."""
    return workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")


def solid(colour: str, shape=(48, 64)) -> np.ndarray:
    frame = np.zeros((*shape, 3), np.uint8)
    frame[..., COLOURS.index(colour)] = 230
    return frame
