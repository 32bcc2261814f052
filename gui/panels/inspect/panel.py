"""The Inspect tab: any model's layers, filters, activations (live or for an image), feature
visualization, Grad-CAM and saliency; and the Grad-CAM overlay toggle for the live view."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.data import photos
from engine.inspection.live import inspector_for
from engine.models import zoo
from engine.models.classifier import fit_to_input
from engine.workspace.store import ModelInfo
from gui.core.jobs import Job, LatestJob, shut_down
from gui.core.live_link import LiveLink
from gui.panels.inspect.gradients import FeatureView, GradCamView
from gui.panels.inspect.live import LIVE, LiveFollower
from gui.panels.inspect.views import ActivationsView, FiltersView, LayerTable
from gui.widgets.model_picker import ModelPicker
from gui.widgets.steady import steady_combo

log = logging.getLogger(__name__)


class InspectPanel(QWidget):
    """Looks inside the live model or any model the app knows; puts a Grad-CAM overlay toggle
    beside the live video."""

    def __init__(self, link: LiveLink, parent=None):
        super().__init__(parent)
        self.link, self.workspace = link, link.workspace
        self.subject = None  # a Classifier: model, input size, preprocessing, class names
        self.inspector = None
        self.layer = ""
        self.frame: np.ndarray | None = None  # the newest live frame
        self.image: np.ndarray | None = None  # a chosen picture
        self.chosen = LIVE  # the picker choice whose model is inspected now
        self._choice = None  # the choice loading now
        self.loader = LatestJob(self, "loading a model to inspect")
        self.loader.result.connect(self._loaded)
        self.loader.failure.connect(self._load_failed)
        self.reading = LatestJob(self, "reading a model's layers")
        self.reading.result.connect(self._inspector_ready)
        self.reading.failure.connect(self._not_read)
        self.still = LatestJob(self, "activations of a picture")
        self.still.result.connect(self._show_still_maps)
        self.still.failure.connect(self._still_failed)
        self.live: LiveFollower | None = None  # follows the live view once the panel is built

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.picker = ModelPicker([LIVE, *zoo.ZOO], self.workspace.models)
        self.picker.select(LIVE)
        self.picker.currentIndexChanged.connect(
            lambda i: self.choose_model(self.picker.itemData(i))
        )
        self.source = steady_combo()
        self.source.addItems(["Live frame", "Image file…"])
        self.source.activated.connect(self._source_chosen)
        self.save_button = QPushButton("Save PNG")
        self.save_button.clicked.connect(self.save_picture)
        top.addWidget(QLabel("Model"))
        top.addWidget(self.picker, 1)
        top.addWidget(QLabel("Input"))
        top.addWidget(self.source)
        top.addWidget(self.save_button)
        layout.addLayout(top)
        self.status = QLabel("Waiting for a model…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.table = LayerTable()
        self.table.layer_chosen.connect(self._layer_chosen)
        self.filters, self.activations = FiltersView(), ActivationsView()
        self.features, self.gradcam = FeatureView(), GradCamView()
        self.views = QTabWidget()
        for view, title in (
            (self.filters, "Filters"),
            (self.activations, "Activations"),
            (self.features, "Feature visualization"),
            (self.gradcam, "Grad-CAM && saliency"),
        ):
            self.views.addTab(view, title)
        self.views.currentChanged.connect(lambda _: self._live_changed())
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([380, 760])
        layout.addWidget(splitter, 1)

        self.features.run.connect(self.run_feature)
        self.gradcam.explain.connect(self.explain)
        for view in (self.features, self.gradcam):
            view.failed.connect(lambda message: self.show_status(message, error=True))
        self.live = LiveFollower(self, link)
        self.gradcam_toggle = self.live.toggle
        self.live.follow_model()

    # -- the live view -------------------------------------------------------------------------
    def watched(self) -> bool:
        """Whether the Inspect tab shows live activations now (so they are worth computing)."""
        return (
            self.isVisible()
            and self.views.currentWidget() is self.activations
            and self.image is None
        )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._live_changed()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._live_changed()  # another tab shows: live maps are not worth computing

    def shutdown(self, until: float | None = None) -> None:
        """Stop a feature visualization after its current step and wait for every worker until
        ``until`` (the window closes); nothing is reported after."""
        shut_down(self.findChildren(Job), until)

    # -- the model -----------------------------------------------------------------------------
    def choose_model(self, choice) -> None:
        """``LIVE`` follows the live view's model; a zoo name or ModelInfo loads that one."""
        if choice is None:
            return
        if choice == LIVE:
            self.loader.drop()  # a model still loading must not take over from the live one
            self.reading.drop()
            self.subject, self.chosen = None, LIVE
            self.live.follow_model()
            return
        weights = self.link.weights

        def build(run):
            if isinstance(choice, ModelInfo):
                return zoo.workspace_classifier(choice, "Inspect")
            return zoo.zoo_classifier(choice, weights, progress=run.report)

        self.show_status(f"Loading {getattr(choice, 'name', choice)}…")
        self._choice = choice
        self.loader.start(build)

    @Slot(object)
    def _loaded(self, classifier) -> None:
        self.chosen = self._choice
        self.set_subject(classifier)

    @Slot(str, object)
    def _load_failed(self, message: str, error: Exception) -> None:
        """Say why, and go back to the model inspected before (the picker shows it again)."""
        kept = f" Still inspecting {self.subject.name}." if self.subject is not None else ""
        self.show_status(
            f"Cannot load {getattr(self._choice, 'name', self._choice)}: {message}{kept}",
            error=True,
        )
        self.picker.select(self.chosen)

    def set_subject(self, classifier) -> None:
        """Inspect ``classifier``'s model; the rewiring runs in a worker."""
        self.subject, self.inspector = classifier, None
        self._live_changed()
        self.show_status(f"Reading the layers of {classifier.name}…")
        self.reading.start(lambda run: (classifier, inspector_for(classifier.model)))

    @Slot(str, object)
    def _not_read(self, message: str, error: Exception) -> None:
        self.show_status(f"Cannot look inside {self.subject.name}: {message}", error=True)

    @Slot(object)
    def _inspector_ready(self, result) -> None:
        classifier, inspector = result
        if classifier is not self.subject:
            return  # another model was chosen meanwhile
        self.inspector = inspector
        self.table.show_layers(inspector.layers)
        self.filters.set_layers(inspector.convolutions())
        self.features.set_classes(classifier.class_names)
        self.gradcam.set_classes(classifier.class_names)
        total = sum(info.params for info in inspector.layers if info.depth == 0)
        self.show_status(
            f"{classifier.name}: {len(inspector.layers)} layers, {total:,} parameters, "
            f"input {classifier.input_size[0]}×{classifier.input_size[1]}."
        )
        spatial = [info.path for info in inspector.layers if info.spatial]
        convs = [info.path for info in inspector.convolutions()]
        self.select_layer((convs or spatial or [inspector.layers[0].path])[0])

    def select_layer(self, path: str) -> None:
        self.table.select(path)

    def _layer_chosen(self, info) -> None:
        self.layer = info.path
        self.filters.select(info.path)
        self.features.set_layer(
            info.path if info.spatial else "", info.shape[-1] if info.spatial else 0
        )
        if not info.spatial:
            self.activations.show_message(
                f"{info.path} gives {info.shape or 'no'} values, not 2-D maps: pick a layer whose "
                f"output shape is H×W×channels."
            )
        self._live_changed(reset=True)
        if info.spatial and self.image is not None:
            self._still_maps()

    # -- input ---------------------------------------------------------------------------------
    def _source_chosen(self, index: int) -> None:
        if index == 1:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open an image", "", "Images (*.png *.jpg *.jpeg *.bmp *.webp)"
            )
            if not path or not self.open_image(path):
                self.source.setCurrentIndex(0)
        else:
            self.image = None
        self._live_changed()

    def open_image(self, path: str | Path) -> bool:
        """Inspect a picture file instead of the live frame; False (and a message) if unreadable."""
        try:
            self.image = photos.decode(path)
        except (OSError, ValueError) as error:
            name = Path(path).name
            why = str(error).removeprefix(f"{name}: ")
            self.show_status(
                f"Cannot read {name} as an image ({why}). Choose a PNG or JPEG file.", error=True
            )
            return False
        self.source.setCurrentIndex(1)
        self.source.setItemText(1, f"Image: {Path(path).name}")
        self._live_changed()
        self._still_maps()
        return True

    def current_input(self) -> np.ndarray | None:
        """The chosen picture, else the newest live frame (None before any frame)."""
        return self.image if self.image is not None else self.frame

    def _ready(self, what: str) -> np.ndarray | None:
        image = self.current_input()
        if self.inspector is None:
            self.show_status(f"{what}: no model yet; wait for it to load.", error=True)
        elif image is None:
            self.show_status(
                f"{what}: no picture yet; start a source or choose an image file.", error=True
            )
        else:
            return image
        return None

    # -- activations ---------------------------------------------------------------------------
    def _live_changed(self, reset: bool = False) -> None:
        if self.live is not None:
            self.live.update_target(reset)

    def layer_info(self):
        if self.inspector is None or not self.layer:
            return None
        try:
            return self.inspector.layer(self.layer)
        except KeyError:
            return None

    def _still_maps(self) -> None:
        info = self.layer_info()
        if self.image is None or info is None or not info.spatial:
            return
        subject, inspector, image = self.subject, self.inspector, self.image

        def compute(run):
            return (
                fit_to_input(image, subject.input_size),
                inspector.activations(subject.prepare(image), info.path),
                info.path,
            )

        self.still.start(compute)

    @Slot(str, object)
    def _still_failed(self, message: str, error: Exception) -> None:
        self.show_status(f"Activations failed: {message}", error=True)

    @Slot(object)
    def _show_still_maps(self, result) -> None:
        image, maps, layer = result
        if layer == self.layer:
            self.activations.show_maps(image, maps, layer)

    # -- feature visualization and Grad-CAM ---------------------------------------------------
    def run_feature(self) -> None:
        if self.inspector is None:
            self.show_status(
                "Feature visualization: no model yet; wait for it to load.", error=True
            )
            return
        self.features.start(self.inspector, self.subject.preprocess, self.layer_info())

    def explain(self) -> None:
        image = self._ready("Grad-CAM")
        if image is not None:
            info = self.layer_info()
            chosen = self.gradcam.use_selected.isChecked() and info is not None and info.spatial
            self.gradcam.run(self.subject, self.inspector, image, info.path if chosen else None)

    # -- saving and messages -------------------------------------------------------------------
    def save_picture(self) -> Path | None:
        """Save the current view's picture as a PNG in the workspace's snapshots folder."""
        image, stem = self.views.currentWidget().picture_to_save()
        if image is None:
            self.show_status("Nothing to save yet in this view.", error=True)
            return None
        try:
            path = self.workspace.save_snapshot(image, stem)
        except OSError as error:
            log.exception("saving a picture failed")
            QMessageBox.warning(
                self,
                "Picture not saved",
                f"It could not be written to {self.workspace.snapshots_dir}: "
                f"{error}. Free some space or choose another workspace.",
            )
            return None
        self.show_status(f"Saved {path}")
        return path

    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020;" if error else "")
