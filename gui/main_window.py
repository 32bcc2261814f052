"""The window: the Live tab's parts wired to the stream, a tab per panel, menus, keys and a
status bar. It builds every panel and hands each a LiveLink (WindowLink here), and closing it
shuts every part down."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QSplitter, QTabWidget, QWidget

from engine.live import sources
from engine.live.frames import Result
from engine.live.stream import LiveStream
from engine.models import zoo
from engine.workspace.store import Workspace
from gui.core.jobs import Job, deadline
from gui.core.live_link import LiveLink
from gui.core.settings import Remembered
from gui.core.workers import GarbagePolicy, StreamBridge
from gui.panels.adversarial.panel import AdversarialPanel
from gui.panels.collect_train.panel import FinetunePanel
from gui.panels.inspect.panel import InspectPanel
from gui.panels.live.model import LiveModel
from gui.panels.live.panel import ALPHA, ALPHA_RANGE, TOP_K, TOP_K_RANGE, LivePanel
from gui.panels.live.source_menu import SourceMenu
from gui.panels.live.status import LiveStatus
from gui.panels.live.view import LiveView
from gui.panels.mnist_lab.panel import MnistPanel

log = logging.getLogger(__name__)

REMEMBERED_MODEL = "live/model"  # the model that ran last: a zoo name or a .keras path


class WindowLink(LiveLink):
    """A MainWindow's live view, as its panels see it (see LiveLink)."""

    def __init__(self, window: MainWindow):
        super().__init__(window.workspace, parent=window)
        self._window = window

    @property
    def weights(self) -> str | None:
        return self._window.live_model.weights

    @property
    def classifier(self):
        return self._window.stream.classifier

    def newest_frame(self) -> np.ndarray | None:
        return self._window.view.newest

    def set_probe(self, name: str, probe, paint=None) -> None:
        self._window.set_live_probe(name, probe, paint)

    def add_tool(self, widget: QWidget) -> None:
        self._window.panel.add_tool(widget)

    def hold_live(self, holder: str, held: bool) -> None:
        self._window.hold_live(holder, held)

    def refresh_models(self) -> None:
        self._window.panel.picker.refresh()

    def choose_model(self, choice) -> None:
        self._window.live_model.choose(choice)

    def say(self, text: str, msecs: int = 4000) -> None:
        self._window.statusBar().showMessage(text, msecs)


