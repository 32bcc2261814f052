"""The collect side of 'Collect & train': a project's classes, recording, importing, thumbnails."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.data import photos
from engine.data.projects import Project, ProjectError
from engine.workspace.store import Workspace
from gui.core.jobs import Job, LatestJob
from gui.panels.collect_train.images import ImagesBox, SessionTable, class_groups
from gui.panels.collect_train.message import Message, SkippedFiles
from gui.panels.collect_train.preview import LivePreview
from gui.panels.collect_train.project import ProjectBar
from gui.panels.collect_train.record import Recorder
from gui.panels.collect_train.thumbs import selected_paths


class CollectView(QWidget):
    """Pick or make a project, edit its classes and fill them from the live stream or files.

    ``frame_source()`` gives the newest live frame (RGB numpy) or None; the preview shows it.
    While recording, the class's count, its thumbnails and the preview's count follow each
    frame. ``scanned(dataset)`` follows every change with a fresh scan (usable images and
    skipped files). No line here comes and goes: the buttons never move under the pointer.
    """

    scanned = Signal(object)

    def __init__(self, workspace: Workspace, frame_source=lambda: None, parent=None):
        super().__init__(parent)
        self.workspace, self.frame_source = workspace, frame_source
        self.dataset = None
        self._sides = None  # path -> "train" / "val" in the current split
        self.scanning = LatestJob(self, "project scan")
        self.scanning.result.connect(self._scanned)
        self.importing = Job(self, "import")
        self.importing.result.connect(self._imported)
        self.importing.failure.connect(self._import_failed)
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
        classes.addWidget(self.classes, 2)
        self.sessions = SessionTable()
        classes.addWidget(self.sessions, 3)
        class_buttons = QHBoxLayout()
        self.add_button, self.rename_button, self.delete_class_button = (
            QPushButton("Add…"),
            QPushButton("Rename…"),
            QPushButton("Delete…"),
        )
        self.add_button.clicked.connect(self._add_dialog)
        self.rename_button.clicked.connect(self._rename_dialog)
        self.delete_class_button.clicked.connect(self._delete_class_dialog)
        for button in (self.add_button, self.rename_button, self.delete_class_button):
            class_buttons.addWidget(button)
        classes.addLayout(class_buttons)

        self.recorder = Recorder(frame_source, self._target)
        self.recorder.started.connect(self._recording)
        self.recorder.recorded.connect(self._frame_recorded)
        self.recorder.stopped.connect(self._recorded)
        self.recorder.message.connect(self.say)
        self.record_button, self.rate = self.recorder.record_button, self.recorder.rate
        self.burst_button, self.burst = self.recorder.burst_button, self.recorder.burst
        classes.addWidget(self.recorder)
        import_row = QHBoxLayout()
        self.import_files_button = QPushButton("Import files…")
        self.import_files_button.clicked.connect(self._import_files_dialog)
        self.import_folder_button = QPushButton("Import folder…")
        self.import_folder_button.clicked.connect(self._import_folder_dialog)
        import_row.addWidget(self.import_files_button)
        import_row.addWidget(self.import_folder_button)
        classes.addLayout(import_row)
        classes_box.setMaximumWidth(300)
        middle.addWidget(classes_box, 0)

        self.preview = LivePreview(frame_source)
        self.images = ImagesBox(self.sessions, self.preview)
        self.grid, self.thumbs = self.images.grid, self.images.thumbs
        self.grid.dropped.connect(self.import_paths)
        self.delete_images_button = self.images.delete_button
        self.delete_images_button.clicked.connect(self.delete_selected)
        middle.addWidget(self.images, 1)
        layout.addLayout(middle, 1)

        self.skipped_files = SkippedFiles()
        self.skipped_toggle, self.skipped = self.skipped_files.toggle, self.skipped_files.list
        layout.addWidget(self.skipped_files)
        self.message = Message(lines=2)
        layout.addWidget(self.message)
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
        """Re-read the classes and their counts, show the class's sessions and thumbnails, and
        scan in the background."""
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
        groups = class_groups(self.project, name) if self.project and name else []
        self.sessions.show_groups(groups, self._sides)
        if self.session is None:
            count = sum(len(group.paths) for group in groups)
            self.preview.show_count(f"'{name}': {_frames(count, 'image')}" if name else "")

    def show_split(self, split) -> None:
        """Say in the session table where each session's images went (None: not known)."""
        self._sides = (
            None
            if split is None
            else {
                **{item.path: "train" for item in split.train},
                **{item.path: "val" for item in split.validation},
            }
        )
        self.sessions.set_sides(self._sides)
        self.images.retip()

    def _edit(self, action, *args) -> tuple[bool, object]:
        """(True, what ``action`` returned), or (False, None) having said why it failed."""
        try:
            result = action(*args)
        except (ProjectError, OSError) as error:
            self.say(f"{error}.", error=True)
            return False, None
        self.say("")
        return True, result

    def _add_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Add a class", "Class name:")
        if ok and name.strip():
            self.add_class(name)

    def add_class(self, name: str) -> None:
        if self._edit(self.project.add_class, name)[0]:
            self.refresh(select=name.strip())

    def _rename_dialog(self) -> None:
        old = self.current_class()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename class", f"New name for '{old}':", text=old)
        if ok and new.strip() and new.strip() != old:
            ok, _ = self._edit(self.project.rename_class, old, new)
            self.refresh(select=new.strip() if ok else old)

    def _delete_class_dialog(self) -> None:
        name = self.current_class()
        if name is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete class",
            f"Move class '{name}' and its {len(self.project.images(name))} images to the trash?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            ok, place = self._edit(self.project.delete_class, name)
            self.refresh()
            if ok:
                self.say(f"Moved '{name}' to the trash: {place}")

    def delete_selected(self) -> None:
        paths = selected_paths(self.grid)
        if not paths or self.project is None:
            return
        ok, moved = self._edit(self.project.delete_images, paths)
        if ok and moved:
            self.refresh()
            places = ", ".join(sorted(set(moved)))
            self.say(
                f"Moved {len(moved)} image{'s' * (len(moved) != 1)} to the trash "
                f"({places}); nothing was erased."
            )

    # -- recording ---------------------------------------------------------------------------
    @property
    def session(self):
        """The capture session being recorded, or None."""
        return self.recorder.session

    def _target(self):
        name = self._target_class()
        return None if name is None else (self.project, name)

    def _target_class(self) -> str | None:
        name = self.current_class()
        if self.project is None or not self.project.editable or name is None:
            self.say("Make or pick a workspace project and a class first.", error=True)
            return None
        return name

    def start_recording(self, frames: int = 0) -> None:
        """Start a capture session into the selected class: ``frames`` frames, or until released."""
        self.recorder.start(frames)

    def stop_recording(self) -> None:
        self.recorder.stop()

    def _recording(self, session) -> None:
        """A session starts: the class's thumbnails, all of them, will grow frame by frame."""
        name = session.folder.name
        self._had = len(self.project.images(name))
        self.sessions.setCurrentItem(self.sessions.topLevelItem(0))
        self.preview.show_count(f"0 frames into '{name}'", True)
        self.say(f"Recording into '{name}'…")

    def _frame_recorded(self, session, path, frame) -> None:
        name = session.folder.name
        for row in range(self.classes.count()):
            item = self.classes.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setText(f"{name}  ({self._had + session.count})")
        if name == self.current_class():  # its thumbnails show, all of them: see _recording
            self.thumbs.add(path, frame, f"{path.name} · session being recorded")
            self.sessions.topLevelItem(0).setText(1, str(self._had + session.count))
        self.preview.show_count(f"{_frames(session.count)} into '{name}'", True)

    def _recorded(self, session) -> None:
        self.refresh()
        self.say(
            f"Recorded {_frames(session.count)} into "
            f"'{session.folder.name}' (session {session.session})."
        )

    # -- importing ---------------------------------------------------------------------------
    def _import_files_dialog(self) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in photos.SUFFIXES)
        files, _ = QFileDialog.getOpenFileNames(
            self, "Import images", "", f"Images ({patterns});;All files (*)"
        )
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
        project = self.project
        self.importing.start(lambda run: (name, *project.import_files(name, paths)))

    @Slot(object)
    def _imported(self, result) -> None:
        name, added, skipped = result
        self.refresh(select=name)
        text = f"Imported {len(added)} image{'s' * (len(added) != 1)} into '{name}'."
        if skipped:
            text += f" Skipped {len(skipped)}: " + "; ".join(reason for _, reason in skipped[:3])
            text += " …" if len(skipped) > 3 else ""
        self.say(text, error=bool(skipped))

    @Slot(str, object)
    def _import_failed(self, message: str, error: Exception) -> None:
        self.say(f"Import stopped: {message}", error=True)

    # -- scanning ----------------------------------------------------------------------------
    def scan(self) -> None:
        """Decode every file once in a worker; ``scanned`` reports the dataset."""
        self.dataset = None
        self._sides = None
        if self.project is None:
            self.scanning.drop()
            return
        project = self.project
        self.scanning.start(lambda run: project.scan())  # a failure is only logged

    @Slot(object)
    def _scanned(self, dataset) -> None:
        self.dataset = dataset
        self.skipped_files.show_skipped(dataset.skipped, self.project.root)
        self.scanned.emit(dataset)

    # -- state -------------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        self.message.set_tone("error" if error else "")
        self.message.setText(text)

    def _enable(self) -> None:
        editable = self.project is not None and self.project.editable
        has_class = self.current_class() is not None
        self.add_button.setEnabled(editable)
        for widget in (
            self.rename_button,
            self.delete_class_button,
            self.record_button,
            self.burst_button,
            self.import_files_button,
            self.import_folder_button,
            self.delete_images_button,
        ):
            widget.setEnabled(editable and has_class)


def _frames(count: int, noun: str = "frame") -> str:
    return f"{count} {noun}{'s' * (count != 1)}"
