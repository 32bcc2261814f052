"""Deep Learning Lab: start the window, or a headless command.

    python main.py [--camera N | --video FILE | --images DIR | --demo] [--model NAME]
                   [--weights FILE] [--backend tensorflow|jax|torch] [--workspace DIR]
    python main.py classify --video FILE --model NAME|PATH.keras [--frames N] [--realtime]
    python main.py mnist --preset lenet5 [--dataset fashion|mnist|DIR] [--epochs N]
    python main.py finetune --data DIR --base NAME [--weights imagenet|none|FILE] [--epochs N]
                            [--unfreeze K] --out NAME
"""

from __future__ import annotations

import argparse
import logging
import sys


def _add_common(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    default = argparse.SUPPRESS if suppress else None
    sources = parser.add_mutually_exclusive_group()
    sources.add_argument("--camera", type=int, metavar="N", default=default, help="camera index")
    sources.add_argument("--video", metavar="FILE", default=default, help="a video file")
    sources.add_argument("--images", metavar="DIR", default=default, help="a folder of images")
    sources.add_argument("--demo", action="store_true", default=default or False,
                         help="the built-in synthetic demo stream")
    parser.add_argument("--model", default=default,
                        help="zoo network name or a .keras file (default MobileNetV2)")
    parser.add_argument("--weights", metavar="FILE", default=default,
                        help="weights for a zoo network: imagenet (default, downloaded once), "
                        "none (random) or a weights file")
    parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=default,
                        help="Keras backend (default: $KERAS_BACKEND or tensorflow)")
    parser.add_argument("--workspace", metavar="DIR", default=default,
                        help="folder for snapshots and models (default: the user data folder)")
    parser.add_argument("--top-k", type=int, default=argparse.SUPPRESS if suppress else 5,
                        metavar="K", help="how many labels to show (default 5)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="Deep Learning Lab")
    _add_common(parser)
    commands = parser.add_subparsers(dest="command")
    classify = commands.add_parser("classify", help="print one JSON line per classified frame")
    _add_common(classify, suppress=True)
    classify.add_argument("--frames", type=int, metavar="N", help="stop after N frames")
    classify.add_argument("--realtime", action="store_true",
                          help="pace the source and drop frames as the live view does")
    classify.add_argument("--smoothing", type=float, default=0.0, metavar="ALPHA",
                          help="exponential smoothing of probabilities (default 0: raw)")
    mnist = commands.add_parser("mnist", help="train one of the course's MNIST networks")
    mnist.add_argument("--preset", default="lenet5",
                       help="mlp-sgd, mlp-momentum, mlp-adadelta, mlp2-adadelta, lenet5, cnn or "
                           "challenge")
    mnist.add_argument("--dataset", default="fashion", help="fashion, mnist or a folder of IDX files")
    mnist.add_argument("--epochs", type=int, help="default: the course's")
    mnist.add_argument("--batch-size", type=int, help="default: the preset's (128 for the course's)")
    mnist.add_argument("--minutes", type=float, help="a training time budget, as in the challenge")
    mnist.add_argument("--subset", type=int, metavar="N", help="train on the first N images only")
    mnist.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS)
    tune = commands.add_parser("finetune", help="transfer learning on a folder of class folders")
    tune.add_argument("--data", required=True, metavar="DIR",
                      help="one subfolder per class (or train/ and val/ folders of them)")
    tune.add_argument("--base", default="MobileNetV2", help="a zoo network or a .keras file")
    tune.add_argument("--layer", help="for a .keras base: the layer to cut at (default: the last "
                                      "layer's input)")
    tune.add_argument("--weights", default="imagenet", help="imagenet, none or a weights file")
    tune.add_argument("--epochs", type=int, default=25)
    tune.add_argument("--batch-size", type=int, default=32)
    tune.add_argument("--learning-rate", type=float, default=1e-3)
    tune.add_argument("--augment", default="", help="comma list of flip,rotation,zoom,brightness")
    tune.add_argument("--variants", type=int, default=0, help="augmented copies per image")
    tune.add_argument("--unfreeze", type=int, default=0, metavar="K",
                      help="then train the base's top K layers end to end (SGD 1e-4, momentum 0.9)")
    tune.add_argument("--fine-epochs", type=int, default=5)
    tune.add_argument("--out", required=True, metavar="NAME", help="the model's name in the workspace")
    tune.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS)
    return parser.parse_args(argv)


def weights_option(args: argparse.Namespace) -> str | None:
    """--weights as the zoo takes it: 'imagenet', None for 'none', or a file path."""
    weights = getattr(args, "weights", None) or "imagenet"
    return None if weights.lower() == "none" else weights


def run_classify(args: argparse.Namespace) -> int:
    from engine import headless, zoo, sources

    source = (sources.from_options(args.video, args.images, args.demo, args.camera, loop=False)
              or sources.SyntheticSource())
    if not (args.video or args.images) and args.frames is None and not args.realtime:
        print("error: a live source never ends; give --frames N or --video FILE", file=sys.stderr)
        return 2
    try:
        classifier = zoo.load_classifier(args.model or zoo.DEFAULT_MODEL, weights_option(args),
                                         top_k=args.top_k, alpha=args.smoothing)
    except (zoo.WeightsMissing, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return headless.classify(source, classifier, realtime=args.realtime, frames=args.frames)


def run_finetune(args: argparse.Namespace) -> int:
    from engine import finetune, finetune_cli
    from engine.embeddings import AUGMENTATIONS
    from engine.store import Workspace

    augment = tuple(a for a in args.augment.split(",") if a)
    unknown = [a for a in augment if a not in AUGMENTATIONS]
    if unknown:
        print(f"error: unknown augmentation {unknown[0]!r}: use {', '.join(AUGMENTATIONS)}",
              file=sys.stderr)
        return 2
    options = finetune.Options(epochs=args.epochs, batch_size=args.batch_size,
                               learning_rate=args.learning_rate, augment=augment,
                               variants=args.variants if augment else 0, unfreeze=args.unfreeze,
                               fine_epochs=args.fine_epochs)
    return finetune_cli.run(args.data, args.base, weights_option(args), options, args.out,
                            Workspace(args.workspace), args.layer)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from engine import backend

    backend.select(args.backend)
    if args.command == "classify":
        return run_classify(args)
    if args.command == "mnist":
        from engine import mnist_cli, mnist_lab
        from engine.store import Workspace

        if args.preset not in mnist_lab.PRESETS:
            print(f"error: unknown preset {args.preset!r}: choose one of "
                  f"{', '.join(mnist_lab.PRESETS)}", file=sys.stderr)
            return 2
        return mnist_cli.run(args.preset, args.dataset, args.epochs, args.batch_size, args.subset,
                             Workspace(args.workspace), minutes=args.minutes)
    if args.command == "finetune":
        return run_finetune(args)
    args.weights = weights_option(args)
    from gui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
