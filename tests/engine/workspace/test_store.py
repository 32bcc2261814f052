"""The workspace: atomic writes, snapshots, models with their metadata."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from engine.failures import BadInput, LabError
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


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_diverged_model_is_never_saved_and_the_previous_one_stays(workspace, colour_info, bad):
    before = {p.name: p.read_bytes() for p in workspace.models_dir.iterdir()}
    diverged = colour_model()
    weights = diverged.get_weights()
    weights[0][1, 2] = bad
    diverged.set_weights(weights)
    with pytest.raises(LabError, match=r"^Training diverged \(the weights are not finite\): "):
        workspace.save_model(diverged, ["a", "b", "c"], (32, 32), "unit", "colours")
    assert {p.name: p.read_bytes() for p in workspace.models_dir.iterdir()} == before
    assert store.ModelInfo.read(colour_info.path).class_names == COLOURS


def test_an_existing_model_is_replaced_only_when_asked(workspace, colour_info):
    assert workspace.model_exists("colours") and not workspace.model_exists("other")
    before = colour_info.path.read_bytes()
    with pytest.raises(BadInput, match="^A model named colours exists .* not replaced"):
        workspace.save_model(
            colour_model(), list("rgb"), (32, 32), "unit", "colours", replace=False
        )
    assert colour_info.path.read_bytes() == before
    info = workspace.save_model(
        colour_model(), list("rgb"), (32, 32), "unit", "other", replace=False
    )
    assert info.class_names == list("rgb") and workspace.model_exists("other")
    replaced = workspace.save_model(colour_model(), list("xyz"), (32, 32), "unit", "colours")
    assert store.ModelInfo.read(replaced.path).class_names == list("xyz")
    assert sorted(p.name for p in workspace.models_dir.iterdir()) == [
        "colours.json",
        "colours.keras",
        "other.json",
        "other.keras",
    ]


@pytest.mark.parametrize("name", ["../../evil", "/tmp/x", "sub/name", ".hidden", "x" * 300, ""])
def test_a_name_outside_the_workspace_is_refused_before_anything_is_written(tmp_path, name):
    workspace = store.Workspace(tmp_path / "workspace", system_trash=False)
    with pytest.raises(BadInput):
        workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", name)
    with pytest.raises(BadInput):
        workspace.model_exists(name)
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_the_metadata_travels_inside_the_model_file(workspace, colour_info):
    inside = store.metadata.read_entry(colour_info.path)
    assert colour_info.path.with_suffix(".json").read_bytes() == inside
    copy = colour_info.path.with_suffix(".json")
    copy.unlink()  # a lost copy: the model still opens, and the next start writes it again
    assert [m.name for m in workspace.models()] == ["colours"]
    assert workspace.recover() == [] and copy.read_bytes() == inside
    copy.write_text('{"class_names": ["stale"], "input_size": [32, 32]}')
    workspace.recover()
    assert copy.read_bytes() == inside
