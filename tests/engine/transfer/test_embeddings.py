"""Embeddings: cached by content and base, augmented copies, batches that keep each image with
its vector, and bases named as people name models."""

import threading

import keras
import numpy as np
import pytest

from engine import backend
from engine.data import split
from engine.models import model_fit
from engine.transfer import embeddings, finetune
from tests.helpers.files import recorded_project
from tests.helpers.models import colour_model, flat_mlp, score_map


def test_embeddings_are_cached_by_content_and_base(workspace, colour_base):
    project = recorded_project(workspace, sessions=2, per_session=3)
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
    project = recorded_project(workspace, sessions=2, per_session=2)
    paths = [item.path for item in project.scan().items]
    vectors = embeddings.embed(paths, colour_base, variants=2, kinds=("brightness",))
    assert vectors.shape == (12, 3, 3)
    assert not np.allclose(vectors[:, 0], vectors[:, 1])  # brightness changes the mean colour
    again = embeddings.embed(paths, colour_base, variants=2, kinds=("brightness",))
    np.testing.assert_allclose(again, vectors)  # seeded by content: the same copies each time


def test_embedding_in_batches_keeps_each_image_with_its_vector_and_stops_when_asked(
    workspace, colour_base
):
    paths = [
        item.path for item in recorded_project(workspace, sessions=3, per_session=5).scan().items
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


def test_a_workspace_model_named_with_spaces_and_punctuation_is_a_base(workspace):
    project = recorded_project(workspace, sessions=1, per_session=2)
    paths = [item.path for item in project.scan().items]
    base = embeddings.model_base(colour_model(), "my model (v2)", (32, 32), "unit")
    assert embeddings.embed(paths, base).shape == (6, 1, 3)  # TensorFlow took the name as a scope


def test_a_base_is_named_by_a_zoo_name_or_a_keras_file_cut_at_a_layer(workspace):
    flat = workspace.save_model(flat_mlp(), [str(i) for i in range(10)], (28, 28), "unit", "flat")
    with pytest.raises(model_fit.ModelMisfit) as caught:
        embeddings.named_base(str(flat.path), None)
    assert str(caught.value) == (
        "Fine-tuning needs a base network that takes an image: input (H, W, 3); "
        "flat.keras takes (784,)."
    )
    maps = workspace.save_model(score_map(), ["a", "b"], (32, 32), "unit", "maps")
    base = embeddings.named_base(str(maps.path), None, "conv")
    assert base.input_size == (32, 32) and base.name == "maps at conv" and base.dimensions == 2
    with pytest.raises(ValueError, match="unknown base 'AlexNet': choose one of MobileNetV2, "):
        embeddings.named_base("AlexNet")
    zoo_base = embeddings.named_base("MobileNetV3Small", None)
    assert zoo_base.name == "MobileNetV3Small" and zoo_base.input_size == (224, 224)
