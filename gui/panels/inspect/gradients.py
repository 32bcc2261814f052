"""The Inspect tab's gradient views: feature visualization (gradient ascent) and Grad-CAM with
saliency. Each runs its own computation in a job and reports failures through ``failed``."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.inspection.features import Target, visualize
from engine.inspection.pictures import gray, overlay
from engine.models.classifier import fit_to_input
from gui.core.jobs import Job
from gui.panels.inspect.views import Picture, caption


class FeatureView(QWidget):
    """Gradient ascent settings, Run / Stop, progress and the picture found."""

    run = Signal()
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        form = QFormLayout()
        self.by_channel = QRadioButton("Channel of the selected layer")
        self.by_class = QRadioButton("Class")
        self.by_channel.setChecked(True)
        self.channel = QSpinBox()
        self.channel.setRange(0, 0)
        self.class_choice = QComboBox()
        self.steps = _spin(QSpinBox(), 1, 2000, 64)
        self.step_size = _spin(QDoubleSpinBox(), 0.1, 50.0, 4.0)
        self.jitter = _spin(QSpinBox(), 0, 32, 4)
        self.blur = _spin(QDoubleSpinBox(), 0.0, 5.0, 0.5)
        self.decay = _spin(QDoubleSpinBox(), 0.0, 0.5, 0.01, decimals=3)
        self.jitter.setToolTip("Roll the picture by up to this many pixels before each step")
        self.blur.setToolTip("Gaussian blur (sigma, pixels) every 4 steps; 0 turns it off")
        self.decay.setToolTip("Pull the picture this fraction of the way back to gray each step")
        self.layer_label = QLabel("—")
        form.addRow(self.by_channel)
        form.addRow("Layer", self.layer_label)
        form.addRow("Channel", self.channel)
        form.addRow(self.by_class)
        form.addRow("", self.class_choice)
        form.addRow("Steps", self.steps)
        form.addRow("Step size (pixels)", self.step_size)
        form.addRow("Jitter (pixels)", self.jitter)
        form.addRow("Blur σ", self.blur)
        form.addRow("Decay", self.decay)
        buttons = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.run.emit)
        self.job = Job(self, "feature visualization")
        self.stop_button.clicked.connect(self.job.stop)
        self.job.progress.connect(self.progress)
        self.job.result.connect(self._done)
        self.job.failure.connect(self._failed)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.bar = QProgressBar()
        form.addRow(self.bar)
        layout.addLayout(form, 1)
        right = QVBoxLayout()
        self.picture = Picture(320)
        self.caption = caption()
        right.addWidget(self.picture, 1)
        right.addWidget(self.caption)
        layout.addLayout(right, 2)
        self.target_name = ""
        self._target: Target | None = None

    def start(self, inspector, preprocess, layer) -> None:
        """Run gradient ascent for the chosen channel of ``layer`` (a LayerInfo) or class."""
        if self.by_channel.isChecked() and layer is not None and layer.spatial:
            target = Target(self.channel.value(), layer.path)
        else:
            target = Target(max(0, self.class_choice.currentIndex()))
        self._target = target
        self.target_name = target.describe().replace("/", "-").replace(" ", "-")
        self.busy(True)
        options = {
            "steps": self.steps.value(),
            "step_size": self.step_size.value(),
            "jitter": self.jitter.value(),
            "blur_sigma": self.blur.value(),
            "decay": self.decay.value(),
        }
        self.job.start(
            lambda run: visualize(
                inspector, target, preprocess, **options, cancel=run.cancel, report=run.report
            )
        )

    @Slot(object)
    def _done(self, ascent) -> None:
        self.busy(False)
        values = ascent.values
        change = (
            f"objective {values[0]:.3g} → {values[-1]:.3g} in {len(values)} steps"
            if values
            else "no steps run"
        )
        self.show_result(
            ascent.image,
            f"{self._target.describe()}: {change}{' (stopped)' if ascent.cancelled else ''}.",
        )

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        self.busy(False)
        self.failed.emit(f"Feature visualization failed: {message}")

    def set_layer(self, path: str, channels: int) -> None:
        self.layer_label.setText(path or "— (pick a layer with maps)")
        self.channel.setRange(0, max(0, channels - 1))
        self.by_channel.setEnabled(bool(path))
        if not path:
            self.by_class.setChecked(True)

    def set_classes(self, names) -> None:
        self.class_choice.clear()
        self.class_choice.addItems([f"{i}: {n}" for i, n in enumerate(names)])

    def busy(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if running:
            self.bar.setValue(0)

    @Slot(object)
    def progress(self, report: tuple) -> None:
        """visualize's report: (step, steps, objective value)."""
        step, steps, value = report
        self.bar.setRange(0, steps)
        self.bar.setValue(step)
        self.bar.setFormat(f"step {step}/{steps} · objective {value:.3g}")

    def show_result(self, image: np.ndarray, text: str) -> None:
        self.picture.show_image(image)
        self.caption.setText(text)

    def picture_to_save(self):
        return self.picture.image, f"feature-{self.target_name}"


