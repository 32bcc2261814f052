"""A model list: the zoo's networks, then the workspace's models, re-read when it opens."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from engine.workspace.store import ModelInfo
from gui.widgets.steady import steady_combo


def stopped_note(info: ModelInfo) -> str:
    """ ", stopped at epoch N" for a model saved from a run a person stopped (its .json says
    ``"stopped": true``), else "": a half-trained model is never shown as a finished one."""
    if info.extra.get("stopped") is not True:
        return ""
    epochs = info.extra.get("epochs_done")
    return f", stopped at epoch {epochs}" if isinstance(epochs, int) else ", stopped early"


class ModelPicker(QComboBox):
    """Zoo networks, then workspace models; the workspace list is re-read when it opens."""

    def __init__(self, zoo_names, list_workspace, parent=None):
        super().__init__(parent)
        steady_combo(combo=self)  # a long workspace model name must not widen the panel
        self._zoo = list(zoo_names)
        self._list_workspace = list_workspace
        self.refresh()

    def refresh(self) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        for name in self._zoo:
            self.addItem(name, name)
        models = self._list_workspace()
        if models:
            self.insertSeparator(self.count())
            for info in models:
                self.addItem(
                    f"{info.name}  (workspace: {len(info.class_names)} classes"
                    f"{stopped_note(info)})",
                    info,
                )
        self.select(current)
        self.blockSignals(False)

    def select(self, data) -> None:
        """Show ``data`` (a zoo name or a ModelInfo) as the current item without loading it."""
        for i in range(self.count()):
            item = self.itemData(i)
            if item == data or (
                isinstance(item, ModelInfo)
                and isinstance(data, ModelInfo)
                and item.path == data.path
            ):
                self.blockSignals(True)
                self.setCurrentIndex(i)
                self.blockSignals(False)
                return

    def showPopup(self) -> None:
        self.refresh()
        super().showPopup()
