"""The command line: the window's options and the headless commands' own."""

from __future__ import annotations

import argparse


def _add_common(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    default = argparse.SUPPRESS if suppress else None
    sources = parser.add_mutually_exclusive_group()
    sources.add_argument("--camera", type=int, metavar="N", default=default, help="camera index")
    sources.add_argument("--video", metavar="FILE", default=default, help="a video file")
    sources.add_argument("--images", metavar="DIR", default=default, help="a folder of images")
    sources.add_argument(
        "--demo",
        action="store_true",
        default=default or False,
        help="the built-in synthetic demo stream",
    )
    parser.add_argument(
        "--model", default=default, help="zoo network name or a .keras file (default MobileNetV2)"
    )
    parser.add_argument(
        "--weights",
        metavar="FILE",
        default=default,
        help="weights for a zoo network: imagenet (default, downloaded once), "
        "none (random) or a weights file",
    )
    parser.add_argument(
        "--backend",
        choices=("tensorflow", "jax", "torch"),
        default=default,
        help="Keras backend (default: $KERAS_BACKEND or tensorflow)",
    )
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        default=default,
        help="folder for snapshots and models (default: the user data folder)",
    )
    parser.add_argument(
        "--top-k",
        type=int,
        default=argparse.SUPPRESS if suppress else 5,
        metavar="K",
        help="how many labels to show (default 5)",
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="Deep Learning Lab")
    _add_common(parser)
    commands = parser.add_subparsers(dest="command")
    classify = commands.add_parser("classify", help="print one JSON line per classified frame")
    _add_common(classify, suppress=True)
    classify.add_argument("--frames", type=int, metavar="N", help="stop after N frames")
    classify.add_argument(
        "--realtime",
        action="store_true",
        help="pace the source in real time and drop the frames the model cannot keep up with",
    )
    classify.add_argument(
        "--smoothing",
        type=float,
        default=0.0,
        metavar="ALPHA",
        help="exponential smoothing of probabilities (default 0: raw)",
    )
    mnist = commands.add_parser("mnist", help="train one of the course's MNIST networks")
    mnist.add_argument(
        "--preset",
        default="lenet5",
        help="mlp-sgd, mlp-momentum, mlp-adadelta, mlp2-adadelta, lenet5, cnn or challenge",
    )
    mnist.add_argument(
        "--dataset", default="fashion", help="fashion, mnist or a folder of IDX files"
    )
    mnist.add_argument("--epochs", type=int, help="default: the course's")
    mnist.add_argument(
        "--batch-size", type=int, help="default: the preset's (128 for the course's)"
    )
    mnist.add_argument("--minutes", type=float, help="a training time budget, as in the challenge")
    mnist.add_argument("--subset", type=int, metavar="N", help="train on the first N images only")
    mnist.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS)
    tune = commands.add_parser("finetune", help="transfer learning on a folder of class folders")
    tune.add_argument(
        "--data",
        required=True,
        metavar="DIR",
        help="one subfolder per class (or train/ and val/ folders of them)",
    )
    tune.add_argument("--base", default="MobileNetV2", help="a zoo network or a .keras file")
    tune.add_argument(
        "--layer", help="for a .keras base: the layer to cut at (default: the last layer's input)"
    )
    tune.add_argument("--weights", default="imagenet", help="imagenet, none or a weights file")
    tune.add_argument("--epochs", type=int, default=25)
    tune.add_argument("--batch-size", type=int, default=32)
    tune.add_argument("--learning-rate", type=float, default=1e-3)
    tune.add_argument("--augment", default="", help="comma list of flip,rotation,zoom,brightness")
    tune.add_argument("--variants", type=int, default=0, help="augmented copies per image")
    tune.add_argument(
        "--unfreeze",
        type=int,
        default=0,
        metavar="K",
        help="then train the base's top K layers end to end (SGD 1e-4, momentum 0.9)",
    )
    tune.add_argument("--fine-epochs", type=int, default=5)
    tune.add_argument(
        "--out", required=True, metavar="NAME", help="the model's name in the workspace"
    )
    tune.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS)
    return parser.parse_args(argv)


def weights_option(args: argparse.Namespace) -> str | None:
    """--weights as the zoo takes it: 'imagenet', None for 'none', or a file path."""
    weights = getattr(args, "weights", None) or "imagenet"
    return None if weights.lower() == "none" else weights
