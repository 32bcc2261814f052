"""`python main.py attack`: one image attacked, one JSON line, and the adversarial image as PNG.

The model opens as ``classify`` opens one (a zoo network, a workspace model by name, or a .keras
file, vetted), the image is decoded with Pillow within its budgets and fitted to the model's
input, and ``engine.adversarial`` attacks it against the model's own answer for it (or towards
``--target``). The attack runs once as a warm-up that compiles what it needs (``warmup_ms``),
then again, timed: ``ms`` is the attack alone. The line holds the clean and adversarial top-5,
whether the top-1 changed (or reached the target), and the perturbation's L-infinity and L2
norms in 0-255 pixel units and its PSNR, measured on the 8-bit image that ``--out`` receives.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from engine import backend, failures
from engine.adversarial.attacks import AttackSpec, Target, run_attack
from engine.adversarial.robustness import frame_pixels, perturbation_stats, quantize
from engine.data import photos
from engine.failures import BadInput, LabError
from engine.models import zoo
from engine.models.labels import top_k
from engine.workspace.store import ModelInfo, Workspace, atomic_write_bytes

METHODS = {"fgsm": "FGSM", "bim": "BIM", "pgd": "PGD L∞", "deepfool": "DeepFool"}
DEFAULT_EPS = 8.0
DEFAULT_STEPS = 10
TOP = 5
TASK = "An attack"  # the subject of a misfit model's sentence


def main(args) -> int:
    """Attack the image with the method the options name, write --out, print the line."""
    from cli.arguments import weights_option

    image = photos.decode(args.image)
    try:
        workspace = Workspace(getattr(args, "workspace", None))
        classifier = open_model(args.model, weights_option(args), workspace)
    except (zoo.WeightsMissing, ValueError) as error:
        if isinstance(error, LabError):
            raise
        print(f"error: {error}", file=sys.stderr)
        return failures.EXIT_USAGE
    target = Target.from_classifier(classifier)
    wanted = None if args.target is None else class_index(args.target, target)
    spec = AttackSpec(
        METHODS[args.method],
        eps=args.eps or DEFAULT_EPS,
        steps=args.steps or DEFAULT_STEPS,
        target_class=wanted,
    )
    fields, adversarial = attack(target, frame_pixels(image, target), spec)
    if args.out:
        write_png(args.out, adversarial, target)
    line = {
        "model": classifier.name,
        "image": photos.printable(args.image),
        "method": args.method,
        **fields,
        "out": None if args.out is None else photos.printable(args.out),
    }
    print(json.dumps(line, allow_nan=False), flush=True)
    return failures.EXIT_OK


def open_model(spec: str, weights: str | None, workspace: Workspace):
    """The classifier for a zoo network, a .keras file or a workspace model's name."""
    if spec.endswith(".keras"):
        return zoo.workspace_classifier(ModelInfo.read(spec), TASK, top_k=TOP, alpha=0.0)
    if spec.lower() in {name.lower() for name in zoo.ZOO}:
        return zoo.load_classifier(spec, weights, top_k=TOP, alpha=0.0)
    path = workspace.models_dir / f"{spec}.keras"
    return zoo.workspace_classifier(ModelInfo.read(path), TASK, top_k=TOP, alpha=0.0)


def class_index(text: str, target: Target) -> int:
    """--target as a class index of ``target``: a class name (exact, else ignoring case), else
    an index; BadInput naming what the model has, or the indices of a name that several classes
    share (ImageNet has two cranes)."""
    names = target.class_names
    text = text.strip()
    exact = [i for i, name in enumerate(names) if name == text]
    found = exact or [i for i, name in enumerate(names) if name.lower() == text.lower()]
    if len(found) == 1:
        return found[0]
    if found:
        raise BadInput(
            f"--target {text!r} names {len(found)} classes of {target.name} "
            f"({', '.join(map(str, found))}): give the index of the one you mean"
        )
    if re.fullmatch(r"[0-9]+", text) and int(text) < len(names):
        return int(text)
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    raise BadInput(
        f"--target {text!r} is not a class of {target.name}: give an index from 0 to "
        f"{len(names) - 1} or one of its class names ({shown})"
    )


def attack(target: Target, pixels: np.ndarray, spec: AttackSpec) -> tuple[dict, np.ndarray]:
    """Attack one image of pixels (H, W, C) with ``spec``: the line's fields and the 8-bit
    adversarial pixels. A warm-up run first, so that ``ms`` times the attack
    alone; the adversarial image is rounded to 8 bits, as the PNG keeps it, before it is
    classified and measured."""
    clean = quantize(pixels)
    x = clean[None].astype(np.float32)
    before = _scores(target, x)
    labels = [int(before.argmax())]
    started = time.perf_counter()
    run_attack(target, x, labels, replace(spec, steps=1))  # compiles the forward and gradient
    warmed = time.perf_counter()
    adversarial = quantize(run_attack(target, x, labels, spec)[0])
    ms = (time.perf_counter() - warmed) * 1000
    after = _scores(target, adversarial[None].astype(np.float32))
    stats = perturbation_stats(clean, adversarial, target)
    top = int(after.argmax())
    wanted = spec.target_class
    fields = {
        "backend": backend.name(),
        "eps": None if spec.method == "DeepFool" else spec.eps,
        "steps": 1 if spec.method == "FGSM" else spec.steps,
        "target": None if wanted is None else {"index": wanted, "name": target.class_names[wanted]},
        "clean": _top(before, target),
        "adversarial": _top(after, target),
        "changed": top != labels[0],
        "reached": None if wanted is None else top == wanted,
        "linf": round(stats["linf"], 4),
        "l2": round(stats["l2"], 4),
        "psnr": None if not np.isfinite(stats["psnr"]) else round(stats["psnr"], 4),
        "ms": round(ms, 2),
        "warmup_ms": round((warmed - started) * 1000, 2),
    }
    return fields, adversarial


def _scores(target: Target, x: np.ndarray) -> np.ndarray:
    scores = target.probabilities(x)[0]
    if not np.all(np.isfinite(scores)):
        raise LabError(
            f"{target.name}'s scores are not numbers (NaN or infinite): the model is damaged, "
            "train it again"
        )
    return scores


def _top(scores: np.ndarray, target: Target) -> list:
    return [[name, round(p, 6)] for name, p in top_k(scores, target.class_names, TOP)]


def picture(pixels: np.ndarray, target: Target) -> np.ndarray:
    """Attacked pixels as the image a person opens: RGB, or gray for a gray network, back in
    the frame's polarity when the network reads it inverted, so that classifying the PNG
    again (``main.py classify --images``) sees the adversarial input."""
    if target.channels != 1:
        return pixels
    gray = pixels[..., 0]
    return 255 - gray if target.flipped else gray


def write_png(path: str | Path, pixels: np.ndarray, target: Target) -> Path:
    """Encode the adversarial image as PNG and write it whole or not at all."""
    encoded = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture(pixels, target))).save(encoded, format="PNG")
    return atomic_write_bytes(path, encoded.getvalue())
