"""The Qt bindings themselves: a PySide6 bug that would crash the app after enough signals."""

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    changed = Signal(str, int)


def test_emitting_signals_keeps_python_s_reference_counts(qtbot):
    # PySide6 6.12.0 drops a reference to True on every emit(): after a few thousand signals
    # (minutes of live video) Python aborts with "bool_dealloc". pyproject.toml pins below it.
    emitter = Emitter()
    received = []
    emitter.changed.connect(lambda text, number: received.append(number))
    before = sys.getrefcount(True)
    for n in range(300):
        emitter.changed.emit("frame", n)
    assert len(received) == 300
    assert sys.getrefcount(True) - before > -10
