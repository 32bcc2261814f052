"""Looking inside networks: layer table, filters, activations, gradient ascent, Grad-CAM, saliency.

Every test runs on a flat model and on the same layers nested as fine-tuning nests them (a base
model inside a functional model), under whichever Keras backend runs the tests.
"""

import threading

import keras
import numpy as np
import pytest

from engine import backend
from engine.failures import BadInput
from engine.inspection.features import (
    Target,
    affine_preprocessing,
    ascent_gradient,
    objective,
    target_value,
    visualize,
)
from engine.inspection.inspector import Inspector
from engine.inspection.live import Throttled, grad_cam_probe, inspector_for, paint_heat
from engine.inspection.pictures import (
    activation_tiles,
    channel_order,
    filter_tiles,
    input_region,
    tile_grid,
)
from engine.models import zoo
from tests.helpers.memory import freed_by_reference_counting
from tests.helpers.models import numpy

SIZE = 32


def square_image(rng, corner=None, side=8):
    """Dark noise, with a bright ``side``-pixel square whose top-left is ``corner`` if given."""
    image = rng.uniform(0, 90, (SIZE, SIZE, 3)).astype(np.float32)
    if corner is not None:
        y, x = corner
        image[y : y + side, x : x + side] = 255.0
    return image


def layers():
    return (
        keras.layers.Rescaling(1 / 255.0, name="rescale"),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1"),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="c2"),
        keras.layers.GlobalAveragePooling2D(name="pool"),
        keras.layers.Dense(2, activation="softmax", name="head"),
    )


def build_models():
    """(flat, nested): rescale -> conv c1 -> conv c2 -> average -> softmax head, same weights.

    In ``nested`` the convolutions form a base model inside the model, as fine-tuning makes.
    """
    rescale, c1, c2, pool, head = layers()
    base_in = keras.Input((SIZE, SIZE, 3))
    base = keras.Model(base_in, c2(c1(base_in)), name="base")
    outer_in = keras.Input((SIZE, SIZE, 3))
    nested = keras.Model(outer_in, head(pool(base(rescale(outer_in)))), name="finetuned")
    rescale, c1, c2, pool, head = layers()
    flat_in = keras.Input((SIZE, SIZE, 3))
    flat = keras.Model(flat_in, head(pool(c2(c1(rescale(flat_in))))), name="flat")
    return flat, nested


@pytest.fixture(scope="module")
def trained():
    """A square detector (class 1: a bright square somewhere) trained here, flat and nested."""
    keras.utils.set_random_seed(1)
    flat, nested = build_models()
    rng = np.random.default_rng(0)
    images, labels = [], []
    for i in range(320):
        has = i % 2
        corner = tuple(rng.integers(0, SIZE - 8, 2)) if has else None
        images.append(square_image(rng, corner))
        labels.append(has)
    nested.compile(
        keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = nested.fit(np.stack(images), np.array(labels), epochs=10, batch_size=64, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    flat.set_weights(nested.get_weights())
    return {"flat": (flat, ""), "nested": (nested, "base/")}


@pytest.fixture(scope="module")
def fixed():
    """Both models with weights drawn from numpy (the same on every backend)."""
    flat, nested = build_models()
    rng = np.random.default_rng(3)
    flat.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in flat.get_weights()])
    nested.set_weights(flat.get_weights())
    return {"flat": (flat, ""), "nested": (nested, "base/")}


KINDS = ["flat", "nested"]


def test_layer_table_flattens_nested_models(trained):
    nested, _ = trained["nested"]
    rows = Inspector(nested).layers
    assert [(r.path, r.kind, r.depth) for r in rows] == [
        ("rescale", "Rescaling", 0),
        ("base", "Functional", 0),
        ("base/c1", "Conv2D", 1),
        ("base/c2", "Conv2D", 1),
        ("pool", "GlobalAveragePooling2D", 0),
        ("head", "Dense", 0),
    ]
    shapes = {r.path: r.shape for r in rows}
    assert (
        shapes["base/c1"] == (SIZE, SIZE, 8) and shapes["pool"] == (8,) and shapes["head"] == (2,)
    )
    params = {r.path: r.params for r in rows}
    assert params["base/c1"] == 3 * 3 * 3 * 8 + 8 and params["base/c2"] == 3 * 3 * 8 * 8 + 8
    assert params["base"] == params["base/c1"] + params["base/c2"]
    assert sum(r.params for r in rows if r.depth == 0) == nested.count_params()


