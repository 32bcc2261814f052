"""The training form of 'Collect & train': base, stage 1 and stage 2 options, Train / Stop."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.transfer import embeddings, finetune
from engine.workspace import names
from engine.workspace.store import Workspace
from gui.panels.collect_train.base import BaseChoice
from gui.panels.collect_train.message import Message
from gui.panels.collect_train.picker import BasePicker

OPTIMIZERS = ["adam", "sgd", "rmsprop", "adamax", "nadam"]
DEFAULT_VARIANTS = 2  # augmented copies per image once a kind of augmentation is ticked


class TrainForm(QWidget):
    """What a person sets before pressing Train, and the run's progress."""

    def __init__(self, workspace: Workspace, parent=None):
        super().__init__(parent)
        self.workspace = workspace
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.picker = BasePicker(workspace)
        picker = self.picker
        self.base, self.weights, self.layer = picker.base, picker.weights, picker.layer
        layout.addWidget(self.picker)

        head_box = QGroupBox("Stage 1: a head on cached embeddings")
        form = QFormLayout(head_box)
        self.epochs = _spin(1, 500, 25)
        self.batch = _spin(1, 1024, 32)
        self.learning_rate = _real(1e-3)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.augment = {kind: QCheckBox(kind) for kind in embeddings.AUGMENTATIONS}
        augment = QGridLayout()  # two by two: the form stays narrow
        for i, box in enumerate(self.augment.values()):
            box.toggled.connect(self._augment_toggled)
            augment.addWidget(box, i // 2, i % 2)
        self.variants = _spin(0, 20, 0)
        self.variants.setEnabled(False)
        self.variants.setToolTip(
            "Augmented copies per training image, each embedded once and "
            "kept in the cache (tick a kind of augmentation first)"
        )
        self.validation = QDoubleSpinBox()
        self.validation.setRange(0.05, 0.5)
        self.validation.setSingleStep(0.05)
        self.validation.setValue(0.2)
        self.validation.setToolTip(
            "Share of capture sessions (or files) kept for validation; "
            "train/ and val/ folders keep their own split"
        )
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Augment", augment)
        form.addRow("Copies per image", self.variants)
        form.addRow("Validation share", self.validation)
        layout.addWidget(head_box)

        fine_box = QGroupBox("Stage 2: fine-tune end to end (SGD, momentum 0.9)")
        fine_box.setToolTip(
            "Unfreeze the base's top layers and train the whole network with SGD, "
            "momentum 0.9, at a small learning rate (the course's recipe)"
        )
        fine_box.setCheckable(True)
        fine_box.setChecked(False)
        self.stage2 = fine_box
        fine = QFormLayout(fine_box)
        self.unfreeze = _spin(1, 500, 10)
        self.unfreeze.setToolTip(
            "The base's top K layers with weights become trainable "
            "(batch normalization stays frozen)"
        )
        self.fine_epochs = _spin(1, 200, 5)
        self.fine_learning_rate = _real(1e-4)
        fine.addRow("Unfreeze top K layers", self.unfreeze)
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
        self.use_button.setToolTip("Run the saved model in the Live tab, with your class names")
        for button in (self.train_button, self.stop_button, self.use_button):
            buttons.addWidget(button)
        run_form.addRow(buttons)
        self.bar = QProgressBar()
        self.bar.setFormat("")
        run_form.addRow(self.bar)
        self.status = Message(lines=4)  # a save's sentence fits; a longer one scrolls
        run_form.addRow(self.status)
        layout.addWidget(run_box)
        layout.addStretch(1)

    def refresh_bases(self) -> None:
        self.picker.refresh()

    def _base_chosen(self) -> None:
        self.picker.base_chosen()

    def _augment_toggled(self) -> None:
        any_kind = any(box.isChecked() for box in self.augment.values())
        self.variants.setEnabled(any_kind)
        if any_kind and self.variants.value() == 0:
            self.variants.setValue(DEFAULT_VARIANTS)  # a ticked kind with no copies did nothing

    def choice(self) -> BaseChoice:
        return self.picker.choice()

    def options(self) -> finetune.Options:
        kinds = tuple(kind for kind, box in self.augment.items() if box.isChecked())
        return finetune.Options(
            epochs=self.epochs.value(),
            batch_size=self.batch.value(),
            learning_rate=self.learning_rate.value(),
            optimizer=self.optimizer.currentText(),
            augment=kinds,
            variants=self.variants.value() if kinds else 0,
            unfreeze=self.unfreeze.value() if self.stage2.isChecked() else 0,
            fine_epochs=self.fine_epochs.value(),
            fine_learning_rate=self.fine_learning_rate.value(),
        )

    def model_name(self) -> str:
        """The name under 'Save as' (the project's when empty); BadInput says what is wrong."""
        return names.check_name(self.name.text() or self.name.placeholderText(), "model")


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
    if not workspace.model_exists(name):
        return True
    answer = QMessageBox.question(
        parent,
        "Replace model?",
        f"The workspace already has a model '{name}'. Replace it "
        f"when this run finishes? (A stopped or failed run keeps it.)",
    )
    return answer == QMessageBox.StandardButton.Yes
