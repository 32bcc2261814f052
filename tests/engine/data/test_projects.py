"""Projects: classes added, renamed and deleted to the trash; folders outside the workspace only
read; imports that copy pictures and skip junk with a reason."""

import errno
import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from engine.data import projects
from engine.failures import BadInput
from engine.workspace import scratch
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


def refuse_listing(monkeypatch, folder):
    """Listing ``folder`` fails as it does for a folder without read permission (the tests may
    run as root, whom chmod does not stop)."""
    real_iterdir, real_scandir = Path.iterdir, os.scandir

    def refused(path):
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))

    def iterdir(self):
        refused(self)
        return real_iterdir(self)

    def scandir(path="."):
        refused(path)
        return real_scandir(path)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_class_folder_is_listed_not_raised(tmp_path, monkeypatch):
    colour_images(tmp_path / "shapes" / "red", "red", 3)
    colour_images(tmp_path / "shapes" / "blue", "blue", 3)
    refuse_listing(monkeypatch, tmp_path / "shapes" / "blue")
    project = projects.Project(tmp_path / "shapes", editable=False)
    dataset = project.scan()
    assert dataset.class_names == ["blue", "red"] and dataset.counts() == [0, 3]
    assert dataset.skipped == [
        (
            tmp_path / "shapes" / "blue",
            "blue: the folder could not be read (Permission denied): check that you may open it",
        )
    ]
    assert any("'blue' has no usable images" in problem for problem in dataset.problems())
    assert project.images("blue") == []
    refuse_listing(monkeypatch, tmp_path / "shapes")
    with pytest.raises(projects.ProjectError, match="shapes could not be read") as refused:
        project.scan()
    assert isinstance(refused.value, BadInput)


def test_import_lists_an_unreadable_folder_and_takes_the_rest(workspace, tmp_path, monkeypatch):
    colour_images(tmp_path / "camera" / "day", "red", 2)
    colour_images(tmp_path / "camera" / "night", "red", 2, seed=1)
    refuse_listing(monkeypatch, tmp_path / "camera" / "night")
    project = projects.new_project(workspace, "pets")
    project.add_class("cat")
    added, skipped = project.import_files("cat", [tmp_path / "camera"])
    assert len(added) == 2 and all(path.parent == project.root / "cat" for path in added)
    assert [(path.name, reason.split(":")[1]) for path, reason in skipped] == [
        ("night", " the folder could not be read (Permission denied)")
    ]


def test_names_that_are_not_utf8_are_listed_printably(tmp_path):
    root = os.fsencode(tmp_path / "shapes")
    colour_images(Path(os.fsdecode(root + b"/red")), "red", 2)
    colour_images(Path(os.fsdecode(root + b"/gr\xfcn")), "green", 2)  # Latin-1 folder name
    latin = Path(os.fsdecode(root + b"/red/pomme-\xe9.png"))
    latin.write_bytes(next((tmp_path / "shapes" / "red").glob("*.png")).read_bytes())
    dataset = projects.Project(tmp_path / "shapes", editable=False).scan()
    assert dataset.class_names == ["red"] and dataset.counts() == [2]
    shown = {str(path): reason for path, reason in dataset.skipped}
    assert shown == {
        str(tmp_path / "shapes" / "gr\\xfcn"): "gr\\xfcn: the name is not valid text (UTF-8): "
        "rename it",
        str(tmp_path / "shapes" / "red" / "pomme-\\xe9.png"): "pomme-\\xe9.png: the name is not "
        "valid text (UTF-8): rename it",
    }
    for path, reason in dataset.skipped:  # printing them can raise no codec error
        f"skipped {path}: {reason}".encode()


def test_imports_and_copies_read_a_file_in_chunks(workspace, tmp_path):
    colour_images(tmp_path / "in", "red", 1)
    photo = next((tmp_path / "in").glob("*.png"))
    with open(photo, "r+b") as handle:
        handle.truncate(60_000_000)  # a picture with a 60 MB tail (sparse on disk)
    project = projects.new_project(workspace, "big")
    project.add_class("red")
    tracemalloc.start()
    try:
        added, skipped = project.import_files("red", [photo])
        copied = projects.copy_into(project, tmp_path / "copies")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert skipped == [] and added[0].stat().st_size == 60_000_000
    assert next((copied.root / "red").iterdir()).stat().st_size == 60_000_000
    assert peak < 8e6, peak


def test_an_import_killed_mid_copy_leaves_only_what_the_next_start_removes(
    workspace, tmp_path, monkeypatch
):
    """A kill between the copy and its rename: the partial file carries the copier's pid, so
    Workspace.recover() removes it once that process is gone."""
    colour_images(tmp_path / "in", "red", 1)
    project = projects.new_project(workspace, "kept")
    project.add_class("red")
    left = []

    def killed(partial, target):
        left.append(Path(partial))
        raise KeyboardInterrupt  # as far as the copy goes, the process ends here

    monkeypatch.setattr(projects.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        project.import_files("red", list((tmp_path / "in").glob("*.png")))
    assert scratch.writer(left[0]) == os.getpid() and left[0].parent == project.root / "red"
