"""The workspace: atomic writes, snapshots, models with their metadata."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from engine.workspace import store
from tests.helpers.frames import COLOURS, solid
from tests.helpers.models import colour_model, numpy


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "model.json"
    store.atomic_write_bytes(target, b"good")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        store.atomic_write_bytes(target, b"half")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_snapshot_is_a_png_of_the_frame(workspace):
    frame = solid("green", (30, 40))
    frame[0, 0] = (1, 2, 3)
    first = workspace.save_snapshot(frame)
    second = workspace.save_snapshot(frame)
    assert first.parent == workspace.snapshots_dir and first != second
    assert np.array_equal(np.asarray(Image.open(first)), frame)


def test_saved_model_round_trips_with_metadata(workspace, colour_info):
    assert colour_info.path == workspace.models_dir / "colours.keras"
    assert colour_info.class_names == COLOURS and colour_info.input_size == (32, 32)
    meta = json.loads(colour_info.path.with_suffix(".json").read_text())
    assert meta["preprocessing"] == "unit" and "date" in meta
    assert [m.name for m in workspace.models()] == ["colours"]
    model = store.load_keras_model(colour_info.path)
    x = np.ones((1, 32, 32, 3), np.float32)
    x[..., 0] = 0.5
    assert np.allclose(numpy(model(x)), numpy(colour_model()(x)), atol=1e-6)


def test_models_without_metadata_are_not_listed_and_bad_files_are_refused(workspace, colour_info):
    (workspace.models_dir / "orphan.keras").write_bytes(b"PK")
    assert [m.name for m in workspace.models()] == ["colours"]
    with pytest.raises(ValueError, match="orphan.json is missing"):
        store.ModelInfo.read(workspace.models_dir / "orphan.keras")
    with pytest.raises(ValueError, match="not a .keras model file"):
        store.load_keras_model(workspace.root / "model.h5")
    with pytest.raises(ValueError, match="not a Keras model"):
        store.load_keras_model(workspace.models_dir / "orphan.keras")


@pytest.mark.parametrize("failing", ["writing the metadata inside", "the commit"])
def test_a_failed_write_leaves_the_previous_model_pair(workspace, monkeypatch, failing):
    info = workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    before = {p.name: p.read_bytes() for p in workspace.models_dir.iterdir()}

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "the commit":
        monkeypatch.setattr(os, "replace", full_disk)
    else:
        monkeypatch.setattr(store.metadata, "add_entry", full_disk)
    with pytest.raises(OSError, match="No space"):
        workspace.save_model(colour_model(), ["a", "b", "c"], (32, 32), "unit", "colours")
    assert {p.name: p.read_bytes() for p in workspace.models_dir.iterdir()} == before
    assert store.ModelInfo.read(info.path).class_names == COLOURS


def test_a_read_only_models_folder_is_reported_and_changes_nothing(workspace, monkeypatch):
    workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    before = {p.name: p.read_bytes() for p in workspace.models_dir.iterdir()}

    def read_only(*args, **kwargs):  # what a read-only folder does (simulated: tests run as root)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.scratch.tempfile, "mkstemp", read_only)
    with pytest.raises(PermissionError):
        workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    assert {p.name: p.read_bytes() for p in workspace.models_dir.iterdir()} == before


def test_names_the_app_makes_up_never_replace_a_model(workspace, colour_info):
    assert workspace.free_model_name("mlp-mnist-20250101-120000") == "mlp-mnist-20250101-120000"
    assert workspace.free_model_name("colours") == "colours-2"
    (workspace.models_dir / "colours-2.keras").write_bytes(b"taken")
    assert workspace.free_model_name("colours") == "colours-3"
