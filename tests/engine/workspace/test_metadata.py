"""Model metadata inside the .keras archive: trusted over the .json beside it, read within a size
and a depth limit, every value checked; a bad file is a sentence naming it, never a traceback."""

import json
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.failures import BadFile, BadInput, OverBudget
from engine.workspace import metadata, model_files
from engine.workspace.store import ModelInfo

GOOD = {"class_names": ["cat", "dog"], "input_size": [32, 32], "preprocessing": "unit"}


def archive(path, entry=None, raw=None):
    """A .keras-like zip with a config.json and, when given, a metadata entry."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("config.json", "{}")
        if entry is not None or raw is not None:
            handle.writestr(metadata.ENTRY, raw if raw is not None else json.dumps(entry))
    return path


def test_the_entry_inside_is_trusted_and_the_json_beside_is_only_a_fallback(tmp_path):
    inside = archive(tmp_path / "pets.keras", GOOD)
    inside.with_suffix(".json").write_text(json.dumps({**GOOD, "class_names": ["stale"]}))
    assert ModelInfo.read(inside).class_names == ["cat", "dog"]
    inside.with_suffix(".json").unlink()  # a missing copy is no reason to refuse the model
    assert ModelInfo.read(inside).class_names == ["cat", "dog"]
    inside.with_suffix(".json").mkdir()  # nor is a folder in its place
    assert ModelInfo.read(inside).input_size == (32, 32)

    older = archive(tmp_path / "older.keras")  # saved before the metadata moved inside
    older.with_suffix(".json").write_text(json.dumps({**GOOD, "base": "MobileNetV2", "x": 1}))
    info = ModelInfo.read(older)
    assert (info.class_names, info.input_size, info.base, info.extra) == (
        ["cat", "dog"],
        (32, 32),
        "MobileNetV2",
        {"x": 1},
    )
    with pytest.raises(BadFile, match="missing.json is missing: it names the model's classes"):
        ModelInfo.read(archive(tmp_path / "missing.keras"))
    folder = archive(tmp_path / "folder.keras")
    folder.with_suffix(".json").mkdir()
    with pytest.raises(BadFile, match="folder.json is a folder, not the model's metadata"):
        ModelInfo.read(folder)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"class_names": []}, "class_names must be a non-empty list of names"),
        ({"class_names": ["a", 3]}, "class_names must be a non-empty list of names"),
        ({"class_names": "cat"}, "class_names must be a non-empty list of names"),
        ({"input_size": [60000, 60000]}, "input_size must be two whole numbers of pixels from 8"),
        ({"input_size": [0, 32]}, "input_size must be two whole numbers"),
        ({"input_size": [-32, 32]}, "input_size must be two whole numbers"),
        ({"input_size": [1e10, 32]}, "input_size must be two whole numbers"),
        ({"input_size": [32.0, 32]}, "input_size must be two whole numbers"),
        ({"input_size": [True, 32]}, "input_size must be two whole numbers"),
        ({"input_size": [32]}, "input_size must be two whole numbers"),
        ({"input_size": "32x32"}, "input_size must be two whole numbers"),
        ({"preprocessing": "os.system"}, "preprocessing 'os.system' is not one the app knows"),
        ({"preprocessing": ["unit"]}, "preprocessing .* is not one the app knows"),
        ({"base": {"a": 1}}, "base must be a name"),
    ],
)
def test_each_value_is_checked_and_the_file_named(tmp_path, change, says):
    path = archive(tmp_path / "pets.keras", {**GOOD, **change})
    with pytest.raises(BadFile, match=f"^pets.keras is not valid model metadata: {says}"):
        ModelInfo.read(path)


@pytest.mark.parametrize(
    ("raw", "kind", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, OverBudget, "nests deeper than 32 levels"),  # recursion
        (
            json.dumps({**GOOD, "x": "[" * 40 + "]" * 40}).replace('"[', "[").replace(']"', "]"),
            OverBudget,
            "nests deeper than 32 levels",
        ),  # 41 levels: parsed, then refused
        (b"\xff\xfe not utf-8", BadFile, "codec can't decode"),
        ("{not json", BadFile, "Expecting property name"),
        ("[1, 2]", BadFile, "it is not a JSON object"),
    ],
)
def test_unreadable_or_too_deep_metadata_is_a_sentence(tmp_path, raw, kind, says):
    path = archive(tmp_path / "pets.keras", raw=raw)
    with pytest.raises(kind, match=f"^pets.keras is not valid model metadata.*{says}"):
        ModelInfo.read(path)
    legacy = archive(tmp_path / "legacy.keras")
    legacy.with_suffix(".json").write_bytes(raw.encode() if isinstance(raw, str) else raw)
    with pytest.raises(kind, match=f"^legacy.json is not valid model metadata.*{says}"):
        ModelInfo.read(legacy)


def test_metadata_over_a_megabyte_is_refused_before_it_is_read(tmp_path):
    big = {**GOOD, "class_names": ["x" * 1000] * 1100}  # 1.1 MB, compressed to a few kB
    path = archive(tmp_path / "big.keras", big)
    assert path.stat().st_size < 20_000
    tracemalloc.start()
    with pytest.raises(OverBudget, match=r"^big.keras: .* over the limit of 1000000 bytes"):
        ModelInfo.read(path)
    assert tracemalloc.get_traced_memory()[1] < 2_000_000
    tracemalloc.stop()
    legacy = archive(tmp_path / "legacy.keras")
    legacy.with_suffix(".json").write_text(json.dumps(big))
    with pytest.raises(OverBudget, match=r"^legacy.json: .* over the limit of 1000000 bytes"):
        ModelInfo.read(legacy)


def test_metadata_that_could_not_be_read_back_is_never_saved():
    with pytest.raises(BadInput, match="input_size must be two whole numbers of pixels"):
        metadata.encode(["a"], (60000, 60000), "unit")
    with pytest.raises(BadInput, match="class_names must be a non-empty list"):
        metadata.encode([], (32, 32), "unit")
    with pytest.raises(BadInput, match="cannot be saved"):
        metadata.encode(["a"], (32.5, 32), "unit")
    with pytest.raises(BadInput, match="is not one the app knows"):
        metadata.encode(["a"], (32, 32), "imagenet")
    data = metadata.encode(np.array(["a", "b"]), np.array([28, 28]), "mnist", "mlp", {"e": 1})
    assert json.loads(data) == {
        "class_names": ["a", "b"],
        "input_size": [28, 28],
        "preprocessing": "mnist",
        "base": "mlp",
        "e": 1,
    }


MEMORY, SECONDS = 8 << 20, 2.0
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)


def near_good():
    """Metadata with each field either right or replaced by any JSON value."""
    return st.fixed_dictionaries(
        {},
        optional={
            "class_names": st.just(["cat", "dog"]) | JSON,
            "input_size": st.just([224, 224]) | st.lists(st.integers(), max_size=3) | JSON,
            "preprocessing": st.sampled_from(["unit", "resnet50", "nope"]) | JSON,
            "base": st.just("") | JSON,
            "extra": JSON,
        },
    ).map(lambda d: json.dumps(d).encode())


@settings(
    max_examples=200, deadline=int(SECONDS * 1000), suppress_health_check=[HealthCheck.too_slow]
)
@given(st.binary(max_size=2000) | near_good())
def test_fuzzed_metadata_is_valid_or_refused_with_the_apps_own_error(data):
    tracemalloc.start()
    began = time.perf_counter()
    try:
        meta = metadata.parse(data, "fuzzed.json")
    except BadFile as error:
        assert str(error).startswith("fuzzed.json")
    else:
        assert metadata.problem(meta) is None
        low, high = metadata.SIDES
        assert all(low <= v <= high for v in meta["input_size"])
        assert meta["class_names"] and all(isinstance(n, str) for n in meta["class_names"])
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY and time.perf_counter() - began < SECONDS


def test_a_model_list_does_not_read_the_directory_of_a_file_with_too_many_members(tmp_path):
    """A hostile .keras in the models folder: the member count is read from the archive's end
    record, before zipfile would build its whole directory."""
    crowded = tmp_path / "crowded.keras"
    with zipfile.ZipFile(crowded, "w") as archive:
        for i in range(model_files.MAX_MEMBERS + 1):
            archive.writestr(f"m{i}", b"")
    with pytest.raises(OverBudget, match="crowded.keras holds"):
        metadata.read_entry(crowded)
