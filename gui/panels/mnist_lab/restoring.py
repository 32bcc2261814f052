"""What the MNIST lab keeps across restarts: a finished run turned into its workspace record, a
record turned back into a run for the table, curves and matrix (its model opened when Try it
needs it), and a saved model opened on its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.data import datasets
from engine.failures import BadFile
from engine.mnist import lab, records
from engine.workspace.store import ModelInfo, Workspace

MODEL_DELETED = "model deleted"
NOT_SAVED = "not saved"
TRY_ANOTHER = "Select another run in the table, or open a saved model."


def record_of(result: lab.RunResult, data: datasets.ImageSet, model: str | None):
    """The record of ``result``, trained and tested on ``data``, saved as ``model``."""
    return records.RunRecord(
        title=result.title,
        parameters=int(result.parameters),
        optimizer=result.optimizer,
        epochs_done=result.epochs_done,
        epochs_planned=result.epochs_planned,
        seconds=result.seconds,
        test_error=result.test_error,
        stopped=result.stopped,
        out_of_time=result.out_of_time,
        training_images=result.training_images,
        dataset=data.name,
        fingerprint=records.fingerprint(data.x_test, data.y_test),
        class_names=list(data.class_names),
        truth=np.asarray(data.y_test),
        predicted=np.asarray(result.predicted),
        model=model or "",
        history=result.history,
        steps=result.steps,
    )


def result_of(record: records.RunRecord, model=None) -> lab.RunResult:
    """A recorded run as the panel shows it, with ``model`` once it is opened."""
    return lab.RunResult(
        record.title,
        record.parameters,
        record.optimizer,
        record.epochs_done,
        record.seconds,
        record.test_error,
        record.history,
        record.stopped,
        model,
        record.predicted if len(record.predicted) else None,
        record.steps,
        record.out_of_time,
        record.epochs_planned,
        record.training_images,
    )


def model_file(workspace: Workspace, name: str) -> Path | None:
    """The workspace model called ``name``, or None when there is none (deleted, never saved)."""
    path = workspace.models_dir / f"{name}.keras"
    return path if name and path.is_file() else None


def model_state(workspace: Workspace, name: str) -> str:
    """What the table's Model column says: the model's name, deleted, or not saved."""
    if not name:
        return NOT_SAVED
    return name if model_file(workspace, name) else MODEL_DELETED


def mnist_model_info(path: str | Path) -> ModelInfo:
    """The metadata of a saved MNIST lab model; BadFile says why ``path`` is not one."""
    info = ModelInfo.read(path)
    if info.preprocessing != "mnist" or info.input_size != (28, 28):
        raise BadFile(
            f"{Path(path).name} is not an MNIST lab model (it takes {info.input_size[0]}x"
            f"{info.input_size[1]} pictures, {info.preprocessing} preprocessing): open one "
            f"the MNIST lab saved"
        )
    return info


def record_of_model(info: ModelInfo, model) -> records.RunRecord:
    """A row for a saved model opened in the lab: what its metadata says, with no curves and
    no test predictions (it is not recorded: the model file stays its only trace)."""
    extra = info.extra

    def number(key, default=0):  # the metadata's own fields are checked, these are not
        value = extra.get(key)
        return value if type(value) in (int, float) else default

    return records.RunRecord(
        title=str(extra.get("layers") or info.base or info.name)[: records.MAX_TEXT],
        parameters=int(model.count_params()),
        optimizer="—",
        epochs_done=int(number("epochs_done")),
        epochs_planned=int(number("epochs")),
        seconds=float("nan"),
        test_error=float(number("test_error", float("nan"))),
        stopped=extra.get("stopped") is True,
        out_of_time=extra.get("time_budget_spent") is True,
        training_images=int(number("training_images")),
        dataset=str(extra.get("dataset", "unknown data"))[: records.MAX_TEXT],
        fingerprint="",
        class_names=list(info.class_names),
        truth=np.zeros(0, np.int64),
        predicted=np.zeros(0, np.int64),
        model=info.name,
    )
