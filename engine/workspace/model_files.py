"""Vetting a .keras file before Keras opens it, and unpacking it where the app cleans up.

A .keras file is a zip archive holding config.json (the architecture), metadata.json and the
weights. Model files travel between students, so before ``keras.saving.load_model`` runs (with
safe_mode on as well) the archive is checked within budgets and the config is read as plain
JSON: every object in it must be one of Keras' own classes. A Lambda layer, a custom or
registered class, or a function from outside Keras is refused with its name. Damaged, foreign
and missing files get three different messages; Keras alone says "file not found" for all.

The budgets, each far above what a real model of the app needs (ResNet50 or EfficientNet as
.keras are about 100 MB with a config of 0.2 MB nesting 15 levels; NASNetLarge's config is
1 MB), each refusal an OverBudget that names the file and the limit:

- at most MAX_MEMBERS members, read from the archive's end record before its directory is;
- at most MAX_TOTAL_BYTES unpacked, and at most MAX_RATIO times the file's size once over
  RATIO_FLOOR: the sizes the directory declares are checked first, and the bytes are counted
  again as they are read, since a directory can lie;
- config.json at most MAX_CONFIG_BYTES (read with that cap), nested at most MAX_DEPTH deep;
- no member named with an absolute path or '..', no two members of one name.

Keras unpacks an archive's assets (and at times its weights) into the system's temporary
folder, where a killed run leaves them. ``extracted`` unpacks a vetted archive itself, within
the same budgets, into a folder of this process's own (``process_folder``, under
``scratch_root``) that Keras then loads from and that is removed afterwards;
``remove_abandoned`` removes the folders of processes that died before they could.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import lzma
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from engine.failures import BadFile, LabError, OverBudget
from engine.workspace import scratch

log = logging.getLogger(__name__)

MAX_MEMBERS = 10_000  # Keras writes 3 or 4, plus one per asset file
MAX_TOTAL_BYTES = 2 << 30  # 2 GiB: VGG16 with its top is 0.5 GB, NASNetLarge 0.36 GB
MAX_RATIO = 100  # bytes unpacked per byte of file: Keras stores its members uncompressed
RATIO_FLOOR = 64 << 20  # below 64 MiB unpacked the ratio is not asked
MAX_CONFIG_BYTES = 8 << 20  # NASNetLarge's config is 1 MB
MAX_DEPTH = 48  # the zoo's configs nest 12 levels, 15 inside a fine-tuned model
_DIRECTORY_BYTES_PER_MEMBER = 512  # a directory entry is 46 bytes plus its name and extras
_CHUNK = 1 << 20

# Where the per-process folders go; None: the system's temporary folder. The app may set it.
scratch_root: Path | None = None
FOLDER_PREFIX = "DeepLearningLab-"

# Plain data in a config: references between layers, arrays and the like (no module).
DATA = {
    "__keras_tensor__",
    "__tensor__",
    "__numpy__",
    "__bytes__",
    "__tuple__",
    "__slice__",
    "__ellipsis__",
    "__typespec__",
}
# Keras classes that carry code rather than configuration.
REFUSED = {
    "Lambda",
    "TFSMLayer",
    "__lambda__",
    "function",
    "TorchModuleWrapper",
    "JaxLayer",
    "FlaxLayer",
}
# What zipfile and its decompressors raise on a damaged or foreign archive.
_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted member
    ValueError,
)
# What the machine says about itself rather than about the file.
_MACHINE = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EMFILE,
    errno.ENFILE,
    errno.EIO,
}


class UnsafeModel(BadFile):
    """A model file that is refused; the message says why and what to do."""


def vet(path: str | Path) -> None:
    """Return if ``path`` is a complete .keras archive of Keras' own classes within the
    budgets; raise BadFile otherwise (UnsafeModel for a refused file, OverBudget for one over
    a limit), never anything else for what the file holds."""
    path = Path(path)
    check_file(path)
    with opened(path) as archive:
        infos = _members(path, archive)
        if "config.json" not in {info.filename for info in infos}:
            raise UnsafeModel(
                f"{path.name} is a zip archive but not a Keras model (it has no config.json)"
            )
        with _damage_said(path):
            text = _read_config(path, archive)
            total = 0
            for info in infos:  # every member's checksum, its bytes counted as they come
                with archive.open(info) as member:
                    total = _counted(path, info, member, lambda chunk: None, total)
    config = _parse(path, text)
    for item in _objects(path, config):
        name, module = str(item.get("class_name")), item.get("module")
        registered = item.get("registered_name")
        if name in DATA and module is None:
            continue
        if name in REFUSED or (registered and registered != name) or not _keras_module(module):
            where = f" from {module}" if module and not _keras_module(module) else ""
            raise UnsafeModel(
                f"{path.name} is refused: it contains '{registered or name}'{where}, "
                f"which can run code that comes with the file. Only models made "
                f"of Keras' own layers are opened; rebuild it without that layer."
            )


def check_file(path: str | Path) -> None:
    """The quick part of ``vet``: a .keras name, a file that exists and starts as a zip does;
    UnsafeModel otherwise (each case has its own message)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise UnsafeModel(
            f"{path.name} is not a .keras model file: only the .keras format is "
            f"opened (save the model with model.save('name.keras'))"
        )
    if not path.is_file():
        raise UnsafeModel(f"{path} does not exist: was it moved or deleted?")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise UnsafeModel(
            f"{path.name} cannot be read ({error.strerror or error}): check that you may open it"
        ) from error
    if magic != b"PK\x03\x04":
        raise UnsafeModel(
            f"{path.name} is not a Keras model: a .keras file is a zip archive and "
            f"this file is something else with a .keras name"
        )


