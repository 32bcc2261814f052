"""A .keras file is kept within budgets before Keras touches it, and Keras reads it unpacked in
a folder of the app's that is removed afterwards, after a kill at the next start."""

import errno
import json
import os
import signal
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from engine import failures
from engine.failures import OverBudget
from engine.workspace import model_files, store
from tests.helpers.models import colour_model

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The folder the app unpacks models into, for this test alone."""
    root = tmp_path / "scratch"
    monkeypatch.setattr(model_files, "scratch_root", root)
    return root


def archive(path, members, compression=zipfile.ZIP_DEFLATED):
    """A zip archive of ``members`` (name -> bytes or str) at ``path``."""
    with zipfile.ZipFile(path, "w", compression) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


def declare(path, name, size):
    """Make the archive's directory claim ``size`` unpacked bytes for member ``name``."""
    data = bytearray(path.read_bytes())
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", data, at + 24, size)
            path.write_bytes(bytes(data))
            return path
        start = at + 4
    raise AssertionError(f"{name} is not in {path}")


def peak_while(call):
    """What ``call`` raised, and the most memory Python held meanwhile, in bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(failures.BadFile) as caught:
            call()
        return caught.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_config_that_inflates_is_refused_with_its_limit_reading_little(tmp_path):
    spaces = b"{" + b" " * (12 << 20) + b"}"  # 12 MiB of spaces: 12 kB compressed
    bomb = archive(tmp_path / "bomb.keras", {"config.json": spaces, "model.weights.h5": b""})
    assert bomb.stat().st_size < 100_000
    error, peak = peak_while(lambda: model_files.vet(bomb))
    assert isinstance(error, OverBudget)
    assert str(error) == (
        "bomb.keras has a config.json of 12.0 MiB or more, more than the 8.0 MiB a model's "
        "description may take"
    )
    assert peak < 4 << 20  # refused from its directory, not read
    lying = declare(bomb, "config.json", 100)  # a directory that says 100 bytes
    error, peak = peak_while(lambda: model_files.vet(lying))
    assert "bomb.keras is damaged or incomplete" in str(error)
    assert peak < 4 << 20


def test_a_config_nested_too_deep_is_a_sentence_not_a_recursion_error(tmp_path):
    for depth in (60, 100_000):  # parsed then measured; too deep for Python's parser
        config = "[" * depth + "]" * depth
        path = archive(tmp_path / f"deep{depth}.keras", {"config.json": config})
        with pytest.raises(OverBudget) as caught:
            model_files.vet(path)
        assert str(caught.value) == (
            f"deep{depth}.keras has a config.json nested more than 48 levels deep, deeper "
            f"than any Keras model's"
        )
    fine = archive(tmp_path / "fine.keras", {"config.json": "[" * 40 + "]" * 40})
    model_files.vet(fine)  # 40 levels: within the budget


def test_too_many_members_are_refused_before_the_directory_is_read(tmp_path, monkeypatch):
    members = {"config.json": "{}", **{f"assets/{n}": b"" for n in range(10_001)}}
    crowded = archive(tmp_path / "crowded.keras", members, zipfile.ZIP_STORED)
    opened = []
    monkeypatch.setattr(model_files.zipfile, "ZipFile", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(OverBudget) as caught:
        model_files.vet(crowded)
    assert str(caught.value) == (
        "crowded.keras holds 10002 members or more, more than the 10000 a model file may have"
    )
    assert opened == []


def test_an_archive_that_unpacks_beyond_the_budget_is_refused_before_anything_is_written(
    tmp_path, scratch
):
    config = json.dumps({"class_name": "Sequential", "module": "keras", "config": {}})
    huge = archive(tmp_path / "huge.keras", {"config.json": config, "model.weights.h5": b"x"})
    declare(huge, "model.weights.h5", 3 << 30)  # 3 GiB from 200 bytes
    with pytest.raises(OverBudget) as caught:
        store.load_keras_model(huge)
    assert str(caught.value) == (
        "huge.keras unpacks to 3.0 GiB, more than the 2.0 GiB a model file may hold"
    )
    assets = {"config.json": config, "assets/blob": bytes(70 << 20)}  # 70 MiB of zeros
    dense = archive(tmp_path / "dense.keras", assets)
    with pytest.raises(OverBudget, match=r"dense.keras unpacks to 70.0 MiB from \d\d\.\d KiB, "):
        store.load_keras_model(dense)
    assert not any(scratch.rglob("*.*"))  # nothing unpacked


def test_members_named_outside_the_archive_or_twice_are_refused(tmp_path, scratch):
    config = json.dumps({"class_name": "Sequential", "module": "keras", "config": {}})
    for n, name in enumerate(("../evil", "/etc/evil", "assets/../../evil", "C:/evil", "..\\e")):
        path = archive(tmp_path / f"t{n}.keras", {"config.json": config, name: b"boo"})
        with pytest.raises(model_files.UnsafeModel) as caught:
            store.load_keras_model(path)
        assert str(caught.value) == (
            f"t{n}.keras is refused: its member '{name}' names a place outside the archive "
            f"(an absolute path or '..'), which no Keras model has"
        )
    twice = tmp_path / "twice.keras"
    with zipfile.ZipFile(twice, "w") as out, pytest.warns(UserWarning, match="Duplicate"):
        out.writestr("config.json", config)
        out.writestr("config.json", json.dumps({"class_name": "Lambda"}))
    with pytest.raises(model_files.UnsafeModel, match="two members named 'config.json'"):
        model_files.vet(twice)
    assert not (tmp_path.parent / "evil").exists() and not any(scratch.rglob("*evil*"))


def test_refusals_are_the_apps_bad_file_kind_with_a_sentence_and_exit_code(tmp_path):
    foreign = tmp_path / "foreign.keras"
    foreign.write_bytes(b"not a zip")
    with pytest.raises(failures.BadFile) as caught:
        store.load_keras_model(foreign)
    assert failures.explain(caught.value) == failures.Failure(
        "foreign.keras is not a Keras model: a .keras file is a zip archive and this file is "
        "something else with a .keras name.",
        failures.EXIT_DATA,
    )


def test_keras_reads_the_model_unpacked_in_the_apps_folder_which_is_then_removed(
    tmp_path, scratch, monkeypatch
):
    path = tmp_path / "colours.keras"
    colour_model().save(path)
    with zipfile.ZipFile(path, "a") as out:  # an asset: Keras would unpack it into /tmp
        out.writestr("assets/notes.txt", "kept with the model")
    seen, load = [], keras.saving.load_model

    def spying(where, **kwargs):
        seen.append((Path(where), sorted(p.name for p in Path(where).rglob("*"))))
        return load(where, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", spying)
    model = store.load_keras_model(path)
    assert model.count_params() == colour_model().count_params()
    [(folder, names)] = seen
    assert folder.parent == scratch / f"DeepLearningLab-{os.getpid()}"
    assert {"config.json", "model.weights.h5", "assets", "notes.txt"} <= set(names)
    assert not folder.exists()

    def failing(where, **kwargs):
        seen.append(Path(where))
        raise ValueError("weights do not match")

    monkeypatch.setattr(keras.saving, "load_model", failing)
    with pytest.raises(failures.BadFile, match="colours.keras could not be opened as a Keras"):
        store.load_keras_model(path)
    assert seen[-1].parent == folder.parent and not seen[-1].exists()


def test_a_full_disk_is_said_before_anything_is_unpacked(tmp_path, scratch, monkeypatch):
    path = tmp_path / "colours.keras"
    colour_model().save(path)
    monkeypatch.setattr(model_files.shutil, "disk_usage", lambda folder: SimpleNamespace(free=1000))
    with pytest.raises(OSError) as caught:
        store.load_keras_model(path)
    assert caught.value.errno == errno.ENOSPC
    assert failures.explain(caught.value).sentence.endswith(
        "the disk is full: free some space and try again."
    )
    assert list((scratch / f"DeepLearningLab-{os.getpid()}").iterdir()) == []


KILLED_LOADER = """
import sys, time
from pathlib import Path
from engine.workspace import model_files
model_files.scratch_root = Path(sys.argv[1])
with model_files.extracted(sys.argv[2]) as folder:
    print(folder, flush=True)
    time.sleep(60)
"""


def test_what_a_killed_load_unpacked_is_removed_at_the_next_start(tmp_path, scratch):
    path = tmp_path / "colours.keras"
    colour_model().save(path)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOADER, str(scratch), str(path)],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        folder = Path(child.stdout.readline().strip())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert (folder / "model.weights.h5").is_file()
    mine = model_files.process_folder()
    mine.mkdir(parents=True)
    (scratch / "DeepLearningLab-notapid").mkdir()
    assert model_files.remove_abandoned() == [folder.parent]
    assert not folder.parent.exists()
    assert mine.is_dir() and (scratch / "DeepLearningLab-notapid").is_dir()  # alive; not ours


def test_models_the_app_makes_still_load_within_the_budgets(tmp_path, scratch):
    base = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35)
    inputs = keras.Input((96, 96, 3))
    nested = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(base(inputs)))
    nested.save(tmp_path / "nested.keras")
    loaded = store.load_keras_model(tmp_path / "nested.keras")
    for mine, theirs in zip(loaded.get_weights(), nested.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
