"""The end of an MNIST lab run: its model saved to the workspace under its preset's name (or
"custom"), the data set's name and the time; a run a person stopped is kept, marked as such."""

from __future__ import annotations

import time

from engine.data import datasets
from engine.mnist import lab, networks
from engine.workspace.store import ModelInfo, Workspace


def save_run(
    workspace: Workspace, result: lab.RunResult, data: datasets.ImageSet, preset: str
) -> ModelInfo:
    """Save the run's model as ``<preset or custom>-<data>-<time>``; raises OSError.

    The run counts as the preset ``preset`` (the one chosen now) when it carries its title. A
    run stopped before its epochs were done is kept, marked so that it is never taken for a
    finished one: its name ends in ``-stopped-e<N>`` and its .json says ``"stopped": true``
    and how many epochs it began (``epochs_done``; the last one partly).
    """
    base = preset if result.title == lab.PRESETS[preset].title else "custom"
    name = f"{base}-{data.name.lower()}-{time.strftime('%Y%m%d-%H%M%S')}"
    if result.cut_short:
        name += f"-stopped-e{result.epochs_done}"
    return workspace.save_model(
        result.model,
        data.class_names,
        data.x_train.shape[1:3],
        "mnist",
        workspace.free_model_name(name),
        base=base,
        replace=False,  # a name taken since free_model_name looked: refused, never replaced
        layers=networks.describe_layers(lab.parse_layers(result.title))
        if base == "custom"
        else networks.describe_layers(lab.PRESETS[preset].layers),
        dataset=data.name,
        test_error=result.test_error,
        stopped=result.cut_short,
        epochs_done=result.epochs_done,
        epochs=result.epochs_planned,
        time_budget_spent=result.out_of_time,
        training_images=result.training_images,
    )
