"""Vetting a .keras file before Keras opens it: model files travel between students.

A .keras file is a zip archive holding config.json (the architecture), metadata.json and the
weights. Before ``keras.saving.load_model`` runs (with safe_mode on as well), the config is read
as plain JSON and every object in it must be one of Keras' own classes: a Lambda layer, a custom
or registered class, or a function from outside Keras is refused with its name. Damaged,
foreign and missing files get three different messages; Keras alone says "file not found" for all.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

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


class UnsafeModel(ValueError):
    """A model file that is refused; the message says why and what to do."""


def vet(path: str | Path) -> None:
    """Raise UnsafeModel unless ``path`` is a complete .keras archive of Keras' own classes."""
    path = Path(path)
    check_file(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise UnsafeModel(
                    f"{path.name} is a zip archive but not a Keras model (it has no config.json)"
                )
            bad = archive.testzip()
            if bad is not None:
                raise zipfile.BadZipFile(f"{bad} is damaged")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise UnsafeModel(
            f"{path.name} is damaged or incomplete (was the copy or download cut "
            f"short?): {error}. Copy it again from where it came from."
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnsafeModel(f"{path.name} has an unreadable config.json: {error}") from error
    for item in _objects(config):
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


def _keras_module(module) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def _objects(node):
    """Every serialized object (a dict with a class_name) in a Keras config, depth first."""
    if isinstance(node, dict):
        if "class_name" in node:
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)
