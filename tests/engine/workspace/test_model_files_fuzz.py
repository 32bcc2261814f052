"""Fuzzing the .keras vetting and unpacking: whatever the bytes, a model file is accepted or
refused with the app's own error, within a memory and a time budget."""

import functools
import io
import json
import struct
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.failures import LabError
from engine.workspace import model_files
from tests.helpers.models import colour_model

MEMORY = 32 << 20  # Python's peak while one file is vetted and unpacked
SECONDS = 5.0
FUZZ = settings(
    max_examples=150,
    deadline=int(SECONDS * 1000),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def real_model() -> bytes:
    """The bytes of a small real .keras file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "real.keras"
        colour_model().save(path)
        return path.read_bytes()


def check(data: bytes) -> None:
    """Vet ``data`` as a .keras file, and unpack it if it passes: each step returns or raises
    LabError, within MEMORY and SECONDS."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.keras"
        path.write_bytes(data)
        model_files.scratch_root = Path(folder) / "scratch"
        tracemalloc.start()
        start = time.perf_counter()
        try:
            model_files.vet(path)
            with model_files.extracted(path) as unpacked:
                assert (unpacked / "config.json").is_file()
                assert sum(p.stat().st_size for p in unpacked.rglob("*") if p.is_file()) <= (
                    model_files.MAX_TOTAL_BYTES
                )
            assert not unpacked.exists()
        except LabError:
            pass
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            model_files.scratch_root = None
        assert peak < MEMORY + len(data)
        assert time.perf_counter() - start < SECONDS


@FUZZ
@given(st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes(data, zip_magic):
    check(b"PK\x03\x04" + data if zip_magic else data)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=12),
    st.one_of(st.none(), st.integers(0, 1 << 20)),
)
def test_a_real_model_with_bytes_changed_or_cut(changes, cut):
    data = bytearray(real_model())
    for at, value in changes:
        data[at % len(data)] = value
    check(bytes(data[:cut] if cut is not None else data))


FITTING = ["metadata.json", "model.weights.h5", "assets/vocabulary.txt", "assets/", "a", "a/b"]
OUTSIDE = ["../outside", "/etc/passwd", "assets/../../outside", "C:\\outside", "."]
DEPTHS = st.integers(1, 100) | st.integers(900, 5000)  # within the budget, past Python's
CONFIGS = st.one_of(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(json.dumps),
    DEPTHS.map(lambda depth: "[" * depth + "]" * depth),
    DEPTHS.map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.just(json.dumps({"class_name": "Sequential", "module": "keras", "config": {}})),
    st.integers(0, 4 << 20).map(lambda size: "{" + " " * size + "}"),
)


@st.composite
def crafted_archives(draw):
    """Zip archives built to stress the budgets: many members, names outside the archive,
    deep or inflating configs, every compression zipfile knows, sizes the directory lies about."""
    buffer = io.BytesIO()
    compression = draw(
        st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
    )
    with zipfile.ZipFile(buffer, "w", compression) as out:
        if draw(st.integers(0, 7)):  # most have a config
            out.writestr("config.json", draw(CONFIGS))
        names = st.sampled_from(FITTING * 4 + OUTSIDE)  # a name outside now and then
        for name in draw(st.lists(names, max_size=4, unique=True)):
            out.writestr(name, draw(st.binary(max_size=64)))
        for n in range(draw(st.sampled_from([0, 0, 0, 10, 200]))):
            out.writestr(f"assets/{n}", b"")
    data = bytearray(buffer.getvalue())
    for size in draw(st.lists(st.integers(0, (1 << 32) - 1), max_size=2)):
        at = data.find(b"PK\x01\x02", draw(st.integers(0, len(data))))
        if at >= 0:  # the directory claims another unpacked size for a member
            struct.pack_into("<I", data, at + 24, size)
    return bytes(data)


@FUZZ
@given(crafted_archives())
def test_crafted_archives(data):
    check(data)
