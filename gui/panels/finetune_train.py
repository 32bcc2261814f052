"""The training side of 'Collect & train': base and options, Train / Stop with ETA, results."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)
from superqt.utils import create_worker

from engine import embeddings, finetune, zoo
from engine import split as splitting
from engine.projects import ProjectError, check_name
from engine.store import ModelInfo, Workspace, load_keras_model

log = logging.getLogger(__name__)
OPTIMIZERS = ["adam", "sgd", "rmsprop", "adamax", "nadam"]


@dataclass
class BaseChoice:
    """A zoo network with its weights, or a workspace model cut at a layer."""

    zoo_name: str | None = None
    weights: str | None = "imagenet"
    model: ModelInfo | None = None
    layer: str | None = None

    def key(self) -> tuple:
        if self.model is None:
            return (self.zoo_name, self.weights)
        stat = self.model.path.stat()
        return (str(self.model.path), stat.st_mtime_ns, stat.st_size, self.layer)

    def build(self) -> embeddings.Base:
        """The base, built once per choice and kept: pressing Train again neither rebuilds the
        network nor recompiles its forward call."""
        key = self.key()
        if key not in _BASES:
            if self.model is None:
                base = embeddings.zoo_base(self.zoo_name, self.weights)
            else:
                base = embeddings.model_base(load_keras_model(self.model.path), self.model.name,
                                             self.model.input_size, self.model.preprocessing,
                                             self.layer)
            _BASES.clear()  # one network in memory at a time
            _BASES[key] = base
        return _BASES[key]

    def forget(self) -> None:
        """Drop the kept base (stage 2 has changed its weights)."""
        _BASES.pop(self.key(), None)


_BASES: dict = {}


def run(project, fraction, choice: BaseChoice, options, workspace, name, report, cancel):
    """Scan, split, build the base, train and (unless stopped) save: one worker's whole job."""
    dataset = project.scan()
    problems = dataset.problems()
    if problems:
        raise ValueError(" ".join(problems))
    split = splitting.split(dataset, fraction)
    report("base", 0, 0, {})
    base = choice.build()
    try:
        outcome = finetune.train(dataset, split, base, options, cache_folder=workspace.cache_dir,
                                 report=report, cancel=cancel)
    finally:
        if options.unfreeze:
            choice.forget()
    saved_error = None
    if not outcome.stopped:
        try:
            finetune.save(outcome, dataset, split, base, options, workspace, name)
        except OSError as error:
            log.exception("saving %s failed", name)
            saved_error = str(error)
    return outcome, split, saved_error


class TrainJob(QObject):
    """Runs ``run`` in a worker thread and turns its callbacks into signals."""

    progress = Signal(str, int, int, object)  # object: no dict conversion across threads
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel = threading.Event()
        self.running = False

    def start(self, *args) -> None:
        self.cancel.clear()
        self.running = True
        create_worker(run, *args, lambda *a: self.progress.emit(*a), self.cancel, _connect={
            "returned": self._done, "errored": self._error})

    def _done(self, result) -> None:
        self.running = False
        self.finished.emit(result)

    def _error(self, error) -> None:
        self.running = False
        self.failed.emit(error)


