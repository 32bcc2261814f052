"""Transfer learning: refusals before training, the head on embeddings, stage two, stopping and
saving, and the fine-tuned model running live."""

import errno
import threading

import keras
import numpy as np
import pytest

from engine.data import projects, split
from engine.failures import LabError
from engine.models import model_fit, zoo
from engine.transfer import embeddings, finetune
from engine.workspace.store import load_keras_model
from tests.helpers.files import colour_images, recorded_project
from tests.helpers.frames import COLOURS, solid


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


def test_training_learns_saves_and_the_live_classifier_runs_it(workspace, colour_base):
    project = recorded_project(workspace)
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


def test_stopping_saves_nothing_and_a_full_disk_leaves_the_previous_model(
    workspace, colour_base, monkeypatch
):
    project = recorded_project(workspace)
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


@pytest.mark.parametrize("size", [1e-12, 1e6])
def test_tiny_or_huge_embeddings_are_rescaled_so_the_head_still_learns(workspace, size):
    # A random-weights MobileNetV2 gives embeddings around 1e-12 (measured on the ants and bees),
    # below Keras Normalization's epsilon (1e-7): standardising alone left the head on the most
    # common class. The head first brings them to an RMS of 1.
    inputs = keras.Input((32, 32, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    features = keras.layers.Rescaling(size, name="sized")(keras.layers.Dense(3)(pooled))
    model = keras.Model(inputs, keras.layers.Dense(2)(features))  # cut at its input: features
    base = embeddings.model_base(model, "sized", (32, 32), "unit")
    project = recorded_project(workspace)
    dataset = project.scan()
    parts = split.split(dataset, 0.34)
    outcome = finetune.train(dataset, parts, base, finetune.Options(epochs=30, learning_rate=0.05))
    assert outcome.accuracy == 1.0
    assert outcome.model.get_layer("head").get_layer("standardise") is not None


def test_a_base_that_gives_every_image_the_same_features_is_refused_before_training(workspace):
    inputs = keras.Input((32, 32, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    same = keras.layers.Dense(4, kernel_initializer="zeros", bias_initializer="ones")(pooled)
    model = keras.Model(inputs, keras.layers.Dense(2)(same))
    base = embeddings.model_base(model, "flat", (32, 32), "unit")
    dataset = recorded_project(workspace).scan()
    with pytest.raises(LabError, match="same features for every image"):
        finetune.train(dataset, split.split(dataset, 0.34), base, finetune.Options(epochs=1))


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
    project = recorded_project(workspace)
    dataset = project.scan()
    parts = split.split(dataset, 0.34)
    outcome = finetune.train(dataset, parts, base, finetune.Options(epochs=2))
    saved = finetune.save(outcome, dataset, parts, base, finetune.Options(), workspace, "grey")
    assert saved.preprocessing == "mnist" and saved.input_size == (28, 28)
    probabilities, labels = zoo.workspace_classifier(saved, alpha=0.0).classify(
        solid("red", (120, 160))
    )
    assert probabilities.shape == (3,) and {name for name, _ in labels} <= set(COLOURS)


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
