"""What the window remembers from one start to the next, in Qt's QSettings, each read checked."""

from __future__ import annotations

import math

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = APPLICATION = "Deep Learning Lab"  # QSettings' file: ~/.config/<these>.conf


class Remembered:
    """Reads and writes of QSettings that never break a start: a value that is missing, of the
    wrong kind, damaged or out of range reads as None, and the caller keeps its default.

    ``settings`` defaults to QSettings(), the file named by the application's organization and
    name (``gui.app`` sets them; tests point QSettings at a temporary folder).
    """

    def __init__(self, settings: QSettings | None = None):
        self.settings = settings if settings is not None else QSettings()

    def whole(self, key: str, low: int, high: int) -> int | None:
        """A whole number in [low, high]."""
        value = self._value(key)
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            number = int(value)
        except ValueError:
            return None
        return number if low <= number <= high else None

    def real(self, key: str, low: float, high: float) -> float | None:
        """A finite number in [low, high]."""
        value = self._value(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) and low <= number <= high else None

    def text(self, key: str) -> str | None:
        """A non-empty string."""
        value = self._value(key)
        return value if isinstance(value, str) and value else None

    def state(self, key: str) -> QByteArray | None:
        """Bytes a widget saved (saveState, saveGeometry); the widget judges whether they fit."""
        value = self._value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def remember(self, values: dict[str, object]) -> None:
        """Write ``values`` (key: value; None leaves a key as it was) and flush them to the file."""
        for key, value in values.items():
            if value is not None:
                self.settings.setValue(key, value)
        self.settings.sync()

    def _value(self, key: str):
        try:
            return self.settings.value(key)
        except Exception:  # a value Qt cannot convert back (a damaged @Variant)
            return None
