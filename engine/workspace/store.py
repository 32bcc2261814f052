"""The workspace on disk: atomic writes, snapshots, and models saved as .keras + .json."""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

APP_NAME = "DeepLearningLab"


def default_workspace() -> Path:
    """platformdirs' user data folder for this app."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, flush it and rename it into place.

    A failure (full disk, read-only folder) raises OSError and leaves any previous file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
    def read(cls, keras_path: str | Path) -> ModelInfo:
        """Read the .json beside ``keras_path``; ValueError says what is wrong with it."""
        keras_path = Path(keras_path)
        meta_path = keras_path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text())
            names = [str(n) for n in meta["class_names"]]
            size = tuple(int(v) for v in meta["input_size"][:2])
        except FileNotFoundError as error:
            raise ValueError(
                f"{meta_path.name} is missing: it names the model's classes"
            ) from error
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{meta_path.name} is not valid model metadata ({error})") from error
        known = {"class_names", "input_size", "preprocessing", "base"}
        return cls(
            keras_path,
            names,
            size,
            str(meta.get("preprocessing", "unit")),
            str(meta.get("base", "")),
            {k: v for k, v in meta.items() if k not in known},
        )


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

    def save_model(
        self, model, class_names, input_size, preprocessing: str, name: str, base: str = "", **extra
    ) -> ModelInfo:
        """Save ``model`` as ``name``.keras with its .json beside it.

        Both are written completely under scratch names first, then renamed into place, so a
        full disk or a read-only folder (OSError) leaves the previous pair as it was.
        """
        self.models_dir.mkdir(parents=True, exist_ok=True)
        target = self.models_dir / f"{name}.keras"
        meta = {
            "class_names": list(class_names),
            "input_size": list(input_size),
            "preprocessing": preprocessing,
            "base": base,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
            **extra,
        }
        scratch = []
        try:
            for suffix in (".keras", ".json"):
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=self.models_dir)
                os.close(fd)
                scratch.append(tmp)
            model.save(scratch[0])  # Keras writes into its target: give it a scratch name
            with open(scratch[1], "w", encoding="utf-8") as handle:
                json.dump(meta, handle, indent=2)
            for tmp in scratch:
                with open(tmp, "rb") as handle:
                    os.fsync(handle.fileno())
            os.replace(scratch[0], target)
            os.replace(scratch[1], target.with_suffix(".json"))
        finally:
            for tmp in scratch:
                Path(tmp).unlink(missing_ok=True)
        return ModelInfo.read(target)

    def save_snapshot(self, frame: np.ndarray, stem: str = "snapshot") -> Path:
        """Save an RGB frame as a PNG named by the time; returns its path."""
        encoded = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(frame)).save(encoded, format="PNG")
        base = self.snapshots_dir / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        path, n = base.with_suffix(".png"), 1
        while path.exists():
            path, n = base.with_name(f"{base.name}-{n}.png"), n + 1
        return atomic_write_bytes(path, encoded.getvalue())


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
