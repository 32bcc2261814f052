"""The command line: the window's options and the headless commands' own, each value checked
as it is parsed (names, ranges, finite numbers) and each path and backend right after, before
any work starts and before Keras is imported."""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
from collections.abc import Callable
from pathlib import Path

from engine.failures import BadInput, MissingBackend
from engine.workspace.names import check_name

BACKENDS = ("tensorflow", "jax", "torch")


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{value} is out of range: give a number {span}")
        return value

    parse.__name__ = "whole number"
    return parse


def real(low: float, high: float, *, low_open: bool = False, high_open: bool = False):
    """An argparse type: a finite number between ``low`` and ``high`` (NaN, inf refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        inside = (low < value if low_open else low <= value) and (
            value < high if high_open else value <= high
        )
        if not math.isfinite(value) or not inside:
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            raise argparse.ArgumentTypeError(
                f"{text} is out of range: give a finite number in {left}{low:g}, {high:g}{right}"
            )
        return value

    parse.__name__ = "number"
    return parse


def model_name(text: str) -> str:
    """An argparse type: a model name, one plain name inside the workspace."""
    try:
        return check_name(text)
    except BadInput as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_common(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    default = argparse.SUPPRESS if suppress else None
    sources = parser.add_mutually_exclusive_group()
    sources.add_argument(
        "--camera", type=whole(0, 99), metavar="N", default=default, help="camera index"
    )
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
        choices=BACKENDS,
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
        type=whole(1, 1000),
        default=argparse.SUPPRESS if suppress else None,
        metavar="K",
        help="how many labels to show (default 5; the window: the last session's)",
    )


MOST_EPOCHS = 10_000
MOST_BATCH = 65_536


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="Deep Learning Lab")
    _add_common(parser)
    commands = parser.add_subparsers(dest="command")
    classify = commands.add_parser("classify", help="print one JSON line per classified frame")
    _add_common(classify, suppress=True)
    classify.add_argument("--frames", type=whole(1), metavar="N", help="stop after N frames")
    classify.add_argument(
        "--realtime",
        action="store_true",
        help="pace the source in real time and drop the frames the model cannot keep up with",
    )
    classify.add_argument(
        "--smoothing",
        type=real(0.0, 1.0, high_open=True),
        default=0.0,
        metavar="ALPHA",
        help="exponential smoothing of probabilities, in [0, 1) (default 0: raw)",
    )
    mnist = commands.add_parser("mnist", help="train one of the course's MNIST networks")
    mnist.add_argument(
        "--preset",
        default="lenet5",
        help="mlp-sgd, mlp-momentum, mlp-adadelta, mlp2-adadelta, lenet5, cnn, or the challenge's "
        "challenge-1, challenge-5, challenge (15 minutes)",
    )
    mnist.add_argument(
        "--dataset", default="fashion", help="fashion, mnist or a folder of IDX files"
    )
    mnist.add_argument("--epochs", type=whole(1, MOST_EPOCHS), help="default: the course's")
    mnist.add_argument(
        "--batch-size",
        type=whole(1, MOST_BATCH),
        help="default: the preset's (128 for the course's)",
    )
    mnist.add_argument(
        "--minutes",
        type=real(0.0, 7 * 24 * 60, low_open=True),
        help="a training time budget (default: a challenge preset's own budget, else none)",
    )
    mnist.add_argument(
        "--subset", type=whole(1), metavar="N", help="train on the first N images only"
    )
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
    tune.add_argument("--epochs", type=whole(1, MOST_EPOCHS), default=25)
    tune.add_argument("--batch-size", type=whole(1, MOST_BATCH), default=32)
    tune.add_argument(
        "--learning-rate", type=real(0.0, 10.0, low_open=True), default=1e-3, metavar="RATE"
    )
    tune.add_argument("--augment", default="", help="comma list of flip,rotation,zoom,brightness")
    tune.add_argument(
        "--variants", type=whole(0, 100), default=0, help="augmented copies per image"
    )
    tune.add_argument(
        "--unfreeze",
        type=whole(0, 10_000),
        default=0,
        metavar="K",
        help="then train the base's top K layers end to end (SGD 1e-4, momentum 0.9)",
    )
    tune.add_argument("--fine-epochs", type=whole(1, MOST_EPOCHS), default=5)
    tune.add_argument(
        "--out",
        required=True,
        type=model_name,
        metavar="NAME",
        help="the model's name in the workspace",
    )
    tune.add_argument(
        "--force", action="store_true", help="replace a workspace model of the same name"
    )
    tune.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS)
    _add_attack(commands)
    return parser.parse_args(argv)


ATTACK_METHODS = ("fgsm", "bim", "pgd", "deepfool")
MOST_EPS = 255.0  # the whole 0-255 range of a pixel
MOST_STEPS = 1000


def _add_attack(commands) -> None:
    attack = commands.add_parser("attack", help="attack one image and print one JSON line")
    attack.add_argument(
        "--model",
        required=True,
        metavar="NAME|FILE",
        help="a zoo network, a workspace model's name or a .keras file",
    )
    attack.add_argument("--image", required=True, metavar="FILE", help="the image to attack")
    attack.add_argument(
        "--method",
        required=True,
        type=str.lower,
        choices=ATTACK_METHODS,
        help="fgsm (one step), bim (iterative FGSM), pgd (L-infinity, random start) or "
        "deepfool (the smallest L2 change of class it finds)",
    )
    attack.add_argument(
        "--eps",
        type=real(0.0, MOST_EPS, low_open=True),
        metavar="E",
        help=f"the L-infinity budget in 0-255 pixel units, in (0, {MOST_EPS:g}] (default 8; "
        "2 is Goodfellow's 0.007); not for deepfool",
    )
    attack.add_argument(
        "--steps",
        type=whole(1, MOST_STEPS),
        metavar="N",
        help=f"bim and pgd: steps, from 1 to {MOST_STEPS} (default 10); deepfool: at most "
        "5 x N linearizations (default 10); not for fgsm",
    )
    attack.add_argument(
        "--target",
        metavar="CLASS",
        help="a targeted attack towards this class (its index or its name); not for deepfool",
    )
    attack.add_argument(
        "--out", metavar="FILE.png", help="write the adversarial image here (PNG, input size)"
    )
    attack.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    attack.add_argument(
        "--weights",
        default="imagenet",
        help="for a zoo network: imagenet (default, downloaded once), none or a weights file",
    )
    attack.add_argument("--backend", choices=BACKENDS, help="Keras backend")
    attack.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS)


def weights_option(args: argparse.Namespace) -> str | None:
    """--weights as the zoo takes it: 'imagenet', None for 'none', or a file path."""
    weights = getattr(args, "weights", None) or "imagenet"
    return None if weights.lower() == "none" else weights


def check_backend(args: argparse.Namespace) -> str:
    """The Keras backend the run will use, refused with a sentence when it is not installed;
    asked before anything imports Keras (importing a missing one would be a traceback)."""
    name = args.backend or os.environ.get("KERAS_BACKEND") or "tensorflow"
    if name not in BACKENDS:
        raise BadInput(f"KERAS_BACKEND={name} is not a Keras backend: use {', '.join(BACKENDS)}")
    if importlib.util.find_spec(name) is None:
        others = ", ".join(b for b in BACKENDS if b != name and importlib.util.find_spec(b))
        raise MissingBackend(
            f"The {name} backend is not installed: install it (pip install {name})"
            + (f" or choose --backend {others}" if others else "")
        )
    return name


def check_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, the files and folders a command names that cannot serve: a
    missing video or folder, a file where a folder belongs, an existing model without --force."""
    from engine.workspace.store import Workspace

    workspace = Workspace(getattr(args, "workspace", None))
    if workspace.root.exists() and not workspace.root.is_dir():
        raise BadInput(
            f"The workspace {workspace.root} is a file, not a folder: give --workspace a folder"
        )
    if args.command == "classify":
        if not (args.video or args.images or args.frames or args.realtime):
            raise BadInput(
                "A live source never ends: give --frames N, --video FILE or --images DIR"
            )
        _need(args.video, "file", "The video file")
        _need(args.images, "folder", "The image folder")
        if args.model and args.model.endswith(".keras"):
            _need(args.model, "file", "The model file")
    elif args.command == "mnist":
        if args.dataset not in ("fashion", "mnist"):
            _need(args.dataset, "folder", "The IDX folder given to --dataset")
    elif args.command == "finetune":
        _need(args.data, "folder", "The folder of class folders given to --data")
        if args.base.endswith(".keras"):
            _need(args.base, "file", "The base model file")
        if args.weights.lower() not in ("imagenet", "none"):
            _need(args.weights, "file", "The weights file")
        exists = getattr(workspace, "model_exists", None)
        taken = (
            exists(args.out) if exists else (workspace.models_dir / f"{args.out}.keras").exists()
        )
        if taken and not args.force:
            raise BadInput(
                f"A model named '{args.out}' is already in the workspace: choose another --out "
                f"name, or add --force to replace it"
            )
    elif args.command == "attack":
        _check_attack(args, workspace)
    if args.command in ("mnist", "finetune"):
        _writable(workspace.models_dir)


