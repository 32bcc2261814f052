"""The base picker of 'Collect & train': a zoo network with ImageNet, random or file weights,
or a workspace model cut at a layer. A workspace model that does not take images is refused
here, greyed out in the list with the reason. The chosen base is built and compiled in a worker
while the person fills in the rest, so that Train starts at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QGroupBox

from engine.models import zoo
from engine.transfer import embeddings
from engine.workspace.store import ModelInfo
from gui.core.jobs import Job, LatestJob
from gui.panels.collect_train.base import (
    FIT,
    OFFLINE_CHOICES,
    BaseChoice,
    BaseProblem,
    fit_key,
    read_layers,
    weights_file_problem,
)
from gui.panels.collect_train.message import Message
from gui.widgets.model_picker import stopped_note
from gui.widgets.steady import steady_combo

FROM_FILE = "<file>"  # the weights item that opens a file dialog
WARM_UP_MS = 800  # a choice kept this long is built ahead of Train (None: only Train builds)


class BasePicker(QGroupBox):
    """Base network, its weights and (for a workspace model) the layer to cut it at.

    A workspace model is read in a worker when chosen; one that does not take (H, W, 3) images
    is greyed out in the list with the reason and the previous base comes back.
    """

    changed = Signal()
    prepared = Signal(object)  # an embeddings.Base built and compiled ahead of Train

    def __init__(self, workspace, parent=None):
        super().__init__("Base network", parent)
        self.workspace = workspace
        form = QFormLayout(self)
        self.base = steady_combo()
        self.base.activated.connect(lambda _: self.base_chosen())
        self.weights = QComboBox()
        self.weights.addItem("ImageNet (download once)", "imagenet")
        self.weights.addItem("random (none)", None)
        self.weights.addItem("from a file…", FROM_FILE)
        self.weights.activated.connect(self._weights_chosen)
        self.layer = QComboBox()
        self.layer.setToolTip(
            "The workspace model is cut here; the layer's output, averaged, is the embedding"
        )
        self.note = Message()
        form.addRow("Base", self.base)
        form.addRow("Weights", self.weights)
        form.addRow("Cut at layer", self.layer)
        form.addRow(self.note)
        self._weights_index = 0
        self._previous = zoo.DEFAULT_MODEL
        self._wanted = None  # the key of the choice a warm-up may still prepare
        self._holding = False  # True while a training run goes on
        self._warm_timer = QTimer(self, singleShot=True)
        self._warm_timer.timeout.connect(self._warm_up)
        self.reading = LatestJob(self, "reading a base's layers")
        self.reading.result.connect(self._read)
        self.reading.failure.connect(self._not_read)
        self._reading: ModelInfo | None = None  # the workspace model being read
        self.warming = Job(self, "preparing a base")
        self.warming.result.connect(self._prepared)
        self.warming.failure.connect(self._not_prepared)
        self.layer.activated.connect(lambda _: self.schedule_warm_up())
        self.refresh()

    # -- the list of bases ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Zoo networks, then workspace models (those known unfit greyed out, with why)."""
        current = self.base.currentData()
        self.base.clear()
        for name in zoo.ZOO:
            self.base.addItem(name, name)
        models = self.workspace.models()
        if models:
            self.base.insertSeparator(self.base.count())
        for info in models:
            self.base.addItem(f"{info.name} (workspace{stopped_note(info)})", info)
            problem = FIT.get(fit_key(info))
            if problem:
                self._refuse(self.base.count() - 1, problem)
        index = self._index_of(current)
        self.base.setCurrentIndex(index if index >= 0 else self.base.findData(zoo.DEFAULT_MODEL))
        if index < 0 or self.layer.count() == 0:  # the same workspace model keeps its layers
            self.base_chosen()

    def _index_of(self, data) -> int:
        """The row of ``data`` (a zoo name or ModelInfo), -1 if none; never the separator,
        whose data is None, as an empty list's current data is."""
        if data is None:
            return -1
        for i in range(self.base.count()):
            item = self.base.itemData(i)
            if item == data or (
                isinstance(item, ModelInfo)
                and isinstance(data, ModelInfo)
                and item.path == data.path
            ):
                return i
        return -1

    def _refuse(self, index: int, problem: str) -> None:
        info = self.base.itemData(index)
        self.base.setItemText(index, f"{info.name} (workspace: cannot be a base)")
        self.base.setItemData(
            index, f"{info.name} cannot be a base: {problem}.", Qt.ItemDataRole.ToolTipRole
        )
        self.base.model().item(index).setEnabled(False)

    def base_chosen(self) -> None:
        """Show what the chosen base needs; a workspace model's layers are read in a worker."""
        info = self.base.currentData()
        workspace_model = isinstance(info, ModelInfo)
        self.weights.setEnabled(not workspace_model)
        self.layer.clear()
        self.layer.setEnabled(False)
        if not workspace_model:
            self._previous = info
            self._describe()
            self.changed.emit()
            self.schedule_warm_up()
            return
        self._warm_timer.stop()  # until its layers are read
        self.layer.addItem("reading the model…")
        self.say(f"Reading {info.name}…")
        self._reading = info
        self.reading.start(lambda run: read_layers(info))

    @Slot(object)
    def _read(self, result) -> None:
        self._layers(self._reading, *result)

    @Slot(str, object)
    def _not_read(self, message: str, error: Exception) -> None:
        self._layers(self._reading, [], f"it cannot be opened: {message.rstrip('.')}")

    def _layers(self, info: ModelInfo, names: list[str], problem: str | None) -> None:
        FIT[fit_key(info)] = problem or ""
        if self.base.currentData() is not info:
            return
        if problem:
            self._refuse(self.base.currentIndex(), problem)
            self.base.setCurrentIndex(max(0, self._index_of(self._previous)))
            self.base_chosen()
            self.say(
                f"{info.name} cannot be a base: {problem}. It stays in the list greyed "
                f"out; {self.base.currentText()} is the base again.",
                error=True,
            )
            return
        self._previous = info
        self.layer.clear()
        self.layer.addItems(names)
        self.layer.setEnabled(True)
        self.say(
            f"{info.name} ({info.input_size[0]}x{info.input_size[1]} images) is cut at the "
            f"chosen layer; the layer's output, averaged, is each image's embedding."
        )
        self.changed.emit()
        self.schedule_warm_up()

    # -- weights -------------------------------------------------------------------------------
    def _weights_chosen(self, index: int) -> None:
        if self.weights.itemData(index) != FROM_FILE:
            self._weights_index = index
            self._describe()
            self.schedule_warm_up()
            return
        start = zoo.keras_cache() if zoo.keras_cache().is_dir() else Path.home()
        path, _ = QFileDialog.getOpenFileName(
            self,
            f"Weights for {self.base.currentText()}",
            str(start),
            "Keras weights (*.h5 *.keras);;All files (*)",
        )
        self.weights.setCurrentIndex(self._weights_index)
        if path:
            self.use_weights_file(path)

    def use_weights_file(self, path) -> bool:
        """Take the weights in ``path`` for zoo bases (a quick look at the file now, the full
        check when the base is built); False, with the reason shown, when it cannot be."""
        problem = weights_file_problem(path)
        if problem:
            self.say(f"{problem}. The weights stay as they were.", error=True)
            return False
        path = str(Path(path).resolve())
        index = self.weights.findData(path)
        if index < 0:
            index = self.weights.count() - 1  # before "from a file…"
            self.weights.insertItem(index, f"file: {Path(path).name}", path)
            self.weights.setItemData(index, path, Qt.ItemDataRole.ToolTipRole)
        self.weights.setCurrentIndex(index)
        self._weights_index = index
        self._describe()
        self.schedule_warm_up()
        return True

    def _describe(self) -> None:
        weights = self.weights.currentData()
        if weights == "imagenet":
            text = (
                f"ImageNet weights are downloaded once (needs the internet), then kept "
                f"in\n{zoo.keras_cache()}"
            )
        elif weights is None:
            text = OFFLINE_CHOICES
        else:
            text = f"Weights from\n{weights}\n(checked as the base is built)"
        self.say(text)

    # -- building ahead of Train -------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.schedule_warm_up()

    def schedule_warm_up(self) -> None:
        """Prepare the current choice once it has stayed WARM_UP_MS while the panel shows
        (browsing the list builds nothing; a hidden tab costs the live view nothing)."""
        if WARM_UP_MS is not None and self.isVisible() and not self._holding:
            self._warm_timer.start(WARM_UP_MS)

    def hold_warm_up(self) -> None:
        """Training is starting: no warm-up competes with it (one already building finishes,
        and Train takes its base)."""
        self._holding = True
        self._warm_timer.stop()
        self._wanted = None

    def resume_warm_up(self) -> None:
        """Training has ended: prepare the current choice again (stage 2 changed its weights)."""
        self._holding = False
        self.schedule_warm_up()

    def _warm_up(self) -> None:
        try:
            choice = self.choice()
        except ValueError:  # a workspace model still being read: its layers call back
            return
        key = self._wanted = choice.key()
        self.warming.start(
            lambda run: choice.prepare(lambda: self._wanted == key and not run.cancel.is_set())
        )

    @Slot(object)
    def _prepared(self, base) -> None:
        if not isinstance(base, embeddings.Base):
            return
        weights = self.weights.currentData()
        if self.weights.isEnabled() and weights not in (None, "imagenet"):
            self.say(f"Weights from\n{weights}\nfit {self.base.currentText()}.")
        self.prepared.emit(base)

    @Slot(str, object)
    def _not_prepared(self, message: str, error: Exception) -> None:
        """Say now, not after Train, why the chosen weights cannot make the base."""
        try:
            current = self.choice().key()
        except ValueError:
            return
        if isinstance(error, BaseProblem) and current == self._wanted:
            self.say(message, error=True)

    # -- the choice --------------------------------------------------------------------------
    def choice(self) -> BaseChoice:
        """What Train builds; ValueError while a workspace model is still being read."""
        info = self.base.currentData()
        if isinstance(info, ModelInfo):
            if not self.layer.isEnabled() or not self.layer.currentText():
                raise ValueError(f"{info.name} is still being read: wait a moment.")
            return BaseChoice(model=info, layer=self.layer.currentText())
        return BaseChoice(zoo_name=info, weights=self.weights.currentData())

    def say(self, text: str, error: bool = False) -> None:
        self.note.set_tone("error" if error else "note")
        self.note.setText(text)
