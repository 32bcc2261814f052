"""The end of an MNIST lab run: its model saved to the workspace under its preset's name (or
"custom"), the data set's name and the time."""

from __future__ import annotations

import time

from engine.data import datasets
from engine.mnist import lab, networks
from engine.workspace.store import ModelInfo, Workspace


def save_run(
    workspace: Workspace, result: lab.RunResult, data: datasets.ImageSet, preset: str
) -> ModelInfo:
    """Save the run's model as ``<preset or custom>-<data>-<time>``; raises OSError.

    The run counts as the preset ``preset`` (the one chosen now) when it carries its title."""
    base = preset if result.title == lab.PRESETS[preset].title else "custom"
    name = f"{base}-{data.name.lower()}-{time.strftime('%Y%m%d-%H%M%S')}"
    return workspace.save_model(
        result.model,
        data.class_names,
        data.x_train.shape[1:3],
        "mnist",
        workspace.free_model_name(name),
        base=base,
        layers=networks.describe_layers(lab.parse_layers(result.title))
        if base == "custom"
        else networks.describe_layers(lab.PRESETS[preset].layers),
        dataset=data.name,
        test_error=result.test_error,
    )