@pytest.mark.parametrize("kind", KINDS)
def test_filter_tiles_are_the_kernels_after_the_documented_normalisation(fixed, kind):
    model, prefix = fixed[kind]
    inspector = Inspector(model)
    first, second = inspector.convolutions()
    assert (first.path, second.path) == (prefix + "c1", prefix + "c2")
    kernel = numpy(
        model.get_layer("base").get_layer("c1").kernel
        if kind == "nested"
        else model.get_layer("c1").kernel
    )
    np.testing.assert_array_equal(first.kernel, kernel)
    tiles = filter_tiles(first.kernel)
    assert tiles.colour and tiles.tiles.shape == (8, 3, 3, 3)
    for k in range(8):
        w = kernel[..., k]
        assert tiles.scales[k] == pytest.approx(np.abs(w).max())
        np.testing.assert_allclose(tiles.tiles[k], 0.5 + 0.5 * w / np.abs(w).max(), atol=1e-6)
    # the picture: tile k sits in row k // 3, column k % 3 of a 3-column grid, 32 px per tile
    grid = tile_grid(tiles.tiles, columns=3, cell=30, pad=2)
    y, x = 2 + 1 * 32, 2 + 2 * 32  # tile 5
    np.testing.assert_array_equal(
        grid[y : y + 30 : 10, x : x + 30 : 10], np.round(tiles.tiles[5] * 255).astype(np.uint8)
    )
    # a deeper convolution, one input channel at a time, in gray
    deeper = filter_tiles(second.kernel, input_channel=4)
    assert not deeper.colour
    w = numpy(second.layer.kernel)[:, :, 4, 2]
    np.testing.assert_allclose(deeper.tiles[2][..., 1], 0.5 + 0.5 * w / np.abs(w).max(), atol=1e-6)
    with pytest.raises(ValueError, match="input channel 8 does not exist"):
        filter_tiles(second.kernel, input_channel=8)


@pytest.mark.parametrize("kind", KINDS)
def test_activation_maps_equal_a_sub_model_cut_at_the_layer(fixed, kind):
    model, prefix = fixed[kind]
    inspector = Inspector(model)
    batch = square_image(np.random.default_rng(5), (4, 20))[None]
    for name in ("c1", "c2"):
        if kind == "nested":
            base = model.get_layer("base")
            cut = keras.Model(base.inputs, base.get_layer(name).output)
            expected = numpy(cut(model.get_layer("rescale")(batch)))[0]
        else:
            expected = numpy(keras.Model(model.inputs, model.get_layer(name).output)(batch))[0]
        maps = inspector.activations(batch, prefix + name)
        assert maps.shape == (SIZE, SIZE, 8)
        np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-5)
    order = channel_order(maps)
    means = maps.mean(axis=(0, 1))
    assert list(means[order]) == sorted(means, reverse=True)
    tiles = activation_tiles(maps, order)
    np.testing.assert_allclose(
        tiles[0], np.clip(maps[..., order[0]], 0, None) / maps.max(), atol=1e-6
    )


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_ascent_excites_the_chosen_channel(fixed, kind):
    model, prefix = fixed[kind]
    inspector = Inspector(model)
    target = Target(4, prefix + "c2")  # nearly silent on noisy gray
    start = np.clip(128 + np.random.default_rng(0).uniform(-16, 16, (SIZE, SIZE, 3)), 0, 255)
    before = target_value(inspector, target, zoo.preprocessing("none"), start)
    steps = []
    result = visualize(
        inspector,
        target,
        zoo.preprocessing("none"),
        steps=40,
        start=start,
        report=lambda step, total, value: steps.append((step, total)),
    )
    after = target_value(inspector, target, zoo.preprocessing("none"), result.image)
    assert result.image.shape == (SIZE, SIZE, 3) and result.image.dtype == np.uint8
    assert steps[-1] == (40, 40) and len(result.values) == 40 and not result.cancelled
    # measured: 0.0018 -> 0.117, 64x (tensorflow); channels already active on gray only
    # double, as the picture's 0..255 range bounds them
    assert before > 0 and after / before > 20