def _check_attack(args: argparse.Namespace, workspace) -> None:
    """The attack's model, image, options that its method does not take, and --out."""
    from engine.models.zoo import ZOO  # names only: imports no Keras

    if args.model.endswith(".keras"):
        _need(args.model, "file", "The model file")
    elif args.model.lower() not in {name.lower() for name in ZOO}:
        try:
            name = check_name(args.model)
        except BadInput:
            name = None
        if name is None or not (workspace.models_dir / f"{name}.keras").is_file():
            saved = sorted(path.stem for path in workspace.models_dir.glob("*.keras"))
            listed = f" ({', '.join(saved[:10])}{', ...' * (len(saved) > 10)})" if saved else ""
            raise BadInput(
                f"There is no model named {args.model!r}: give a zoo network "
                f"({', '.join(ZOO)}), a model of the workspace{listed} or a .keras file"
            )
    if args.weights.lower() not in ("imagenet", "none"):
        _need(args.weights, "file", "The weights file")
    _need(args.image, "file", "The image file")
    if args.method == "deepfool":
        for option, value in (("--eps", args.eps), ("--target", args.target)):
            if value is not None:
                raise BadInput(
                    f"deepfool takes no {option}: it looks for the smallest change of class on "
                    f"its own; drop {option}, or choose fgsm, bim or pgd"
                )
    if args.method == "fgsm" and args.steps is not None:
        raise BadInput("fgsm takes one step: drop --steps, or choose bim or pgd")
    if args.target is not None and not args.target.strip():
        raise BadInput("--target is empty: give a class index or a class name")
    if args.out is not None:
        _png_out(Path(args.out), args.force)