@contextlib.contextmanager
def extracted(path: str | Path) -> Iterator[Path]:
    """A vetted .keras archive unpacked, within the budgets, into a new folder inside this
    process's own folder; the folder is removed when the block ends, however it ends.

    Keras loads a model from such a folder (``keras.saving.load_model(folder)``) without
    unpacking anything itself. A full disk raises OSError (ENOSPC) before anything is written.
    """
    path = Path(path)
    parent = process_folder()
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="model-", dir=parent))  # never ends in .keras
    try:
        _unpack(path, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def process_folder() -> Path:
    """This process's folder for unpacked models: ``DeepLearningLab-<pid>`` in the scratch root."""
    root = Path(scratch_root) if scratch_root is not None else Path(tempfile.gettempdir())
    return root / f"{FOLDER_PREFIX}{os.getpid()}"


def remove_abandoned(root: str | Path | None = None) -> list[Path]:
    """Remove the unpacking folders of processes that are gone (killed while Keras loaded);
    returns what was removed. ``root`` defaults to the scratch root. Run it at start."""
    root = Path(root if root is not None else process_folder().parent)
    removed = []
    try:
        candidates = sorted(root.glob(f"{FOLDER_PREFIX}*"))
    except OSError:
        return removed
    for folder in candidates:
        pid = folder.name[len(FOLDER_PREFIX) :]
        if not pid.isdigit() or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            if scratch.alive(int(pid), folder.stat().st_ctime):
                continue
            shutil.rmtree(folder)
        except FileNotFoundError:
            continue
        except OSError as error:  # another user's, or a read-only disk: leave it
            log.warning("could not remove the leftover %s: %s", folder, error)
            continue
        removed.append(folder)
    return removed


def _unpack(path: Path, folder: Path) -> None:
    with opened(path) as archive:
        infos = _members(path, archive)
        needed = sum(info.file_size for info in infos)
        free = shutil.disk_usage(folder).free
        if needed + (64 << 20) > free:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))
        with _damage_said(path):
            total = 0
            for info in infos:
                target = folder.joinpath(*_parts(info.filename, path))
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as member, open(target, "xb") as out:
                    total = _counted(path, info, member, out.write, total)


