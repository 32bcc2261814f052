"""Files on disk: the repository, the real data sets when present, and the small IDX folders,
picture folders and projects that tests write."""

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.data import datasets, projects
from tests.helpers.frames import COLOURS, solid

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"


def real_data(path: Path) -> Path:
    """``path`` if it exists; skip the test when it does not, unless REQUIRE_REAL_DATA=1."""
    if not path.exists():
        if os.environ.get("REQUIRE_REAL_DATA") == "1":
            pytest.fail(f"real data missing: {path}")
        pytest.skip(f"real data missing: {path}")
    return path


def write_idx(path, array: np.ndarray, gz: bool = False):
    """``array`` as an IDX file of unsigned bytes, gzipped when ``gz``."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    data = header + array.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as out:
        out.write(data)
    return path


def write_idx_folder(folder, n_train=120, n_test=40, classes=10, seed=0):
    """A tiny MNIST-style folder whose class k images are bright in row band k (learnable)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % classes
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 * k + 4 : 2 * k + 6] = 250
        stem_x, stem_y = datasets.SPLIT_FILES[split]
        write_idx(folder / f"{stem_x}.gz", images, gz=True)
        write_idx(folder / stem_y, labels)
    return folder


def write_images(
    folder: Path, colour, count: int, seed: int = 0, size=40, stem: str = "img{:02d}"
) -> list[Path]:
    """``count`` noisy PNGs dominated by channel ``colour`` (0 red, 1 green, 2 blue)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        image = rng.integers(0, 90, (size, size, 3)).astype(np.uint8)
        image[..., colour] = rng.integers(150, 255, (size, size))
        paths.append(folder / f"{stem.format(i)}.png")
        Image.fromarray(image).save(paths[-1])
    return paths


def colour_project(workspace, count=12):
    """A workspace project 'colours' with ``count`` reddish and ``count`` bluish pictures."""
    for label, colour in (("red", 0), ("blue", 2)):
        write_images(workspace.projects_dir / "colours" / label, colour, count, seed=colour)


def images_of(workspace, project, name):
    """The JPEG frames recorded into class ``name`` of ``project``, sorted by name."""
    return sorted((workspace.projects_dir / project / name).glob("*.jpg"))


def colour_images(folder, colour, count, session="cap-20260101-120000-000", seed=0):
    """``count`` noisy 40x40 frames of ``colour`` (one of frames.COLOURS), named as the frames of
    one capture ``session``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        frame = np.clip(
            solid(colour, (40, 40)).astype(int) + rng.integers(-60, 60, (40, 40, 3)), 0, 255
        ).astype(np.uint8)
        Image.fromarray(frame).save(folder / f"{session}-{n:04d}.png")


def recorded_project(workspace, sessions=3, per_session=4):
    """A project 'colours' as if recorded from the stream: classes red, green and blue, each in
    ``sessions`` capture sessions of ``per_session`` noisy frames (see colour_images)."""
    project = projects.new_project(workspace, "colours")
    for c, colour in enumerate(COLOURS):
        for s in range(sessions):
            colour_images(
                project.root / colour,
                colour,
                per_session,
                f"cap-20260101-12000{s}-00{c}",
                seed=10 * c + s,
            )
    return project


def damaged_tiff(path: Path) -> Path:
    """A TIFF whose strip offsets are stored as a fraction: Pillow raises TypeError on it (a
    scanner's broken file, as the issue met it)."""
    Image.fromarray(solid("green", (30, 40))).save(path, format="TIFF")
    good = path.read_bytes()
    ifd = struct.unpack("<I", good[4:8])[0]
    damaged = bytearray(good)
    for entry in range(ifd + 2, ifd + 2 + 12 * struct.unpack("<H", good[ifd : ifd + 2])[0], 12):
        if struct.unpack("<H", good[entry : entry + 2])[0] == 273:  # StripOffsets...
            damaged[entry + 2 : entry + 4] = struct.pack("<H", 5)  # ...as a fraction
    path.write_bytes(bytes(damaged))
    return path
