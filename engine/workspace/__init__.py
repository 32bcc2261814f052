"""Everything a person makes, on disk, written so that nothing is ever half-written.

- ``store``: the workspace folder, atomic writes, models saved as .keras + .json.
- ``model_files``: vetting a .keras file before Keras opens it (no code from a file runs).
- ``trash``: deleting means moving to the trash, never removing outright.
"""

from engine.workspace.store import ModelInfo, Workspace, atomic_write_bytes, load_keras_model

__all__ = ["ModelInfo", "Workspace", "atomic_write_bytes", "load_keras_model"]
