"""Fuzzing the embedding cache's reader: whatever the file holds, its embeddings come back
finite and whole or the app's own error is raised, within a memory and a time budget, and the
cache itself opens empty with a note."""

import contextlib
import functools
import io
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.failures import LabError
from engine.transfer import embeddings

BASE = "fuzz-base"
MEMORY = 16 << 20
SECONDS = 3.0
FUZZ = settings(
    max_examples=150,
    deadline=int(SECONDS * 1000),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def real_cache() -> bytes:
    """The bytes of a real cache of four embeddings of five numbers."""
    with tempfile.TemporaryDirectory() as folder:
        cache = embeddings.EmbeddingCache(Path(folder), BASE)
        rng = np.random.default_rng(0)
        cache.vectors = {f"{n:040x}": rng.normal(size=5).astype(np.float32) for n in range(4)}
        cache.save()
        return cache.path.read_bytes()


def check(data: bytes) -> None:
    """Read ``data`` as the cache of BASE: valid embeddings or LabError, within the budgets;
    the cache opened on it is either those embeddings or empty with a note."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{BASE}.npz"
        path.write_bytes(data)
        tracemalloc.start()
        start = time.perf_counter()
        try:
            vectors = embeddings.read_cache(path, BASE)
        except LabError:
            vectors = None
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < MEMORY + 2 * len(data)
        assert time.perf_counter() - start < SECONDS
        if vectors is not None:
            assert len({vector.shape for vector in vectors.values()}) <= 1
            assert all(v.dtype == np.float32 and np.isfinite(v).all() for v in vectors.values())
        cache = embeddings.EmbeddingCache(Path(folder), BASE)
        if vectors is None:
            assert cache.vectors == {} and len(cache.notes) == 1 and not path.exists()
        else:
            assert cache.vectors.keys() == vectors.keys() and cache.notes == []


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data):
    check(data)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=8),
    st.one_of(st.none(), st.integers(0, 1 << 16)),
)
def test_a_real_cache_with_bytes_changed_or_cut(changes, cut):
    data = bytearray(real_cache())
    for at, value in changes:
        data[at % len(data)] = value
    check(bytes(data[:cut] if cut is not None else data))


ARRAYS = hnp.arrays(
    st.sampled_from(["<f4", ">f4", "<f8", "<i4", "<U8", "<U40", "|S4", "?"]),
    hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
)
KEYS = st.sampled_from(["a", "b"]) | st.text("0123456789abcdef-,", min_size=1, max_size=12)
NUMBERS = st.floats(width=32, allow_nan=False, allow_infinity=False) | st.sampled_from(
    [np.nan, np.inf, -np.inf]
)


@st.composite
def crafted_caches(draw):
    """The arrays of a cache: keys and vectors of any values (NaN, infinities, a key twice),
    now and then an array removed or replaced by one of any kind, mostly signed to match."""
    rows, width = draw(st.integers(0, 5)), draw(st.integers(0, 4))
    arrays = {
        "format": np.array(embeddings.CACHE_FORMAT),
        "base": np.array(BASE),
        "keys": np.array(draw(st.lists(KEYS, min_size=rows, max_size=rows)), dtype=str),
        "vectors": draw(hnp.arrays(np.float32, (rows, width), elements=NUMBERS)),
    }
    names = st.sampled_from(["format", "base", "keys", "vectors", "checksum", "extra"])
    for name in draw(st.lists(names, max_size=2, unique=True)):
        if draw(st.booleans()):
            arrays.pop(name, None)
        else:
            arrays[name] = draw(ARRAYS)
    if draw(st.sampled_from([True, True, True, False])) and {"keys", "vectors"} <= arrays.keys():
        with contextlib.suppress(TypeError, ValueError), np.errstate(all="ignore"):
            arrays["checksum"] = np.array(
                embeddings._checksum(BASE, arrays["keys"], arrays["vectors"])
            )
    return arrays


@FUZZ
@given(crafted_caches())
def test_crafted_caches(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    check(buffer.getvalue())
