"""What a network learns from: a person's photos, projects of class folders and their split,
and the MNIST-style IDX sets.

- ``photos``: decoding a person's image files (EXIF rotation, decompression bombs refused).
- ``projects``: a project is a folder per class, recorded from the stream or imported.
- ``split``: train/validation split by capture session, never frame by frame.
- ``datasets``: IDX files (MNIST, Fashion-MNIST) from Debian's package, Keras' cache or a folder.
"""

from engine.data.datasets import ImageSet
from engine.data.projects import (
    Dataset,
    Item,
    Project,
    ProjectError,
    check_name,
    session_group,
)
from engine.data.split import Split

__all__ = [
    "Dataset",
    "ImageSet",
    "Item",
    "Project",
    "ProjectError",
    "Split",
    "check_name",
    "session_group",
]
