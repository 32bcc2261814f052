"""One fine-tuning run from a project to a saved model: scan, refuse problems, split, build the
base, train, and save unless stopped. The window and the ``finetune`` command both run this."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from engine import failures
from engine.data import split as splitting
from engine.data.projects import Project
from engine.data.split import Split
from engine.transfer import finetune
from engine.transfer.embeddings import Base
from engine.workspace.store import ModelInfo, Workspace

log = logging.getLogger(__name__)


class _Stopped(Exception):
    """Raised inside a weights download once the run is cancelled (Keras removes the partial
    file)."""


@dataclass
class Result:
    """How a run ended: its outcome (``outcome.stopped`` when cancelled), the split it trained
    on, and the saved model's metadata or, when saving failed, why."""

    outcome: finetune.Outcome
    split: Split
    info: ModelInfo | None = None
    save_error: Exception | None = None  # an OSError (full, read-only) or a LabError

    @property
    def save_problem(self) -> str | None:
        """Why the model was not saved, as a sentence; None when it was (or was not tried)."""
        if self.save_error is None:
            return None
        known = failures.explain(self.save_error)
        return known.sentence if known else f"{self.save_error}."


def run(
    project: Project,
    make_base: Callable[..., Base],
    options: finetune.Options,
    workspace: Workspace,
    name: str,
    *,
    fraction: float = 0.2,
    replace: bool = True,
    report: Callable | None = None,
    cancel: threading.Event | None = None,
    note: Callable[[str], None] | None = None,
) -> Result:
    """Fine-tune a base on ``project`` and save the model in ``workspace`` as ``name``.

    ``make_base(progress=...)`` builds the base; ``progress(done, total)`` follows a download
    of its weights. ``report(stage, done, total, logs)`` hears "base" as the base is built,
    "download", then finetune.train's stages. With ``cancel`` set the run stops, within a
    download too, and saves nothing. ``note(line)`` hears what a person should read: before
    training starts, each skipped file, each warning about the split, what the run trains on;
    after it, an embedding cache that was dropped and why.

    ValueError says why a run cannot start; the base's own errors (zoo.WeightsMissing, a
    missing weights file) pass through. A failed save (a full disk, a diverged model, with
    ``replace`` False a model of that name saved meanwhile) is not raised: the result says why,
    and any earlier model of that name is unchanged.
    """
    report = report or (lambda *args: None)
    cancel = cancel or threading.Event()
    note = note or (lambda line: None)
    dataset = project.scan()
    for path, reason in dataset.skipped:
        note(f"skipped {path}: {reason}")
    problems = dataset.problems()
    if problems:
        raise ValueError(" ".join(problems))
    split = splitting.split(dataset, fraction)
    for warning in split.warnings:
        note(f"warning: {warning}")
    stopped = Result(finetune.Outcome(list(dataset.class_names), stopped=True), split)
    report("base", 0, 0, {})

    def downloaded(done: int, total: int) -> None:
        if cancel.is_set():
            raise _Stopped()
        report("download", done, total, {})

    try:
        base = make_base(progress=downloaded)
    except _Stopped:
        return stopped
    if cancel.is_set():
        return stopped
    note(
        f"{len(dataset.class_names)} classes, {len(split.train)} training and "
        f"{len(split.validation)} validation images, base {base.name}"
    )
    outcome = finetune.train(
        dataset,
        split,
        base,
        options,
        cache_folder=workspace.cache_dir,
        report=report,
        cancel=cancel,
    )
    for line in outcome.notes:
        note(line)
    result = Result(outcome, split)
    if not outcome.stopped:
        try:
            result.info = finetune.save(
                outcome, dataset, split, base, options, workspace, name, replace=replace
            )
        except (OSError, failures.LabError) as error:
            log.error("saving %s failed: %s", name, error)  # the errno says it all
            result.save_error = error
    return result
