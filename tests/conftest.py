"""Shared test set-up (no network, a private Keras cache and trash, offscreen Qt) and the fixtures
every folder uses; plain helpers live in tests/helpers/."""

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

_real_getaddrinfo = socket.getaddrinfo


def _local_only(host, *args, **kwargs):
    if host not in ("localhost", "127.0.0.1", "::1", None):
        raise socket.gaierror(f"tests may not reach the network (asked for {host})")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only

# Keras is imported from here on: after the set-up above.
import pytest

from tests.helpers.frames import COLOURS
from tests.helpers.models import colour_model


@pytest.fixture
def workspace(tmp_path):
    from engine.workspace.store import Workspace

    return Workspace(tmp_path / "workspace", system_trash=False)  # tests keep the real trash clean


@pytest.fixture
def colour_info(workspace):
    """The colour model saved in the workspace as .keras + .json."""
    return workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
