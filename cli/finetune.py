"""`python main.py finetune`: transfer learning from a folder of class folders, headless."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from engine.data import projects, split
from engine.models import model_fit, zoo
from engine.transfer import embeddings, finetune
from engine.workspace.store import Workspace, load_keras_model


def main(args) -> int:
    """Fine-tune on ``args.data`` and save ``args.out`` in the workspace; the exit status."""
    from cli.arguments import weights_option

    augment = tuple(a for a in args.augment.split(",") if a)
    unknown = [a for a in augment if a not in embeddings.AUGMENTATIONS]
    if unknown:
        known = ", ".join(embeddings.AUGMENTATIONS)
        print(f"error: unknown augmentation {unknown[0]!r}: use {known}", file=sys.stderr)
        return 2
    options = finetune.Options(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        augment=augment,
        variants=args.variants if augment else 0,
        unfreeze=args.unfreeze,
        fine_epochs=args.fine_epochs,
    )
    return run(
        args.data,
        args.base,
        weights_option(args),
        options,
        args.out,
        Workspace(args.workspace),
        args.layer,
    )


def make_base(name: str, weights: str | None, layer: str | None = None) -> embeddings.Base:
    """A zoo network by name, or a workspace/.keras model (with its .json) cut at ``layer``."""
    if name in zoo.ZOO:
        return embeddings.zoo_base(name, weights)
    path = Path(name)
    if path.suffix != ".keras":
        raise ValueError(
            f"unknown base {name!r}: choose one of {', '.join(zoo.ZOO)} or a .keras file"
        )
    from engine.workspace.store import ModelInfo

    info = ModelInfo.read(path)
    model = load_keras_model(path)
    model_fit.check_saved_base(model, info, "Fine-tuning")
    return embeddings.model_base(model, info.name, info.input_size, info.preprocessing, layer)


def _bar(stage: str, done: int, total: int, started: float, logs: dict) -> None:
    filled = int(30 * done / total) if total else 30
    extra = f" val accuracy {logs['val_accuracy']:.3f}" if "val_accuracy" in logs else ""
    print(
        f"\r{stage:>11}: [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}{extra} "
        f"{time.perf_counter() - started:.0f} s   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def run(
    data: str,
    base_name: str,
    weights: str | None,
    options: finetune.Options,
    out_name: str,
    workspace: Workspace,
    layer: str | None = None,
    out=None,
) -> int:
    out = out or sys.stdout
    try:
        project = projects.open_project(workspace, data)
        dataset = project.scan()
        for path, reason in dataset.skipped:
            print(f"skipped {path}: {reason}", file=sys.stderr)
        problems = dataset.problems()
        if problems:
            raise ValueError(" ".join(problems))
        parts = split.split(dataset)
        for warning in parts.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        base = make_base(base_name, weights, layer)
    except (projects.ProjectError, ValueError, zoo.WeightsMissing, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"{len(dataset.class_names)} classes, {len(parts.train)} training and "
        f"{len(parts.validation)} validation images, base {base.name}",
        file=sys.stderr,
    )
    started = time.perf_counter()
    stage = [""]

    def report(name, done, total, logs):
        if name != stage[0] and stage[0]:
            print(file=sys.stderr)
        stage[0] = name
        _bar(name, done, total, started, logs)

    try:
        outcome = finetune.train(
            dataset,
            parts,
            base,
            options,
            cache_folder=workspace.cache_dir,
            report=report,
            cancel=threading.Event(),
        )
    except KeyboardInterrupt:
        print("\nstopped: nothing saved", file=sys.stderr)
        return 130
    print(file=sys.stderr)
    info = finetune.save(outcome, dataset, parts, base, options, workspace, out_name)
    print(
        f"validation accuracy {outcome.accuracy:.3f} "
        + " ".join(
            f"{n} {a:.3f}" for n, a in zip(outcome.class_names, outcome.per_class_accuracy())
        )
        + f" ({outcome.seconds:.1f} s, embeddings {outcome.cache_hits} cached, "
        f"{outcome.cache_misses} computed)",
        file=out,
    )
    print(f"saved {info.path}", file=out)
    return 0
