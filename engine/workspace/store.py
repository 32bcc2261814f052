"""The workspace on disk: atomic writes, snapshots, and models saved as .keras + .json.

A model is committed by one rename: its metadata travels inside the .keras archive (see
engine/workspace/metadata.py), so at every instant the old model or the new one is in place,
never a mix; the .json beside it is a readable copy written after the commit.
"""

from __future__ import annotations

import io
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.failures import BadInput, LabError
from engine.workspace import locks, metadata, model_files, scratch
from engine.workspace.names import check_name

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

APP_NAME = "DeepLearningLab"


def default_workspace() -> Path:
    """platformdirs' user data folder for this app."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, flush it and rename it into place.

    A failure (full disk, read-only folder) raises OSError and leaves any previous file intact;
    the scratch file of a writer that was killed is removed by ``Workspace.recover``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = scratch.create(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass
class ModelInfo:
    """A model in the workspace: its .keras file and the metadata beside it."""

    path: Path
    class_names: list[str]
    input_size: tuple[int, int]
    preprocessing: str = "unit"
    base: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    @classmethod
    def from_meta(cls, keras_path: str | Path, meta: dict) -> ModelInfo:
        """The model at ``keras_path`` described by checked metadata (metadata.parse)."""
        known = {"class_names", "input_size", "preprocessing", "base"}
        return cls(
            Path(keras_path),
            list(meta["class_names"]),
            tuple(meta["input_size"]),
            meta.get("preprocessing", "unit"),
            meta.get("base", ""),
            {k: v for k, v in meta.items() if k not in known},
        )

    @classmethod
    def read(cls, keras_path: str | Path) -> ModelInfo:
        """Read the metadata inside ``keras_path``, or, for a model saved before it was kept
        there, the .json beside it; BadFile (a ValueError) says what is wrong with it."""
        keras_path = Path(keras_path)
        data, where = metadata.read_entry(keras_path), keras_path.name
        if data is None:
            where = keras_path.with_suffix(".json").name
            data = metadata.read_copy(keras_path.with_suffix(".json"))
        return cls.from_meta(keras_path, metadata.parse(data, where))


class Workspace:
    """One folder that holds everything a person makes."""

    def __init__(self, root: str | Path | None = None, system_trash: bool = True):
        self.root = Path(root) if root else default_workspace()
        self.system_trash = system_trash  # deleted images go there, else to trash_dir

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def projects_dir(self) -> Path:
        return self.root / "projects"

    @property
    def trash_dir(self) -> Path:
        return self.root / "trash"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def models(self) -> list[ModelInfo]:
        """Workspace models that have readable metadata, by name."""
        found = []
        if self.models_dir.is_dir():
            for path in sorted(self.models_dir.glob("*.keras")):
                if path.name.startswith("."):  # a scratch file (engine/workspace/scratch.py)
                    continue
                try:
                    found.append(ModelInfo.read(path))
                except ValueError:
                    continue
        return found

    def free_model_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``… when a model of that name exists: for names
        made up by the app (a date to the second), which must never replace a model unasked."""
        candidate, n = name, 2
        while (self.models_dir / f"{candidate}.keras").exists():
            candidate, n = f"{name}-{n}", n + 1
        return candidate

    def model_exists(self, name: str) -> bool:
        """Whether the workspace has a model named ``name`` (BadInput for a name that cannot be
        one): for callers that ask before training rather than after it."""
        return (self.models_dir / f"{check_name(name)}.keras").exists()

    def save_model(
        self,
        model,
        class_names,
        input_size,
        preprocessing: str,
        name: str,
        base: str = "",
        replace: bool = True,
        **extra,
    ) -> ModelInfo:
        """Save ``model`` as ``name``.keras with its metadata inside and a readable copy beside
        it (``name``.json).

        Nothing is written for a name or metadata that cannot be used (BadInput), an existing
        model when ``replace`` is False (BadInput) or weights that are not finite (LabError).
        The model is written whole under a scratch name, then renamed into place while the
        name's lock is held: a failure (OSError: a full disk, a read-only folder), a kill or a
        Ctrl-C at any point leaves the previous model as it was, and of two writers of one
        name one wins whole.
        """
        name = check_name(name)
        stamp = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), **extra}
        data = metadata.encode(class_names, input_size, preprocessing, base, stamp)
        _refuse_diverged(model)
        target = self.models_dir / f"{name}.keras"
        if not replace and target.exists():
            raise _exists(name)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = scratch.create(self.models_dir, target.name, ".keras")
        try:
            os.close(fd)
            model.save(str(tmp))  # Keras writes into its target: give it a scratch name
            metadata.add_entry(tmp, data)
            _fsync(tmp)
            with locks.NameLock(self.models_dir, name):
                if not replace and target.exists():
                    raise _exists(name)
                os.replace(tmp, target)  # the commit
                _fsync(self.models_dir)
                try:
                    atomic_write_bytes(target.with_suffix(".json"), data)
                except OSError as error:  # the model is saved; recover() writes the copy later
                    log.warning("saved %s, but not its readable copy: %s", target, error)
        finally:
            tmp.unlink(missing_ok=True)
        return ModelInfo.from_meta(target, metadata.parse(data, target.name))

    def recover(self) -> list[Path]:
        """Remove what killed writers left (scratch files, stale locks, models half unpacked for
        Keras) and write the readable .json copies that are missing or out of date; returns what
        was removed. A live writer's files are never touched; what cannot be changed (a
        read-only disk) is left and logged. The window and the commands run it at start.
        """
        folders = [self.models_dir, self.snapshots_dir, self.cache_dir, self.projects_dir]
        removed = scratch.sweep([f for f in folders if f.is_dir()])
        removed += locks.sweep(self.models_dir)
        removed += model_files.remove_abandoned()  # Keras' unpacking folders of killed runs
        if self.models_dir.is_dir():
            for path in sorted(self.models_dir.glob("*.keras")):
                if not path.name.startswith("."):
                    _refresh_copy(path)
        return removed

    def save_snapshot(self, frame: np.ndarray, stem: str = "snapshot") -> Path:
        """Save an RGB frame as a PNG named by the time; returns its path."""
        import numpy as np  # here, not above: a process that only saves models starts faster
        from PIL import Image

        encoded = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(frame)).save(encoded, format="PNG")
        base = self.snapshots_dir / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        path, n = base.with_suffix(".png"), 1
        while path.exists():
            path, n = base.with_name(f"{base.name}-{n}.png"), n + 1
        return atomic_write_bytes(path, encoded.getvalue())


