"""A model that does not fit what it is opened for is refused with what is needed and what it
has; the caller may name its own place as the sentence's subject."""

import keras
import pytest

from engine.models import model_fit, zoo
from engine.models.model_fit import ModelMisfit, check_base, check_classifier
from tests.helpers.frames import COLOURS
from tests.helpers.models import colour_model, flat_mlp, score_map


def test_a_flat_input_is_refused_with_both_shapes():
    with pytest.raises(ModelMisfit) as caught:
        check_classifier(flat_mlp(), task="The live view", name="flat.keras")
    assert str(caught.value) == (
        "The live view needs an image classifier: input (H, W, 3) and a "
        "class-probability output; flat.keras takes (784,)."
    )


def test_without_a_place_named_the_messages_name_the_task_and_no_window_part():
    with pytest.raises(ModelMisfit) as caught:
        check_classifier(flat_mlp())
    assert str(caught.value) == (
        "Classifying pictures needs an image classifier: input (H, W, 3) and a "
        "class-probability output; this model takes (784,)."
    )
    with pytest.raises(ModelMisfit) as caught:
        check_base(flat_mlp(), name="flat.keras")
    assert str(caught.value) == (
        "Fine-tuning needs a base network that takes an image: input (H, W, 3); "
        "flat.keras takes (784,)."
    )


def test_two_inputs_two_outputs_and_a_map_of_scores_are_refused():
    a, b = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Add()([a, b]))
    two_in = keras.Model([a, b], keras.layers.Dense(3)(pooled))
    with pytest.raises(ModelMisfit, match=r"takes 2 inputs: \(8, 8, 3\), \(8, 8, 3\)"):
        check_classifier(two_in)
    x = keras.Input((8, 8, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(x)
    two_out = keras.Model(x, [keras.layers.Dense(3)(pooled), keras.layers.Dense(2)(pooled)])
    with pytest.raises(ModelMisfit, match=r"gives 2 outputs: \(3,\), \(2,\)"):
        check_classifier(two_out)
    with pytest.raises(ModelMisfit, match=r"gives \(32, 32, 2\), not one score per class"):
        check_classifier(score_map(), task="Inspect")
    check_base(score_map())  # a base is cut at a layer: its output does not matter


def test_channels_follow_the_preprocessing_and_the_hint_names_the_fix():
    inputs = keras.Input((28, 28, 1))
    gray = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    check_classifier(gray, channels=model_fit.channels_for("mnist"), input_size=(28, 28))
    with pytest.raises(
        ModelMisfit,
        match=r"takes \(28, 28, 1\) \(a grayscale model needs "
        r"\"preprocessing\": \"mnist\"",
    ):
        check_classifier(gray, channels=model_fit.channels_for("unit"))
    with pytest.raises(ModelMisfit, match=r"input \(H, W, 1\).*'mnist' preprocessing"):
        check_classifier(colour_model(), channels=1)
    with pytest.raises(ModelMisfit, match="needs a base network that takes an image"):
        check_base(flat_mlp())


def test_fixed_sizes_and_class_counts_must_match_the_metadata():
    model = colour_model()  # 32x32x3 in, 3 softmax scores out
    check_classifier(model, input_size=(32, 32), classes=3)
    with pytest.raises(ModelMisfit, match="takes 32×32 images but its .json says input_size 64×64"):
        check_classifier(model, input_size=(64, 64))
    with pytest.raises(ModelMisfit, match="gives 3 class scores but its .json names 4 classes"):
        check_classifier(model, classes=4)
    any_size = keras.Input((None, None, 3))
    sigmoid = keras.Model(
        any_size,
        keras.layers.Dense(1, activation="sigmoid")(
            keras.layers.GlobalAveragePooling2D()(any_size)
        ),
    )
    check_classifier(sigmoid, input_size=(64, 48), classes=2)  # one sigmoid unit: two classes
    with pytest.raises(ModelMisfit, match="gives 1 class score but its .json names 3"):
        check_classifier(sigmoid, classes=3)


def test_workspace_classifiers_are_checked_against_their_metadata(workspace):
    flat = workspace.save_model(flat_mlp(), [str(i) for i in range(10)], (28, 28), "mnist", "flat")
    with pytest.raises(ModelMisfit) as caught:
        zoo.workspace_classifier(flat, "The adversarial lab")
    assert "The adversarial lab needs an image classifier: input (H, W, 1)" in str(caught.value)
    assert "flat.keras takes (784,)" in str(caught.value)
    info = workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    assert zoo.workspace_classifier(info, "The live view").class_names == COLOURS
    model_fit.check_saved_base(zoo.workspace_classifier(info).model, info)
