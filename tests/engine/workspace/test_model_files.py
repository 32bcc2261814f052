"""Hostile and broken model files are refused before Keras runs anything in them."""

import zipfile

import keras
import pytest

from engine.workspace import model_files, store
from tests.helpers.models import colour_model, lambda_archive


def test_a_truncated_a_foreign_and_a_missing_file_get_three_different_messages(tmp_path):
    good = tmp_path / "good.keras"
    colour_model().save(good)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = tmp_path / "foreign.keras"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n not a model at all")
    messages = []
    for path in (truncated, foreign, tmp_path / "missing.keras"):
        with pytest.raises(ValueError) as caught:
            store.load_keras_model(path)
        messages.append(str(caught.value))
    assert "damaged or incomplete" in messages[0]
    assert "is not a Keras model" in messages[1]
    assert "does not exist" in messages[2]
    assert store.load_keras_model(good).count_params() == colour_model().count_params()


def test_only_keras_files_are_opened(tmp_path):
    legacy = tmp_path / "model.h5"
    legacy.write_bytes(b"\x89HDF\r\n\x1a\n")
    with pytest.raises(ValueError, match="only the .keras format"):
        store.load_keras_model(legacy)
    archive = tmp_path / "other.keras"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="no config.json"):
        store.load_keras_model(archive)


def test_a_malicious_archive_never_runs_its_code(tmp_path):
    archive, canary = lambda_archive(tmp_path)
    with pytest.raises(ValueError, match="contains 'Lambda'"):
        store.load_keras_model(archive)
    assert not canary.exists()
    # The archive is really hostile: Keras without safe mode runs the code while loading.
    keras.saving.load_model(archive, safe_mode=False)
    assert canary.exists()


def test_custom_registered_classes_and_outside_functions_are_refused(tmp_path):
    @keras.saving.register_keras_serializable(package="evil")
    class Custom(keras.layers.Layer):
        def call(self, x):
            return x

    model = keras.Sequential([keras.Input((4,)), Custom(), keras.layers.Dense(2)])
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(model_files.UnsafeModel, match="contains 'evil>Custom'"):
        model_files.vet(path)


def test_models_the_app_makes_pass_the_check(tmp_path):
    base = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35)
    inputs = keras.Input((96, 96, 3))
    nested = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(base(inputs)))
    augmenting = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.RandomFlip("horizontal"),
            keras.layers.RandomTranslation(0.1, 0.1),
            keras.layers.BatchNormalization(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    for name, model in (("nested", nested), ("augmenting", augmenting)):
        model.save(tmp_path / f"{name}.keras")
        model_files.vet(tmp_path / f"{name}.keras")
