"""Image projects: one folder per class, captured from the live stream or imported.

A project in the workspace can be edited: classes added, renamed and deleted, frames recorded in
capture sessions, files imported, images deleted (moved to the workspace's trash, never removed).
A folder opened from elsewhere is read-only: the app never writes outside the workspace unless
the person copies the project in. A folder with ``train/`` and ``val/`` subfolders keeps its split.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from engine.data import photos
from engine.workspace import names, trash
from engine.workspace.store import atomic_write_bytes

SPLIT_FOLDERS = {"train": "train", "val": "val", "valid": "val", "validation": "val"}
_CAPTURE = re.compile(r"^(cap-\d{8}-\d{6}-\d{3})-\d+$")  # cap-<session>-<n>: one session's frames


class ProjectError(ValueError):
    """An edit that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Item:
    """One image of a class, with the group that the train/validation split keeps together."""

    path: Path
    label: int
    group: str
    fixed_split: str | None = None  # "train" / "val" when the folder tree says so


@dataclass
class Dataset:
    """Usable images of a project, the classes, and the files skipped with the reason."""

    class_names: list[str]
    items: list[Item]
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def counts(self) -> list[int]:
        return [
            sum(1 for item in self.items if item.label == i) for i in range(len(self.class_names))
        ]

    def problems(self) -> list[str]:
        """Why training cannot start (empty when it can)."""
        problems = []
        if len(self.class_names) < 2:
            problems.append("A classifier needs at least two classes: add another class.")
        for name, count in zip(self.class_names, self.counts()):
            if count == 0:
                problems.append(
                    f"Class '{name}' has no usable images: record or import some, or "
                    f"delete the class."
                )
        return problems


def session_group(path: Path) -> str:
    """Frames of one capture session share a group; any other file is a group of its own."""
    match = _CAPTURE.match(path.stem)
    return match.group(1) if match else path.stem


def check_name(name: str) -> str:
    """``name`` as a class or project name, or ProjectError saying why not."""
    try:
        return names.check_name(name, "class or project")
    except ValueError as error:
        raise ProjectError(str(error)) from error