class MainWindow(QMainWindow):
    """Shows a LiveStream and lets the person change its source and model; a tab per panel.

    The Live tab's parts (gui/panels/live): ``view`` (the video with its labels, overlays and
    banner), ``panel`` (its controls), ``live_model`` (the network it runs, loaded in the
    background), ``source_menu`` and ``status_label``.

    ``top_k`` and ``alpha`` left None are the last session's (``settings``, QSettings() by
    default), as are the window's geometry, the selected tab and the video's share of the
    splitter; closing the window remembers them and the model that runs (REMEMBERED_MODEL).
    """

    def __init__(
        self,
        stream: LiveStream,
        workspace: Workspace,
        *,
        model=zoo.DEFAULT_MODEL,
        weights: str | None = "imagenet",
        top_k: int | None = None,
        alpha: float | None = None,
        notice: str = "",
        cameras: list[int] | None = None,
        settings: QSettings | None = None,
    ):
        super().__init__()
        self.setWindowTitle("Deep Learning Lab")
        self.stream, self.workspace = stream, workspace

        self.remembered, self._remembering = Remembered(settings), True
        if top_k is None:
            top_k = self.remembered.whole("live/top_k", *TOP_K_RANGE)
        if alpha is None:
            alpha = self.remembered.real("live/smoothing", *ALPHA_RANGE)
        self.view = LiveView(notice)
        self.panel = LivePanel(
            list(zoo.ZOO),
            workspace.models,
            top_k=TOP_K if top_k is None else top_k,
            alpha=ALPHA if alpha is None else alpha,
        )
        self.panel.setMinimumWidth(280)
        self.splitter = splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 1)
        self.view.labels_shown.connect(self.panel.bars.show_labels)  # the bars say what it draws
        self.live_model = LiveModel(stream, self.panel, weights, self)
        self.live_model.loading.connect(self.view.set_loading)
        self.live_model.ready.connect(self._model_ready)
        self.link = WindowLink(self)
        self.view.resting.connect(self.link.resting)
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
        self.status_label = LiveStatus(stream, self.view)
        self.statusBar().addPermanentWidget(self.status_label)

        GarbagePolicy.install()
        self.bridge = StreamBridge(stream, self)
        self.bridge.frame_ready.connect(self._show_frame)
        self.bridge.result_ready.connect(self._show_result)
        self.bridge.status_changed.connect(self._source_status)

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Open model…", self.open_model_dialog)
        file_menu.addAction("&Save snapshot", self.save_snapshot)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", self.close)
        self.source_menu = SourceMenu(self, cameras)
        self.source_menu.chosen.connect(self.switch_source)
        self.menuBar().addMenu(self.source_menu)
        for keys, slot in (
            ("S", self.save_snapshot),
            ("Space", self.toggle_pause),
            ("Q", self.close),
            ("Ctrl+Q", self.close),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._restore_layout()
        if model is not None:
            self.live_model.choose(model)

    # -- actions -----------------------------------------------------------------------------
    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a model", str(self.workspace.models_dir), "Keras models (*.keras)"
        )
        if path:
            self.live_model.open_file(path)

    def switch_source(self, source: sources.Source) -> None:
        self.view.set_notice("")  # the notice was about the source the app started with
        self.view.set_banner(f"Opening {source.name}…")
        self.stream.set_source(source)

    def hold_live(self, holder: str, held: bool) -> None:
        """Rest the live model while ``holder`` (a panel) trains: on a CPU the two share the
        cores (a fine-tuning run took 1.1-1.3x as long beside live MobileNetV2,
        bench/finetune_window.py). Frames keep coming (recording needs them); the labels come
        back when the last run ends."""
        self.stream.hold_inference(self.view.hold(holder, held))

    def set_live_probe(self, name: str, probe, paint=None) -> None:
        """Run ``probe(image, classifier)`` on each classified frame; None removes it.

        ``paint(frame, value) -> frame`` draws the probe's newest value on the video (under the
        labels). Panels use this for live overlays (Grad-CAM) and side computations (attacks).
        """
        self.stream.set_probe(name, probe)
        self.view.set_painter(name, None if probe is None else paint)

    def toggle_pause(self) -> None:
        self.stream.pause(not self.stream.paused)
        self.view.set_paused(self.stream.paused)

    def save_snapshot(self) -> Path | None:
        """Save the frame as shown, with its overlay, to the workspace; say where."""
        if self.view.shown is None:
            self.statusBar().showMessage("No frame to save yet", 4000)
            return None
        try:
            path = self.workspace.save_snapshot(self.view.shown)
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
            self.view.show_frame(frame.image)
            self.link.frame.emit(frame)

    def _show_result(self, result: Result) -> None:
        if result.model is not self.stream.classifier or not self.view.show_result(result):
            return  # the model was replaced, or the result comes from before a hold
        self.link.result.emit(result)

    def _source_status(self, kind: str, message: str) -> None:
        if kind == "ok":
            self.view.set_banner(None)
            self.setWindowTitle(f"Deep Learning Lab: {message}")
        elif kind in ("lost", "ended"):
            self.view.set_banner(message)
        else:
            self.statusBar().showMessage(message, 8000)

    def _model_ready(self, classifier) -> None:
        self.view.clear_labels()
        self.statusBar().showMessage(f"{classifier.name} ready", 4000)

    # -- remembered between sessions ---------------------------------------------------------
    def _restore_layout(self) -> None:
        """The last session's geometry, tab and splitter; bytes that do not fit are ignored."""
        geometry = self.remembered.state("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1150, 680)
        splitter = self.remembered.state("live/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)  # False, and nothing changed, if they are garbage
        tab = self.remembered.whole("window/tab", 0, self.tabs.count() - 1)
        self.tabs.setCurrentIndex(tab or 0)

    def remember(self) -> None:
        """Write what the next start restores; the model only if one runs."""
        self.remembered.remember(
            {
                "window/geometry": self.saveGeometry(),
                "window/tab": self.tabs.currentIndex(),
                "live/splitter": self.splitter.saveState(),
                "live/top_k": self.panel.k_spin.value(),
                "live/smoothing": self.panel.alpha,
                REMEMBERED_MODEL: self.live_model.spec,
            }
        )

    # -- lifetime ----------------------------------------------------------------------------
    def start(self) -> None:
        self.stream.start()

    def closeEvent(self, event) -> None:
        """Stop the stream, then every panel (recording, training after its current step) and
        the Live tab's own work, waiting for their workers: nothing is left half-written."""
        if self._remembering:  # once: a second close must not overwrite a later window's
            self._remembering = False
            self.remember()
        self.hide()  # a model still loading may take seconds to finish: don't look frozen
        self.stream.stop()
        for job in self.findChildren(Job):
            job.stop()  # every part unwinds at once; each then waits for its own
        until = deadline()
        for part in (*self.panels, self.live_model, self.source_menu, self.status_label):
            part.shutdown(until)
        super().closeEvent(event)
