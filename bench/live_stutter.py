"""How long the live view stops between two painted frames, with the window's cycle collector
scanning everything on each 3-second tick (as it did) against the young generations only and
everything once a minute (gui/core/workers.py GarbagePolicy).

    QT_QPA_PLATFORM=offscreen python bench/live_stutter.py [--seconds 15]

The real MainWindow on the 30 fps demo stream with MobileNetV2 (weights=None) live; each setting
runs in its own process, one after the other, and prints the median, 99th percentile and worst
gap between newly painted frames.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(full_every: int, seconds: float) -> str:
    from PySide6.QtWidgets import QApplication

    from engine import backend

    backend.select("tensorflow")
    from engine.live import sources
    from engine.live.stream import LiveStream
    from engine.workspace.store import Workspace
    from gui.core.workers import GarbagePolicy
    from gui.main_window import MainWindow

    GarbagePolicy.FULL_EVERY = full_every
    app = QApplication([])
    window = MainWindow(
        LiveStream(sources.SyntheticSource()),
        Workspace(tempfile.mkdtemp()),
        model="MobileNetV2",
        weights=None,
    )
    window.show()
    window.start()
    until = time.monotonic() + 15  # the model loads and warms up
    while time.monotonic() < until:
        app.processEvents()
        time.sleep(0.005)
    gaps, last, count = [], time.monotonic(), window.view.frames_painted
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        app.processEvents()
        time.sleep(0.002)
        if window.view.frames_painted != count:
            now = time.monotonic()
            gaps.append(now - last)
            last, count = now, window.view.frames_painted
    window.close()
    gaps.sort()
    ms = [1000 * gaps[len(gaps) // 2], 1000 * gaps[int(0.99 * len(gaps))], 1000 * gaps[-1]]
    return (
        f"{len(gaps)} frames; gap median {ms[0]:.0f} ms, 99th {ms[1]:.0f} ms, worst {ms[2]:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--full-every", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.full_every:
        print(measure(args.full_every, args.seconds))
        return 0
    for label, full_every in (("full scan every tick (before)", 1), ("young each tick (now)", 20)):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--seconds",
                str(args.seconds),
                "--full-every",
                str(full_every),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{label:32} {done.stdout.strip().splitlines()[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
