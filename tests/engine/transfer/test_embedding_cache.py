"""The embedding cache is disposable: a damaged, truncated, stale or poisoned one is dropped
with a note and its embeddings computed again, the same numbers as a fresh run."""

import hashlib
import io
import logging
import pickle
import shutil
import tracemalloc
import zipfile

import numpy as np
import pytest

from engine.failures import BadFile, OverBudget
from engine.transfer import embeddings
from tests.helpers.files import recorded_project
from tests.helpers.models import colour_model


@pytest.fixture
def images(workspace):
    """Six recorded photos."""
    return [item.path for item in recorded_project(workspace, 1, 2).scan().items]


@pytest.fixture
def fresh(workspace, images, colour_base):
    """The six photos' embeddings through the colour base, computed with the cache saved."""
    cache = embeddings.EmbeddingCache(workspace.cache_dir, colour_base.key)
    vectors = embeddings.embed(images, colour_base, cache=cache)
    cache.save()
    np.testing.assert_allclose(vectors, embeddings.embed(images, colour_base), rtol=1e-6)
    return vectors


@pytest.fixture
def path(workspace, colour_base, fresh):
    """The saved cache file."""
    return workspace.cache_dir / f"{colour_base.key}.npz"


def stored(path):
    """The arrays of a cache file, as np.load reads them (no pickles)."""
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def rewrite(path, checksum=True, **changes):
    """Write the cache at ``path`` again with some arrays changed, its checksum made to match
    them (as a poisoner would) unless ``checksum`` is False."""
    arrays = {**stored(path), **changes}
    if checksum:
        base, keys, vectors = str(arrays["base"]), arrays["keys"], arrays["vectors"]
        arrays["checksum"] = np.array(embeddings._checksum(base, keys, vectors))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def reopened(workspace, images, colour_base, fresh, caplog):
    """Open the cache again and embed: the note is logged, every embedding is computed again
    equal to a fresh run's, and the cache is saved whole again. Returns the note."""

    def reopen(base=colour_base):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="engine.transfer.embeddings"):
            cache = embeddings.EmbeddingCache(workspace.cache_dir, base.key)
            again = embeddings.embed(images, base, cache=cache)
        assert cache.misses == len(images) and cache.hits == 0
        np.testing.assert_allclose(again, embeddings.embed(images, base), rtol=1e-6)
        [note] = cache.notes
        assert [record.getMessage() for record in caplog.records] == [note]
        cache.save()
        whole = embeddings.EmbeddingCache(workspace.cache_dir, base.key)
        assert len(whole.vectors) == len(images) and whole.notes == []
        return note.removeprefix("The embedding cache was dropped and is computed again: ")

    return reopen


def test_a_saved_cache_is_used_as_it_was(workspace, images, colour_base, fresh):
    cache = embeddings.EmbeddingCache(workspace.cache_dir, colour_base.key)
    again = embeddings.embed(images, colour_base, cache=cache)
    assert (cache.hits, cache.misses, cache.notes) == (len(images), 0, [])
    np.testing.assert_array_equal(again, fresh)


def test_a_truncated_cache_is_dropped_and_computed_again(path, reopened):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert reopened().startswith(f"{path.name} is damaged or cut short (")


def test_a_cache_of_the_wrong_shape_or_dtype_is_dropped(path, reopened, colour_base):
    vectors, keys = stored(path)["vectors"], stored(path)["keys"]
    rewrite(path, vectors=np.pad(vectors, ((0, 0), (0, 1))))  # 4 numbers where the base gives 3
    assert reopened() == (
        f"{path.name} holds vectors of 4 numbers where {colour_base.name} gives 3"
    )
    rewrite(path, keys=keys[:-1])
    assert reopened() == f"{path.name} has (5,) keys for vectors of shape (6, 3)"
    rewrite(path, vectors=vectors.astype(np.float64))
    assert reopened() == f"{path.name} holds arrays of the wrong kind"


def test_a_poisoned_cache_is_dropped(path, reopened):
    vectors = stored(path)["vectors"].copy()
    vectors[2, 1] = np.nan
    rewrite(path, vectors=vectors)  # the checksum made to match
    assert reopened() == f"{path.name} holds values that are not finite numbers"
    vectors[2, 1] = 0.5
    rewrite(path, checksum=False, vectors=vectors)
    assert reopened() == (f"{path.name} does not match its checksum: it was changed or damaged")


def test_a_stale_cache_is_dropped(workspace, path, reopened):
    other = embeddings.model_base(colour_model(), "other", (32, 32), "unit")
    other.key = "another-base"
    shutil.copy(path, workspace.cache_dir / "another-base.npz")  # the wrong base's file
    assert reopened(other) == "another-base.npz holds the embeddings of another base"
    rewrite(path, format=np.array("DeepLearningLab embedding cache 1"))
    assert reopened() == f"{path.name} was written by another version of the app"
    np.savez(path, **dict(zip(stored(path)["keys"], stored(path)["vectors"])))  # the old layout
    assert reopened() == f"{path.name} is not an embedding cache of this version of the app"


class Canary:
    """Creates a file when unpickled."""

    def __init__(self, where):
        self.where = where

    def __reduce__(self):
        return (open, (str(self.where), "w"))


def test_a_pickle_in_the_cache_is_never_loaded(path, reopened, tmp_path):
    canary = tmp_path / "canary"
    keys = np.array([Canary(canary)] * 6, dtype=object)
    arrays = {**stored(path), "keys": keys}
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    pickle.loads(pickle.dumps(Canary(tmp_path / "proof"))).close()  # unpickled, it acts
    assert (tmp_path / "proof").exists() and not canary.exists()
    assert reopened() == f"{path.name} holds an array of the wrong kind (object)"
    assert not canary.exists()


def test_a_header_that_claims_more_than_the_file_allocates_nothing(path, colour_base):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = b"'shape': (6, 3), }" + b" " * 10  # the header's padding makes room for digits
    claim = b"'shape': (999999999, 3), }".ljust(len(header))  # 12 GB of vectors
    assert members["vectors.npy"].count(header) == 1 and len(claim) == len(header)
    members["vectors.npy"] = members["vectors.npy"].replace(header, claim)
    with zipfile.ZipFile(path, "w") as archive:  # stored, each checksum right
        for name, data in members.items():
            archive.writestr(name, data)
    tracemalloc.start()
    try:
        with pytest.raises(OverBudget, match="claims an array larger than the file"):
            embeddings.read_cache(path, colour_base.key)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_read_cache_raises_the_apps_error_for_a_file_that_is_not_a_cache(tmp_path):
    foreign = tmp_path / "x.npz"
    foreign.write_bytes(b"\x89PNG not a cache")
    with pytest.raises(BadFile, match=r"x.npz is damaged or cut short \("):
        embeddings.read_cache(foreign, "x")


def test_a_photo_with_a_huge_tail_is_hashed_in_chunks(tmp_path):
    photo = tmp_path / "tail.jpg"
    with open(photo, "wb") as out:
        out.write(b"\xff\xd8\xff\xe0")
        for _ in range(32):
            out.write(bytes(range(256)) * 4096)  # 32 MiB of tail
    tracemalloc.start()
    try:
        key = embeddings.content_key(photo)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert key == hashlib.sha1(photo.read_bytes()).hexdigest()
    assert peak < 4 << 20
