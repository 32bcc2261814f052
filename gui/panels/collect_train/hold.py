"""A button that is held: it ends when the person lets go, wherever the pointer is by then."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton

LEFT = Qt.MouseButton.LeftButton


class HoldButton(QPushButton):
    """A push button held down with the mouse or the space bar: ``held(True)`` on the press,
    ``held(False)`` once it is let go.

    QPushButton sends ``released()`` only when the pointer is over it at the release: if the
    layout moves the button away meanwhile, the release lands elsewhere and the hold never ends.
    Here the hold ends on the left button's release anywhere in the application (an event filter
    while held, beside Qt's implicit grab), when the button is hidden, disabled or loses the
    focus, and when ``check()`` finds the mouse button up (a release that never reached us).
    """

    held = Signal(bool)

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.holding = False
        self._by_mouse = False

    def mousePressEvent(self, event) -> None:
        if event.button() != LEFT or self.holding:
            super().mousePressEvent(event)
            return
        event.accept()
        self._begin(by_mouse=True)

    def mouseMoveEvent(self, event) -> None:
        if self.holding:  # the hold lasts wherever the pointer goes
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self.holding and self._by_mouse and event.button() == LEFT:
            event.accept()
            self.let_go()
        else:
            super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() != Qt.Key.Key_Space:
            super().keyPressEvent(event)
            return
        event.accept()
        if not event.isAutoRepeat() and not self.holding:
            self._begin(by_mouse=False)

    def keyReleaseEvent(self, event) -> None:
        if event.key() != Qt.Key.Key_Space:
            super().keyReleaseEvent(event)
            return
        event.accept()
        if not event.isAutoRepeat() and self.holding and not self._by_mouse:
            self.let_go()

    def eventFilter(self, watched, event) -> bool:
        if (
            self.holding
            and event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == LEFT
        ):
            self.let_go()
        return False

    def check(self) -> None:
        """Let go when the mouse that holds the button is up: the safety net for a release the
        application never received (the pointer left the window, a grab was taken)."""
        if self.holding and self._by_mouse and not QGuiApplication.mouseButtons() & LEFT:
            self.let_go()

    def let_go(self) -> None:
        """End the hold (nothing happens when it is not held)."""
        if not self.holding:
            return
        self.holding = False
        if self._by_mouse:
            QApplication.instance().removeEventFilter(self)
        self.setDown(False)
        self.held.emit(False)

    def _begin(self, by_mouse: bool) -> None:
        self.holding, self._by_mouse = True, by_mouse
        if by_mouse:
            QApplication.instance().installEventFilter(self)
        self.setDown(True)
        self.held.emit(True)

    def hideEvent(self, event) -> None:
        self.let_go()
        super().hideEvent(event)

    def focusOutEvent(self, event) -> None:
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.let_go()
        super().focusOutEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.EnabledChange and not self.isEnabled():
            self.let_go()
        super().changeEvent(event)
