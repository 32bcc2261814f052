"""The layer language's cheaper kinds (strided and depthwise-separable convolutions, global
average pooling) and augmentation chosen by the data set."""

import keras
import numpy as np
import pytest

from engine.data import datasets
from engine.mnist import lab, networks
from tests.helpers.files import write_idx_folder


def kinds(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_strided_separable_and_gap_layers_round_trip_build_and_shrink_as_said():
    text = "conv 16x3 relu same stride 2, sepconv 32x3 elu same, sepconv 24x5 stride 2, gap"
    layers = networks.parse_layers(text)
    assert layers == [
        {
            "type": "conv",
            "filters": 16,
            "kernel": 3,
            "activation": "relu",
            "padding": "same",
            "stride": 2,
        },
        {"type": "sepconv", "filters": 32, "kernel": 3, "activation": "elu", "padding": "same"},
        {"type": "sepconv", "filters": 24, "kernel": 5, "activation": "relu", "stride": 2},
        {"type": "gap"},
    ]
    assert networks.parse_layers(networks.describe_layers(layers)) == layers
    model = networks.build_network(layers)
    assert kinds(model) == [
        "Conv2D",
        "SeparableConv2D",
        "SeparableConv2D",
        "GlobalAveragePooling2D",
        "Dense",
    ]  # no Flatten: gap's output is already one number per channel
    shapes = [layer.output.shape[1:] for layer in model.layers]
    assert shapes == [(14, 14, 16), (14, 14, 32), (5, 5, 24), (24,), (10,)]
    # depthwise 3x3 per input channel, then a 1x1 mixing: far fewer weights than a full conv
    assert model.layers[1].count_params() == 9 * 16 + 16 * 32 + 32
    assert model.count_params() == (9 + 1) * 16 + 688 + (25 * 32 + 32 * 24 + 24) + 24 * 10 + 10


@pytest.mark.parametrize(
    "bad", ["conv 8x3 stride", "conv 8x3 stride 0", "sepconv 8x3 relu tanh", "gap 2", "pool 2 3"]
)
def test_bad_new_layer_items_are_named_with_the_whole_language(bad):
    with pytest.raises(ValueError, match="sepconv NxK .*gap") as error:
        networks.parse_layers(bad)
    assert repr(bad) in str(error.value)


def test_a_convolution_after_gap_is_refused():
    with pytest.raises(ValueError, match="cannot follow"):
        networks.build_network(networks.parse_layers("conv 8x3, gap, conv 8x3"))


def test_the_new_kinds_train_a_step_on_a_tiny_subset(tmp_path):
    data = datasets.load_idx_folder(write_idx_folder(tmp_path / "d", n_train=64, n_test=16))
    layers = networks.parse_layers("conv 8x3 relu same stride 2, batchnorm, sepconv 16x3, gap")
    before = networks.build_network(layers).get_weights()
    result = lab.train(layers, {"name": "adam"}, data, epochs=1, batch_size=64)
    after = result.model.get_weights()
    assert result.epochs_done == 1 and len(result.history["loss"]) == 1
    assert all(np.isfinite(w).all() for w in after)
    assert any(not np.allclose(a, b) for a, b in zip(before, after))  # the step moved weights


def test_mixed_bfloat16_computes_in_bfloat16_and_answers_in_float32():
    model = networks.build_network(
        networks.parse_layers("conv 8x3 stride 2, gap"), dtype="mixed_bfloat16"
    )
    assert model.layers[0].compute_dtype == "bfloat16"
    assert model.layers[0].variable_dtype == "float32"  # weights stay float32
    out = model(np.zeros((2, 28, 28, 1), np.float32))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


def named(data: datasets.ImageSet, name: str, classes) -> datasets.ImageSet:
    return datasets.ImageSet(
        name, data.x_train, data.y_train, data.x_test, data.y_test, list(classes)
    )


@pytest.fixture
def tiny(tmp_path):
    return datasets.load_idx_folder(write_idx_folder(tmp_path / "d", n_train=32, n_test=8))


def test_augment_auto_mirrors_clothes_and_not_digits(tiny):
    fashion = named(tiny, "Fashion-MNIST", datasets.FASHION_CLASSES)
    digits = named(tiny, "MNIST", datasets.DIGITS)
    unnamed_clothes = named(tiny, "my folder", datasets.FASHION_CLASSES)
    assert lab.mirrors_suit(fashion) and lab.mirrors_suit(unnamed_clothes)
    assert not lab.mirrors_suit(digits) and not lab.mirrors_suit(tiny)
    layers = networks.parse_layers("augment auto shift 0.1, conv 4x3, gap")
    assert networks.describe_layers(layers) == "augment auto shift 0.1, conv 4x3 relu, gap"
    for data, flips in ((fashion, True), (digits, False)):
        model = lab.train(layers, {"name": "adam"}, data, epochs=1, batch_size=32).model
        assert ("RandomFlip" in kinds(model)) is flips, data.name
        assert "RandomTranslation" in kinds(model)  # small shifts suit both


@pytest.mark.parametrize("text, flips", [("augment flip", True), ("augment", False)])
def test_an_explicit_augment_line_is_kept_whatever_the_data(tiny, text, flips):
    layers = networks.parse_layers(f"{text}, dense 8")
    assert networks.describe_layers(layers) == f"{text}, dense 8 relu"
    for name, classes in (("Fashion-MNIST", datasets.FASHION_CLASSES), ("MNIST", datasets.DIGITS)):
        data = named(tiny, name, classes)
        model = lab.train(layers, {"name": "adam"}, data, epochs=1, batch_size=32).model
        assert ("RandomFlip" in kinds(model)) is flips, (text, name)


def test_the_challenge_presets_mirror_by_data_and_the_course_presets_never_augment():
    for key, preset in lab.PRESETS.items():
        augments = [spec for spec in preset.layers if spec["type"] == "augment"]
        if key.startswith("challenge"):
            assert [spec["flip"] for spec in augments] == ["auto"], key
            assert "challenge" in preset.note.lower() and preset.schedule == "cosine"
        else:
            assert not augments, key  # the course's numbers are without augmentation


def test_each_budget_has_a_challenge_preset_that_builds_for_28x28_images():
    chosen = {minutes: lab.challenge_preset(minutes) for minutes in (0.5, 1, 3, 5, 15, 60)}
    budgets = {minutes: lab.PRESETS[key].budget for minutes, key in chosen.items()}
    assert budgets[1] == 1 and budgets[5] == 5 and budgets[15] == budgets[60] == 15
    assert budgets[0.5] == 1 and budgets[3] == 1  # the largest budget that fits, else the least
    for key in set(chosen.values()):
        preset = lab.PRESETS[key]
        dtype = None if preset.precision == "float32" else preset.precision
        model = networks.build_network(preset.layers, (28, 28, 1), dtype=dtype, mirror=True)
        assert model.output_shape == (None, 10) and model.count_params() == preset.parameters
        assert "RandomFlip" in kinds(model)
        out = model(np.zeros((1, 28, 28, 1), np.float32))
        assert keras.ops.convert_to_numpy(out).sum() == pytest.approx(1.0, abs=1e-3)


def test_a_bfloat16_run_hands_back_a_float32_model_with_its_weights(tmp_path):
    data = datasets.load_idx_folder(write_idx_folder(tmp_path / "d", n_train=64, n_test=16))
    layers = networks.parse_layers("conv 8x3 stride 2, batchnorm, dense 16")
    result = lab.train(
        layers, {"name": "adam"}, data, epochs=1, batch_size=32, precision="mixed_bfloat16"
    )
    model = result.model
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    x = lab.prepare(data.x_test)
    np.testing.assert_array_equal(lab.predict_classes(model, data.x_test), result.predicted)
    model.save(tmp_path / "m.keras")  # what the lab saves for the other tabs
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    fresh = networks.build_network(layers)
    assert not np.allclose(fresh.layers[0].get_weights()[0], model.layers[0].get_weights()[0])


def test_bfloat16_is_asked_for_only_where_it_runs_natively(tmp_path, monkeypatch):
    from engine import backend

    data = datasets.load_idx_folder(write_idx_folder(tmp_path / "d", n_train=32, n_test=8))
    built = []
    real_build = lab.build_network
    monkeypatch.setattr(
        lab, "build_network", lambda *a, **k: built.append(k.get("dtype")) or real_build(*a, **k)
    )
    layers = networks.parse_layers("conv 4x3 stride 2, dense 8")
    asked = {}
    for native in (True, False):
        monkeypatch.setattr(backend, "fast_bfloat16", lambda: native)
        built.clear()
        lab.train(
            layers, {"name": "adam"}, data, epochs=1, batch_size=32, precision="mixed_bfloat16"
        )
        asked[native] = built[0]  # the network trained (its float32 copy may follow)
    # emulated bfloat16 (a CPU without AVX512-BF16, a GPU before Ampere) is slower than float32
    assert asked == {True: "mixed_bfloat16", False: None}


@pytest.mark.parametrize(
    "text", ["conv 32x3 stride 99999999999", "conv 5000x3", "conv 8x29", "dense 0", "pool 0"]
)
def test_sizes_outside_the_language_ranges_are_refused_while_reading(text):
    with pytest.raises(ValueError, match="up to 4096"):
        networks.parse_layers(text)


def test_a_network_past_the_weight_budget_is_refused_before_keras_allocates_it(monkeypatch):
    from engine.failures import BadInput

    monkeypatch.setattr(networks, "MOST_WEIGHTS", 10_000)
    # 784 inputs: dense 12 holds 785 * 12 = 9,420 weights and the output 13 * 10 = 130
    fits = networks.build_network(networks.parse_layers("dense 12"))
    assert fits.count_params() == 9_550
    with pytest.raises(
        BadInput, match=r"more than 10,000 weights \(its dense 13 layer alone has 10,205\)"
    ):
        networks.build_network(networks.parse_layers("dense 13"))
    with pytest.raises(BadInput, match="the output layer alone"):
        networks.build_network(networks.parse_layers("conv 16x3 same"))  # 28*28*16*10 at the end
    monkeypatch.undo()
    # the real budget: 13 billion weights asked for, refused in a sentence, nothing allocated
    with pytest.raises(BadInput, match="13,153,341,440"):
        networks.build_network(networks.parse_layers("conv 4096x3 same, dense 4096"))
