"""The one fine-tuning run the window and the command share: project to saved model, with its
refusals, its Stop (in a download too) and a save that fails without losing the earlier model."""

import errno
import threading

import keras
import pytest

from engine.data import projects
from engine.transfer import embeddings, finetune, pipeline
from engine.workspace.store import ModelInfo
from tests.helpers.files import colour_project, write_images
from tests.helpers.models import colour_model

OPTIONS = finetune.Options(epochs=3)


@pytest.fixture
def project(workspace):
    """'colours': 12 reddish and 12 bluish pictures, each file a split group of its own."""
    colour_project(workspace)
    return projects.open_project(workspace, workspace.projects_dir / "colours")


class Bases:
    """A base maker as the pipeline calls it, recording each call's progress callback."""

    def __init__(self, before=lambda progress: None):
        self.before, self.calls = before, []

    def __call__(self, progress=None):
        self.calls.append(progress)
        self.before(progress)
        return embeddings.model_base(colour_model(), "colours", (32, 32), "unit")


def saved_files(workspace) -> list[str]:
    folder = workspace.models_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_run_notes_what_it_trains_on_reports_each_stage_and_saves_the_model(workspace, project):
    (project.root / "red" / "notes.jpg").write_text("not a photo")
    stages, notes, bases = [], [], Bases()
    result = pipeline.run(
        project,
        bases,
        OPTIONS,
        workspace,
        "mine",
        fraction=0.25,
        report=lambda stage, done, total, logs: stages.append(stage),
        note=notes.append,
    )
    assert len(bases.calls) == 1 and callable(bases.calls[0])  # built once, told of downloads
    assert stages[0] == "base" and stages[1] == "embedding" and stages.count("head") == 3
    junk = project.root / "red" / "notes.jpg"
    assert notes[0].startswith(f"skipped {junk}: notes.jpg: not an image file")
    assert notes[1:3] == [
        f"warning: Validation has only 3 images of '{name}': its accuracy will jump by large "
        f"steps. Add more images or sessions."
        for name in ("blue", "red")
    ]
    assert notes[-1].startswith("2 classes, 18 training and 6 validation images, base colours at ")
    assert len(result.split.train) == 18 and len(result.split.validation) == 6
    assert not result.outcome.stopped and result.save_error is None
    assert result.info is result.outcome.info and result.info.path.exists()
    assert saved_files(workspace) == ["mine.json", "mine.keras"]
    saved = ModelInfo.read(result.info.path)
    assert saved.class_names == ["blue", "red"] and saved.extra["metrics"]["train_images"] == 18


def test_a_project_with_problems_is_refused_before_any_work(workspace):
    write_images(workspace.projects_dir / "one" / "red", 0, 4)
    (workspace.projects_dir / "one" / "blue").mkdir()
    project = projects.open_project(workspace, workspace.projects_dir / "one")
    reported, bases = [], Bases()
    with pytest.raises(ValueError, match="Class 'blue' has no usable images"):
        pipeline.run(project, bases, OPTIONS, workspace, "mine", report=reported.append)
    assert reported == [] and bases.calls == [] and saved_files(workspace) == []


def test_stop_during_the_download_ends_the_run_with_nothing_saved(workspace, project):
    cancel, reported = threading.Event(), []

    def download(progress):
        progress(1000, 4000)
        cancel.set()  # Stop pressed while the weights come in
        progress(2000, 4000)
        raise AssertionError("the download went on after Stop")

    result = pipeline.run(
        project,
        Bases(download),
        OPTIONS,
        workspace,
        "mine",
        report=lambda *args: reported.append(args[:3]),
        cancel=cancel,
    )
    assert result.outcome.stopped and result.outcome.class_names == ["blue", "red"]
    assert result.info is None and result.save_error is None and result.split.train
    assert reported == [("base", 0, 0), ("download", 1000, 4000)]
    assert saved_files(workspace) == []


def test_stop_as_the_base_is_ready_trains_nothing(workspace, project):
    cancel, stages = threading.Event(), []
    result = pipeline.run(
        project,
        Bases(lambda progress: cancel.set()),
        OPTIONS,
        workspace,
        "mine",
        report=lambda stage, *args: stages.append(stage),
        cancel=cancel,
    )
    assert result.outcome.stopped and stages == ["base"] and saved_files(workspace) == []


def test_stop_during_training_keeps_the_earlier_model(workspace, project):
    first = pipeline.run(project, Bases(), OPTIONS, workspace, "mine")
    good = first.info.path.read_bytes()
    cancel = threading.Event()
    result = pipeline.run(
        project,
        Bases(),
        finetune.Options(epochs=50),
        workspace,
        "mine",
        report=lambda stage, done, total, logs: stage == "head" and done == 2 and cancel.set(),
        cancel=cancel,
    )
    assert result.outcome.stopped and len(result.outcome.history["loss"]) == 2
    assert result.info is None and result.save_error is None
    assert first.info.path.read_bytes() == good


def test_a_failed_save_is_said_in_the_result_and_the_earlier_model_stays(
    workspace, project, monkeypatch
):
    first = pipeline.run(project, Bases(), OPTIONS, workspace, "mine")
    good = first.info.path.read_bytes()

    def full_disk(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", full_disk)
    result = pipeline.run(project, Bases(), OPTIONS, workspace, "mine")
    assert not result.outcome.stopped and result.outcome.accuracy >= 0
    assert result.info is None and result.save_error.errno == errno.ENOSPC
    assert result.save_problem == "The disk is full: free some space and try again."
    assert first.info.path.read_bytes() == good
    assert saved_files(workspace) == ["mine.json", "mine.keras"]


def test_without_replace_a_model_saved_meanwhile_is_kept_and_the_result_says_so(workspace, project):
    first = pipeline.run(project, Bases(), OPTIONS, workspace, "mine")
    good = first.info.path.read_bytes()
    result = pipeline.run(project, Bases(), OPTIONS, workspace, "mine", replace=False)
    assert result.info is None and "A model named mine exists" in result.save_problem
    assert first.info.path.read_bytes() == good


def test_a_damaged_cache_is_dropped_recomputed_and_said(workspace, project):
    first = pipeline.run(project, Bases(), OPTIONS, workspace, "mine")
    (cache,) = workspace.cache_dir.glob("*.npz")
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])  # a run killed mid-write
    heard = []
    again = pipeline.run(project, Bases(), OPTIONS, workspace, "again", note=heard.append)
    dropped = [line for line in heard if "embedding cache was dropped" in line]
    assert len(dropped) == 1 and again.outcome.cache_hits == 0
    assert again.outcome.accuracy == first.outcome.accuracy  # the same embeddings, computed anew
