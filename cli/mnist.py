"""`python main.py mnist`: train a course preset headless with a terminal progress bar."""

from __future__ import annotations

import inspect
import sys
import threading
import time
from pathlib import Path

from engine import failures
from engine.data import datasets
from engine.failures import BadInput, LabError
from engine.mnist import lab
from engine.workspace.store import Workspace


def main(args) -> int:
    """Train ``args.preset`` on ``args.dataset`` and save it in the workspace; the exit status."""
    if args.preset not in lab.PRESETS:
        raise BadInput(f"Unknown preset {args.preset!r}: choose one of {', '.join(lab.PRESETS)}")
    return run(
        args.preset,
        args.dataset,
        args.epochs,
        args.batch_size,
        args.subset,
        Workspace(args.workspace),
        minutes=args.minutes,
    )


def load_dataset(name: str) -> datasets.ImageSet:
    """'fashion', 'mnist' or a folder of IDX files."""
    if name == "fashion":
        return datasets.load_fashion_mnist()
    if name == "mnist":
        return datasets.load_mnist()
    return datasets.load_idx_folder(Path(name))


def table_row(result: lab.RunResult, note: str = "") -> str:
    """A row of the course's table: architecture, parameters, optimizer, epochs, seconds, error."""
    return (
        f"| {result.title} | {result.parameters:,} | {result.optimizer}{note} | "
        f"{result.epochs_done} | {result.seconds:.0f} | {100 * result.test_error:.2f}% |"
    )


def run(
    preset: str,
    dataset: str,
    epochs: int | None,
    batch_size: int | None,
    subset: int | None,
    workspace: Workspace,
    out=None,
    minutes: float | None = None,
) -> int:
    out = out or sys.stdout
    try:
        data = load_dataset(dataset)
    except (datasets.DatasetUnavailable, ValueError) as error:
        if isinstance(error, LabError):
            raise  # the boundary says it, with its own exit status
        print(f"error: {error}", file=sys.stderr)
        return failures.EXIT_USAGE
    if subset:
        data = data.subset(subset)
    started = time.perf_counter()

    def report(kind, epoch, batch, batches, logs):
        if kind == "batch" and batches:
            done = int(30 * batch / batches)
            print(
                f"\repoch {epoch + 1}: [{'#' * done}{'.' * (30 - done)}] {batch}/{batches} "
                f"loss {logs.get('loss', float('nan')):.4f}  {time.perf_counter() - started:.0f} s",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif kind == "epoch":
            print(
                f"\repoch {epoch + 1}: loss {logs.get('loss', 0):.4f} "
                f"accuracy {logs.get('accuracy', 0):.4f} test accuracy "
                f"{logs.get('val_accuracy', 0):.4f}" + " " * 20,
                file=sys.stderr,
                flush=True,
            )

    cancel = threading.Event()
    minutes = minutes or lab.PRESETS[preset].budget or None  # a challenge entry keeps its budget
    try:
        options = {"batch_size": batch_size} if batch_size else {}
        result = lab.train_preset(
            preset,
            data,
            epochs=epochs,
            report=report,
            cancel=cancel,
            time_limit=60 * minutes if minutes else None,
            **options,
        )
    except KeyboardInterrupt:
        print("\nstopped: nothing saved", file=sys.stderr)
        return failures.EXIT_INTERRUPTED
    print("| Architecture | Parameters | Optimizer | Epochs | CPU s | Error |", file=out)
    print("|---|---:|---|---:|---:|---:|", file=out)
    print(table_row(result), file=out)  # the result stands even if saving fails below
    out.flush()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = workspace.free_model_name(f"{preset}-{data.name.lower()}-{stamp}")
    never_replace = (
        {"replace": False}
        if "replace" in inspect.signature(workspace.save_model).parameters
        else {}
    )
    info = workspace.save_model(
        result.model,
        data.class_names,
        data.x_train.shape[1:3],
        "mnist",
        name,
        base=preset,
        dataset=data.name,
        test_error=result.test_error,
        epochs=result.epochs_done,
        seconds=round(result.seconds, 1),
        **never_replace,
    )
    print(f"saved {info.path}", file=sys.stderr)
    return 0
