"""A class's images in 'Collect & train': a table of its capture sessions with how many images
each has and on which side of the train/validation split it fell, and the thumbnails (all, or
one session's) with Delete."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.data import photos
from engine.data.projects import session_group
from gui.panels.collect_train.thumbs import PATH_ROLE, DropList, ThumbnailFiller, icon_grid

SIDES = {"train": "training", "val": "validation"}


@dataclass
class Group:
    """Images that the split keeps together: one capture session, or a folder's other files."""

    label: str
    paths: list[Path]
    session: bool = False
    fixed: str | None = None  # "train" / "val" when the folder tree fixes the split

    @property
    def title(self) -> str:
        return f"session {self.label}" if self.session else self.label


def _when(session: str) -> str:
    """'cap-20240314-102103-123' as '14 Mar 10:21:03'."""
    try:
        return time.strftime("%d %b %H:%M:%S", time.strptime(session[4:19], "%Y%m%d-%H%M%S"))
    except ValueError:
        return session


def class_groups(project, name: str) -> list[Group]:
    """The capture sessions and other files of class ``name``, folder by folder (a project with
    train/ and val/ folders has a group per folder)."""
    found = []
    for folder, fixed in project.class_folders(name):
        files = (
            sorted(p for p in folder.iterdir() if p.is_file() and photos.is_image_name(p))
            if folder.is_dir()
            else []
        )
        where = f"{folder.parent.name}/ " if fixed else ""
        sessions: dict[str, list[Path]] = {}
        others = []
        for path in files:
            group = session_group(path)
            (sessions.setdefault(group, []) if group != path.stem else others).append(path)
        found += [Group(f"{where}{_when(s)}", paths, True, fixed) for s, paths in sessions.items()]
        if others:
            found.append(
                Group(f"{where}{'files' if fixed else 'imported files'}", others, False, fixed)
            )
    return found


def side_text(paths, sides: dict | None) -> str:
    """Where ``paths`` went in the split, in words ('' while it is not known)."""
    if not sides:
        return ""
    known = [sides[p] for p in paths if p in sides]
    val = known.count("val")
    if not known:
        return "not usable" if paths else ""
    if val == 0 or val == len(known):
        return SIDES["val" if val else "train"]
    return f"{len(known) - val} train, {val} val"


class SessionTable(QTreeWidget):
    """A class's capture sessions (and other files): how many images, which side of the split.
    The first row is the whole class; ``picked(paths, label)`` follows a click on a row."""

    picked = Signal(list, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Session", "Images", "Split"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setToolTip(
            "A capture session's frames stay on one side of the train/validation "
            "split; click a row to see only its images"
        )
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.currentItemChanged.connect(lambda *_: self._picked())
        self.groups: list[Group] = []
        self.sides: dict | None = None

    def show_groups(self, groups: list[Group], sides: dict | None) -> None:
        """Show a class's groups; the same group stays picked, and ``picked`` follows."""
        current = self.currentItem()
        label = current.text(0) if current is not None else None
        self.groups, self.sides = groups, sides
        self._fill(label)
        self._picked()

    def set_sides(self, sides: dict | None) -> None:
        """A new split: the rows say it (the pick, and so the thumbnails, stay)."""
        current = self.currentItem()
        self.sides = sides
        self._fill(current.text(0) if current is not None else None)

    def _fill(self, label: str | None) -> None:
        self.blockSignals(True)
        self.clear()
        everything = [p for g in self.groups for p in g.paths]
        rows = [("All", everything)] + [(g.label, g.paths) for g in self.groups]
        for text, paths in rows:
            item = QTreeWidgetItem([text, str(len(paths)), side_text(paths, self.sides)])
            item.setToolTip(0, f"{text}: {len(paths)} image{'s' * (len(paths) != 1)}")
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.addTopLevelItem(item)
        labels = [text for text, _ in rows]
        self.setCurrentItem(self.topLevelItem(labels.index(label) if label in labels else 0))
        self.blockSignals(False)

    def row_texts(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.topLevelItem(r).text(c) for c in range(3))
            for r in range(self.topLevelItemCount())
        ]

    def _picked(self) -> None:
        row = self.indexOfTopLevelItem(self.currentItem()) if self.currentItem() else 0
        group = self.groups[row - 1] if 0 < row <= len(self.groups) else None
        self.picked.emit(
            group.paths if group else [p for g in self.groups for p in g.paths],
            group.title if group else "",
        )


class ImagesBox(QGroupBox):
    """Thumbnails of a class (or of one of its sessions), a line on how it is split, Delete;
    ``preview`` (the live video) goes at the top, beside that line."""

    def __init__(self, sessions: SessionTable, preview: QWidget | None = None, parent=None):
        super().__init__("Images", parent)
        self.setToolTip("Drop image files or folders here to import them into the class")
        self.sessions = sessions
        layout = QVBoxLayout(self)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #555;")
        self.grid = icon_grid(DropList(), 80)
        self.thumbs = ThumbnailFiller(self.grid, 80)
        self.delete_button = QPushButton("Delete selected")
        self.delete_button.setToolTip(
            "Moves the selected images to the trash (the system's, or "
            "the workspace's where there is none)"
        )
        top = QHBoxLayout()
        if preview is not None:
            top.addWidget(preview, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.caption, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.delete_button)
        sessions.picked.connect(self.show_paths)

    def show_paths(self, paths, label: str = "") -> None:
        self.thumbs.show(paths, [self._tooltip(p) for p in paths])
        self._caption(label)

    def retip(self) -> None:
        """Tooltips (and caption) after a new split."""
        for i in range(self.grid.count()):
            item = self.grid.item(i)
            item.setToolTip(self._tooltip(Path(item.data(PATH_ROLE))))
        current = self.sessions.currentItem()
        row = self.sessions.indexOfTopLevelItem(current) if current is not None else 0
        self._caption(self.sessions.groups[row - 1].title if row > 0 else "")

    def _tooltip(self, path: Path) -> str:
        group = next((g.title for g in self.sessions.groups if path in g.paths), "")
        side = SIDES.get((self.sessions.sides or {}).get(path), "")
        return " · ".join(part for part in (path.name, group, side) if part)

    def _caption(self, label: str) -> None:
        groups = self.sessions.groups
        sessions = sum(g.session for g in groups)
        shown = f"Showing {label} only. " if label else ""
        if not groups:
            text = "No images yet: record, take a burst, import, or drop files or folders here."
        elif any(g.fixed for g in groups):
            text = "The train/ and val/ folders keep their own split."
        elif sessions == 1 and all(g.session for g in groups):
            text = (
                "One capture session only: its frames are near-copies, so validation says "
                "little. Record another session (another day, light or background)."
            )
        elif sessions:
            text = (
                "A capture session's frames stay on one side of the split; other files "
                "are split one by one."
            )
        else:
            text = "No capture sessions here: each file is split on its own."
        self.caption.setText(shown + text)
