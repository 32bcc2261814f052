"""The window: the live view and its controls, a tab per panel, Source and File menus, keys and
a status bar. It builds every panel and hands each a LiveLink (WindowLink here), and closing it
shuts every panel down."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from engine import backend
from engine.live import sources
from engine.live.frames import Result
from engine.live.overlay import draw_labels
from engine.live.stream import LiveStream
from engine.models import zoo
from engine.workspace import model_files
from engine.workspace.store import ModelInfo, Workspace
from gui.core.jobs import Job, LatestJob, stop_and_wait
from gui.core.live_link import LiveLink
from gui.core.workers import GarbagePolicy, StreamBridge
from gui.panels.adversarial.panel import AdversarialPanel
from gui.panels.collect_train.panel import FinetunePanel
from gui.panels.inspect.panel import InspectPanel
from gui.panels.live.panel import LivePanel
from gui.panels.mnist_lab.panel import MnistPanel
from gui.widgets.frame_view import FrameView

log = logging.getLogger(__name__)


class WindowLink(LiveLink):
    """A MainWindow's live view, as its panels see it (see LiveLink)."""

    def __init__(self, window: MainWindow):
        super().__init__(window.workspace, window.weights, parent=window)
        self._window = window

    @property
    def classifier(self):
        return self._window.stream.classifier

    def newest_frame(self) -> np.ndarray | None:
        return self._window._frame

    def set_probe(self, name: str, probe, paint=None) -> None:
        self._window.set_live_probe(name, probe, paint)

    def add_tool(self, widget: QWidget) -> None:
        self._window.panel.add_tool(widget)

    def hold_live(self, holder: str, held: bool) -> None:
        self._window.hold_live(holder, held)

    def refresh_models(self) -> None:
        self._window.panel.picker.refresh()

    def choose_model(self, choice) -> None:
        self._window.choose_model(choice)

    def say(self, text: str, msecs: int = 4000) -> None:
        self._window.statusBar().showMessage(text, msecs)