class Project:
    """A folder of class folders. ``editable`` is False for folders outside the workspace."""

    def __init__(
        self,
        root: str | Path,
        *,
        editable: bool,
        trash: Path | None = None,
        system_trash: bool = True,
    ):
        self.root = Path(root)
        self.editable = editable
        self.trash, self.system_trash = trash, system_trash
        if not self.root.is_dir():
            raise ProjectError(f"{self.root} is not a folder")

    @property
    def name(self) -> str:
        return self.root.name

    # -- layout ----------------------------------------------------------------------------
    def _split_roots(self) -> dict[str, Path]:
        found = {
            SPLIT_FOLDERS[p.name.lower()]: p
            for p in sorted(self.root.iterdir())
            if p.is_dir() and p.name.lower() in SPLIT_FOLDERS
        }
        return found if "train" in found else {}

    def class_names(self) -> list[str]:
        roots = list(self._split_roots().values()) or [self.root]
        names = {
            p.name
            for root in roots
            for p in root.iterdir()
            if p.is_dir() and not p.name.startswith(".")
        }
        return sorted(names)

    def class_folders(self, name: str) -> list[tuple[Path, str | None]]:
        """The folders holding class ``name``, each with its fixed split (None: not fixed)."""
        splits = self._split_roots()
        if splits:
            return [
                (root / name, split) for split, root in splits.items() if (root / name).is_dir()
            ]
        return [(self.root / name, None)]

    def images(self, name: str) -> list[Path]:
        return [
            p
            for folder, _ in self.class_folders(name)
            if folder.is_dir()
            for p in sorted(folder.iterdir())
            if p.is_file() and photos.is_image_name(p)
        ]

    def scan(self, check: bool = True) -> Dataset:
        """Every class and its usable images; with ``check`` each file is decoded once."""
        names = self.class_names()
        items, skipped = [], []
        for label, name in enumerate(names):
            for folder, split in self.class_folders(name):
                for path in sorted(folder.iterdir()) if folder.is_dir() else []:
                    if not path.is_file() or path.name.startswith("."):
                        continue
                    if not photos.is_image_name(path):
                        skipped.append(
                            (
                                path,
                                f"{path.name}: not an image file name "
                                f"({', '.join(photos.SUFFIXES)})",
                            )
                        )
                        continue
                    reason = photos.check(path) if check else None
                    if reason:
                        skipped.append((path, reason))
                    else:
                        items.append(Item(path, label, session_group(path), split))
        return Dataset(names, items, skipped)

    # -- edits (workspace projects only) -----------------------------------------------------
    def _require_editable(self) -> None:
        if not self.editable:
            raise ProjectError(
                f"{self.root} is outside the workspace and is only read: copy it "
                f"into the workspace to change it"
            )

    def add_class(self, name: str) -> Path:
        self._require_editable()
        folder = self.root / check_name(name)
        if folder.exists():
            raise ProjectError(f"there is already a class '{name}'")
        folder.mkdir(parents=True)
        return folder

    def rename_class(self, old: str, new: str) -> None:
        self._require_editable()
        target = self.root / check_name(new)
        if target.exists():
            raise ProjectError(f"there is already a class '{new}'")
        (self.root / old).rename(target)

    def delete_class(self, name: str) -> str:
        """Move the class folder to the trash; returns where it went, in words."""
        self._require_editable()
        return self._to_trash(self.root / name)

    def delete_images(self, paths) -> list[str]:
        """Move images to the trash (never removes them outright); returns where each went."""
        self._require_editable()
        return [self._to_trash(Path(p)) for p in paths]

    def _to_trash(self, path: Path) -> str:
        if self.root.resolve() not in path.resolve().parents:
            raise ProjectError(f"{path} is not inside the project")
        relative = Path(self.name) / path.resolve().relative_to(self.root.resolve())
        return trash.discard(path, self.trash, relative, self.system_trash)

    def import_files(self, name: str, paths) -> tuple[list[Path], list[tuple[Path, str]]]:
        """Copy image files (folders are walked) into class ``name``; the originals stay as they
        are. Returns the copies and the (file, reason) pairs that were skipped."""
        self._require_editable()
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        added, skipped = [], []
        for path in _walk(paths):
            reason = (
                photos.check(path)
                if photos.is_image_name(path)
                else f"{path.name}: not an image file name"
            )
            if reason:
                skipped.append((path, reason))
                continue
            target = _unique(folder / path.name)
            atomic_write_bytes(target, path.read_bytes())
            added.append(target)
        return added, skipped

    def capture(self, name: str) -> CaptureSession:
        """A new capture session for class ``name``: its frames stay together in the split."""
        self._require_editable()
        (self.root / name).mkdir(exist_ok=True)
        return CaptureSession(self.root / name)


class CaptureSession:
    """Writes live frames as JPEG files named cap-<session>-<n>.jpg, each written atomically."""

    def __init__(self, folder: Path):
        now = time.time()
        self.folder = folder
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        self.session = f"cap-{stamp}-{int(now * 1000) % 1000:03d}"
        self.count = 0

    def add(self, frame: np.ndarray, quality: int = 92) -> Path:
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(frame)).save(buffer, "JPEG", quality=quality)
        self.count += 1
        return atomic_write_bytes(
            self.folder / f"{self.session}-{self.count:04d}.jpg", buffer.getvalue()
        )


def _walk(paths):
    for path in map(Path, paths):
        if path.is_dir():
            yield from (
                p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".")
            )
        elif path.is_file():
            yield path


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def copy_into(project: Project, projects_dir: Path) -> Project:
    """A workspace copy of a read-only project's usable layout (its split folders flattened)."""
    target = _unique(Path(projects_dir) / project.name)
    for name in project.class_names():
        for path in project.images(name):
            atomic_write_bytes(_unique(target / name / path.name), path.read_bytes())
    target.mkdir(parents=True, exist_ok=True)
    return Project(target, editable=True, trash=project.trash, system_trash=project.system_trash)


def new_project(workspace, name: str) -> Project:
    """An empty project in the workspace."""
    folder = workspace.projects_dir / check_name(name)
    if folder.exists():
        raise ProjectError(f"there is already a project '{name}'")
    folder.mkdir(parents=True)
    return Project(
        folder, editable=True, trash=workspace.trash_dir, system_trash=workspace.system_trash
    )


def open_project(workspace, folder: str | Path) -> Project:
    """A project from a folder: editable inside the workspace, read-only anywhere else."""
    folder = Path(folder)
    inside = workspace.projects_dir.resolve() in folder.resolve().parents
    return Project(
        folder, editable=inside, trash=workspace.trash_dir, system_trash=workspace.system_trash
    )


def workspace_projects(workspace) -> list[Path]:
    folder = workspace.projects_dir
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