def _png_out(path: Path, force: bool) -> None:
    """An --out PNG that can be written: a .png name in a folder that exists and may be written,
    and no file of that name unless --force."""
    if path.suffix.lower() != ".png":
        raise BadInput(f"--out {path} is not a .png file: give a name ending in .png")
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder} is a file, not a folder: choose another --out")
    if not folder.exists():
        raise BadInput(
            f"The folder of --out, {folder}, does not exist: create it or choose another"
        )
    if path.is_dir():
        raise BadInput(f"--out {path} is a folder: give a file name ending in .png")
    if path.exists() and not force:
        raise BadInput(f"{path} already exists: choose another --out, or add --force to replace it")
    _writable(folder)


def _writable(folder: Path) -> None:
    """Refuse before training a models folder that cannot be written (read-only disk, no
    permission, a file in its place), rather than after it: an OSError that explain() words."""
    import tempfile

    if folder.exists() and not folder.is_dir():
        raise BadInput(
            f"{folder} is a file, not a folder: move it away or choose another workspace"
        )
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder, prefix=".probe-"):
        pass


def _need(path: str | None, kind: str, what: str) -> None:
    if path is None:
        return
    found = Path(path)
    if not found.exists():
        raise BadInput(f"{what} {found} does not exist: check the path")
    if kind == "folder" and not found.is_dir():
        raise BadInput(f"{what} {found} is a file: give a folder")
    if kind == "file" and not found.is_file():
        raise BadInput(f"{what} {found} is a folder: give a file")
