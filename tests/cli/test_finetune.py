"""`python main.py finetune`: a folder of class folders to a saved model, headless, with a
progress bar; refusals, a failed save and the real ants-and-bees photos."""

import errno

import keras
import pytest

import main
from engine.data import photos, projects
from engine.models import zoo
from engine.workspace.store import ModelInfo
from tests.helpers.files import SHARED_DATA, colour_project, real_data, write_images
from tests.helpers.models import flat_mlp, score_map


def finetune(workspace, data, base, *more) -> int:
    """Run the command on ``data`` with ``base`` into ``workspace``, as a person types it."""
    command = ["finetune", "--data", str(data), "--base", str(base), "--epochs", "2"]
    return main.main([*command, "--out", "mine", "--workspace", str(workspace.root), *more])


@pytest.fixture
def maps(workspace):
    """A workspace model to use as a base, cut at its 'conv' layer."""
    return workspace.save_model(score_map(), ["a", "b"], (32, 32), "unit", "maps")


def test_a_keras_file_cut_at_a_layer_trains_and_saves_with_a_summary(workspace, maps, capsys):
    colour_project(workspace)
    status = finetune(workspace, workspace.projects_dir / "colours", maps.path, "--layer", "conv")
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert "2 classes, 20 training and 4 validation images, base maps at conv" in printed.err
    assert "       head: [" in printed.err and "Traceback" not in printed.err
    accuracy, saved = printed.out.splitlines()
    assert accuracy.startswith("validation accuracy ") and " blue " in accuracy
    assert "embeddings 0 cached, 24 computed" in accuracy
    assert saved == f"saved {workspace.models_dir / 'mine.keras'}"
    info = ModelInfo.read(workspace.models_dir / "mine.keras")
    assert info.class_names == ["blue", "red"] and info.base == "maps at conv"


def test_a_base_that_takes_no_image_is_refused_in_a_sentence(workspace, capsys):
    colour_project(workspace)
    flat = workspace.save_model(flat_mlp(), [str(i) for i in range(10)], (28, 28), "unit", "flat")
    status = finetune(workspace, workspace.projects_dir / "colours", flat.path)
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert err.splitlines()[-1] == (
        "error: Fine-tuning needs a base network that takes an image: input (H, W, 3); "
        "flat.keras takes (784,)."
    )


def test_a_class_without_images_is_refused_after_the_skipped_files_are_listed(
    workspace, maps, capsys
):
    write_images(workspace.projects_dir / "p" / "red", 0, 3)
    (workspace.projects_dir / "p" / "blue").mkdir()
    (workspace.projects_dir / "p" / "blue" / "empty.jpg").write_bytes(b"")
    assert finetune(workspace, workspace.projects_dir / "p", maps.path) == 2
    first, error = capsys.readouterr().err.splitlines()
    assert first.startswith(f"skipped {workspace.projects_dir / 'p' / 'blue' / 'empty.jpg'}: ")
    assert error.startswith("error: Class 'blue' has no usable images")
    assert not (workspace.models_dir / "mine.keras").exists()


def test_a_failed_save_says_why_and_keeps_the_earlier_model(workspace, maps, capsys, monkeypatch):
    colour_project(workspace)
    data = workspace.projects_dir / "colours"
    assert finetune(workspace, data, maps.path, "--layer", "conv") == 0
    good = (workspace.models_dir / "mine.keras").read_bytes()

    def full_disk(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", full_disk)
    capsys.readouterr()
    assert finetune(workspace, data, maps.path, "--layer", "conv", "--force") == 1
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err and "saved" not in printed.out
    assert printed.err.splitlines()[-1] == (
        "error: the model could not be saved: The disk is full: free some space and try again. "
        "Any earlier model 'mine' is unchanged."
    )
    assert (workspace.models_dir / "mine.keras").read_bytes() == good
    assert sorted(p.name for p in workspace.models_dir.iterdir()) == [
        "maps.json",
        "maps.keras",
        "mine.json",
        "mine.keras",
    ]  # no scratch file left behind


def test_the_ants_and_bees_tree_trains_headless_to_a_model_the_live_view_runs(workspace, capsys):
    root = real_data(SHARED_DATA / "hymenoptera")
    dataset = projects.open_project(workspace, root).scan()
    assert dataset.class_names == ["ants", "bees"] and len(dataset.items) == 398
    assert dataset.skipped == []  # the stray GIF is a real (if useless) picture
    code = main.main(
        [
            "finetune",
            "--data",
            str(root),
            "--base",
            "MobileNetV3Small",
            "--weights",
            "none",
            "--epochs",
            "3",
            "--out",
            "ants-bees",
            "--workspace",
            str(workspace.root),
        ]
    )
    assert code == 0
    printed = capsys.readouterr()
    assert "245 training and 153 validation images" in printed.err
    assert "0 cached, 398 computed" in printed.out
    info = ModelInfo.read(workspace.models_dir / "ants-bees.keras")
    assert info.class_names == ["ants", "bees"] and info.base == "MobileNetV3Small"
    assert info.extra["metrics"]["train_images"] == 245
    classifier = zoo.workspace_classifier(info, alpha=0.0)
    probabilities, labels = classifier.classify(photos.decode(dataset.items[0].path))
    assert probabilities.shape == (2,) and abs(float(probabilities.sum()) - 1) < 1e-5
    assert {name for name, _ in labels} == {"ants", "bees"}
