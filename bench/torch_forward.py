"""Each lever of the PyTorch forward measured alone, against the plain Keras call.

    KERAS_BACKEND=torch python bench/torch_forward.py [--models MobileNetV2,MobileNetV3Small,mnist]
                                                      [--repeats 20] [--no-compile]

For each network (weights=None; ``mnist`` is the MNIST lab's default CNN) it builds every lever
once, timing the build, then measures them interleaved (one call of each per round, so that the
load of a shared machine falls on all alike) and prints the median ms per frame at batch 1, the
ratio to the plain call and the largest difference from ``model(x)``. It measures on a worker
thread, as the app's stream and workers call the forward: on this shared 2-core machine torch's
intra-op threads made main-thread calls many times slower under load than the same calls on a
worker thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np

from engine import backend

AUTOTUNE = "max-autotune-no-cudagraphs"


def network(name: str):
    """The model and its (H, W, C) input for one name."""
    if name == "mnist":
        from engine.mnist.networks import build_network, parse_layers

        layers = parse_layers("conv 32x3, pool, conv 64x3, pool, dropout 0.25, dense 128")
        return build_network(layers), (28, 28, 1)
    from engine.models import zoo

    return zoo.build(name, weights=None), (*zoo.ZOO[name].input_size, 3)


def levers(model, x, compile_too: bool):
    """(label, build) pairs; each build returns a numpy -> numpy call for batch 1."""
    import torch

    class Inference(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x, training=False)

    def plain():
        def call(x):
            with torch.inference_mode():
                return model(torch.from_numpy(x), training=False).numpy()

        return call

    def traced(freeze: bool, optimize: bool, channels_last: bool = False):
        def build():
            with torch.inference_mode(False), torch.no_grad():
                module = torch.jit.trace(Inference(model).eval(), torch.from_numpy(x))
                if freeze:
                    module = torch.jit.freeze(module)
                if optimize:
                    module = torch.jit.optimize_for_inference(module)

            def call(x):
                t = torch.from_numpy(x)
                if channels_last:  # NHWC data already is NCHW in channels-last order
                    t = t.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
                    t = t.permute(0, 2, 3, 1)
                with torch.inference_mode():
                    return module(t).numpy()

            return call

        return build

    def exported():
        program = torch.export.export(Inference(model).eval(), (torch.from_numpy(x),))
        module = program.module()

        def call(x):
            with torch.inference_mode():
                return module(torch.from_numpy(x)).numpy()

        return call

    def compiled(mode: str | None):
        def build():
            fn = torch.compile(Inference(model).eval(), mode=mode)
            call = plain_call(fn)
            call(x)  # compiles here, so that the build time includes it
            return call

        return build

    def plain_call(module):
        def call(x):
            with torch.no_grad():
                return module(torch.from_numpy(x)).numpy()

        return call

    def engine(threads: int | None = None):
        def build():
            call = backend.compiled_forward(model)
            if threads is None:
                return call

            def with_threads(x):  # intra-op threads for this call only
                before = torch.get_num_threads()
                torch.set_num_threads(threads)
                try:
                    return call(x)
                finally:
                    torch.set_num_threads(before)

            return with_threads

        return build

    rows = [
        ("plain model(x), inference_mode (the engine before)", plain),
        ("jit.trace (layers' torch ops, weights live)", traced(False, False)),
        ("jit.trace + freeze", traced(True, False)),
        ("jit.trace + freeze + optimize_for_inference", traced(True, True)),
        ("the same, input in channels-last memory", traced(True, True, channels_last=True)),
        ("torch.export, .module()", exported),
        ("engine compiled_forward (after: trace + freeze per shape)", engine()),
        ("the same, 1 intra-op thread", engine(1)),
    ]
    if compile_too:
        rows += [
            ("torch.compile (inductor)", compiled(None)),
            ("torch.compile (inductor, max-autotune-no-cudagraphs)", compiled(AUTOTUNE)),
        ]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="MobileNetV2,MobileNetV3Small,mnist")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile (slow)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads before measuring")
    parser.add_argument("--main-thread", action="store_true", help="measure on the main thread")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"# bench/torch_forward.py: torch {torch.__version__}, backend {backend.name()}, "
        f"{backend.describe_device()}, {os.cpu_count()} CPUs, "
        f"{torch.get_num_threads()} intra-op threads\n"
    )
    for name in args.models.split(","):
        if args.main_thread:
            measure(name, args)
            continue
        worker = threading.Thread(target=measure, args=(name, args))
        worker.start()
        worker.join()
    return 0


def measure(name: str, args) -> None:
    """Build each lever for one network, time them interleaved and print the table."""
    import torch

    model, shape = network(name)
    x = np.random.default_rng(0).uniform(-1, 1, (1, *shape)).astype(np.float32)
    with torch.inference_mode():
        expected = model(torch.from_numpy(x), training=False).numpy()
    built = []
    for label, build in levers(model, x, not args.no_compile):
        start = time.perf_counter()
        try:
            call = build()
            call(x)
        except Exception as error:  # a lever that does not apply is a row, not a crash
            print(f"| {label} | failed: {type(error).__name__}: {error} |".split("\n")[0])
            continue
        built.append((label, call, time.perf_counter() - start))
    times = {label: [] for label, _, _ in built}
    for _ in range(args.repeats):
        for label, call, _ in built:
            start = time.perf_counter()
            call(x)
            times[label].append(time.perf_counter() - start)
    print(
        f"\n{name}, batch 1:\n\n| lever | build s | median ms | vs plain | max abs diff |\n"
        "|---|---|---|---|---|"
    )
    base = None
    for label, call, seconds in built:
        ms = 1000 * statistics.median(times[label])
        base = base or ms
        diff = float(np.max(np.abs(call(x) - expected)))
        print(f"| {label} | {seconds:.1f} | {ms:.2f} | {base / ms:.2f}x | {diff:.1e} |")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
