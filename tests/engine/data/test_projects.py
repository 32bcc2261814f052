"""Projects: classes added, renamed and deleted to the trash; folders outside the workspace only
read; imports that copy pictures and skip junk with a reason."""

import hashlib

import pytest

from engine.data import projects
from tests.helpers.files import colour_images
from tests.helpers.frames import solid


def digest(folder):
    """Each file under ``folder`` (relative path) with the SHA-1 of its bytes."""
    return {
        p.relative_to(folder): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_classes_are_added_renamed_and_deleted_to_the_trash(workspace):
    project = projects.new_project(workspace, "fruit")
    project.add_class("apple")
    project.add_class("poire é")
    with pytest.raises(projects.ProjectError, match="already a class"):
        project.add_class("apple")
    with pytest.raises(projects.ProjectError, match="cannot be a class"):
        project.add_class("../escape")
    session = project.capture("apple")
    paths = [session.add(solid("red")) for _ in range(3)]
    assert [p.name for p in paths] == [f"{session.session}-{n:04d}.jpg" for n in (1, 2, 3)]
    project.rename_class("apple", "pomme")
    assert project.class_names() == ["poire é", "pomme"]
    assert len(project.images("pomme")) == 3
    name = project.images("pomme")[0].name
    moved = project.delete_images(project.images("pomme")[:1])
    assert moved[0].startswith(str(workspace.trash_dir))
    assert len(list(workspace.trash_dir.rglob(name))) == 1
    assert len(project.images("pomme")) == 2
    project.delete_class("poire é")
    assert project.class_names() == ["pomme"]
    assert any(p.name == "poire é" for p in workspace.trash_dir.rglob("*"))


def test_a_folder_outside_the_workspace_is_only_read(workspace, tmp_path):
    outside = tmp_path / "mine"
    colour_images(outside / "red", "red", 2)
    before = digest(outside)
    project = projects.open_project(workspace, outside)
    assert not project.editable
    for edit in (
        lambda: project.add_class("x"),
        lambda: project.capture("red"),
        lambda: project.delete_images(project.images("red")),
        lambda: project.delete_class("red"),
    ):
        with pytest.raises(projects.ProjectError, match="outside the workspace"):
            edit()
    copy = projects.copy_into(project, workspace.projects_dir)
    copy.delete_images(copy.images("red"))
    assert digest(outside) == before and copy.editable


def test_import_copies_images_skips_junk_with_reasons_and_leaves_originals(workspace, tmp_path):
    source = tmp_path / "photos"
    colour_images(source, "green", 2)
    (source / "notes.jpg").write_text("not a photo")
    (source / "empty.png").write_bytes(b"")
    (source / "readme.txt").write_text("hello")
    before = digest(source)
    project = projects.new_project(workspace, "p")
    project.add_class("green")
    added, skipped = project.import_files("green", [source])
    assert len(added) == 2 and all(p.parent == project.root / "green" for p in added)
    reasons = {path.name: reason for path, reason in skipped}
    assert set(reasons) == {"notes.jpg", "empty.png", "readme.txt"}
    assert "not an image file" in reasons["notes.jpg"] and "empty" in reasons["empty.png"]
    assert digest(source) == before
