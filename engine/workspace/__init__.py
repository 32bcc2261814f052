"""Everything a person makes, on disk, written so that nothing is ever half-written.

- ``store``: the workspace folder, atomic writes, models saved as .keras + .json, each committed
  by one rename; ``Workspace.recover`` removes what killed writers left.
- ``metadata``: a model's class names, input size and preprocessing, kept inside its .keras and
  read within limits.
- ``scratch``: scratch files named with their writer's process id, and sweeping dead writers'.
- ``locks``: a lock file per name, so that one writer at a time commits under it.
- ``names``: the check for names a person gives (one plain path component).
- ``model_files``: vetting a .keras file before Keras opens it (no code from a file runs).
- ``trash``: deleting means moving to the trash, never removing outright.
"""

from engine.workspace.store import ModelInfo, Workspace, atomic_write_bytes, load_keras_model

__all__ = ["ModelInfo", "Workspace", "atomic_write_bytes", "load_keras_model"]