def _refuse_diverged(model) -> None:
    """LabError when a weight is NaN or infinite: a diverged run is never saved."""
    import numpy as np

    for weights in model.get_weights():
        weights = np.asarray(weights)
        if weights.dtype.kind in "biuSUO":
            continue
        if weights.dtype.kind not in "fc":  # bfloat16 and the like
            weights = weights.astype(np.float32)
        if not np.isfinite(weights).all():
            raise LabError(
                "Training diverged (the weights are not finite): nothing was saved; try a "
                "smaller learning rate"
            )


def _exists(name: str) -> BadInput:
    return BadInput(
        f"A model named {name} exists (saved while this one trained?) and was not replaced: "
        f"save under another name, or say to replace it (the window asks; --force)"
    )


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries, after a rename) to the disk where the system can."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # a folder cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # file systems that cannot sync a folder
    finally:
        os.close(fd)


def _refresh_copy(keras_path: Path) -> None:
    """Rewrite the .json beside a model when it is not the metadata inside (a writer was
    killed between the commit and the copy); models without metadata inside are left alone."""
    copy = keras_path.with_suffix(".json")
    try:
        data = metadata.read_entry(keras_path)
        if data is None or (
            copy.is_file() and copy.stat().st_size == len(data) and copy.read_bytes() == data
        ):
            return
        with locks.NameLock(keras_path.parent, keras_path.stem, wait=1.0):
            data = metadata.read_entry(keras_path)
            if data is not None:
                atomic_write_bytes(copy, data)
    except (OSError, LabError) as error:
        log.warning("could not write the readable copy of %s: %s", keras_path.name, error)


def load_keras_model(path: str | Path):
    """Open a .keras file after vetting it (engine/workspace/model_files.py), with Keras' safe
    mode on too; BadFile (a ValueError) says why it cannot be used. Keras reads it unpacked in
    a folder of the app's that is removed afterwards, not from the system's temporary folder."""
    import keras

    from engine.failures import BadFile
    from engine.workspace.model_files import extracted, vet

    path = Path(path)
    vet(path)  # BadFile with the reason: hostile, damaged or over a budget
    with extracted(path) as folder:
        try:
            return keras.saving.load_model(folder, safe_mode=True, compile=False)
        except MemoryError:
            raise
        except Exception as error:
            raise BadFile(f"{path.name} could not be opened as a Keras model ({error})") from error