def test_gradient_ascent_stops_when_cancelled(fixed):
    model, _ = fixed["flat"]
    cancel = threading.Event()

    def report(step, total, value):
        if step == 3:
            cancel.set()

    result = visualize(
        Inspector(model),
        Target(1),
        zoo.preprocessing("none"),
        steps=50,
        report=report,
        cancel=cancel,
    )
    assert result.cancelled and len(result.values) == 3


def quadrant(heat: np.ndarray) -> tuple[int, int]:
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    return int(y >= heat.shape[0] // 2), int(x >= heat.shape[1] // 2)


@pytest.mark.parametrize("kind", KINDS)
def test_grad_cam_and_saliency_peak_in_the_quadrant_holding_the_square(trained, kind):
    model, prefix = trained[kind]
    inspector = Inspector(model)
    assert inspector.last_spatial() == prefix + "c2"
    rng = np.random.default_rng(11)
    for qy, qx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        batch = square_image(rng, (qy * 16 + 4, qx * 16 + 4))[None]
        heat, index = inspector.grad_cam(batch)
        assert index == 1  # the model sees the square
        assert heat.shape == (SIZE, SIZE) and heat.max() == pytest.approx(1.0)
        assert quadrant(heat) == (qy, qx)
        saliency, _ = inspector.saliency(batch, 1)  # noisier than Grad-CAM: compare quadrants
        sums = saliency.reshape(2, 16, 2, 16).sum(axis=(1, 3))
        assert np.unravel_index(np.argmax(sums), sums.shape) == (qy, qx)
    # a chosen class: the 'no square' evidence is elsewhere than the square's
    heat_none, index = inspector.grad_cam(batch, class_index=0)
    assert index == 0 and heat_none[20:28, 20:28].mean() < heat[20:28, 20:28].mean()


def test_grad_cam_follows_the_score_before_the_softmax(trained):
    """A saturated softmax has almost no gradient; the score before it still explains."""
    model, _ = trained["flat"]
    inspector = Inspector(model)
    batch = square_image(np.random.default_rng(2), (4, 4))[None]
    dense = model.get_layer("head")
    pooled = numpy(keras.Model(model.inputs, model.get_layer("pool").output)(batch))
    logits = pooled @ numpy(dense.kernel) + numpy(dense.bias)
    np.testing.assert_allclose(numpy(inspector.class_score(batch, 1)), logits[0, 1], rtol=1e-4)


def test_live_probe_is_throttled_and_paints_the_crop_only(trained):
    model, _ = trained["nested"]

    class Classifier:  # what the stream hands probes
        input_size = (SIZE, SIZE)
        class_names = ["plain", "square"]

        def __init__(self):
            self.model = model

        def prepare(self, frame):
            return frame[None].astype(np.float32)

    probe = grad_cam_probe(interval=60.0)
    frame = square_image(np.random.default_rng(4), (20, 4)).astype(np.uint8)
    first = probe(frame, Classifier())
    assert first.class_name == "square" and quadrant(first.heat) == (1, 0)
    assert probe(frame, Classifier()) is first and probe.calls == 1
    wide = np.zeros((SIZE, 3 * SIZE, 3), np.uint8)  # the model saw its centre square
    painted = paint_heat(wide, first)
    assert input_region(wide.shape, (SIZE, SIZE)) == (0, SIZE, SIZE, 2 * SIZE)
    assert painted[:, SIZE : 2 * SIZE].any() and not painted[:, :SIZE].any()
    assert inspector_for(model) is inspector_for(model)
    compiled = inspector_for(model).traces
    for chosen in (0, 1):  # another class on the live stream compiles nothing
        assert grad_cam_probe(chosen, interval=0.0)(frame, Classifier()).class_index == chosen
    assert inspector_for(model).traces == compiled == compiles()
    counting = Throttled(lambda image, c: image.sum(), interval=0.0)
    counting(frame, None), counting(frame, None)
    assert counting.calls == 2


def test_preprocessing_is_measured_as_an_affine_map():
    matrix, offset = affine_preprocessing(zoo.preprocessing("resnet50"))  # Caffe: BGR, minus mean
    np.testing.assert_allclose(matrix, np.fliplr(np.eye(3)), atol=1e-6)
    np.testing.assert_allclose(offset, [-103.939, -116.779, -123.68], atol=1e-3)
    matrix, offset = affine_preprocessing(zoo.preprocessing("mnist"))  # RGB -> inverted gray
    np.testing.assert_allclose(matrix, -np.ones((3, 1)) / 765, atol=1e-7)
    np.testing.assert_allclose(offset, [1.0], atol=1e-6)
    with pytest.raises(ValueError, match="not a per-pixel affine map"):
        affine_preprocessing(lambda x: x * x)


def compiles() -> int:
    """Compilations one compiled gradient makes here: torch runs plain autograd."""
    return 0 if backend.name() == "torch" else 1


@pytest.mark.parametrize("kind", KINDS)
def test_grad_cam_and_saliency_compile_once_per_layer_and_equal_the_eager_gradient(fixed, kind):
    model, prefix = fixed[kind]
    inspector = Inspector(model)
    rng = np.random.default_rng(7)
    first, second = (square_image(rng, (4, 20))[None], square_image(rng, (18, 2))[None])
    x = keras.ops.convert_to_tensor(first)
    for path in (prefix + "c2", prefix + "c1"):
        rest = inspector.rest_model(path)
        maps = inspector.activations(first, path)[None]
        for class_index in (0, 1):
            heat, index = inspector.grad_cam(first, class_index, path)
            _, grads = backend.value_and_grad(
                lambda m, c=class_index: rest([x, m], training=False)[0, c], maps
            )
            cam = np.maximum((maps[0] * grads[0].mean(axis=(0, 1))).sum(axis=-1), 0.0)
            assert index == class_index and cam.max() > 0
            np.testing.assert_allclose(heat, cam / cam.max(), rtol=1e-4, atol=1e-5)
        inspector.grad_cam(second, None, path)  # another picture, the top class
    assert inspector.traces == 2 * compiles()  # one per layer, whatever the class or picture
    top = int(np.argmax(inspector.probabilities(first)))
    for class_index in (None, 1 - top):
        saliency, index = inspector.saliency(first, class_index)
        wanted = top if class_index is None else class_index
        _, grads = backend.value_and_grad(lambda t, c=wanted: inspector.class_score(t, c), first)
        magnitude = np.abs(grads[0]).max(axis=-1)
        assert index == wanted
        np.testing.assert_allclose(saliency, magnitude / magnitude.max(), rtol=1e-4, atol=1e-5)
    inspector.saliency(second)
    assert inspector.traces == 3 * compiles()
    with pytest.raises(BadInput, match="there is no class 2: pick one of 0-1"):
        inspector.grad_cam(first, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_feature_visualization_compiles_its_objective_once_per_layer(fixed, kind):
    model, prefix = fixed[kind]
    inspector = Inspector(model)
    preprocess = zoo.preprocessing("mobilenet_v2")  # x / 127.5 - 1: an offset to carry
    matrix, offset = affine_preprocessing(preprocess)
    pixels = np.random.default_rng(8).uniform(0, 255, (1, SIZE, SIZE, 3)).astype(np.float32)
    for target in (Target(4, prefix + "c2"), Target(1, prefix + "c2"), Target(1), Target(0)):
        value, grad = ascent_gradient(inspector, target, matrix, offset)(pixels)
        eager = backend.value_and_grad(objective(inspector, target, matrix, offset), pixels)
        assert value == pytest.approx(eager[0], rel=1e-4, abs=1e-6)
        np.testing.assert_allclose(grad, eager[1], rtol=1e-3, atol=1e-6 * np.abs(eager[1]).max())
    assert inspector.traces == 2 * compiles()  # the layer's channels, then the classes
    for index in (2, 3):  # whole ascents, another channel each: nothing compiles again
        visualize(inspector, Target(index, prefix + "c2"), preprocess, steps=3)
    assert inspector.traces == 2 * compiles()
    with pytest.raises(BadInput, match=f"there is no {prefix}c2 channel 8: pick one of 0-7"):
        visualize(inspector, Target(8, prefix + "c2"), preprocess, steps=1)


def test_an_inspector_is_freed_by_reference_counting_after_its_gradients_ran(fixed):
    """Its compiled objects close over sub-models, not over it: no cycle waits for the
    collector, which the GUI runs only while no worker runs TensorFlow."""
    model, prefix = fixed["nested"]

    def used():
        inspector = Inspector(model)
        batch = square_image(np.random.default_rng(9), (4, 4))[None]
        inspector.grad_cam(batch)
        inspector.saliency(batch)
        visualize(inspector, Target(0, prefix + "c1"), zoo.preprocessing("none"), steps=1)
        return inspector

    assert freed_by_reference_counting(used)
