"""`python main.py classify`: one JSON line per classified frame, for scripts.

Without ``--realtime`` every frame is classified in order, one line each, and the command ends
after the last: the frames of a video, each image of a folder once (by name), or ``--frames N``
of a live source. A frame the model cannot run on is said on stderr, with its number, and the
exit status says it too. With ``--realtime`` the live loop runs (the source's pace, newest frame
wins) and frames the model cannot keep up with are dropped, as in the window.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from cli.boundary import LOG_ONLY
from engine import failures
from engine.failures import BadFile, LabError
from engine.live import sources
from engine.live.frames import Result, frame_problem
from engine.live.reader import Reader, Stalled
from engine.live.sources import EndOfStream, Source, SourceError
from engine.live.stream import LiveStream
from engine.models import zoo

log = logging.getLogger(__name__)

OPEN_SECONDS = 15.0  # a camera or a video that takes longer to open is not coming
READ_SECONDS = 10.0  # nor one that takes longer for a frame


def main(args) -> int:
    """Classify the frames of the source the options name; the exit status."""
    from cli.arguments import weights_option

    source = (
        sources.from_options(args.video, args.images, args.demo, args.camera, loop=False)
        or sources.SyntheticSource()
    )
    try:
        classifier = zoo.load_classifier(
            args.model or zoo.DEFAULT_MODEL,
            weights_option(args),
            top_k=args.top_k or 5,
            alpha=args.smoothing,
        )
    except (zoo.WeightsMissing, ValueError, FileNotFoundError) as error:
        if isinstance(error, LabError):
            raise
        print(f"error: {error}", file=sys.stderr)
        return failures.EXIT_USAGE
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

    Without ``realtime`` every frame is classified, in order and unpaced, and each frame the
    model cannot run on is one line on stderr; with it the live behaviour applies (the
    source's pace, newest frame wins). Returns the exit status.
    """
    out = out or sys.stdout
    if realtime:
        return _live(source, classifier, frames, out)
    status = failures.EXIT_OK
    for index, name, image in every_frame(source, frames):
        line = _classified(index, name, image, classifier)
        if isinstance(line, failures.Failure):
            label = f"frame {index}" + (f" ({name})" if name else "")
            print(f"error: {label}: {line.sentence}", file=sys.stderr, flush=True)
            status = status or line.exit_code
            continue
        out.write(line + "\n")
        out.flush()
    return status


def every_frame(
    source: Source, limit: int | None = None
) -> Iterator[tuple[int, str | None, np.ndarray | Exception]]:
    """(number, image name or None, the frame or why it could not be read) for each frame of
    ``source`` in order: each image of a folder once, by name; a video to its end; a live
    source until ``limit``. Reads have a time limit, so a camera that hangs is said so."""
    if isinstance(source, sources.ImageFolderSource):
        files = sources.list_images(source.folder) if source.folder.is_dir() else []
        if not files:
            raise BadFile(
                f"{source.folder} holds no images ({', '.join(sorted(sources.IMAGE_SUFFIXES))})"
            )
        for index, path in enumerate(files[:limit]):
            yield index, path.name, _image(path)
        return
    reader = Reader(source)
    try:
        try:
            reader.call("open", OPEN_SECONDS)
        except (SourceError, Stalled) as error:
            raise BadFile(str(error)) from error
        index = 0
        while limit is None or index < limit:
            try:
                image = reader.call("read", READ_SECONDS)
            except EndOfStream:
                return
            except Stalled:
                raise LabError(
                    f"{source.name} gave no frame for {READ_SECONDS:g} s: check the device"
                ) from None
            except SourceError as error:
                raise LabError(str(error)) from error
            yield index, None, image
            index += 1
    finally:
        reader.close()


def _image(path: Path) -> np.ndarray | Exception:
    try:
        return sources.load_rgb(path)
    except (ValueError, OSError) as error:
        return error


def _classified(index: int, name: str | None, image, classifier) -> str | failures.Failure:
    """The JSON line for one frame, or why it has none."""
    if isinstance(image, Exception):
        return failures.explain(image) or failures.Failure(_stop(str(image)), failures.EXIT_DATA)
    problem = frame_problem(image)
    if problem:
        return failures.Failure(f"not an RGB picture ({problem}).", failures.EXIT_DATA)
    started = time.perf_counter()
    try:
        probabilities, labels = classifier.classify(image)
    except Exception as error:
        known = failures.explain(error)
        if known is not None:
            return known
        log.error("the model failed on frame %d", index, exc_info=error, extra=LOG_ONLY)
        return failures.Failure(f"the model could not run on it ({error}).", failures.EXIT_FAILED)
    if not np.all(np.isfinite(probabilities)):
        return failures.Failure(
            "the model's scores are not numbers (NaN or infinite): the model is damaged, "
            "train it again.",
            failures.EXIT_FAILED,
        )
    return _line(index, name, (time.perf_counter() - started) * 1000, labels)


def _stop(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _line(index: int, name: str | None, latency_ms: float, labels) -> str:
    line: dict = {"frame": index}
    if name is not None:
        line["image"] = name
    line["latency_ms"] = round(latency_ms, 2)
    line["top"] = [[label, round(float(p), 6)] for label, p in labels]
    return json.dumps(line, allow_nan=False)


def _live(source: Source, classifier, frames: int | None, out: TextIO) -> int:
    """The live loop's behaviour: paced, newest frame wins; ends with the source."""
    lock = threading.Lock()
    failed: list[int] = []
    closed: list[BaseException] = []

    def emit(result: Result) -> None:
        if closed:
            return
        line = _line(result.index, None, result.latency_ms, result.labels)
        with lock:
            try:
                out.write(line + "\n")
                out.flush()
            except (BrokenPipeError, ValueError) as error:  # the reader went away
                closed.append(error)

    def status(kind: str, message: str) -> None:
        if kind in ("lost", "error"):
            failed.append(failures.EXIT_FAILED)
            print(f"error: {message}", file=sys.stderr, flush=True)

    stream = LiveStream(
        source, classifier, on_result=emit, on_status=status, paced=True, max_frames=frames
    )
    stream.start()
    try:
        while stream.running and not closed:  # until its last frame's labels are printed
            time.sleep(0.05)
    finally:
        stream.stop()
    if closed:
        raise BrokenPipeError("the output was closed")
    return failed[0] if failed else failures.EXIT_OK