class MainWindow(QMainWindow):
    """Shows a LiveStream and lets the person change its source and model; a tab per panel."""

    cameras_found = Signal(list)

    def __init__(
        self,
        stream: LiveStream,
        workspace: Workspace,
        *,
        model=zoo.DEFAULT_MODEL,
        weights: str | None = "imagenet",
        top_k: int = 5,
        alpha: float = 0.95,
        notice: str = "",
        cameras: list[int] | None = None,
    ):
        super().__init__()
        self.setWindowTitle("Deep Learning Lab")
        self.stream, self.workspace, self.weights = stream, workspace, weights
        self._notice, self._banner = notice, notice
        self._labels: list[tuple[str, float]] = []
        self._frame: np.ndarray | None = None  # the newest frame, as it came
        self._shown = None  # the newest frame as drawn, overlay included
        self._current_model = None
        self._device = "…"
        self._closing = False
        self._painters: dict = {}
        self._extras: dict = {}
        self._holders: set[str] = set()  # panels training now: the live model rests meanwhile

        self.view = FrameView()
        self.panel = LivePanel(list(zoo.ZOO), workspace.models, top_k=top_k, alpha=alpha)
        self.panel.setMinimumWidth(280)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 1)
        self.link = WindowLink(self)
        self.mnist = MnistPanel(self.link)
        self.finetune = FinetunePanel(self.link)
        self.inspect = InspectPanel(self.link)  # its live tools come first, as they always did
        self.adversarial = AdversarialPanel(self.link)
        self.panels = [self.mnist, self.finetune, self.inspect, self.adversarial]
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, "Live")
        for panel, title in zip(
            self.panels, ("MNIST lab", "Collect && train", "Inspect", "Adversarial")
        ):  # "&&": a single & would mark a keyboard shortcut
            self.tabs.addTab(panel, title)
        self.setCentralWidget(self.tabs)
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)

        GarbagePolicy.install()
        self.bridge = StreamBridge(stream, self)
        self.bridge.frame_ready.connect(self._show_frame)
        self.bridge.result_ready.connect(self._show_result)
        self.bridge.status_changed.connect(self._source_status)
        self.loader = LatestJob(self, "loading the live model")
        self.loader.progress.connect(self._download)
        self.loader.result.connect(self._model_loaded)
        self.loader.failure.connect(self._model_failed)
        self._loading = None  # the choice the loader loads now
        self.device_job = Job(self, "device description")
        self.device_job.result.connect(self._set_device)
        self.camera_job = Job(self, "camera probe")
        self.camera_job.result.connect(self._fill_camera_menu)
        self.panel.model_chosen.connect(self.choose_model)
        self.panel.top_k_changed.connect(self._set_top_k)
        self.panel.smoothing_changed.connect(self._set_alpha)
        self.cameras_found.connect(self._fill_camera_menu)

        self._build_menus()
        for keys, slot in (
            ("S", self.save_snapshot),
            ("Space", self.toggle_pause),
            ("Q", self.close),
            ("Ctrl+Q", self.close),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._stats = QTimer(self, interval=500, timeout=self._update_status)
        self._stats.start()
        self.resize(1150, 680)
        if cameras is None:
            self.rescan_cameras()
        else:
            self._fill_camera_menu(cameras)
        self.device_job.start(lambda run: backend.describe_device())
        if model is not None:
            self.choose_model(model)

    # -- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Open model…", self.open_model_dialog)
        file_menu.addAction("&Save snapshot", self.save_snapshot)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", self.close)
        self.source_menu = self.menuBar().addMenu("&Source")
        self._camera_actions: list[QAction] = []
        self._camera_separator = self.source_menu.addSeparator()
        self.source_menu.addAction(
            "&Demo stream", lambda: self.switch_source(sources.SyntheticSource())
        )
        self.source_menu.addAction("&Video file…", self._open_video_dialog)
        self.source_menu.addAction("&Image folder…", self._open_folder_dialog)
        self.source_menu.addSeparator()
        self.source_menu.addAction("&Rescan cameras", self.rescan_cameras)

    def rescan_cameras(self) -> None:
        """Probe camera indices in the background; the Source menu lists those that open."""
        self.camera_job.start(lambda run: sources.probe_cameras())

    @Slot(object)
    def _fill_camera_menu(self, indices: list[int]) -> None:
        for action in self._camera_actions:
            self.source_menu.removeAction(action)
        self._camera_actions = []
        for index in indices or [None]:
            if index is None:
                action = QAction("No camera found", self)
                action.setEnabled(False)
            else:
                action = QAction(f"Camera {index}", self)
                action.triggered.connect(
                    lambda _=False, i=index: self.switch_source(sources.CameraSource(i))
                )
            self.source_menu.insertAction(self._camera_separator, action)
            self._camera_actions.append(action)

    def _open_video_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a video", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All files (*)"
        )
        if path:
            self.switch_source(sources.VideoFileSource(path))

    def _open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if path:
            self.switch_source(sources.ImageFolderSource(path))

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a model", str(self.workspace.models_dir), "Keras models (*.keras)"
        )
        if path:
            self.open_model_file(path)

    # -- actions -----------------------------------------------------------------------------
    def switch_source(self, source: sources.Source) -> None:
        self._notice = ""
        self._banner = f"Opening {source.name}…"
        self.stream.set_source(source)

    def choose_model(self, choice) -> None:
        """Load a zoo name or a workspace ModelInfo in the background; the video keeps playing."""
        if choice is None:
            return
        label = _choice_label(choice)
        top_k, alpha, weights = self.panel.k_spin.value(), self.panel.alpha, self.weights

        def build(run):
            if isinstance(choice, ModelInfo):
                classifier = zoo.workspace_classifier(
                    choice, "The live view", top_k=top_k, alpha=alpha
                )
            else:
                classifier = zoo.zoo_classifier(
                    choice, weights, progress=run.report, top_k=top_k, alpha=alpha
                )
            classifier.warm_up()
            return classifier

        self.panel.set_loading(label)
        self._loading = choice
        self.loader.start(build)

    def open_model_file(self, path: str | Path) -> None:
        """Run a .keras file (its .json beside it) live; a refusal is said in the panel."""
        path = Path(path)
        try:
            model_files.check_file(path)  # missing or foreign: said before its .json is looked for
            info = ModelInfo.read(path)
        except ValueError as error:
            self.panel.show_message(f"Cannot open {path.name}: {_sentence(error)}{self._kept()}")
            return
        self.choose_model(info)

    def hold_live(self, holder: str, held: bool) -> None:
        """Rest the live model while ``holder`` (a panel) trains: on a CPU the two share the
        cores (a fine-tuning run took 1.1-1.3x as long beside live MobileNetV2,
        bench/finetune_window.py). Frames keep coming (recording needs them); the labels come
        back when the last run ends."""
        (self._holders.add if held else self._holders.discard)(holder)
        self.stream.hold_inference(bool(self._holders))
        if self._holders:
            self._labels, self._extras = [], {}
            self.panel.bars.show_labels([])
        if self._frame is not None:
            self._redraw()

    def banner(self) -> str:
        """The line drawn over the video: pause, source trouble, a notice, a training run."""
        if not self._holders or self.stream.paused:
            return self._banner
        rest = f"Live labels rest while {' and '.join(sorted(self._holders))} trains"
        return f"{rest} · {self._banner}" if self._banner else rest

    def toggle_pause(self) -> None:
        self.stream.pause(not self.stream.paused)
        self._banner = "Paused (space resumes)" if self.stream.paused else self._notice
        if self.stream.paused and self._shown is not None:
            self._redraw()

    def save_snapshot(self) -> Path | None:
        """Save the frame as shown, with its overlay, to the workspace; say where."""
        if self._shown is None:
            self.statusBar().showMessage("No frame to save yet", 4000)
            return None
        try:
            path = self.workspace.save_snapshot(self._shown)
        except OSError as error:
            log.exception("snapshot failed")
            QMessageBox.warning(
                self,
                "Snapshot not saved",
                f"The snapshot could not be written to {self.workspace.snapshots_dir}: "
                f"{error}. Free some space or choose another workspace with --workspace.",
            )
            return None
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return path

    # -- stream events -----------------------------------------------------------------------
    def _show_frame(self) -> None:
        frame = self.bridge.take_frame()
        if frame is not None:
            self._frame = frame.image
            self._redraw()
            self.link.frame.emit(frame)

    def set_live_probe(self, name: str, probe, paint=None) -> None:
        """Run ``probe(image, classifier)`` on each classified frame; None removes it.

        ``paint(frame, value) -> frame`` draws the probe's newest value on the video (under the
        labels). Panels use this for live overlays (Grad-CAM) and side computations (attacks).
        """
        self.stream.set_probe(name, probe)
        self._extras.pop(name, None)
        if probe is None or paint is None:
            self._painters.pop(name, None)
        else:
            self._painters[name] = paint

    def _redraw(self) -> None:
        frame = self._frame
        for name, paint in list(self._painters.items()):
            if name in self._extras:
                try:
                    frame = paint(frame, self._extras[name])
                except Exception:  # a broken overlay must not stop the video
                    log.exception("painting %s failed", name)
                    self._painters.pop(name, None)
        self._shown = draw_labels(frame, self._labels, self.banner())
        self.view.show_frame(self._shown)

    def _show_result(self, result: Result) -> None:
        if self.stream.classifier is None or self._holders:  # a result from before the hold
            return
        self._labels = result.labels
        self._extras.update(
            (name, value) for name, value in result.extras.items() if name in self._painters
        )
        self.panel.bars.show_labels(result.labels)
        self.link.result.emit(result)

    def _source_status(self, kind: str, message: str) -> None:
        if kind == "ok":
            self._banner = self._notice
            self.setWindowTitle(f"Deep Learning Lab: {message}")
        elif kind in ("lost", "ended"):
            self._banner = message
        else:
            self.statusBar().showMessage(message, 8000)
        if self._frame is not None:
            self._redraw()

    @Slot(object)
    def _download(self, report: tuple) -> None:
        """A weights download's (bytes done, bytes in all)."""
        self.panel.set_download(*report)

    @Slot(object)
    def _model_loaded(self, classifier) -> None:
        if self._closing:
            return
        choice = self._loading
        self.panel.set_loading(None)
        self.stream.set_classifier(classifier)
        self._current_model = choice
        self.panel.picker.refresh()
        self.panel.picker.select(choice)
        self._labels = []
        self.statusBar().showMessage(f"{classifier.name} ready", 4000)

    @Slot(str, object)
    def _model_failed(self, message: str, error: Exception) -> None:
        label = _choice_label(self._loading)
        self.panel.set_loading(None)
        self.panel.show_message(f"Cannot load {label}.\n{message}{self._kept()}")
        self.panel.picker.select(self._current_model)

    def _kept(self) -> str:
        """What runs on after a refusal, said after the reason."""
        return (
            f"\n\nStill using {self.stream.classifier.name}."
            if self.stream.classifier
            else "\n\nNo model is running; the video goes on."
        )

    @Slot(object)
    def _set_device(self, description: str) -> None:
        self._device = description

    def _set_top_k(self, k: int) -> None:
        classifier = self.stream.classifier
        if classifier is not None:
            classifier.top_k = k

    def _set_alpha(self, alpha: float) -> None:
        classifier = self.stream.classifier
        if classifier is not None:
            classifier.smoother.alpha = alpha

    def _update_status(self) -> None:
        stream = self.stream
        model = stream.classifier.name if stream.classifier else "no model"
        inference = (
            "inference rests while training"
            if stream.inference_held
            else f"inference {stream.inference_rate.rate():.1f} fps · "
            f"{stream.last_latency_ms:.0f} ms"
        )
        self.status_label.setText(
            f"display {self.view.paint_rate.rate():.1f} fps · {inference} · "
            f"{model} · Keras {backend.select(None)} · {self._device}"
        )

    # -- lifetime ----------------------------------------------------------------------------
    def start(self) -> None:
        self.stream.start()

    def closeEvent(self, event) -> None:
        """Stop the stream, then every panel (recording, training after its current step) and
        wait for their workers and the window's own: nothing is left half-written."""
        self._closing = True
        self.hide()  # a model still loading may take seconds to finish: don't look frozen
        self._stats.stop()
        self.stream.stop()
        for panel in self.panels:
            panel.shutdown()
        stop_and_wait([self.loader, self.device_job, self.camera_job])
        super().closeEvent(event)


def _sentence(error) -> str:
    text = str(error)
    return text if text.endswith((".", "?", "!")) else text + "."


def _choice_label(choice) -> str:
    """How a picker choice (a zoo name or a workspace ModelInfo) is named to the person."""
    return choice.name if isinstance(choice, ModelInfo) else str(choice)
