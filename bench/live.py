"""Live pipeline benchmark: the course's synchronous loop against the app's engine stream.

    python bench/live.py [--models MobileNetV2,MobileNetV3Small,ResNet50,NASNetLarge]
                         [--seconds 12] [--gui] [--soak SECONDS]
    KERAS_BACKEND=torch python bench/live.py [--course-on-worker] ...

For each model (weights=None: weights do not change the speed) and each source mode (a 640x480
video written here, played paced at 30 fps like a camera, and unpaced), it runs (a) a faithful
re-implementation of the course's loop (read, resize, preprocess, model.predict, draw) and (b) the
engine's LiveStream, in this one process, and prints a Markdown table. It also prints each
model's FLOPs per frame, this machine's float32 matmul rate, and from them the best possible
latency and the fraction of it reached.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import psutil

from bench.flops import forward_flops
from engine import backend
from engine.live import sources
from engine.live.stream import LiveStream
from engine.models import zoo
from engine.models.classifier import Classifier
from engine.models.labels import imagenet_labels, top_k

FPS = 30.0


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def write_video(path: Path, seconds: float = 10.0) -> Path:
    """A 640x480 MJPG clip of the demo pattern, FPS frames a second."""
    demo = sources.SyntheticSource(640, 480, FPS)
    demo.open()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    for _ in range(int(seconds * FPS)):
        writer.write(demo.read()[..., ::-1])
    writer.release()
    return path


class CameraLikeSource(sources.Source):
    """A looping video that behaves like a camera: frames appear at FPS in real time whether or
    not anyone reads them; a read waits for the next one, or returns the newest if it is late."""

    def __init__(self, path: Path):
        self.inner = sources.VideoFileSource(path)
        self.name, self.fps = "paced 30 fps", None  # the device paces itself

    def open(self):
        self.inner.open()
        self.start, self.served = time.perf_counter(), -1

    def read(self):
        due = int((time.perf_counter() - self.start) * FPS)
        if due <= self.served:
            time.sleep((self.served + 1) / FPS - (time.perf_counter() - self.start))
            due = self.served + 1
        for _ in range(due - self.served - 1):  # frames that went by unread
            self.inner.read()
        self.served = due
        return self.inner.read()

    def close(self):
        self.inner.close()


@dataclass
class Run:
    """What one pipeline did over one measured stretch."""

    model: str
    source: str
    pipeline: str
    latencies: list = field(default_factory=list)  # seconds per forward
    e2e: list = field(default_factory=list)  # capture -> result, seconds
    displayed: int = 0
    classified: int = 0
    seconds: float = 0.0
    rss_start: float = 0.0
    rss_end: float = 0.0

    def row(self, backend_name: str, device: str, ratio: str) -> str:
        ms = lambda xs, q: f"{1000 * float(np.percentile(xs, q)):.1f}" if xs else "-"  # noqa: E731
        return (
            f"| {self.model} | {backend_name} | {device} | {self.source} | {self.pipeline} | "
            f"{ms(self.latencies, 50)} | {ms(self.latencies, 95)} | "
            f"{self.classified / self.seconds:.1f} | {self.displayed / self.seconds:.1f} | "
            f"{ms(self.e2e, 50)} | {ms(self.e2e, 95)} | {self.rss_start:.0f} | "
            f"{self.rss_end:.0f} | {ratio} |"
        )


def course_loop(model, entry, source: sources.Source, seconds: float, label: str) -> Run:
    """The course's webcam script: one synchronous loop around model.predict."""
    preprocess, names = zoo.preprocessing(entry.module), imagenet_labels()
    run = Run(entry.name, label, "course loop", rss_start=rss_mb())
    source.open()
    model.predict(np.zeros((1, *entry.input_size, 3), np.float32), verbose=0)  # warm-up
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        frame = source.read()
        captured = time.perf_counter()
        t0 = time.perf_counter()
        image = cv2.resize(frame, entry.input_size).astype(np.float32)
        probabilities = model.predict(preprocess(image[None]), verbose=0)[0]
        run.latencies.append(time.perf_counter() - t0)
        labels = top_k(probabilities, names, 5)
        shown = frame.copy()
        for i, (name, p) in enumerate(labels):
            cv2.putText(
                shown,
                f"{name} {p:.2f}",
                (10, 30 + 30 * i),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.8,
                (255, 255, 255),
                2,
            )
        run.e2e.append(time.perf_counter() - captured)
        run.displayed += 1
        run.classified += 1
    run.seconds = time.perf_counter() - start
    source.close()
    run.rss_end = rss_mb()
    return run


def engine_stream(
    classifier, entry, source: sources.Source, seconds: float, label: str, paced: bool
) -> Run:
    """The app's LiveStream: capture and inference threads, newest frame wins."""
    run = Run(entry.name, label, "engine stream", rss_start=rss_mb())
    lock = threading.Lock()

    def on_result(result):
        with lock:
            run.latencies.append(result.latency_ms / 1000)
            run.e2e.append(result.finished - result.captured)

    stream = LiveStream(source, classifier, on_result=on_result, paced=paced)
    stream.start()
    time.sleep(1.0)  # let the source open and the first frames pass
    with lock:
        run.latencies.clear()
        run.e2e.clear()
    f0, c0, start = stream.frames_captured, stream.frames_classified, time.perf_counter()
    time.sleep(seconds)
    run.displayed = stream.frames_captured - f0
    run.classified = stream.frames_classified - c0
    run.seconds = time.perf_counter() - start
    stream.stop()
    run.rss_end = rss_mb()
    return run


