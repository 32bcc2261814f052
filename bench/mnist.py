"""The course's MNIST table on this machine, and the Fashion-MNIST time-budget challenge.

    python bench/mnist.py                                  # six presets, Fashion-MNIST
    python bench/mnist.py --dataset mnist                  # MNIST, where Keras can download it
    python bench/mnist.py --presets lenet5,cnn --epochs 2  # a quicker look
    python bench/mnist.py --challenge 1,5,15               # the course's time-budget challenge

The challenge trains the challenge preset made for each budget in minutes (lab.challenge_preset;
--layers, --batch, --lr, --precision try something else) on Fashion-MNIST, the cosine schedule
ending with the budget, and prints the test accuracy reached, with LeNet-5 (the course's
settings) given the same budget as the baseline (--no-baseline skips it). Each row says the
processor time the run got (CPU s, all its threads) and the load average after it: on a shared
machine a run gets less than its budget times the cores.

Prints the course's table (architecture, parameters, optimizer, epochs, seconds, test error) with
the course's laptop numbers beside this machine's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.mnist import load_dataset
from engine.data import datasets
from engine.mnist import lab, networks

COURSE_SECONDS = {
    "mlp-sgd": 27,
    "mlp-momentum": 28,
    "mlp-adadelta": 49,
    "mlp2-adadelta": 194,
    "lenet5": 132,
    "cnn": 743,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="fashion")
    parser.add_argument("--presets", default=",".join(lab.PRESETS))
    parser.add_argument("--epochs", type=int, help="override the course's epochs")
    parser.add_argument("--challenge", metavar="MINUTES", help="comma list of training budgets")
    parser.add_argument("--layers", help="a layer text to try instead of the challenge preset")
    parser.add_argument("--no-baseline", action="store_true", help="skip LeNet-5's runs")
    parser.add_argument("--batch", type=int, help="a batch size to try instead of the preset's")
    parser.add_argument("--lr", type=float, help="a learning rate to try instead of the preset's")
    parser.add_argument("--precision", help="float32 or mixed_bfloat16 instead of the preset's")
    args = parser.parse_args()
    try:
        data = load_dataset(args.dataset)
    except datasets.DatasetUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    import keras

    if args.challenge:
        return challenge(data, [float(m) for m in args.challenge.split(",")], args)
    print(
        f"# bench/mnist.py: {data.name}, {len(data.x_train)} train / {len(data.x_test)} test, "
        f"Keras {keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs, batch 128\n"
    )
    print(
        "| Architecture | Parameters | Optimizer | Epochs | seconds here | course CPU s (MNIST) "
        "| error here | course error (MNIST) |\n|---|---:|---|---:|---:|---:|---:|---:|"
    )
    for key in args.presets.split(","):
        preset = lab.PRESETS[key]
        result = lab.train_preset(key, data, epochs=args.epochs)
        print(
            f"| {preset.title} | {result.parameters:,} | {preset.optimizer['name']} "
            f"| {result.epochs_done} | {result.seconds:.0f} | {COURSE_SECONDS[key]} | "
            f"{100 * result.test_error:.2f}% | {100 * preset.course_error:.2f}% |",
            flush=True,
        )
    return 0


GOALS = {1: 0.90, 5: 0.92, 15: 0.935}


def challenge(data, budgets, args) -> int:
    import keras

    print(
        f"# bench/mnist.py --challenge: {data.name}, Keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs, load {_load()} at the start; "
        f"goal 0.90 / 0.92 / 0.935 in 1 / 5 / 15 minutes"
    )
    plans = []
    for minutes in budgets:
        key = lab.challenge_preset(minutes)
        preset = lab.PRESETS[key]
        layers = lab.parse_layers(args.layers) if args.layers else preset.layers
        optimizer = {**preset.optimizer, **({"learning_rate": args.lr} if args.lr else {})}
        recipe = {
            "batch_size": args.batch or preset.batch_size,
            "schedule": preset.schedule,
            "precision": args.precision or preset.precision,
        }
        print(
            f"# {minutes:g} min, {key}: {networks.describe_layers(layers)}; {optimizer}, {recipe}"
        )
        plans.append((minutes, key, layers, optimizer, recipe))
    print(
        "\n| budget | recipe | epochs done | seconds | CPU s | test accuracy | goal | load |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|",
        flush=True,
    )
    for minutes, key, layers, optimizer, recipe in plans:
        name = f"`{key}`" if not args.layers else "--layers"
        runs = [
            (
                name + (" (bf16)" if recipe["precision"] != "float32" else ""),
                lambda: lab.train(
                    layers, optimizer, data, epochs=200, time_limit=60 * minutes, **recipe
                ),
            )
        ]
        if not args.no_baseline:
            runs.append(
                (
                    "LeNet-5 (course)",
                    lambda: lab.train_preset("lenet5", data, epochs=200, time_limit=60 * minutes),
                )
            )
        for name, run in runs:
            cpu = time.process_time()
            result = run()
            cpu = time.process_time() - cpu  # all its threads: what it got of a shared machine
            goal = GOALS.get(minutes)
            print(
                f"| {minutes:g} min | {name} | {result.epochs_done} | {result.seconds:.0f} | "
                f"{cpu:.0f} | {1 - result.test_error:.4f} | {goal or '-'} | {_load()} |",
                flush=True,
            )
    return 0


def _load() -> str:
    """The 1-minute load average: how much else the machine was doing."""
    return f"{os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    sys.exit(main())
