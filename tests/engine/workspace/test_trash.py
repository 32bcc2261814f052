"""Deleting moves to the system trash, or to the workspace's own when there is none."""

import os
from pathlib import Path

import send2trash

from engine.data import projects
from engine.workspace.store import Workspace
from tests.helpers.files import colour_images


def test_deleted_images_go_to_the_system_trash_or_else_the_workspace_trash(tmp_path, monkeypatch):
    workspace = Workspace(tmp_path / "ws")  # as the app makes it: the system trash first
    project = projects.new_project(workspace, "p")
    colour_images(project.root / "red", "red", 3)
    first, second, third = project.images("red")
    assert project.delete_images([first]) == ["the system trash"]
    system_trash = Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files"
    assert (system_trash / first.name).read_bytes()  # the file itself, intact

    def no_trash(path):
        raise send2trash.TrashPermissionError(path)

    monkeypatch.setattr(send2trash, "send2trash", no_trash)
    places = project.delete_images([second])
    assert places[0].startswith(str(workspace.trash_dir))
    assert len(list(workspace.trash_dir.rglob(second.name))) == 1
    assert project.images("red") == [third]