class GradCamView(QWidget):
    """The input, its Grad-CAM overlay and its gradient saliency, for the top or a chosen class."""

    explain = Signal()
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.class_choice = QComboBox()
        self.use_selected = QCheckBox("At the selected layer (else the last one with maps)")
        self.explain_button = QPushButton("Explain")
        self.explain_button.clicked.connect(self.explain.emit)
        row.addWidget(QLabel("Class"))
        row.addWidget(self.class_choice, 1)
        row.addWidget(self.use_selected)
        row.addWidget(self.explain_button)
        layout.addLayout(row)
        grid = QGridLayout()
        self.input, self.cam, self.saliency = Picture(240), Picture(240), Picture(240)
        for column, (title, picture) in enumerate(
            (("Input", self.input), ("Grad-CAM", self.cam), ("Gradient saliency", self.saliency))
        ):
            grid.addWidget(QLabel(title), 0, column)
            grid.addWidget(picture, 1, column)
        layout.addLayout(grid)
        self.caption = caption()
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.job = Job(self, "Grad-CAM")
        self.job.result.connect(self._explained)
        self.job.failure.connect(self._failed)

    def set_classes(self, names) -> None:
        self.class_choice.clear()
        self.class_choice.addItem("Top class", None)
        for i, name in enumerate(names):
            self.class_choice.addItem(f"{i}: {name}", i)

    def run(self, subject, inspector, image: np.ndarray, layer: str | None) -> None:
        """Explain ``image`` for the chosen class at ``layer`` (None: the last one with maps)."""
        chosen, names = self.class_choice.currentData(), subject.class_names

        def compute(run):
            batch = subject.prepare(image)
            path = layer or inspector.last_spatial()
            heat, index = inspector.grad_cam(batch, chosen, path)
            saliency, _ = inspector.saliency(batch, index)
            probability = float(inspector.probabilities(batch).reshape(-1)[index])
            fitted = fit_to_input(image, subject.input_size)
            return names, fitted, heat, saliency, index, probability, path

        self.explain_button.setEnabled(False)
        self.job.start(compute)

    @Slot(object)
    def _explained(self, result) -> None:
        names, image, heat, saliency, index, probability, path = result
        self.explain_button.setEnabled(True)
        name = names[index] if index < len(names) else f"class {index}"
        self.show_result(
            image,
            heat,
            saliency,
            f"Evidence for “{name}” (output {probability:.3f}) at {path} "
            f"({heat.shape[0]}×{heat.shape[1]} maps, red strongest). "
            f"Saliency: |∂score/∂pixel|, largest over colour channels.",
        )

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        self.explain_button.setEnabled(True)
        self.failed.emit(f"Grad-CAM failed: {message}")

    def show_result(
        self, image: np.ndarray, heat: np.ndarray, saliency: np.ndarray, text: str
    ) -> None:
        self.input.show_image(image)
        self.cam.show_image(overlay(image, heat))
        self.saliency.show_image(gray(saliency))
        self.caption.setText(text)

    def picture_to_save(self):
        if self.cam.image is None:
            return None, ""
        return np.concatenate(
            [self.input.image, self.cam.image, self.saliency.image], axis=1
        ), "gradcam"


def _spin(spin, low, high, value, decimals: int = 2):
    spin.setRange(low, high)
    if isinstance(spin, QDoubleSpinBox):
        spin.setDecimals(decimals)
        spin.setSingleStep(10**-decimals * 5 if decimals > 2 else 0.1)
    spin.setValue(value)
    return spin
