"""Each lever of the per-frame path measured alone, against the course's model.predict.

    python bench/levers.py [--model MobileNetV2] [--repeats 40]
    KERAS_BACKEND=torch python bench/levers.py

Prints the median time of: model.predict, model.predict_on_batch, a plain eager call, the
engine's compiled forward and (TensorFlow) the same with XLA; and of three ways to prepare a
640x480 frame for the network.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np

from engine import backend
from engine.models import zoo
from engine.models.classifier import fit_to_input


def median_ms(call, repeats: int, warm: int = 3) -> float:
    for _ in range(warm):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="MobileNetV2")
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    import keras

    entry = zoo.ZOO[args.model]
    model = zoo.build(args.model, weights=None)
    x = np.random.default_rng(0).uniform(-1, 1, (1, *entry.input_size, 3)).astype(np.float32)
    rows = [
        ("model.predict (the course)", lambda: model.predict(x, verbose=0)),
        ("model.predict_on_batch", lambda: model.predict_on_batch(x)),
        ("eager call model(x)", lambda: keras.ops.convert_to_numpy(model(x, training=False))),
        ("engine compiled forward", backend.compiled_forward(model)),
    ]
    if backend.name() == "tensorflow":
        rows.append(("compiled forward with XLA", backend.compiled_forward(model, xla=True)))
    print(
        f"# bench/levers.py: {args.model}, backend {backend.name()}, {backend.describe_device()}\n"
    )
    print("| per-frame step | median ms | vs model.predict |\n|---|---|---|")
    base = None
    for label, call in rows:
        call_x = call if label.startswith(("model.", "eager")) else (lambda c=call: c(x))
        ms = median_ms(call_x, args.repeats)
        base = base or ms
        print(f"| {label} | {ms:.1f} | {base / ms:.2f}x |", flush=True)
    frame = np.random.default_rng(1).integers(0, 255, (480, 640, 3), np.uint8)
    size = entry.input_size
    rows = [
        (
            "resize uint8, INTER_LINEAR, then float32 (the course)",
            lambda: cv2.resize(frame, size).astype(np.float32),
        ),
        ("float32 first, then resize", lambda: cv2.resize(frame.astype(np.float32), size)),
        (
            "centre crop + resize uint8, INTER_AREA, then float32 (engine)",
            lambda: fit_to_input(frame, size).astype(np.float32),
        ),
    ]
    for label, call in rows:
        print(f"| {label} | {median_ms(call, args.repeats * 5):.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
