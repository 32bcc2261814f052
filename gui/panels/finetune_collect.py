"""The collect side of 'Collect & train': a project's classes, recording, importing, thumbnails."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QInputDialog,
                               QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)
from superqt.utils import create_worker

from engine.projects import Project, ProjectError
from engine.store import Workspace
from gui.panels.finetune_project import ProjectBar
from gui.panels.finetune_thumbs import DropList, ThumbnailFiller, icon_grid, selected_paths

log = logging.getLogger(__name__)


class CollectView(QWidget):
    """Pick or make a project, edit its classes and fill them from the live stream or files.

    ``frame_source()`` gives the newest live frame (RGB numpy) or None. ``scanned(dataset)``
    follows every change with a fresh scan (usable images and skipped files).
    """

    scanned = Signal(object)

    def __init__(self, workspace: Workspace, frame_source=lambda: None, parent=None):
        super().__init__(parent)
        self.workspace, self.frame_source = workspace, frame_source
        self.dataset = None
        self.session = None
        self._burst_left = 0
        self._last_frame = None
        self._scan_token = None
        layout = QVBoxLayout(self)

        self.bar = ProjectBar(workspace)
        self.bar.opened.connect(self.set_project)
        self.bar.message.connect(self.say)
        layout.addWidget(self.bar)

        middle = QHBoxLayout()
        classes_box = QGroupBox("Classes")
        classes = QVBoxLayout(classes_box)
        self.classes = QListWidget()
        self.classes.currentRowChanged.connect(lambda _: self.show_class())
        classes.addWidget(self.classes)
        class_buttons = QHBoxLayout()
        self.add_button, self.rename_button, self.delete_class_button = (
            QPushButton("Add…"), QPushButton("Rename…"), QPushButton("Delete…"))
        self.add_button.clicked.connect(self._add_dialog)
        self.rename_button.clicked.connect(self._rename_dialog)
        self.delete_class_button.clicked.connect(self._delete_class_dialog)
        for button in (self.add_button, self.rename_button, self.delete_class_button):
            class_buttons.addWidget(button)
        classes.addLayout(class_buttons)

        self.record_button = QPushButton("● Hold to record")
        self.record_button.setToolTip("Records live frames into the selected class while held; "
                                      "each press is one capture session")
        self.record_button.pressed.connect(self.start_recording)
        self.record_button.released.connect(self.stop_recording)
        self.rate = QSpinBox()
        self.rate.setRange(1, 30)
        self.rate.setValue(5)
        self.rate.setSuffix(" frames/s")
        self.burst_button = QPushButton("Burst")
        self.burst_button.clicked.connect(self.start_burst)
        self.burst = QSpinBox()
        self.burst.setRange(1, 500)
        self.burst.setValue(20)
        self.burst.setSuffix(" frames")
        record_row, burst_row, import_row = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        record_row.addWidget(self.record_button, 1)
        record_row.addWidget(self.rate)
        burst_row.addWidget(self.burst_button, 1)
        burst_row.addWidget(self.burst)
        self.import_files_button = QPushButton("Import files…")
        self.import_files_button.clicked.connect(self._import_files_dialog)
        self.import_folder_button = QPushButton("Import folder…")
        self.import_folder_button.clicked.connect(self._import_folder_dialog)
        import_row.addWidget(self.import_files_button)
        import_row.addWidget(self.import_folder_button)
        for row in (record_row, burst_row, import_row):
            classes.addLayout(row)
        self._timer = QTimer(self, timeout=self._grab)
        middle.addWidget(classes_box, 0)

        images_box = QGroupBox("Images (drop files or folders here)")
        images = QVBoxLayout(images_box)
        self.grid = icon_grid(DropList(), 80)
        self.grid.dropped.connect(self.import_paths)
        self.thumbs = ThumbnailFiller(self.grid, 80)
        images.addWidget(self.grid)
        self.delete_images_button = QPushButton("Delete selected")
        self.delete_images_button.setToolTip("Moves the selected images to the trash (the "
                                             "system's, or the workspace's where there is none)")
        self.delete_images_button.clicked.connect(self.delete_selected)
        images.addWidget(self.delete_images_button)
        middle.addWidget(images_box, 1)
        layout.addLayout(middle, 1)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.skipped_toggle = QToolButton()
        self.skipped_toggle.setCheckable(True)
        self.skipped_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.skipped_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.skipped_toggle.toggled.connect(self._toggle_skipped)
        self.skipped_toggle.setVisible(False)
        self.skipped = QListWidget()
        self.skipped.setMaximumHeight(110)
        self.skipped.setVisible(False)
        layout.addWidget(self.skipped_toggle)
        layout.addWidget(self.skipped)
        self._enable()

    # -- project ---------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self.bar.project

    def set_project(self, project: Project) -> None:
        self.stop_recording()
        self.refresh()

    # -- classes -----------------------------------------------------------------------------
    def current_class(self) -> str | None:
        item = self.classes.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def refresh(self, select: str | None = None) -> None:
        """Re-read the class list and counts, show the class's thumbnails, scan in the background."""
        select = select or self.current_class()
        self.classes.blockSignals(True)
        self.classes.clear()
        names = self.project.class_names() if self.project else []
        for name in names:
            item = QListWidgetItem(f"{name}  ({len(self.project.images(name))})")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.classes.addItem(item)
        self.classes.blockSignals(False)
        if names:  # the row change shows the class's thumbnails
            self.classes.setCurrentRow(names.index(select) if select in names else 0)
        else:
            self.show_class()
        self._enable()
        self.scan()

    def show_class(self) -> None:
        name = self.current_class()
        self.thumbs.show(self.project.images(name) if self.project and name else [])

    def _edit(self, action, *args, message: str = ""):
        try:
            result = action(*args)
        except (ProjectError, OSError) as error:
            self.say(f"{error}.", error=True)
            return None
        self.say(message)
        return result

    def _add_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Add a class", "Class name:")
        if ok and name.strip():
            self.add_class(name)

    def add_class(self, name: str) -> None:
        if self._edit(self.project.add_class, name) is not None:
            self.refresh(select=name.strip())

    def _rename_dialog(self) -> None:
        old = self.current_class()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename class", f"New name for '{old}':", text=old)
        if ok and new.strip() and new.strip() != old:
            self._edit(self.project.rename_class, old, new)
            self.refresh(select=new.strip())

    def _delete_class_dialog(self) -> None:
        name = self.current_class()
        if name is None:
            return
        answer = QMessageBox.question(self, "Delete class",
                                      f"Move class '{name}' and its "
                                      f"{len(self.project.images(name))} images to the trash?")
        if answer == QMessageBox.StandardButton.Yes:
            place = self._edit(self.project.delete_class, name)
            if place is not None:
                self.say(f"Moved '{name}' to the trash: {place}")
            self.refresh()

    def delete_selected(self) -> None:
        paths = selected_paths(self.grid)
        if not paths or self.project is None:
            return
        moved = self._edit(self.project.delete_images, paths)
        if moved:
            self.refresh()
            places = ", ".join(sorted(set(moved)))
            self.say(f"Moved {len(moved)} image{'s' * (len(moved) != 1)} to the trash "
                     f"({places}); nothing was erased.")

    # -- recording ---------------------------------------------------------------------------
    def _target_class(self) -> str | None:
        name = self.current_class()
        if self.project is None or not self.project.editable or name is None:
            self.say("Make or pick a workspace project and a class first.", error=True)
            return None
        return name

    def start_recording(self, frames: int = 0) -> None:
        """Start a capture session into the selected class: ``frames`` frames, or until released."""
        name = self._target_class()
        if name is None:
            return
        try:
            self.session = self.project.capture(name)
        except (ProjectError, OSError) as error:
            self.say(f"Cannot record: {error}.", error=True)
            return
        self._burst_left = frames
        self._last_frame = None
        self._timer.start(round(1000 / self.rate.value()))
        self._grab()

    def start_burst(self) -> None:
        self.start_recording(self.burst.value())

    def stop_recording(self) -> None:
        if self.session is None:
            return
        self._timer.stop()
        session, self.session = self.session, None
        self.refresh()
        self.say(f"Recorded {session.count} frame{'s' * (session.count != 1)} into "
                 f"'{session.folder.name}' (session {session.session}).")

    def _grab(self) -> None:
        frame = self.frame_source()
        if self.session is None or frame is None or frame is self._last_frame:
            return  # no new frame since the last one: never write the same frame twice
        self._last_frame = frame
        try:
            self.session.add(frame)
        except OSError as error:
            self._timer.stop()
            self.session = None
            self.say(f"Recording stopped: {error}. Free some disk space.", error=True)
            return
        self.message.setText(f"Recording… {self.session.count} frames")
        if self._burst_left and self.session.count >= self._burst_left:
            self.stop_recording()

    # -- importing ---------------------------------------------------------------------------
    def _import_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import images")
        if files:
            self.import_paths(files)

    def _import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of images")
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths) -> None:
        """Copy image files (folders are walked) into the selected class, in a worker."""
        name = self._target_class()
        if name is None:
            return
        self.say(f"Importing into '{name}'…")
        create_worker(self.project.import_files, name, paths, _connect={
            "returned": lambda result: self._imported(name, *result),
            "errored": lambda error: self.say(f"Import stopped: {error}.", error=True)})

    def _imported(self, name: str, added, skipped) -> None:
        self.refresh(select=name)
        text = f"Imported {len(added)} image{'s' * (len(added) != 1)} into '{name}'."
        if skipped:
            text += f" Skipped {len(skipped)}: " + "; ".join(reason for _, reason in skipped[:3])
            text += " …" if len(skipped) > 3 else ""
        self.say(text, error=bool(skipped))

    # -- scanning ----------------------------------------------------------------------------
    def scan(self) -> None:
        """Decode every file once in a worker; ``scanned`` reports the dataset."""
        self.dataset = None
        if self.project is None:
            return
        token = self._scan_token = object()
        create_worker(self.project.scan, _connect={
            "returned": lambda dataset: self._scanned(token, dataset),
            "errored": lambda error: log.warning("scan failed: %s", error)})

    def _scanned(self, token, dataset) -> None:
        if token is not self._scan_token:
            return
        self.dataset = dataset
        self.skipped.clear()
        for path, reason in dataset.skipped:
            self.skipped.addItem(f"{path.parent.name}/{path.name}: {reason}")
        count = len(dataset.skipped)
        self.skipped_toggle.setText(f"Skipped files ({count})")
        self.skipped_toggle.setVisible(bool(count))
        self.skipped.setVisible(bool(count) and self.skipped_toggle.isChecked())
        self.scanned.emit(dataset)

    def _toggle_skipped(self, shown: bool) -> None:
        self.skipped_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.skipped.setVisible(shown)

    # -- state -------------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def _enable(self) -> None:
        editable = self.project is not None and self.project.editable
        has_class = self.current_class() is not None
        self.add_button.setEnabled(editable)
        for widget in (self.rename_button, self.delete_class_button, self.record_button,
                       self.burst_button, self.import_files_button, self.import_folder_button,
                       self.delete_images_button):
            widget.setEnabled(editable and has_class)
