"""Fuzzing the readers of outside data with Hypothesis: IDX files (plain and gzipped, headers
claiming huge sizes) and image files (arbitrary bytes, damaged PNG/JPEG/GIF/TIFF/BMP/WebP) either
give valid data or raise the app's own error, in a child process whose address space is limited
to 1 GB beyond what it holds after its imports, each file within a time limit."""

import gzip
import io
import os
import select
import struct
import subprocess
import sys
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from engine.data import datasets, photos
from tests.helpers.files import REPO

BUDGET_BYTES = 1 << 30  # address space the reader may add to the child's
SECONDS = 10  # for one file, on a slow shared machine; a good reader takes milliseconds
FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=SECONDS),
    suppress_health_check=[HealthCheck.too_slow],
)

CHILD = r"""
import resource, sys
import numpy as np
from engine.data import datasets, photos
from engine.failures import LabError

with open("/proc/self/status") as status:
    held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (held + int(sys.argv[1]), held + int(sys.argv[1])))
print("ready", flush=True)
for line in sys.stdin:
    reader, path = line.rstrip("\n").split(" ", 1)
    try:
        if reader == "greedy":  # the harness's own check: a reader that believes a claim
            data = np.frombuffer(bytearray(int(open(path, "rb").read())), np.uint8)
        else:
            data = datasets.read_idx(path) if reader == "idx" else photos.decode(path)
        answer = f"ok {data.dtype.str} {' '.join(map(str, data.shape))}"
    except LabError as error:
        answer = f"refused {type(error).__name__}"
    except BaseException as error:
        answer = f"error {type(error).__name__}: {error}".replace("\n", " ")
    print(answer, flush=True)
"""


class Reader:
    """The child process that reads each file under the budget, and the files it is given."""

    def __init__(self, folder):
        self.folder, self.count = folder, 0
        self.log = open(folder / "stderr.txt", "w+b")  # libtiff writes its complaints there
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(BUDGET_BYTES)],
            cwd=REPO,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self._answer(60) == "ready"

    def read(self, reader: str, data: bytes, suffix: str) -> str:
        self.count += 1
        path = self.folder / f"input-{self.count % 4}{suffix}"
        path.write_bytes(data)
        self.process.stdin.write(f"{reader} {path}\n")
        self.process.stdin.flush()
        return self._answer(SECONDS)

    def _answer(self, seconds: float) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        if not ready:
            self.process.kill()
            pytest.fail(f"the reader took longer than {seconds} s")
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            pytest.fail(f"the reader died: {self.log.read()[-2000:].decode(errors='replace')}")
        return line.strip()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()
        self.log.close()


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    child = Reader(tmp_path_factory.mktemp("fuzz"))
    yield child
    child.close()


def assert_valid_or_refused(answer: str, images: bool) -> None:
    kind, _, rest = answer.partition(" ")
    assert kind in ("ok", "refused"), answer
    if kind == "ok":
        dtype, *shape = rest.split()
        shape = [int(n) for n in shape]
        assert all(n > 0 for n in shape), answer
        if images:
            assert dtype == "|u1" and len(shape) == 3 and shape[2] == 3, answer
            assert shape[0] * shape[1] <= photos.MAX_PIXELS, answer
        else:
            assert np.dtype(dtype) in {np.dtype(t) for t in datasets.IDX_TYPES.values()}
            assert 1 <= len(shape) <= datasets.MAX_IDX_DIMENSIONS, answer


dimensions = st.one_of(
    st.integers(0, 4), st.integers(0, 2**32 - 1), st.sampled_from([2**31 - 1, 2**32 - 1, 60000])
)
idx_headers = st.builds(
    lambda code, dims: (
        struct.pack(">BBBB", 0, 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)
    ),
    st.sampled_from([*datasets.IDX_TYPES, 0x00, 0x0A, 0xFF]),
    st.lists(dimensions, max_size=6),
)
idx_files = st.one_of(
    st.binary(max_size=300),
    st.builds(bytes.__add__, idx_headers, st.binary(max_size=300)),
    st.builds(lambda h, n: h + bytes(n), idx_headers, st.integers(0, 70_000)),
)


@FUZZ
@given(data=idx_files, zipped=st.booleans(), named_gz=st.booleans())
def test_read_idx_returns_an_array_or_refuses(reader, data, zipped, named_gz):
    content = gzip.compress(data, compresslevel=1) if zipped else data
    answer = reader.read("idx", content, ".gz" if named_gz or zipped else "")
    assert_valid_or_refused(answer, images=False)


def _seed_images() -> list[tuple[bytes, str]]:
    x = np.linspace(0, 255, 24, dtype=np.float32)
    rgb = np.stack(np.broadcast_arrays(x[None, :], x[:, None], 128 + 0 * x[None, :]), -1)
    picture = Image.fromarray(rgb.astype(np.uint8))
    seeds = []
    for format, suffix, options in [
        ("PNG", ".png", {}),
        ("JPEG", ".jpg", {"quality": 80}),
        ("GIF", ".gif", {}),
        ("TIFF", ".tif", {}),
        ("TIFF", ".tif", {"compression": "tiff_lzw"}),
        ("BMP", ".bmp", {}),
        ("WEBP", ".webp", {}),
    ]:
        buffer = io.BytesIO()
        picture.save(buffer, format, **options)
        seeds.append((buffer.getvalue(), suffix))
    return seeds


SEEDS = _seed_images()


@st.composite
def damaged_images(draw):
    data, suffix = draw(st.sampled_from(SEEDS))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        value = draw(st.one_of(st.integers(0, 255), st.sampled_from([0x00, 0x7F, 0x80, 0xFF])))
        data[at] = value
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data), suffix


@FUZZ
@given(image=damaged_images())
def test_decoding_damaged_images_gives_rgb_or_refuses(reader, image):
    assert_valid_or_refused(reader.read("image", *image), images=True)


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".jpg", ".png", ".tif", ".gif"]))
def test_decoding_arbitrary_bytes_gives_rgb_or_refuses(reader, data, suffix):
    assert_valid_or_refused(reader.read("image", data, suffix), images=True)


def test_the_child_catches_a_reader_that_believes_what_a_file_claims(reader):
    # The harness itself: a reader that allocates what a file claims is stopped by the limit
    # (as a MemoryError, which is no refusal), while one that stays within it answers.
    assert reader.read("greedy", str(2 * BUDGET_BYTES).encode(), "").startswith("error MemoryError")
    assert reader.read("greedy", str(BUDGET_BYTES // 4).encode(), "") == f"ok |u1 {1 << 28}"
    header = struct.pack(">BBBBI", 0, 0, 0x08, 1, 3)
    assert reader.read("idx", header + b"abc", "") == "ok |u1 3"
    assert reader.read("image", b"", ".png") == "refused ImageProblem"