def on_thread(function, worker: bool, *args):
    """``function(*args)``, on a worker thread if ``worker``."""
    if not worker:
        return function(*args)
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)))
    thread.start()
    thread.join()
    return result[0]


def matmul_rate(n: int = 2048, repeats: int = 8) -> float:
    """float32 matmul FLOP/s through the Keras backend on its default device."""
    import keras

    a = keras.random.normal((n, n))
    b = keras.random.normal((n, n))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, b)[0, 0])  # warm-up and sync
    start = time.perf_counter()
    for _ in range(repeats):
        c = keras.ops.matmul(a, b)
    keras.ops.convert_to_numpy(c[0, 0])
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def gui_paint_rate(seconds: float, video: Path) -> tuple[float, float]:
    """Frames painted per second in the real window while MobileNetV2 classifies a 30 fps video."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from engine.workspace.store import Workspace
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(
        LiveStream(sources.VideoFileSource(video)),
        Workspace(tempfile.mkdtemp(prefix="bench-ws-")),
        model="MobileNetV2",
        weights=None,
        cameras=[],
    )
    window.show()
    window.start()
    deadline = time.perf_counter() + 120
    while window.stream.frames_classified < 5 and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    p0, c0, start = window.view.frames_painted, window.stream.frames_classified, time.perf_counter()
    while time.perf_counter() - start < seconds:
        app.processEvents()
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    painted = (window.view.frames_painted - p0) / elapsed
    inferred = (window.stream.frames_classified - c0) / elapsed
    window.close()
    return painted, inferred


def soak(seconds: float, video: Path) -> None:
    """Run the engine stream on MobileNetV2 for ``seconds`` and print memory over time."""
    classifier = zoo.zoo_classifier("MobileNetV2", None)
    classifier.warm_up()
    stream = LiveStream(sources.VideoFileSource(video), classifier).start()
    time.sleep(5)
    first = rss_mb()
    print(f"soak: MobileNetV2, {backend.name()}, {seconds:.0f} s; RSS after warm-up {first:.0f} MB")
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        time.sleep(min(60, seconds))
        print(
            f"  t={time.perf_counter() - start:5.0f} s  RSS {rss_mb():.0f} MB  "
            f"frames {stream.frames_captured}  classified {stream.frames_classified}",
            flush=True,
        )
    stream.stop()
    print(f"soak: growth {rss_mb() - first:+.1f} MB over {seconds:.0f} s")


HEADER = (
    "| model | backend | device | source | pipeline | latency median ms | p95 ms | "
    "inference fps | display fps | end-to-end median ms | p95 ms | RSS start MB | "
    "RSS end MB | inference fps (b)/(a) |\n" + "|---" * 14 + "|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="MobileNetV2,MobileNetV3Small,ResNet50,NASNetLarge")
    parser.add_argument("--seconds", type=float, default=12.0, help="measured seconds per run")
    parser.add_argument("--modes", default="paced,unpaced")
    parser.add_argument("--gui", action="store_true", help="also measure the real window")
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="only the memory soak")
    parser.add_argument(
        "--course-on-worker",
        action="store_true",
        help="run the course's loop on a worker thread too (under torch, calls on a loaded "
        "machine's main thread were many times slower than the same calls on a worker)",
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    video = write_video(folder / "clip.avi")
    if args.soak:
        soak(args.soak, video)
        return 0
    import keras

    name, device = backend.name(), backend.describe_device()
    rate = on_thread(matmul_rate, args.course_on_worker)
    print(
        f"# bench/live.py: Keras {keras.__version__}, backend {name}, device {device}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"float32 matmul rate: {rate / 1e9:.1f} GFLOP/s (2048x2048, keras.ops.matmul)\n")
    rows, floors = [], []
    for model_name in args.models.split(","):
        entry = zoo.ZOO[model_name]
        model = zoo.build(model_name, weights=None)
        flops = forward_flops(model)
        classifier = Classifier(
            model,
            entry.input_size,
            zoo.preprocessing(entry.module),
            imagenet_labels(),
            name=model_name,
            alpha=0.0,
        )
        classifier.warm_up()
        engine_latencies = []
        for mode in args.modes.split(","):
            paced = mode == "paced"
            make = (
                (lambda: CameraLikeSource(video))
                if paced
                else (lambda: sources.VideoFileSource(video))
            )
            label = "30 fps paced" if paced else "unpaced"
            course = on_thread(
                course_loop, args.course_on_worker, model, entry, make(), args.seconds, label
            )
            ours = engine_stream(classifier, entry, make(), args.seconds, label, paced=False)
            engine_latencies += ours.latencies
            ratio = (ours.classified / ours.seconds) / max(course.classified / course.seconds, 1e-9)
            rows += [course.row(name, device, ""), ours.row(name, device, f"{ratio:.2f}x")]
            print(rows[-2], rows[-1], sep="\n", flush=True)
        best = flops / rate
        measured = statistics.median(engine_latencies) if engine_latencies else float("nan")
        floors.append(
            f"| {model_name} | {flops / 1e9:.2f} | {1000 * best:.3f} | "
            f"{1000 * measured:.1f} | {100 * best / measured:.1f}% |"
        )
        del model, classifier
    print("\n" + HEADER)
    print("\n".join(rows))
    print(
        "\n| model | GFLOPs per frame | best possible ms (FLOPs / matmul rate) | "
        "engine median ms | fraction of the floor reached |\n|---|---|---|---|---|"
    )
    print("\n".join(floors))
    if args.gui:
        painted, inferred = gui_paint_rate(args.seconds, video)
        print(
            f"\nGUI: {painted:.1f} frames painted per second in the real window (offscreen), "
            f"{inferred:.1f} inferences per second, MobileNetV2, 30 fps video"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
