"""Top-k labels as bars: each class name over a bar showing its probability."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget


class LabelBars(QWidget):
    """k rows of 'name' over a bar showing its probability."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._rows: list[tuple[QLabel, QProgressBar]] = []

    def show_labels(self, labels: list[tuple[str, float]]) -> None:
        while len(self._rows) < len(labels):
            name, bar = QLabel(), QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(True)
            self._layout.addWidget(name)
            self._layout.addWidget(bar)
            self._rows.append((name, bar))
        for i, (name_label, bar) in enumerate(self._rows):
            visible = i < len(labels)
            name_label.setVisible(visible)
            bar.setVisible(visible)
            if visible:
                name, p = labels[i]
                name_label.setText(name)
                bar.setValue(round(p * 1000))
                bar.setFormat(f"{100 * p:.1f}%")

    def texts(self) -> list[str]:
        return [name.text() for name, _ in self._rows if not name.isHidden()]

    def shown(self) -> list[str]:
        """Each visible row as 'name  NN.N%', as the live overlay writes its lines."""
        return [f"{name.text()}  {bar.format()}" for name, bar in self._rows if not name.isHidden()]
