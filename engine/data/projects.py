"""Image projects: one folder per class, captured from the live stream or imported.

A project in the workspace can be edited: classes added, renamed and deleted, frames recorded in
capture sessions, files imported, images deleted (moved to the workspace's trash, never removed).
A folder opened from elsewhere is read-only: the app never writes outside the workspace unless
the person copies the project in. A folder with ``train/`` and ``val/`` subfolders keeps its split.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from engine.data import photos
from engine.failures import BadInput
from engine.workspace import names, scratch, trash
from engine.workspace.store import atomic_write_bytes

SPLIT_FOLDERS = {"train": "train", "val": "val", "valid": "val", "validation": "val"}
_CAPTURE = re.compile(r"^(cap-\d{8}-\d{6}-\d{3})-\d+$")  # cap-<session>-<n>: one session's frames
CHUNK = 1 << 20  # bytes copied at a time: a person's 1 GB "photo" is never read whole


class ProjectError(BadInput):
    """An edit that cannot be done, or a folder that is no project; the message says why and
    what to do."""


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
            for p in _subfolders(self.root)
            if p.name.lower() in SPLIT_FOLDERS
        }
        return found if "train" in found else {}

    def _class_folders(self) -> list[Path]:
        roots = list(self._split_roots().values()) or [self.root]
        return [folder for root in roots for folder in _subfolders(root)]

    def class_names(self) -> list[str]:
        """The classes: folder names that are text (a name that is not UTF-8 is listed by
        ``scan`` as skipped, never a class)."""
        return sorted({p.name for p in self._class_folders() if _is_text(p.name)})

    def class_folders(self, name: str) -> list[tuple[Path, str | None]]:
        """The folders holding class ``name``, each with its fixed split (None: not fixed)."""
        splits = self._split_roots()
        if splits:
            return [
                (root / name, split) for split, root in splits.items() if (root / name).is_dir()
            ]
        return [(self.root / name, None)]

    def images(self, name: str) -> list[Path]:
        """The image files of class ``name`` (none from a folder that cannot be read)."""
        return [
            path
            for folder, _ in self.class_folders(name)
            for path in _files(folder)[0]
            if photos.is_image_name(path) and _is_text(path.name)
        ]

    def scan(self, check: bool = True) -> Dataset:
        """Every class and its usable images; with ``check`` each file is decoded once.

        What cannot be used is listed in ``skipped`` with the reason, never raised: a file that
        is no image, a class folder that cannot be read, a name that is not UTF-8 (given in a
        printable form, so that printing the list never fails)."""
        names = self.class_names()
        skipped = [
            (_printable(p), f"{photos.printable(p.name)}: {_NOT_TEXT}")
            for p in self._class_folders()
            if not _is_text(p.name)
        ]
        items = []
        for label, name in enumerate(names):
            for folder, split in self.class_folders(name):
                paths, problem = _files(folder)
                if problem:
                    skipped.append((_printable(folder), problem))
                for path in paths:
                    reason = _unusable(path, check)
                    if reason:
                        skipped.append((_printable(path), reason))
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
        for path, problem in _walk(paths):
            reason = problem or _unusable(path, check=True)
            if reason:
                skipped.append((_printable(path), reason))
                continue
            added.append(_copy_file(path, _unique(folder / path.name)))
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


_NOT_TEXT = "the name is not valid text (UTF-8): rename it"


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, kept by Python as surrogates
        return False
    return True


def _printable(path: Path) -> Path:
    """``path`` itself, or, when its name is not UTF-8, the same path with a printable name: a
    skipped file is only shown, and showing a surrogate fails in print and in Qt."""
    return path if _is_text(str(path)) else Path(photos.printable(path))


def _subfolders(root: Path) -> list[Path]:
    """The visible folders in ``root``; ProjectError when ``root`` cannot be read."""
    try:
        return [p for p in sorted(root.iterdir()) if not p.name.startswith(".") and p.is_dir()]
    except OSError as error:
        raise ProjectError(
            f"{photos.printable(root)} could not be read ({error.strerror or error}): check "
            f"that you may open it"
        ) from error


def _files(folder: Path) -> tuple[list[Path], str | None]:
    """The visible files in ``folder``, and why it could not be read (None when it could)."""
    try:
        return [
            p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and p.is_file()
        ], None
    except FileNotFoundError:
        return [], None
    except OSError as error:
        return [], _unreadable(folder, error)


def _unreadable(folder: Path, error: OSError) -> str:
    return (
        f"{photos.printable(folder.name)}: the folder could not be read "
        f"({error.strerror or error}): check that you may open it"
    )


def _unusable(path: Path, check: bool) -> str | None:
    """Why the file ``path`` cannot be a training image; None when it can."""
    if not _is_text(path.name):
        return f"{photos.printable(path.name)}: {_NOT_TEXT}"
    if not photos.is_image_name(path):
        return f"{path.name}: not an image file name ({', '.join(photos.SUFFIXES)})"
    return photos.check(path) if check else None


def _walk(paths):
    """(file, None) for each file in ``paths`` and the folders below them; (folder, reason)
    for a folder that could not be read."""
    for path in map(Path, paths):
        if not path.is_dir():
            if path.is_file():
                yield path, None
            continue
        errors: list[OSError] = []
        for folder, subfolders, files in os.walk(path, onerror=errors.append):
            yield from _refusals(errors, path)
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            yield from ((Path(folder) / n, None) for n in sorted(files) if not n.startswith("."))
        yield from _refusals(errors, path)


def _refusals(errors: list[OSError], walked: Path):
    """(folder, reason) for each folder ``os.walk`` could not read since last asked."""
    while errors:
        error = errors.pop(0)
        folder = Path(error.filename or walked)
        yield folder, _unreadable(folder, error)


def _copy_file(source: Path, target: Path) -> Path:
    """``source`` copied to ``target`` in chunks, under a hidden scratch name renamed into
    place: a failure leaves no partial file, and memory never holds the whole file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = scratch.create(target.parent, target.name)  # swept at start if killed
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as handle:
            shutil.copyfileobj(handle, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


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
            _copy_file(path, _unique(target / name / path.name))
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
