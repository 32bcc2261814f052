"""Attack speed and robust accuracy on this machine, for one Keras backend.

    python bench/adversarial.py --backend torch
    python bench/adversarial.py --train 60000 --epochs 10 --test 10000   # the full course run

    python bench/adversarial.py --backend jax --no-curve               # the speed tables only

Prints seconds per FGSM and per 10-step PGD image (batch of one, and per image in a batch of
100 for LeNet-5) for MobileNetV2 (weights=None, 224x224) and the LeNet-5 preset (28x28), each
with the eager gradient the attacks used before (``EagerTarget``: a GradientTape, or under JAX a
gradient traced afresh at every call) and with the compiled one they use now, and their ratio;
then DeepFool's candidate gradients as one tiled call against one call per class; then trains
LeNet-5 on Fashion-MNIST and prints its accuracy under FGSM and PGD at a few eps.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from engine import backend


def seconds_per_image(targets, x, spec, repeats: int) -> list[float]:
    """Median seconds per image of ``spec`` for each target, their timed runs interleaved so
    that other jobs on the machine slow each one alike."""
    from engine.adversarial.attacks import AttackSpec, run_attack

    labels = targets[0].predict(x)
    for target in targets:  # warm-up: tracing, first allocations
        run_attack(target, x, labels, AttackSpec("FGSM", spec.eps))
    times = [[] for _ in targets]
    for _ in range(repeats):
        for target, kept in zip(targets, times, strict=True):
            start = time.perf_counter()
            run_attack(target, x, labels, spec)
            kept.append(time.perf_counter() - start)
    return [statistics.median(kept) / len(x) for kept in times]


def eager_target(target):
    """``target`` with the gradient the attacks took before they were compiled: the same
    objective through ``backend.value_and_grad``, taped (or traced, under JAX) at every call."""
    import copy

    eager = copy.copy(target)
    eager.compiled = {}

    def gradient(objective, x, *args):
        fn = {"objective": eager.objective, "class": eager.class_score}[objective]
        return backend.value_and_grad(lambda t: fn(t, *args), x)[1]

    eager.gradient = gradient
    return eager


def candidate_gradients(target, x, classes: int, repeats: int) -> tuple[float, float]:
    """Seconds for DeepFool's ``classes`` gradients of one image: one tiled call, one per class."""
    tiled, rows = np.repeat(x[:1], classes, axis=0), np.arange(classes)
    target.class_gradient(tiled, rows)  # warm-up: tracing, allocations
    target.class_gradient(x[:1], rows[:1])
    one, each = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        target.class_gradient(tiled, rows)
        one.append(time.perf_counter() - start)
        start = time.perf_counter()
        for c in rows:
            target.class_gradient(x[:1], [c])
        each.append(time.perf_counter() - start)
    return statistics.median(one), statistics.median(each)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=backend.BACKENDS)
    parser.add_argument("--train", type=int, default=20000, help="Fashion-MNIST training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--test", type=int, default=1000, help="test images attacked")
    parser.add_argument("--eps", default="0,2,4,8,16,32", help="0-255 pixel units")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-curve", action="store_true", help="the speed tables only")
    args = parser.parse_args()
    backend.select(args.backend)

    import keras

    from engine.adversarial.attacks import AttackSpec, Target
    from engine.adversarial.robustness import robustness_curve
    from engine.data import datasets
    from engine.mnist import lab
    from engine.models import zoo

    print(
        f"# bench/adversarial.py: Keras {keras.__version__} ({backend.name()}, "
        f"{backend.describe_device()}), {os.cpu_count()} CPUs\n"
    )
    fgsm, pgd = AttackSpec("FGSM", 8.0), AttackSpec("PGD L∞", 8.0, steps=10)
    rng = np.random.default_rng(0)
    data = datasets.load_fashion_mnist()
    lenet = lab.PRESETS["lenet5"]
    networks = [
        (
            "MobileNetV2 (224x224, weights=None)",
            Target(zoo.build("MobileNetV2", None), zoo.preprocessing("mobilenet_v2"), (224, 224)),
            rng.uniform(0, 255, (1, 224, 224, 3)),
            [1],
        ),
        (
            "LeNet-5 preset (28x28)",
            Target(
                lab.build_network(lenet.layers), zoo.preprocessing("unit"), (28, 28), channels=1
            ),
            data.x_test[:100, ..., None],
            [1, 100],
        ),
    ]
    print(
        "| Network | batch | FGSM eager | FGSM compiled | ratio | PGD-10 eager | PGD-10 compiled "
        "| ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for title, target, images, batches in networks:
        for batch in batches:
            x = images[:batch].astype(np.float32)
            cells = []
            for spec in (fgsm, pgd):
                eager, compiled = seconds_per_image(
                    [eager_target(target), target], x, spec, args.repeats
                )
                cells.append(f"{eager:.4f} | {compiled:.4f} | {eager / compiled:.1f}x")
            print(f"| {title} | {batch} | {' | '.join(cells)} |", flush=True)

    title, target, images, _ = networks[0]
    one, each = candidate_gradients(target, images.astype(np.float32), 11, args.repeats)
    print(
        f"\nDeepFool's 11 class gradients of one image, {title}: {one:.3f} s in one tiled call, "
        f"{each:.3f} s in 11 calls ({each / one:.1f}x)",
        flush=True,
    )
    if args.no_curve:
        return 0

    start = time.perf_counter()
    result = lab.train(
        lenet.layers,
        lenet.optimizer,
        data.subset(args.train),
        epochs=args.epochs,
        title=lenet.title,
    )
    target = Target(result.model, zoo.preprocessing("unit"), (28, 28), data.class_names, 1)
    eps = [float(e) for e in args.eps.split(",")]
    x, y = data.x_test[: args.test, ..., None].astype(np.float32), data.y_test[: args.test]
    print(
        f"\nLeNet-5 on Fashion-MNIST: {args.train} training images, {result.epochs_done} epochs "
        f"({time.perf_counter() - start:.0f} s), test error {100 * result.test_error:.2f}%; "
        f"accuracy on {len(x)} attacked test images (PGD: 10 steps, random start)\n"
    )
    start = time.perf_counter()
    curve = robustness_curve(target, x, y, eps, ("FGSM", "PGD L∞"), steps=10)
    print(
        "| eps (0-255) | eps (fraction) | FGSM accuracy | PGD-10 accuracy |\n|---:|---:|---:|---:|"
    )
    for i, e in enumerate(curve.eps):
        print(
            f"| {e:g} | {e / 255:.3f} | {curve.accuracy['FGSM'][i]:.3f} | "
            f"{curve.accuracy['PGD L∞'][i]:.3f} |"
        )
    print(f"\n(curve: {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
