"""`python main.py classify`: one JSON line per classified frame, for scripts."""

from __future__ import annotations

import json
import sys
import threading
from typing import TextIO

from engine.live import sources
from engine.live.frames import Result
from engine.live.sources import Source, SourceError
from engine.live.stream import LiveStream
from engine.models import zoo


def main(args) -> int:
    """Classify the frames of the source the options name; the exit status."""
    from cli.arguments import weights_option

    source = (
        sources.from_options(args.video, args.images, args.demo, args.camera, loop=False)
        or sources.SyntheticSource()
    )
    if not (args.video or args.images) and args.frames is None and not args.realtime:
        print("error: a live source never ends; give --frames N or --video FILE", file=sys.stderr)
        return 2
    try:
        classifier = zoo.load_classifier(
            args.model or zoo.DEFAULT_MODEL,
            weights_option(args),
            top_k=args.top_k,
            alpha=args.smoothing,
        )
    except (zoo.WeightsMissing, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return classify(source, classifier, realtime=args.realtime, frames=args.frames)


def classify(
    source: Source,
    classifier,
    *,
    realtime: bool = False,
    frames: int | None = None,
    out: TextIO | None = None,
) -> int:
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
        line = {
            "frame": result.index,
            "latency_ms": round(result.latency_ms, 2),
            "top": [[name, round(p, 6)] for name, p in result.labels],
        }
        with lock:
            out.write(json.dumps(line) + "\n")
            out.flush()

    def status(kind: str, message: str) -> None:
        if kind in ("lost", "error"):
            failed.append(message)
            print(f"error: {message}", file=sys.stderr)

    stream = LiveStream(
        source,
        classifier,
        on_result=emit,
        on_status=status,
        paced=realtime,
        lossless=not realtime,
        max_frames=frames,
    )
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
