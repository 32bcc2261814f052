"""The gradient of a class score with respect to the input against the compiled forward, for one
Keras backend: the issue-17 target is at most 4x.

    python bench/gradients.py --backend tensorflow   # or torch, jax
    python bench/gradients.py --backend jax --models MobileNetV2,ResNet50 --repeats 20

Random weights, batch 1, one 224x224 picture. Prints per model the median ms of the compiled
forward (``backend.compiled_forward``, what the live stream runs), of the eager gradient
(``backend.value_and_grad``, what attacks and saliency took before) and of the compiled one
(``backend.compiled_value_and_grad``, a new class each call, as the app asks), each as a
multiple of the forward, measured interleaved (one call of each per round), and how often the
compiled gradient was traced (once: new classes compile nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import backend


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=backend.BACKENDS)
    parser.add_argument("--models", default="MobileNetV2")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--eager-repeats", type=int, default=3)
    args = parser.parse_args()
    backend.select(args.backend)

    import numpy as np
    from keras import ops

    from engine.models import zoo

    print(f"backend {backend.name()}, batch 1, median ms of interleaved rounds")
    print(
        "| model | forward ms | eager gradient ms | compiled gradient ms | eager / forward "
        "| compiled / forward | traces |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.models.split(","):
        model = zoo.build(name, None)
        preprocess = zoo.preprocessing(zoo.ZOO[name].module)
        size = zoo.ZOO[name].size
        x = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
        batch = np.asarray(preprocess(x.copy()), np.float32)
        classes = int(model.output_shape[-1])

        def score(t, onehot, model=model):
            return ops.sum(ops.multiply(onehot, model(t, training=False)))

        forward = backend.compiled_forward(model)
        compiled = backend.compiled_value_and_grad(score, model.variables)
        onehot = [np.eye(classes, dtype=np.float32)[[i]] for i in range(args.repeats + 2)]
        forward(batch), compiled(batch, onehot[0])  # warm-up: tracing, allocations
        times = {"forward": [], "eager": [], "compiled": []}
        for i in range(args.repeats):
            started = time.perf_counter()
            forward(batch)
            times["forward"].append(time.perf_counter() - started)
            started = time.perf_counter()
            compiled(batch, onehot[i + 1])
            times["compiled"].append(time.perf_counter() - started)
            if i < args.eager_repeats:  # slow: a few rounds are enough
                started = time.perf_counter()
                backend.value_and_grad(lambda t, h=onehot[i + 1]: score(t, h), batch)
                times["eager"].append(time.perf_counter() - started)
        ms = {k: 1000 * statistics.median(v) for k, v in times.items()}
        print(
            f"| {name} | {ms['forward']:.1f} | {ms['eager']:.1f} | {ms['compiled']:.1f} "
            f"| {ms['eager'] / ms['forward']:.2f}x | {ms['compiled'] / ms['forward']:.2f}x "
            f"| {compiled.traces} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
