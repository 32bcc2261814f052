"""`python main.py finetune`: transfer learning from a folder of class folders, headless."""

from __future__ import annotations

import functools
import sys
import time

from engine import failures
from engine.data import projects
from engine.failures import BadInput, LabError
from engine.models import zoo
from engine.transfer import embeddings, finetune, pipeline
from engine.workspace.store import Workspace


def main(args) -> int:
    """Fine-tune on ``args.data`` and save ``args.out`` in the workspace; the exit status."""
    from cli.arguments import weights_option

    augment = tuple(a for a in args.augment.split(",") if a)
    unknown = [a for a in augment if a not in embeddings.AUGMENTATIONS]
    if unknown:
        known = ", ".join(embeddings.AUGMENTATIONS)
        raise BadInput(f"Unknown augmentation {unknown[0]!r}: use {known}")
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
        replace=args.force,
    )


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
    *,
    replace: bool = True,
) -> int:
    """Fine-tune with a progress bar on stderr and the results on ``out``; the exit status."""
    out = out or sys.stdout
    stage, started = [""], [0.0]

    def report(name, done, total, logs):
        if name in ("base", "download"):  # Keras prints its own download bar
            return
        if not stage[0]:
            started[0] = time.perf_counter()
        elif name != stage[0]:
            print(file=sys.stderr)
        stage[0] = name
        _bar(name, done, total, started[0], logs)

    try:
        project = projects.open_project(workspace, data)
        result = pipeline.run(
            project,
            functools.partial(embeddings.named_base, base_name, weights, layer),
            options,
            workspace,
            out_name,
            replace=replace,
            report=report,
            note=lambda line: print(line, file=sys.stderr),
        )
    except KeyboardInterrupt:
        print("\nstopped: nothing saved", file=sys.stderr)
        return failures.EXIT_INTERRUPTED
    except (projects.ProjectError, ValueError, zoo.WeightsMissing, FileNotFoundError) as error:
        if stage[0]:
            print(file=sys.stderr)  # end the progress bar's line
        if isinstance(error, LabError):
            raise  # the boundary says it, with its own exit status
        print(f"error: {error}", file=sys.stderr)
        return failures.EXIT_USAGE
    except BaseException:
        if stage[0]:
            print(file=sys.stderr)
        raise
    print(file=sys.stderr)
    outcome = result.outcome
    print(
        f"validation accuracy {outcome.accuracy:.3f} "
        + " ".join(
            f"{n} {a:.3f}" for n, a in zip(outcome.class_names, outcome.per_class_accuracy())
        )
        + f" ({outcome.seconds:.1f} s, embeddings {outcome.cache_hits} cached, "
        f"{outcome.cache_misses} computed)",
        file=out,
    )
    if result.save_error is not None:
        print(f"error: {_not_saved(result.save_problem, out_name)}", file=sys.stderr)
        return failures.EXIT_FAILED
    print(f"saved {result.info.path}", file=out)
    return 0


def _not_saved(why: str, name: str) -> str:
    """Why the model was not saved, and that the earlier model of that name is as it was."""
    return f"the model could not be saved: {why} Any earlier model '{name}' is unchanged."