@contextlib.contextmanager
def opened(path: Path) -> Iterator[zipfile.ZipFile]:
    """The archive, opened once its end record promised a directory within the budget."""
    with _damage_said(path):
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # the record ZipFile itself reads its directory by
        if end is not None:
            members, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
            if members > MAX_MEMBERS or directory > MAX_MEMBERS * _DIRECTORY_BYTES_PER_MEMBER:
                raise _too_many(path, max(members, directory // _DIRECTORY_BYTES_PER_MEMBER))
        archive = zipfile.ZipFile(path)
    with archive:
        yield archive


@contextlib.contextmanager
def _damage_said(path: Path) -> Iterator[None]:
    """Whatever a damaged archive makes zipfile raise, said as one BadFile."""
    try:
        yield
    except LabError:
        raise
    except OSError as error:
        if error.errno in _MACHINE:
            raise  # the disk or the system said no, not the file: explain() words it
        raise _damaged(path, error) from error
    except _DAMAGE as error:
        raise _damaged(path, error) from error


def _damaged(path: Path, error: BaseException) -> UnsafeModel:
    return UnsafeModel(
        f"{path.name} is damaged or incomplete (was the copy or download cut "
        f"short?): {error}. Copy it again from where it came from."
    )


def _members(path: Path, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's members once their count, names and declared sizes are within budget."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _too_many(path, len(infos))
    seen = set()
    for info in infos:
        _parts(info.filename, path)
        if info.filename in seen:
            raise UnsafeModel(
                f"{path.name} is refused: it holds two members named '{info.filename}', "
                f"so what is checked need not be what is loaded"
            )
        seen.add(info.filename)
    _within(path, sum(info.file_size for info in infos))
    return infos


def _parts(name: str, path: Path) -> list[str]:
    """A member's name as path components inside the archive; refused when it could point
    outside the folder it is unpacked into."""
    parts = name.replace("\\", "/").split("/")
    inside = [part for part in parts if part not in ("", ".")]
    if (
        not inside
        or name.startswith(("/", "\\"))
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
    ):
        raise UnsafeModel(
            f"{path.name} is refused: its member '{name}' names a place outside the archive "
            f"(an absolute path or '..'), which no Keras model has"
        )
    return inside


def _within(path: Path, total: int) -> None:
    """Refuse ``total`` unpacked bytes over MAX_TOTAL_BYTES or MAX_RATIO times the file."""
    if total > MAX_TOTAL_BYTES:
        raise OverBudget(
            f"{path.name} unpacks to {_size(total)}, more than the {_size(MAX_TOTAL_BYTES)} "
            f"a model file may hold"
        )
    stored = path.stat().st_size
    if total > RATIO_FLOOR and total > MAX_RATIO * stored:
        raise OverBudget(
            f"{path.name} unpacks to {_size(total)} from {_size(stored)}, more than "
            f"{MAX_RATIO} times its size: a model file is not compressed that much"
        )


def _counted(path: Path, info: zipfile.ZipInfo, member, take, before: int) -> int:
    """Read ``member`` in chunks to ``take`` and return ``before`` plus its size, refusing it
    beyond its declared size or the budget, however the directory described it."""
    size = 0
    while chunk := member.read(_CHUNK):
        size += len(chunk)
        if size > info.file_size:
            raise UnsafeModel(
                f"{path.name} is damaged: its member '{info.filename}' holds more than the "
                f"{info.file_size} bytes its directory declares"
            )
        _within(path, before + size)
        take(chunk)
    return before + size


def _read_config(path: Path, archive: zipfile.ZipFile) -> str:
    """config.json's text, read in chunks up to MAX_CONFIG_BYTES whatever its size claims."""
    info = archive.getinfo("config.json")
    chunks, size = [], info.file_size
    if size <= MAX_CONFIG_BYTES:
        with archive.open(info) as member:
            while size <= MAX_CONFIG_BYTES and (chunk := member.read(_CHUNK)):
                chunks.append(chunk)
                size = sum(map(len, chunks))
    if size > MAX_CONFIG_BYTES:
        raise OverBudget(
            f"{path.name} has a config.json of {_size(size)} or more, more than the "
            f"{_size(MAX_CONFIG_BYTES)} a model's description may take"
        )
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsafeModel(f"{path.name} has an unreadable config.json: {error}") from error


def _parse(path: Path, text: str):
    try:
        return json.loads(text)
    except RecursionError:
        raise _too_deep(path) from None
    except ValueError as error:
        raise UnsafeModel(f"{path.name} has an unreadable config.json: {error}") from error


def _objects(path: Path, config):
    """Every serialized object (a dict with a class_name) in a Keras config, breadth first;
    OverBudget when the config nests deeper than MAX_DEPTH."""
    level, depth = [config], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep(path)
        below = []
        for node in level:
            if isinstance(node, dict):
                if "class_name" in node:
                    yield node
                below.extend(node.values())
            elif isinstance(node, list):
                below.extend(node)
        level = below


def _keras_module(module) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def _too_many(path: Path, members: int) -> OverBudget:
    return OverBudget(
        f"{path.name} holds {members} members or more, more than the {MAX_MEMBERS} a model "
        f"file may have"
    )


def _too_deep(path: Path) -> OverBudget:
    return OverBudget(
        f"{path.name} has a config.json nested more than {MAX_DEPTH} levels deep, deeper than "
        f"any Keras model's"
    )


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
