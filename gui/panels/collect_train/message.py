"""What 'Collect & train' tells a person: messages whose long paths and URLs wrap anywhere
instead of widening the panel, and the list of skipped files with the reason for each."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QListWidget,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

COLOURS = {"error": "#b00020", "warning": "#8a5a00", "note": "#555", "": "palette(text)"}


class Message(QTextEdit):
    """Read-only, selectable text with QLabel's ``text`` / ``setText``; ``tone`` colours it.

    With ``lines``, its place is that many lines high whatever it says, empty or not (longer text
    scrolls): a message that comes and goes never moves the buttons around it under the
    pointer. Without, it fits its text and hides when there is none.
    """

    def __init__(self, text: str = "", tone: str = "", parent=None, lines: int = 0):
        super().__init__(parent)
        self.lines = lines
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded if lines else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)
        self.document().setDocumentMargin(1)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.set_tone(tone)
        self.setText(text)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)
        if not self.lines:
            self.setVisible(bool(text))
        self._fit()

    def set_tone(self, tone: str) -> None:
        self.setStyleSheet(f"QTextEdit {{ background: transparent; color: {COLOURS[tone]}; }}")

    def _fit(self, *_) -> None:
        if self.lines:
            margin = 2 * self.document().documentMargin()
            height = self.lines * self.fontMetrics().lineSpacing() + margin
        else:
            height = self.document().size().height() if self.toPlainText() else 0
        self.setFixedHeight(int(height) + 2 * self.frameWidth() + 2)


class SkippedFiles(QWidget):
    """'Skipped files (N)', folded; unfolded, one row per file: where it is and why.

    The toggle keeps its place when there is nothing to list, and the list unfolds above it,
    so that neither the toggle nor what is below it moves.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self._toggled)
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.setVisible(False)
        kept = self.toggle.sizePolicy()
        kept.setRetainSizeWhenHidden(True)
        self.toggle.setSizePolicy(kept)
        self.toggle.setVisible(False)
        layout.addWidget(self.list)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)

    def show_skipped(self, skipped, root: Path) -> None:
        """``skipped``: (path, reason) pairs; paths are shown relative to ``root``."""
        self.list.clear()
        for path, reason in skipped:
            where = path.relative_to(root) if path.is_relative_to(root) else path
            self.list.addItem(f"{where}: {reason.removeprefix(path.name + ': ')}")
        self.toggle.setText(f"Skipped files ({len(skipped)})")
        self.toggle.setVisible(bool(skipped))
        self.list.setVisible(bool(skipped) and self.toggle.isChecked())

    def _toggled(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.list.setVisible(shown)
