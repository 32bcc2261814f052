"""What the README screenshot tools share: a real window on the demo stream, waiting on the
event loop, and saving what the window shows."""

from __future__ import annotations

import time
from pathlib import Path

from engine.live import sources
from engine.live.stream import LiveStream
from gui.main_window import MainWindow


def wait(app, condition, seconds: float) -> None:
    """Run the event loop until ``condition()`` holds or ``seconds`` have passed."""
    deadline = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)


def open_window(workspace, width: int, height: int, model=None) -> MainWindow:
    """The app's window on the demo stream, shown and started (a QApplication must exist)."""
    window = MainWindow(LiveStream(sources.SyntheticSource()), workspace, model=model, cameras=[])
    window.resize(width, height)
    window.show()
    window.start()
    return window


def save(window, output: str) -> int:
    """Save the window as shown to ``output`` (PNG), close it and say where."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(output)
    window.close()
    print(f"wrote {output}")
    return 0
