"""The Source menu: the cameras that open, the demo stream, a video file, a folder of images."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from engine.live import sources
from gui.core.jobs import Job, shut_down


class SourceMenu(QMenu):
    """Lists what the live view can show; emits ``chosen(Source)`` for the one the person picks.

    Cameras are probed in the background (opening one may take seconds), at the start unless
    ``cameras`` lists them already, and again on Rescan cameras.
    """

    chosen = Signal(object)

    def __init__(self, parent: QWidget, cameras: list[int] | None = None):
        super().__init__("&Source", parent)
        self._camera_actions: list[QAction] = []
        self._camera_separator = self.addSeparator()
        self.addAction("&Demo stream", lambda: self.chosen.emit(sources.SyntheticSource()))
        self.addAction("&Video file…", self._open_video)
        self.addAction("&Image folder…", self._open_folder)
        self.addSeparator()
        self.addAction("&Rescan cameras", self.rescan)
        self.job = Job(self, "camera probe")
        self.job.result.connect(self.list_cameras)
        if cameras is None:
            self.rescan()
        else:
            self.list_cameras(cameras)

    def rescan(self) -> None:
        """Probe camera indices in the background; the menu lists those that open."""
        self.job.start(lambda run: sources.probe_cameras())

    @Slot(object)
    def list_cameras(self, indices: list[int]) -> None:
        """List a Camera item for each of ``indices``, or that no camera was found."""
        for action in self._camera_actions:
            self.removeAction(action)
        self._camera_actions = []
        for index in indices or [None]:
            if index is None:
                action = QAction("No camera found", self)
                action.setEnabled(False)
            else:
                action = QAction(f"Camera {index}", self)
                action.triggered.connect(
                    lambda _=False, i=index: self.chosen.emit(sources.CameraSource(i))
                )
            self.insertAction(self._camera_separator, action)
            self._camera_actions.append(action)

    def shutdown(self, until: float | None = None) -> None:
        """Stop a probe in progress and wait for it until ``until`` (the window closes)."""
        shut_down([self.job], until)

    def _open_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parentWidget(),
            "Open a video",
            "",
            "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All files (*)",
        )
        if path:
            self.chosen.emit(sources.VideoFileSource(path))

    def _open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.parentWidget(), "Open a folder of images")
        if path:
            self.chosen.emit(sources.ImageFolderSource(path))
