"""A full disk and a read-only workspace for each command that writes (issue 15): a sentence, an
exit status, and no partial file left in the workspace. The disk is simulated: the write or the
rename into place raises the errno a real one does (tests run as root: chmod cannot refuse)."""

import errno
import os

import keras

import main
from tests.helpers.files import colour_project, write_idx_folder
from tests.helpers.models import score_map


def leftovers(workspace) -> list[str]:
    """Hidden scratch files anywhere in the workspace."""
    return sorted(str(p) for p in workspace.root.rglob(".*"))


def test_finetune_on_a_read_only_workspace_says_so_and_leaves_nothing(
    workspace, monkeypatch, capsys
):
    colour_project(workspace)
    base = workspace.save_model(score_map(), ["a", "b"], (32, 32), "unit", "maps")
    real_replace = os.replace

    def read_only(source, target, *args, **kwargs):
        if str(target).startswith(str(workspace.root)):
            raise OSError(errno.EROFS, "Read-only file system", str(target))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", read_only)
    argv = ["finetune", "--data", str(workspace.projects_dir / "colours"), "--base"]
    argv += [str(base.path), "--layer", "conv", "--epochs", "1", "--out", "mine"]
    assert main.main([*argv, "--workspace", str(workspace.root)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("error: ")
    assert "read-only" in err.splitlines()[-1].lower()
    assert not (workspace.models_dir / "mine.keras").exists()
    assert not (workspace.models_dir / "mine.json").exists()
    assert leftovers(workspace) == []


def test_mnist_on_a_full_disk_prints_its_result_says_why_and_leaves_nothing(
    tmp_path, workspace, monkeypatch, capsys
):
    folder = write_idx_folder(tmp_path / "idx", n_train=60, n_test=20)

    def full_disk(self, path, *args, **kwargs):
        with open(path, "wb") as partial:
            partial.write(b"PK\x03\x04 half a model")  # a real full disk leaves a torso
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(keras.Model, "save", full_disk)
    argv = ["mnist", "--preset", "mlp-sgd", "--dataset", str(folder), "--epochs", "1"]
    assert main.main([*argv, "--workspace", str(workspace.root)]) == 1
    printed = capsys.readouterr()
    assert printed.out.splitlines()[-1].startswith("| ")  # the run's row is not lost
    last = printed.err.splitlines()[-1]
    assert last.startswith("error: ") and "the disk is full: free some space" in last
    assert "Traceback" not in printed.err
    assert list(workspace.models_dir.iterdir()) == []
    assert leftovers(workspace) == []
