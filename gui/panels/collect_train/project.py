"""Which project the 'Collect & train' tab works on: workspace projects, new, or a folder opened
read-only with a button that copies it into the workspace."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.data import projects
from engine.data.projects import Project, ProjectError
from engine.workspace.store import Workspace
from gui.core.jobs import Job


class ProjectBar(QWidget):
    """A project list with New and Open folder; ``opened(project)`` when the project changes,
    ``message(text, error)`` for what the person should read."""

    opened = Signal(object)
    message = Signal(str, bool)

    def __init__(self, workspace: Workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.project: Project | None = None
        self.copying = Job(self, "project copy")
        self.copying.result.connect(self._copied)
        self.copying.failure.connect(self._copy_failed)
        self._source: Project | None = None  # the project being copied
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.projects = QComboBox()
        self.projects.setMinimumWidth(140)
        self.projects.activated.connect(self._picked)
        self.new_button = QPushButton("New…")
        self.new_button.clicked.connect(self._new_dialog)
        self.open_button = QPushButton("Open folder…")
        self.open_button.setToolTip(
            "A folder with one subfolder per class (train/ and val/ "
            "inside are kept). It is only read, never changed."
        )
        self.open_button.clicked.connect(self._open_dialog)
        top.addWidget(QLabel("Project"))
        top.addWidget(self.projects, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.open_button)
        layout.addLayout(top)
        self.readonly = QWidget()
        readonly = QHBoxLayout(self.readonly)
        readonly.setContentsMargins(0, 0, 0, 0)
        self.readonly_label = QLabel()
        self.readonly_label.setWordWrap(True)
        self.readonly_label.setStyleSheet("color: #8a5a00;")
        self.copy_button = QPushButton("Copy into workspace")
        self.copy_button.clicked.connect(self.copy_into_workspace)
        readonly.addWidget(self.readonly_label, 1)
        readonly.addWidget(self.copy_button)
        self.readonly.setVisible(False)
        layout.addWidget(self.readonly)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the workspace's projects; a read-only folder stays listed while it is open."""
        self.projects.clear()
        for folder in projects.workspace_projects(self.workspace):
            self.projects.addItem(folder.name, str(folder))
        if self.project is not None and not self.project.editable:
            root = self.project.root  # "hymenoptera/train" says more than "train"
            self.projects.addItem(f"{root.parent.name}/{root.name} (read-only)", str(root))
        self.projects.setCurrentIndex(
            -1 if self.project is None else self.projects.findData(str(self.project.root))
        )
        self.projects.setToolTip("" if self.project is None else str(self.project.root))

    def _picked(self, index: int) -> None:
        folder = self.projects.itemData(index)
        if folder and (self.project is None or str(self.project.root) != folder):
            self.open_folder(folder)

    def _new_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "New project", "Project name:")
        if ok and name.strip():
            self.new_project(name)

    def new_project(self, name: str) -> None:
        try:
            self.set_project(projects.new_project(self.workspace, name))
        except (ProjectError, OSError) as error:
            self.message.emit(f"No new project: {error}.", True)

    def _open_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of class folders")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder) -> None:
        try:
            self.set_project(projects.open_project(self.workspace, folder))
        except (ProjectError, OSError) as error:
            self.message.emit(f"Cannot open {folder}: {error}.", True)

    def set_project(self, project: Project) -> None:
        self.project = project
        self.refresh()
        self.readonly.setVisible(not project.editable)
        self.readonly_label.setText(
            f"{project.root} is outside the workspace: it is only read. "
            f"Copy it into the workspace to edit it."
        )
        self.message.emit("", False)
        self.opened.emit(project)

    def copy_into_workspace(self) -> None:
        """Copy the read-only project into the workspace (in a worker) and switch to the copy."""
        if self.project is None or self.project.editable:
            return
        source = self._source = self.project
        self.copy_button.setEnabled(False)
        self.message.emit(f"Copying {source.name} into the workspace…", False)
        folder = self.workspace.projects_dir
        self.copying.start(lambda run: projects.copy_into(source, folder))

    @Slot(object)
    def _copied(self, project: Project) -> None:
        self.copy_button.setEnabled(True)
        project.trash = self.workspace.trash_dir
        self.set_project(project)
        self.message.emit(
            f"Copied into the workspace as {project.root}; the original is unchanged.", False
        )

    @Slot(str, object)
    def _copy_failed(self, message: str, error: Exception) -> None:
        self.copy_button.setEnabled(True)
        self.message.emit(
            f"Could not copy {self._source.name}: {message} Free some disk space and try again.",
            True,
        )
