"""The adversarial lab: pick a model and an image, attack it, see and measure the result."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.adversarial.attacks import ATTACKS, AttackSpec, Target
from engine.adversarial.robustness import Crafted, craft, frame_pixels, sample_frame
from engine.data import datasets, photos
from engine.models import zoo
from engine.workspace.store import ModelInfo, atomic_write_bytes
from gui.core.jobs import Job, LatestJob, shut_down
from gui.core.live_link import LiveLink
from gui.panels.adversarial.curve import RobustnessBox
from gui.panels.adversarial.live_attack import LiveAttackTool
from gui.panels.adversarial.views import AttackView
from gui.widgets.model_picker import stopped_note
from gui.widgets.steady import steady_combo

INPUTS = ("Frozen live frame", "Image file…", "Fashion-MNIST test image", "MNIST test image")
NO_INPUT = "Choose an input."
LIVE_MODEL = "The live view's model"
L2_SCALE = 16  # the slider's L2 epsilon is this many times its L-infinity one
WHY_PNG = (
    "PNG keeps every pixel exactly. JPEG's lossy compression would change the pixels and "
    "usually wipes out a perturbation this small, so the saved image would no longer fool "
    "the network."
)


class AdversarialPanel(QWidget):
    """Model, input, attack settings; original | perturbation | adversarial with their top-5;
    norms and PSNR; Save PNG; the robustness curve below."""

    def __init__(self, link: LiveLink, parent=None):
        super().__init__(parent)
        self.link, self.workspace = link, link.workspace
        workspace = link.workspace
        self.classifier = None  # a workspace model's classifier; None: the live one
        self.chosen: ModelInfo | None = None  # the workspace model whose classifier that is
        self._loading: ModelInfo | None = None
        self.image: np.ndarray | None = None  # the input, RGB uint8, any size
        self.shown_source = -1  # the INPUTS entry that image came from; -1: none yet
        self.crafted: Crafted | None = None
        self._targets: dict[int, tuple] = {}
        self._datasets: dict[str, datasets.ImageSet] = {}  # read once: the sample spin box is quick
        self._lock = threading.Lock()
        self.job = LatestJob(self, "attack", one_at_a_time=True)
        self.job.result.connect(self._show)
        self.job.failure.connect(self._attack_failed)
        self.loader = LatestJob(self, "loading a model to attack")
        self.loader.result.connect(self._workspace_loaded)
        self.loader.failure.connect(self._load_failed)

        scroll = QScrollArea()  # the window may be shorter than the images, bars and curve
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        content = QWidget()
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QHBoxLayout(content)
        left = QVBoxLayout()
        layout.addLayout(left, 0)
        source = QGroupBox("Model and input")
        form = QFormLayout(source)
        self.model = steady_combo()
        self.model.activated.connect(lambda _: self._model_chosen())
        self.source = QComboBox()
        self.source.addItems(INPUTS)
        self.source.setPlaceholderText(NO_INPUT)
        self.source.setCurrentIndex(-1)  # no input until one is chosen: the box says so
        self.source.activated.connect(self._source_chosen)
        self.index = QSpinBox()
        self.index.setRange(0, 9999)
        self.index.setToolTip("Which test image")
        self.index.valueChanged.connect(self._index_changed)
        form.addRow("Model", self.model)
        form.addRow("Input", self.source)
        form.addRow("Test image #", self.index)
        left.addWidget(source)

        attack = QGroupBox("Attack")
        form = QFormLayout(attack)
        self.method = QComboBox()
        self.method.addItems(ATTACKS)
        self.target_class = QComboBox()
        self.target_class.setToolTip("Targeted: push the image towards this class")
        self.eps = QSlider(Qt.Orientation.Horizontal)
        self.eps.setRange(0, 64)
        self.eps.setValue(8)
        self.eps_label = QLabel()
        self.steps = QSpinBox()
        self.steps.setRange(1, 200)
        self.steps.setValue(10)
        self.step_size = QDoubleSpinBox()
        self.step_size.setRange(0, 64)
        self.step_size.setSingleStep(0.5)
        self.step_size.setSpecialValueText("auto: 2.5 ε / steps")
        form.addRow("Method", self.method)
        form.addRow("Target class", self.target_class)
        form.addRow("ε", self.eps)
        form.addRow("", self.eps_label)
        form.addRow("Steps", self.steps)
        form.addRow("Step size", self.step_size)
        for signal in (
            self.method.currentIndexChanged,
            self.target_class.currentIndexChanged,
            self.eps.valueChanged,
            self.steps.valueChanged,
            self.step_size.valueChanged,
        ):
            signal.connect(self._settings_changed)
        left.addWidget(attack)
        self.save_button = QPushButton("Save adversarial image (PNG)…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save_dialog)
        self.save_button.setToolTip(WHY_PNG)
        why = QLabel(WHY_PNG)
        why.setWordWrap(True)
        why.setStyleSheet("color: gray;")
        left.addWidget(self.save_button)
        left.addWidget(why)
        self.status = QLabel(NO_INPUT)
        self.status.setWordWrap(True)
        left.addWidget(self.status)
        left.addStretch(1)

        right = QVBoxLayout()
        layout.addLayout(right, 1)
        self.display = AttackView()
        self.views, self.captions, self.bars = (
            self.display.views,
            self.display.captions,
            self.display.bars,
        )
        self.measures = self.display.measures
        right.addWidget(self.display)
        self.robustness = RobustnessBox(self.current_target, self.steps.value, workspace.root)
        right.addWidget(self.robustness, 1)
        self.live_tool = LiveAttackTool(link)
        link.add_tool(self.live_tool)
        self.refresh_models()
        self._settings_changed()

    def shutdown(self, until: float | None = None) -> None:
        """Stop a robustness curve after its current batch and wait for every worker until ``until``
        (the window closes); nothing is reported after."""
        shut_down(self.findChildren(Job), until)

    def showEvent(self, event) -> None:
        self.refresh_models()
        if self.target_class.property("classifier") != id(self.current_classifier()):
            self._model_ready()  # the live view has loaded another model meanwhile
        super().showEvent(event)

    # -- model -------------------------------------------------------------------------------
    def refresh_models(self) -> None:
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItem(LIVE_MODEL, None)
        for info in self.workspace.models():
            classes = f"{len(info.class_names)} classes{stopped_note(info)}"
            self.model.addItem(f"{info.name} ({classes})", info)
            if isinstance(current, ModelInfo) and current.path == info.path:
                self.model.setCurrentIndex(self.model.count() - 1)
        self.model.blockSignals(False)

    def choose_model(self, info: ModelInfo | None) -> None:
        """Attack a workspace model (None: the live view's model)."""
        self.refresh_models()
        self._select(info)
        self._model_chosen()

    def _select(self, info: ModelInfo | None) -> None:
        paths = [getattr(self.model.itemData(i), "path", None) for i in range(self.model.count())]
        if getattr(info, "path", None) in paths:
            self.model.setCurrentIndex(paths.index(getattr(info, "path", None)))

    def _model_chosen(self) -> None:
        info = self._loading = self.model.currentData()
        if info is None:
            self.loader.drop()  # a workspace model still loading must not take over
            self.classifier = self.chosen = None
            self._model_ready()
            return
        self.status.setText(f"Loading {info.name}…")
        self.loader.start(lambda run: zoo.workspace_classifier(info, "The adversarial lab"))

    @Slot(object)
    def _workspace_loaded(self, classifier) -> None:
        self.classifier, self.chosen = classifier, self._loading
        self._model_ready()

    @Slot(str, object)
    def _load_failed(self, message: str, error: Exception) -> None:
        """Say why, and go back to the model attacked before (the list shows it again)."""
        classifier = self.current_classifier()
        kept = f" Still attacking {classifier.name}." if classifier is not None else ""
        self.status.setText(f"Cannot load {self._loading.name}: {message}{kept}")
        self._loading = self.chosen
        self._select(self.chosen)

    @Slot(str, object)
    def _attack_failed(self, message: str, error: Exception) -> None:
        self.status.setText(f"The attack failed: {message}")

    def current_classifier(self):
        return self.classifier if self.classifier is not None else self.link.classifier

    def current_target(self) -> Target | None:
        """The chosen model seen from pixel space (built once per classifier)."""
        classifier = self.current_classifier()
        if classifier is None:
            return None
        with self._lock:
            kept = self._targets.get(id(classifier))
            if kept is None or kept[0] is not classifier:
                kept = self._targets[id(classifier)] = (
                    classifier,
                    Target.from_classifier(classifier),
                )
            return kept[1]

    def _model_ready(self) -> None:
        classifier = self.current_classifier()
        self.target_class.blockSignals(True)
        self.target_class.clear()
        self.target_class.addItem("untargeted", None)
        for i, name in enumerate(classifier.class_names if classifier else []):
            self.target_class.addItem(f"{i}: {name}", i)
        self.target_class.setProperty("classifier", id(classifier))
        self.target_class.blockSignals(False)
        if self.source.currentIndex() >= 2:
            self._source_chosen(self.source.currentIndex())  # datasets depend on the model
        else:
            self.recompute()

    # -- input -------------------------------------------------------------------------------
    def _source_chosen(self, index: int) -> None:
        if index == 0:
            self.freeze_live_frame()
        elif index == 1:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open an image", "", "Images (*.png *.jpg *.jpeg *.bmp *.webp)"
            )
            if path:
                self.load_image(path)
            else:
                self._keep_shown_source()
        else:
            self.load_test_image(INPUTS[index].split(" test")[0], self.index.value())

    def _keep_shown_source(self) -> None:
        """The box names the input shown again (none: it asks for one), not one that failed."""
        self.source.setCurrentIndex(self.shown_source)

    def _index_changed(self, index: int) -> None:
        if self.source.currentIndex() >= 2:
            self.load_test_image(INPUTS[self.source.currentIndex()].split(" test")[0], index)

    def freeze_live_frame(self) -> None:
        frame = self.link.newest_frame()
        if frame is None:
            self.status.setText("No live frame yet: start a source in the Live tab.")
            self._keep_shown_source()
            return
        self.set_image(np.array(frame), "the live frame, frozen", INPUTS.index("Frozen live frame"))

    def load_image(self, path: str | Path) -> bool:
        try:
            image = photos.decode(path)
        except (OSError, ValueError) as error:
            name = Path(path).name
            self.status.setText(
                f"Cannot open {name} as an image ({str(error).removeprefix(f'{name}: ')}). "
                f"Choose a PNG, JPEG, BMP or WebP file."
            )
            self._keep_shown_source()
            return False
        self.set_image(image, Path(path).name, INPUTS.index("Image file…"))
        return True

    def load_test_image(self, name: str, index: int) -> bool:
        target = self.current_target()
        if target is None:
            self.status.setText("Choose a model first.")
            self._keep_shown_source()
            return False
        if name not in self._datasets:
            try:
                self._datasets[name] = (
                    datasets.load_fashion_mnist()
                    if name == "Fashion-MNIST"
                    else datasets.load_mnist()
                )
            except (datasets.DatasetUnavailable, ValueError) as error:
                self.status.setText(str(error))
                self._keep_shown_source()
                return False
        data = self._datasets[name]
        index = min(index, len(data.x_test) - 1)
        label = data.class_names[int(data.y_test[index])]
        self.set_image(
            sample_frame(data.x_test[index], target),
            f"{name} test image {index} ({label})",
            INPUTS.index(f"{name} test image"),
        )
        return True

    def set_image(self, image: np.ndarray, description: str, source: int | None = None) -> None:
        """Attack ``image`` (RGB uint8, any size); ``source`` is its INPUTS entry, for the box."""
        self.image = image
        if source is not None:
            self.shown_source = source
            self.source.setCurrentIndex(source)
        self.status.setText(f"Input: {description}")
        self.recompute()

    # -- attack ------------------------------------------------------------------------------
    def spec(self) -> AttackSpec:
        method = self.method.currentText()
        eps = float(self.eps.value() * (L2_SCALE if method == "PGD L2" else 1))
        return AttackSpec(
            method,
            eps,
            self.steps.value(),
            self.step_size.value() or None,
            self.target_class.currentData(),
        )

    def _settings_changed(self, *_) -> None:
        spec = self.spec()
        deepfool = spec.method == "DeepFool"
        self.eps.setEnabled(not deepfool)
        self.target_class.setEnabled(spec.method not in ("DeepFool",))
        self.step_size.setEnabled(spec.method not in ("FGSM", "DeepFool"))
        self.steps.setEnabled(spec.method != "FGSM")
        if deepfool:
            self.eps_label.setText("DeepFool finds the smallest change itself")
        else:
            norm = "L2 norm" if spec.method == "PGD L2" else "L∞: per pixel"
            self.eps_label.setText(f"{spec.eps:g} / 255 = {spec.fraction:.3f}  ({norm})")
        self.recompute()

    def recompute(self) -> None:
        """Attack the input with the current settings in a worker (the newest request wins)."""
        target, image = self.current_target(), self.image
        if target is None or image is None:
            return
        spec = self.spec()
        self.status.setText(f"Running {spec.method}…")
        self.job.start(lambda run: craft(target, frame_pixels(image, target), spec))

    @Slot(object)
    def _show(self, crafted: Crafted) -> None:
        self.crafted = crafted
        self.display.show_crafted(crafted)
        self.status.setText(
            f"{crafted.spec.method}: {crafted.clean_top[0][0]} → "
            f"{crafted.adversarial_top[0][0]} ({100 * crafted.adversarial_top[0][1]:.1f}%)"
        )
        self.save_button.setEnabled(True)

    # -- save --------------------------------------------------------------------------------
    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the adversarial image",
            str(self.workspace.root / "adversarial.png"),
            "PNG images (*.png)",
        )
        png = Path(path).with_suffix(".png")
        if (
            path
            and png != Path(path)
            and png.exists()
            and QMessageBox.question(
                self,
                "Replace image?",
                f"It is saved as {png.name} (see the note on PNG), and "
                f"{png} already exists. Replace it?",
            )
            != QMessageBox.StandardButton.Yes
        ):
            self.status.setText(f"Not saved: {png.name} is kept as it was.")
            return  # the dialog asked about the name typed, not about the .png written
        if path:
            self.save_png(png)

    def save_png(self, path: str | Path) -> Path | None:
        """Write the adversarial image as a PNG (the suffix is forced: see WHY_PNG)."""
        path = Path(path).with_suffix(".png")
        encoded = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(self.crafted.adversarial.squeeze())).save(
            encoded, "PNG"
        )
        try:
            atomic_write_bytes(path, encoded.getvalue())
        except OSError as error:
            QMessageBox.warning(self, "Not saved", f"{path} could not be written: {error}")
            return None
        self.status.setText(f"Saved {path}")
        return path
