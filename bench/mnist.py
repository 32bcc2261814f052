"""The course's MNIST table on this machine, and the Fashion-MNIST time-budget challenge.

    python bench/mnist.py                                  # six presets, Fashion-MNIST
    python bench/mnist.py --dataset mnist                  # MNIST, where Keras can download it
    python bench/mnist.py --presets lenet5,cnn --epochs 2  # a quicker look
    python bench/mnist.py --challenge 1,5,15               # the course's time-budget challenge

The challenge trains the "challenge" preset (or --layers TEXT) on Fashion-MNIST for each budget
in minutes (the cosine schedule ends with the budget) and prints the test accuracy reached, with
LeNet-5 (the course's settings) given the same budget as the baseline.

Prints the course's table (architecture, parameters, optimizer, epochs, seconds, test error) with
the course's laptop numbers beside this machine's.
"""

from __future__ import annotations

import argparse
import os
import sys
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


def challenge(data, budgets, args) -> int:
    import keras

    preset = lab.PRESETS["challenge"]
    layers = lab.parse_layers(args.layers) if args.layers else preset.layers
    print(
        f"# bench/mnist.py --challenge: {data.name}, Keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs; goal 0.90 / 0.92 / 0.935 in "
        f"1 / 5 / 15 minutes"
    )
    print(
        f"# recipe: {networks.describe_layers(layers)}; {preset.optimizer}, batch "
        f"{preset.batch_size}, {preset.schedule} schedule to the budget\n"
    )
    print("| budget | recipe | epochs done | seconds | test accuracy |\n|---:|---|---:|---:|---:|")
    for minutes in budgets:
        runs = [
            (
                "challenge",
                lambda: lab.train(
                    layers,
                    preset.optimizer,
                    data,
                    epochs=200,
                    batch_size=preset.batch_size,
                    schedule=preset.schedule,
                    time_limit=60 * minutes,
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
            result = run()
            print(
                f"| {minutes:g} min | {name} | {result.epochs_done} | {result.seconds:.0f} | "
                f"{1 - result.test_error:.4f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
