"""The train/validation split: capture sessions kept together, its warnings, and a tree's own
train/ and val/ folders."""

import os
from pathlib import Path

from engine.data import projects, split
from tests.helpers.files import colour_images, recorded_project
from tests.helpers.frames import COLOURS


def test_the_split_keeps_capture_sessions_together_and_warns(workspace):
    project = recorded_project(workspace, sessions=5, per_session=4)
    parts = split.split(project.scan(), 0.2)
    train_groups = {i.group for i in parts.train}
    val_groups = {i.group for i in parts.validation}
    assert val_groups and not train_groups & val_groups
    for label in range(3):  # one whole session of five per class
        assert sum(1 for i in parts.validation if i.label == label) == 4
    assert parts.warnings == [
        f"Validation has only 4 images of '{c}': its accuracy will jump by "
        f"large steps. Add more images or sessions."
        for c in sorted(COLOURS)
    ]
    again = split.split(project.scan(), 0.2)
    assert [i.path for i in again.validation] == [i.path for i in parts.validation]
    single = projects.new_project(workspace, "one-session")
    colour_images(single.root / "red", "red", 10)
    colour_images(single.root / "blue", "blue", 10, "cap-20260101-130000-000")
    parts = split.split(single.scan(), 0.2)
    assert any("one capture session" in w for w in parts.warnings)
    assert 0 < len(parts.validation) < 20


def test_a_long_session_is_not_taken_when_it_would_overshoot_the_validation_share(workspace):
    project = projects.new_project(workspace, "long-session")
    names = [f"cap-20260101-1200{n:02d}-000" for n in range(40)]
    sessions = sorted(
        names,
        key=lambda name: split._rank(
            projects.session_group(project.root / "red" / f"{name}-0000.png")
        ),
    )
    colour_images(project.root / "red", "red", 20, sessions[0])  # the first in the split's order
    for n, session in enumerate(sessions[1:6]):
        colour_images(project.root / "red", "red", 4, session, seed=n + 1)
    colour_images(project.root / "blue", "blue", 40, sessions[6])
    parts = split.split(project.scan(), 0.2)  # red: 40 images, a fifth is 8
    red = [i for i in parts.validation if i.label == project.scan().class_names.index("red")]
    assert len(red) == 8 and all(i.path.name.startswith(tuple(sessions[1:6])) for i in red)
    assert not any("Validation holds" in warning for warning in parts.warnings)
    two = projects.new_project(workspace, "two-long-sessions")
    for colour, first in (("red", 7), ("blue", 9)):
        for n in range(2):
            colour_images(two.root / colour, colour, 10, sessions[first + n], seed=n)
    parts = split.split(two.scan(), 0.2)  # one session of two is half of each class
    assert len(parts.validation) == 20
    assert (
        "Validation holds 50% of the images, not 20%: a capture session is never split, so a "
        "few long sessions tip the balance. Record more, shorter sessions."
    ) in parts.warnings


def test_a_tree_with_train_and_val_folders_keeps_its_split(workspace, tmp_path):
    for part, count in (("train", 6), ("val", 2)):
        for colour in ("red", "blue"):
            colour_images(tmp_path / "tree" / part / colour, colour, count, f"img-{part}")
    project = projects.open_project(workspace, tmp_path / "tree")
    assert project.class_names() == ["blue", "red"]
    parts = split.split(project.scan())
    assert len(parts.train) == 12 and len(parts.validation) == 4
    assert all("/val/" in str(i.path) for i in parts.validation)


def test_groups_named_with_bytes_that_are_not_utf8_split_stably():
    # Items made without a scan (scan skips such names) must not stop the split with a codec
    # error; the hash of the name's own bytes places them.
    names = [os.fsdecode(b"photo-\xe9-%d.jpg" % n) for n in range(10)]
    items = [projects.Item(Path(name), 0, projects.session_group(Path(name))) for name in names]
    items += [projects.Item(Path(f"b{n}.jpg"), 1, f"b{n}") for n in range(10)]
    dataset = projects.Dataset(["a", "b"], items)
    first, again = split.split(dataset, 0.2), split.split(dataset, 0.2)
    assert 0 < sum(item.label == 0 for item in first.validation) < 10
    assert [item.path for item in first.validation] == [item.path for item in again.validation]
