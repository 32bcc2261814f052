"""Projects, the split by session, cached embeddings and transfer learning, end to end."""

import errno
import hashlib
import threading

import keras
import numpy as np
import pytest
from PIL import Image

from engine import backend
from engine.data import projects, split
from engine.models import model_fit, zoo
from engine.models.callbacks import QuickValidation
from engine.transfer import embeddings, finetune
from engine.workspace.store import load_keras_model
from tests.helpers.frames import COLOURS, solid
from tests.helpers.models import colour_model


def colour_images(folder, colour, count, session="cap-20260101-120000-000", seed=0):
    """``count`` noisy frames of one colour, named as one capture session's frames."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        frame = np.clip(
            solid(colour, (40, 40)).astype(int) + rng.integers(-60, 60, (40, 40, 3)), 0, 255
        ).astype(np.uint8)
        Image.fromarray(frame).save(folder / f"{session}-{n:04d}.png")


def colour_project(workspace, sessions=3, per_session=4):
    project = projects.new_project(workspace, "colours")
    for c, colour in enumerate(COLOURS):
        for s in range(sessions):
            colour_images(
                project.root / colour,
                colour,
                per_session,
                f"cap-20260101-12000{s}-00{c}",
                seed=10 * c + s,
            )
    return project


@pytest.fixture
def colour_base():
    return embeddings.model_base(colour_model(), "colours", (32, 32), "unit")


def digest(folder):
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


def test_scan_lists_skipped_files_and_training_refuses_to_start_with_a_reason(
    workspace, colour_base
):
    project = projects.new_project(workspace, "p")
    colour_images(project.root / "red", "red", 3)
    (project.root / "red" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 junk")
    (project.root / "blue").mkdir()
    (project.root / "blue" / "empty.jpg").write_bytes(b"")
    dataset = project.scan()
    assert dataset.counts() == [0, 3] and dataset.class_names == ["blue", "red"]
    assert sorted(p.name for p, _ in dataset.skipped) == ["broken.jpg", "empty.jpg"]
    reported = []
    with pytest.raises(ValueError, match="Class 'blue' has no usable images"):
        finetune.train(dataset, split.split(dataset), colour_base, report=reported.append)
    project.delete_class("blue")
    dataset = project.scan()
    with pytest.raises(ValueError, match="at least two classes"):
        finetune.train(dataset, split.split(dataset), colour_base, report=reported.append)
    assert reported == []  # refused before any work


def test_the_split_keeps_capture_sessions_together_and_warns(workspace):
    project = colour_project(workspace, sessions=5, per_session=4)
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


def test_training_learns_saves_and_the_live_classifier_runs_it(workspace, colour_base):
    project = colour_project(workspace)
    dataset = project.scan()
    parts = split.split(dataset, 0.34)
    stages = []
    outcome = finetune.train(
        dataset,
        parts,
        colour_base,
        finetune.Options(epochs=60, learning_rate=0.05),
        cache_folder=workspace.cache_dir,
        report=lambda stage, done, total, logs: stages.append(stage),
    )
    assert stages[0] == "embedding" and stages[-1] == "head" and stages.count("head") == 60
    assert len(outcome.history["val_accuracy"]) == 60
    assert outcome.accuracy == 1.0 and outcome.confusion.trace() == len(parts.validation)
    info = finetune.save(
        outcome, dataset, parts, colour_base, finetune.Options(), workspace, "mine"
    )
    assert info.class_names == sorted(COLOURS) and info.extra["metrics"]["val_accuracy"] == 1.0
    assert info.extra["dataset"]["fingerprint"] == finetune.fingerprint(dataset.items)
    classifier = zoo.workspace_classifier(info, alpha=0.0)
    assert classifier.classify(solid("blue", (120, 160)))[1][0][0] == "blue"


def test_embeddings_are_cached_by_content_and_base(workspace, colour_base):
    project = colour_project(workspace, sessions=2, per_session=3)
    dataset = project.scan()
    parts = split.split(dataset)

    def run(base):
        options = finetune.Options(epochs=1)
        return finetune.train(dataset, parts, base, options, cache_folder=workspace.cache_dir)

    first = run(colour_base)
    assert (first.cache_hits, first.cache_misses) == (0, 18)
    second = run(colour_base)
    assert (second.cache_hits, second.cache_misses) == (18, 0)
    cached = embeddings.EmbeddingCache(workspace.cache_dir, colour_base.key)
    assert len(cached.vectors) == 18
    other = colour_model()
    other.get_layer("colour").set_weights([np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    assert (
        run(embeddings.model_base(other, "colours", (32, 32), "unit")).cache_misses == 0
    )  # same cut
    deeper = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(2, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3),
        ]
    )
    assert run(embeddings.model_base(deeper, "d", (32, 32), "unit")).cache_misses == 18


def test_augmented_variants_are_extra_embeddings(workspace, colour_base):
    project = colour_project(workspace, sessions=2, per_session=2)
    paths = [item.path for item in project.scan().items]
    vectors = embeddings.embed(paths, colour_base, variants=2, kinds=("brightness",))
    assert vectors.shape == (12, 3, 3)
    assert not np.allclose(vectors[:, 0], vectors[:, 1])  # brightness changes the mean colour
    again = embeddings.embed(paths, colour_base, variants=2, kinds=("brightness",))
    np.testing.assert_allclose(again, vectors)  # seeded by content: the same copies each time


def test_stopping_saves_nothing_and_a_full_disk_leaves_the_previous_model(
    workspace, colour_base, monkeypatch
):
    project = colour_project(workspace)
    dataset = project.scan()
    parts = split.split(dataset)
    outcome = finetune.train(dataset, parts, colour_base, finetune.Options(epochs=5))
    info = finetune.save(
        outcome, dataset, parts, colour_base, finetune.Options(), workspace, "mine"
    )
    good = info.path.read_bytes()
    cancel = threading.Event()
    stopped = finetune.train(
        dataset,
        parts,
        colour_base,
        finetune.Options(epochs=50),
        report=lambda stage, done, total, logs: stage == "head" and done == 2 and cancel.set(),
        cancel=cancel,
    )
    assert stopped.stopped and len(stopped.history["loss"]) == 2

    def full_disk(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        finetune.save(outcome, dataset, parts, colour_base, finetune.Options(), workspace, "mine")
    assert info.path.read_bytes() == good
    assert sorted(p.name for p in workspace.models_dir.iterdir()) == ["mine.json", "mine.keras"]
    assert load_keras_model(info.path).count_params() == outcome.model.count_params()


def test_stage_two_unfreezes_only_the_top_layers_and_keeps_batchnorm_frozen():
    base = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, name="c1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Conv2D(4, 3, name="c2"),
            keras.layers.Conv2D(4, 3, name="c3"),
            keras.layers.GlobalAveragePooling2D(),
        ]
    )
    base.trainable = False
    assert finetune.unfreeze_top(base, 2) == ["c2", "c3"]
    assert [layer.trainable for layer in base.layers[:4]] == [False, False, True, True]
    assert len(base.trainable_weights) == 4


def test_deleted_images_go_to_the_system_trash_or_else_the_workspace_trash(tmp_path, monkeypatch):
    import os

    import send2trash

    from engine.workspace.store import Workspace

    workspace = Workspace(tmp_path / "ws")  # as the app makes it: the system trash first
    project = projects.new_project(workspace, "p")
    colour_images(project.root / "red", "red", 3)
    first, second, third = project.images("red")
    assert project.delete_images([first]) == ["the system trash"]
    system_trash = __import__("pathlib").Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files"
    assert (system_trash / first.name).read_bytes()  # the file itself, intact

    def no_trash(path):
        raise send2trash.TrashPermissionError(path)

    monkeypatch.setattr(send2trash, "send2trash", no_trash)
    places = project.delete_images([second])
    assert places[0].startswith(str(workspace.trash_dir))
    assert len(list(workspace.trash_dir.rglob(second.name))) == 1
    assert project.images("red") == [third]


def test_tiny_embeddings_are_standardised_so_the_head_still_learns(workspace):
    # A random-weights zoo network can give embeddings around 1e-12 (MobileNetV2 here): the head
    # standardises them with the training set's statistics before its dense layer.
    inputs = keras.Input((32, 32, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    tiny = keras.layers.Rescaling(1e-6, name="tiny")(pooled)
    model = keras.Model(inputs, keras.layers.Dense(3)(tiny))
    base = embeddings.model_base(model, "tiny", (32, 32), "unit", "tiny")
    project = colour_project(workspace)
    dataset = project.scan()
    parts = split.split(dataset, 0.34)
    outcome = finetune.train(dataset, parts, base, finetune.Options(epochs=30, learning_rate=0.05))
    assert outcome.accuracy == 1.0
    assert outcome.model.get_layer("head").get_layer("standardise") is not None


def test_quick_validation_reports_what_keras_evaluate_would():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 6)).astype("float32"), rng.integers(0, 3, 40)
    x_val, y_val = rng.normal(size=(15, 6)).astype("float32"), rng.integers(0, 3, 15)
    head = finetune.build_head(6, 3, 0.5, x)
    head.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    quick = QuickValidation(x_val, y_val)
    history = head.fit(x, y, epochs=3, verbose=0, callbacks=[quick])
    loss, accuracy = head.evaluate(x_val, y_val, verbose=0)
    assert len(history.history["val_loss"]) == 3
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-4)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)


def test_embedding_in_batches_keeps_each_image_with_its_vector_and_stops_when_asked(
    workspace, colour_base
):
    paths = [
        item.path for item in colour_project(workspace, sessions=3, per_session=5).scan().items
    ]
    one_batch = embeddings.embed(paths, colour_base, batch_size=64)
    np.testing.assert_allclose(
        embeddings.embed(paths, colour_base, batch_size=4), one_batch, rtol=1e-5, atol=1e-6
    )
    singles = [embeddings.embed([p], colour_base, batch_size=1)[0] for p in paths[::7]]
    np.testing.assert_allclose(np.stack(singles), one_batch[::7], rtol=1e-5, atol=1e-6)
    sizes, forward = [], colour_base.forward
    colour_base.forward = lambda batch: (sizes.append(len(batch)), forward(batch))[1]
    embeddings.embed(paths[:10], colour_base, batch_size=4)
    # a short last batch is padded only where each new shape means a new compilation (JAX)
    assert sizes == ([4, 4, 4] if backend.compiles_per_shape() else [4, 4, 2])
    cancel, seen = threading.Event(), []
    stopped = embeddings.embed(
        paths,
        colour_base,
        batch_size=4,
        cancel=cancel,
        report=lambda done, total: (seen.append(done), cancel.set()),
    )
    assert stopped is None and seen == [0]


def test_a_grayscale_mnist_lab_model_is_a_base_whose_fine_tuned_model_runs_live(workspace):
    keras.utils.set_random_seed(0)
    digits = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, name="c"),
            keras.layers.GlobalAveragePooling2D(name="pool"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    info = workspace.save_model(digits, [str(i) for i in range(10)], (28, 28), "mnist", "digits")
    model = load_keras_model(info.path)
    model_fit.check_saved_base(model, info)  # a 1-channel base is fine with 'mnist' preprocessing
    base = embeddings.model_base(model, info.name, info.input_size, info.preprocessing, "pool")
    project = colour_project(workspace)
    dataset = project.scan()
    parts = split.split(dataset, 0.34)
    outcome = finetune.train(dataset, parts, base, finetune.Options(epochs=2))
    saved = finetune.save(outcome, dataset, parts, base, finetune.Options(), workspace, "grey")
    assert saved.preprocessing == "mnist" and saved.input_size == (28, 28)
    probabilities, labels = zoo.workspace_classifier(saved, alpha=0.0).classify(
        solid("red", (120, 160))
    )
    assert probabilities.shape == (3,) and {name for name, _ in labels} <= set(COLOURS)


def test_a_workspace_model_named_with_spaces_and_punctuation_is_a_base(workspace):
    project = colour_project(workspace, sessions=1, per_session=2)
    paths = [item.path for item in project.scan().items]
    base = embeddings.model_base(colour_model(), "my model (v2)", (32, 32), "unit")
    assert embeddings.embed(paths, base).shape == (6, 1, 3)  # TensorFlow took the name as a scope


def test_the_in_memory_fit_gives_keras_callbacks_epoch_averages_and_stops_within_a_batch():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 4)).astype("float32"), rng.integers(0, 2, 50)
    x[y == 1] += 2.0
    head = finetune.build_head(4, 2, 0.0, x)
    head.compile(
        keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    batches = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append((logs["loss"], logs["accuracy"]))
    )
    history = finetune.fit_in_memory(head, x, y, 16, 8, [record])
    assert len(history["loss"]) == 8 and len(batches) == 8 * 4  # 16 + 16 + 16 + 2
    sizes = np.array([16, 16, 16, 2])
    first_epoch = np.array(batches[:4])
    np.testing.assert_allclose(
        [history["loss"][0], history["accuracy"][0]], sizes @ first_epoch / 50, rtol=1e-6
    )  # averaged over examples
    assert history["loss"][-1] < history["loss"][0] / 2 and history["accuracy"][-1] > 0.9

    stop = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: setattr(head, "stop_training", batch == 1)
    )
    batches.clear()
    assert len(finetune.fit_in_memory(head, x, y, 16, 8, [record, stop])["loss"]) == 1
    assert len(batches) == 2
