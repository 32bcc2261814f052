"""MNIST lab run records: written whole, read back equal, read within a budget; a damaged record
is skipped with a line in the log and the others still read."""

import json
import logging
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.failures import BadFile, OverBudget
from engine.mnist import records


def a_record(**change) -> records.RunRecord:
    values = {
        "title": "Dense 300 tanh",
        "parameters": 238_510,
        "optimizer": "adadelta",
        "epochs_done": 2,
        "epochs_planned": 2,
        "seconds": 3.5,
        "test_error": 0.25,
        "stopped": False,
        "out_of_time": False,
        "training_images": 640,
        "dataset": "IDX",
        "fingerprint": "ab" * 32,
        "class_names": list("0123456789"),
        "truth": np.arange(20) % 10,
        "predicted": (np.arange(20) + (np.arange(20) % 4 == 0)) % 10,
        "model": "mlp-adadelta-idx-20250101-120000",
        "history": {"loss": [1.2, 0.7], "val_loss": [1.0, float("nan")]},
        "steps": {"epoch": [0.5, 1.0], "loss": [1.5, 1.2], "accuracy": [0.3, 0.5]},
    }
    return records.RunRecord(**{**values, **change})


def test_a_record_reads_back_as_it_was_written(workspace):
    record = a_record()
    path = records.save(workspace, record)
    assert path.parent == workspace.root / "runs" / "mnist" and path.suffix == ".json"
    back = records.read(path)
    assert back.title == "Dense 300 tanh" and back.training_images == 640
    assert back.truth.tolist() == record.truth.tolist()
    assert back.predicted.tolist() == record.predicted.tolist()
    assert back.history["loss"] == [1.2, 0.7] and np.isnan(back.history["val_loss"][1])
    assert back.steps == record.steps and back.created == record.created
    assert json.loads(path.read_text())["history"]["val_loss"][1] is None
    again = records.save(workspace, record)  # the same second and model: a name of its own
    assert again != path and len(records.load_all(workspace)) == 2


def test_records_load_oldest_first_and_a_damaged_one_is_skipped_and_logged(workspace, caplog):
    records.save(workspace, a_record(title="second", created=2000.0, model="b"))
    records.save(workspace, a_record(title="first", created=1000.0, model="a"))
    damaged = records.folder(workspace) / "00000000-000000-damaged.json"
    damaged.write_text('{"kind": "mnist-run", "version": 1, "title": ')
    (records.folder(workspace) / ".scratch.json").write_text("{")  # a writer's scratch file
    foreign = records.folder(workspace) / "foreign.json"
    foreign.write_text(json.dumps({**json.loads(records.encode(a_record())), "truth": [12]}))
    with caplog.at_level(logging.WARNING):
        loaded = records.load_all(workspace)
    assert [r.title for r in loaded] == ["first", "second"]
    assert "00000000-000000-damaged.json is not a run record" in caplog.text
    assert "foreign.json is not a usable run record: truth must hold class numbers" in caplog.text
    assert ".scratch" not in caplog.text


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"kind": "model"}, "it is not a JSON object of kind 'mnist-run'"),
        ({"version": 2}, "its version is not 1"),
        ({"parameters": -1}, "parameters must be a whole number"),
        ({"epochs_done": True}, "epochs_done must be a whole number"),
        ({"stopped": 1}, "stopped must be true or false"),
        ({"title": ["x"]}, "title must be a text"),
        ({"model": "x" * 1001}, "model must be a text"),
        ({"seconds": -1}, "seconds must be a number of seconds"),
        ({"test_error": "low"}, "test_error must be a number"),
        ({"class_names": []}, "class_names must list 1 to 1000 classes"),
        ({"class_names": [3]}, "class_names must be texts"),
        ({"predicted": [0] * 19 + [10]}, "predicted must hold class numbers from 0 to 9"),
        ({"predicted": [0]}, "truth and predicted must be as long as each other"),
        ({"history": {"loss": "low"}}, "history must map names to lists"),
        ({"steps": {"loss": ["x"]}}, "steps must hold numbers"),
    ],
)
def test_each_value_is_checked_and_the_file_named(workspace, change, says):
    raw = {**json.loads(records.encode(a_record())), **change}
    with pytest.raises(BadFile, match=f"^run.json is not a usable run record: {says}"):
        records.parse(json.dumps(raw).encode(), "run.json")


def test_a_record_over_its_budget_is_refused_before_it_is_read(workspace, monkeypatch):
    path = records.save(workspace, a_record())
    monkeypatch.setattr(records, "MAX_BYTES", path.stat().st_size - 1)
    with pytest.raises(OverBudget, match=r"^20.*\.json is over the limit of \d+ bytes"):
        records.read(path)
    with pytest.raises(OverBudget, match="^deep.json is not a run record: it nests deeper"):
        records.parse(b'{"a": [[[[[1]]]]]}', "deep.json")
    with pytest.raises(OverBudget, match="nests deeper"):
        records.parse(b"[" * 100_000 + b"]" * 100_000, "deep.json")


def test_the_fingerprint_tells_test_splits_apart():
    images, labels = np.zeros((5, 28, 28), np.uint8), np.arange(5)
    same = records.fingerprint(images.copy(), labels.copy())
    assert records.fingerprint(images, labels) == same and len(same) == 64
    assert records.fingerprint(images, labels[::-1].copy()) != same
    assert records.fingerprint(images[:4], labels[:4]) != same


MEMORY, SECONDS = 8 << 20, 2.0
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)


def near_good():
    """A record with each field either right or replaced by any JSON value."""
    good = json.loads(records.encode(a_record()))
    return st.fixed_dictionaries(
        {}, optional={key: st.just(value) | JSON for key, value in good.items()}
    ).map(lambda d: json.dumps(d).encode())


@settings(
    max_examples=200, deadline=int(SECONDS * 1000), suppress_health_check=[HealthCheck.too_slow]
)
@given(st.binary(max_size=2000) | near_good())
def test_fuzzed_records_are_valid_or_refused_with_the_apps_own_error(data):
    tracemalloc.start()
    began = time.perf_counter()
    try:
        record = records.parse(data, "fuzzed.json")
    except BadFile as error:
        assert str(error).startswith("fuzzed.json")
    else:
        names = len(record.class_names)
        assert len(record.truth) == len(record.predicted)
        assert all(0 <= v < names for v in (*record.truth, *record.predicted))
        assert isinstance(record.title, str) and record.epochs_done >= 0
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY and time.perf_counter() - began < SECONDS
