"""What the Inspect tab's gradients cost, eager (before) and compiled (now), for one Keras backend.

    python bench/inspect_cost.py --backend tensorflow   # or torch, jax
    python bench/inspect_cost.py --backend jax --model MobileNetV2 --repeats 10 --eager-steps 8

Random weights (the timings do not depend on them). Prints the median time of the live
classifier's call on a 640x480 frame (its compiled forward), then Grad-CAM at the last maps and
vanilla saliency of the same frame, prepared as the live probe does, as multiples of it: as they
were (eager ``backend.value_and_grad``, the code below) and as the app computes them now
(``Inspector``, compiled once per layer). Then feature visualization of one channel of the last
maps over 256 steps, in seconds: eager (timed over ``--eager-steps`` steps and scaled to 256, it
is slow) and compiled (a whole run, after a first call that compiles).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import backend

STEPS = 256


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=backend.BACKENDS)
    parser.add_argument("--model", default="MobileNetV2")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--eager-steps", type=int, default=8)
    args = parser.parse_args()
    backend.select(args.backend)

    import keras
    import numpy as np

    from bench.levers import median_ms
    from engine.inspection import features
    from engine.inspection.features import Target, objective, visualize
    from engine.inspection.inspector import Inspector
    from engine.models import zoo

    classifier = zoo.zoo_classifier(args.model, None)
    inspector = Inspector(classifier.model)
    frame = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    last = inspector.last_spatial()

    def eager_grad_cam():
        """Grad-CAM as the app computed it before: eager forwards and an eager gradient."""
        batch = classifier.prepare(frame)
        maps = inspector.activations(batch, last)[None]
        rest = inspector.rest_model(last)
        x = keras.ops.convert_to_tensor(batch)
        scores = keras.ops.convert_to_numpy(rest([x, keras.ops.convert_to_tensor(maps)]))
        index = int(np.argmax(scores[0]))
        _, grads = backend.value_and_grad(lambda m: rest([x, m], training=False)[0, index], maps)
        return np.maximum((maps[0] * grads[0].mean(axis=(0, 1))).sum(axis=-1), 0.0)

    def eager_saliency():
        batch = classifier.prepare(frame)
        index = int(np.argmax(inspector.probabilities(batch)))
        _, grads = backend.value_and_grad(lambda x: inspector.class_score(x, index), batch)
        return np.abs(grads[0]).max(axis=-1)

    print(
        f"{args.model} (weights=None), Keras {keras.__version__} ({backend.name()}) on "
        f"{backend.describe_device()}, median of {args.repeats}:"
    )
    base = median_ms(lambda: classifier.predict(frame), args.repeats, warm=3)
    print(f"  {'classify (compiled forward)':<40} {base:8.1f} ms   1.0x classify")
    for title, call in (
        (f"Grad-CAM at {last}, eager (before)", eager_grad_cam),
        (
            f"Grad-CAM at {last}, compiled (now)",
            lambda: inspector.grad_cam(classifier.prepare(frame), None, last),
        ),
        ("saliency, eager (before)", eager_saliency),
        ("saliency, compiled (now)", lambda: inspector.saliency(classifier.prepare(frame))),
    ):
        ms = median_ms(call, args.repeats, warm=2)
        print(f"  {title:<40} {ms:8.1f} ms   {ms / base:5.1f}x classify")

    target = Target(0, last)

    def eager(inspector, target, matrix, offset):
        fn = objective(inspector, target, matrix, offset)
        return lambda pixels: backend.value_and_grad(fn, pixels)

    with mock.patch.object(features, "ascent_gradient", eager):
        visualize(inspector, target, classifier.preprocess, steps=1)  # builds the sub-model
        start = time.perf_counter()
        visualize(inspector, target, classifier.preprocess, steps=args.eager_steps)
        before = (time.perf_counter() - start) * STEPS / args.eager_steps
    start = time.perf_counter()
    visualize(inspector, target, classifier.preprocess, steps=1)
    first = time.perf_counter() - start
    start = time.perf_counter()
    visualize(inspector, target, classifier.preprocess, steps=STEPS)
    after = time.perf_counter() - start
    print(
        f"  feature visualization of {last} channel 0, {STEPS} steps: "
        f"eager {before:.1f} s (from {args.eager_steps} steps), compiled {after:.1f} s "
        f"({before / after:.1f}x faster; the first call, one step, took {first:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