class TrainForm(QWidget):
    """What a person sets before pressing Train, and the run's progress."""

    def __init__(self, workspace: Workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        base_box = QGroupBox("Base network")
        base_form = QFormLayout(base_box)
        self.base = QComboBox()
        self.base.activated.connect(lambda _: self._base_chosen())
        self.weights = QComboBox()
        self.weights.addItem("ImageNet", "imagenet")
        self.weights.addItem("none (random, works offline)", None)
        self.layer = QComboBox()
        self.layer.setToolTip("The workspace model is cut here; the layer's output, averaged, "
                              "is the embedding")
        base_form.addRow("Base", self.base)
        base_form.addRow("Weights", self.weights)
        base_form.addRow("Cut at layer", self.layer)
        layout.addWidget(base_box)

        head_box = QGroupBox("Stage 1: a head on cached embeddings")
        form = QFormLayout(head_box)
        self.epochs = _spin(1, 500, 25)
        self.batch = _spin(1, 1024, 32)
        self.learning_rate = _real(1e-3)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.augment = {kind: QCheckBox(kind) for kind in embeddings.AUGMENTATIONS}
        augment = QHBoxLayout()
        for box in self.augment.values():
            augment.addWidget(box)
        self.variants = _spin(0, 20, 0)
        self.variants.setToolTip("Augmented copies per training image, each embedded once")
        self.validation = QDoubleSpinBox()
        self.validation.setRange(0.05, 0.5)
        self.validation.setSingleStep(0.05)
        self.validation.setValue(0.2)
        self.validation.setToolTip("Share of capture sessions (or files) kept for validation; "
                                   "train/ and val/ folders keep their own split")
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Augment", augment)
        form.addRow("Variants", self.variants)
        form.addRow("Validation", self.validation)
        layout.addWidget(head_box)

        fine_box = QGroupBox("Stage 2: fine-tune end to end (SGD, momentum 0.9)")
        fine_box.setCheckable(True)
        fine_box.setChecked(False)
        self.stage2 = fine_box
        fine = QFormLayout(fine_box)
        self.unfreeze = _spin(1, 500, 10)
        self.unfreeze.setToolTip("The base's top K layers with weights become trainable")
        self.fine_epochs = _spin(1, 200, 5)
        self.fine_learning_rate = _real(1e-4)
        fine.addRow("Unfreeze top K", self.unfreeze)
        fine.addRow("Epochs", self.fine_epochs)
        fine.addRow("Learning rate", self.fine_learning_rate)
        layout.addWidget(fine_box)

        run_box = QGroupBox("Run")
        run_form = QFormLayout(run_box)
        self.name = QLineEdit()
        self.name.setPlaceholderText("model name")
        run_form.addRow("Save as", self.name)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.use_button = QPushButton("Use it live")
        self.use_button.setEnabled(False)
        for button in (self.train_button, self.stop_button, self.use_button):
            buttons.addWidget(button)
        run_form.addRow(buttons)
        self.bar = QProgressBar()
        self.bar.setFormat("")
        run_form.addRow(self.bar)
        self.status = QLabel()
        self.status.setWordWrap(True)
        run_form.addRow(self.status)
        layout.addWidget(run_box)
        layout.addStretch(1)
        self.refresh_bases()

    # -- base --------------------------------------------------------------------------------
    def refresh_bases(self) -> None:
        current = self.base.currentData()
        self.base.clear()
        for name in zoo.ZOO:
            self.base.addItem(name, name)
        models = self.workspace.models()
        if models:
            self.base.insertSeparator(self.base.count())
        for info in models:
            self.base.addItem(f"{info.name} (workspace)", info)
        index = -1
        for i in range(self.base.count()):
            data = self.base.itemData(i)
            if data == current or (isinstance(data, ModelInfo) and isinstance(current, ModelInfo)
                                   and data.path == current.path):
                index = i
        self.base.setCurrentIndex(index if index >= 0 else self.base.findData(zoo.DEFAULT_MODEL))
        if index < 0 or self.layer.count() == 0:  # the same workspace model keeps its layers
            self._base_chosen()

    def _base_chosen(self) -> None:
        info = self.base.currentData()
        workspace_model = isinstance(info, ModelInfo)
        self.weights.setEnabled(not workspace_model)
        self.layer.setEnabled(workspace_model)
        self.layer.clear()
        if workspace_model:
            self.layer.addItem("loading layers…")
            self.layer.setEnabled(False)
            create_worker(lambda: embeddings.feature_layers(load_keras_model(info.path)),
                          _connect={"returned": lambda names: self._layers(info, names),
                                    "errored": lambda error: self._layers_failed(info, error)})

    def _layers(self, info, names) -> None:
        if self.base.currentData() is not info:
            return
        self.layer.clear()
        self.layer.addItems(names)
        self.layer.setEnabled(True)

    def _layers_failed(self, info, error) -> None:
        if self.base.currentData() is info:
            self.layer.clear()
            self.status.setText(f"{info.name} cannot be used as a base: {error}")

    def choice(self) -> BaseChoice:
        info = self.base.currentData()
        if isinstance(info, ModelInfo):
            if not self.layer.isEnabled() or not self.layer.currentText():
                raise ValueError(f"The layers of {info.name} are not read yet: wait a moment.")
            return BaseChoice(model=info, layer=self.layer.currentText())
        return BaseChoice(zoo_name=info, weights=self.weights.currentData())

    def options(self) -> finetune.Options:
        kinds = tuple(kind for kind, box in self.augment.items() if box.isChecked())
        return finetune.Options(
            epochs=self.epochs.value(), batch_size=self.batch.value(),
            learning_rate=self.learning_rate.value(), optimizer=self.optimizer.currentText(),
            augment=kinds, variants=self.variants.value() if kinds else 0,
            unfreeze=self.unfreeze.value() if self.stage2.isChecked() else 0,
            fine_epochs=self.fine_epochs.value(),
            fine_learning_rate=self.fine_learning_rate.value())

    def model_name(self) -> str:
        try:
            return check_name(self.name.text() or self.name.placeholderText())
        except ProjectError as error:
            raise ValueError(str(error)) from error


class Progress:
    """Turns the engine's (stage, done, total) reports into a bar with the stage and its ETA."""

    NAMES = {"base": "Building the base", "embedding": "Embedding images",
             "head": "Training the head", "fine-tuning": "Fine-tuning"}

    def __init__(self, bar: QProgressBar):
        self.bar, self.stage, self.started = bar, None, 0.0

    def update(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != self.stage:
            self.stage, self.started = stage, now
        if total <= 0:
            self.bar.setRange(0, 0)
            self.bar.setFormat(f"{self.NAMES.get(stage, stage)}…")
            return
        self.bar.setRange(0, 1000)
        fraction = min(done / total, 1.0)
        self.bar.setValue(round(1000 * fraction))
        elapsed = now - self.started
        eta = f" · ETA {elapsed / fraction - elapsed:.0f} s" if 0 < fraction < 1 else ""
        self.bar.setFormat(f"{self.NAMES.get(stage, stage)} {done}/{total}{eta}")


def _spin(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _real(value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(5)
    spin.setRange(1e-5, 1.0)
    spin.setSingleStep(value)
    spin.setValue(value)
    return spin


def confirm_overwrite(parent, workspace: Workspace, name: str) -> bool:
    """True when no model is called ``name`` yet, or the person agrees to replace it."""
    if not (workspace.models_dir / f"{name}.keras").exists():
        return True
    answer = QMessageBox.question(parent, "Replace model?",
                                  f"The workspace already has a model '{name}'. Replace it "
                                  f"when this run finishes? (A stopped or failed run keeps it.)")
    return answer == QMessageBox.StandardButton.Yes
