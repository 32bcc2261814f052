"""Headless commands: the same engine as the window, printing JSON lines for scripts."""

from __future__ import annotations

import json
import sys
import threading
from typing import TextIO

from engine.frames import Result
from engine.sources import Source, SourceError
from engine.stream import LiveStream


def classify(source: Source, classifier, *, realtime: bool = False, frames: int | None = None,
             out: TextIO | None = None) -> int:
    """Classify frames from ``source`` and print one JSON line per classified frame.

    Without ``realtime`` every frame is classified, unpaced and with no dropping; with it the
    live behaviour applies (source's pace, newest frame wins). Returns the exit status.
    """
    out = out or sys.stdout
    try:
        source.open()
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    source.close()
    lock = threading.Lock()
    failed = []

    def emit(result: Result) -> None:
        line = {"frame": result.index, "latency_ms": round(result.latency_ms, 2),
                "top": [[name, round(p, 6)] for name, p in result.labels]}
        with lock:
            out.write(json.dumps(line) + "\n")
            out.flush()

    def status(kind: str, message: str) -> None:
        if kind in ("lost", "error"):
            failed.append(message)
            print(f"error: {message}", file=sys.stderr)

    stream = LiveStream(source, classifier, on_result=emit, on_status=status,
                        paced=realtime, lossless=not realtime, max_frames=frames)
    stream.start()
    try:
        while not stream.wait(0.2):
            if failed and not realtime:
                break
    except KeyboardInterrupt:
        pass
    finally:
        stream.stop()
    return 1 if failed else 0

