"""Widgets that keep their size whatever text they are given, so that the layout around them
never moves under the pointer (a long workspace model name or file name used to widen a
whole column)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def steady_combo(chars: int = 24, combo: QComboBox | None = None) -> QComboBox:
    """``combo`` (a new QComboBox by default) made as wide as ``chars`` characters, whatever
    its items; longer names are elided in the box and shown whole in its list."""
    combo = QComboBox() if combo is None else combo
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo
