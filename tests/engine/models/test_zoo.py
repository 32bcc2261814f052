"""The registry of pretrained networks, their weights and the offline path."""

import os
import urllib.error
from pathlib import Path

import keras
import numpy as np
import pytest

from engine.models import zoo
from tests.helpers.models import numpy

EXPECTED = {  # name: (input size, keras.applications module whose preprocess_input applies)
    "MobileNetV2": (224, "mobilenet_v2"),
    "MobileNetV3Small": (224, "mobilenet_v3"),
    "MobileNetV3Large": (224, "mobilenet_v3"),
    "EfficientNetB0": (224, "efficientnet"),
    "ResNet50": (224, "resnet50"),
    "VGG16": (224, "vgg16"),
    "InceptionV3": (299, "inception_v3"),
    "Xception": (299, "xception"),
    "DenseNet121": (224, "densenet"),
    "InceptionResNetV2": (299, "inception_resnet_v2"),
    "NASNetMobile": (224, "nasnet"),
    "NASNetLarge": (331, "nasnet"),
}


def test_registry_sizes_and_preprocessing():
    assert {n: (e.size, e.module) for n, e in zoo.ZOO.items()} == EXPECTED
    assert zoo.DEFAULT_MODEL == "MobileNetV2"
    for name, entry in zoo.ZOO.items():
        assert callable(getattr(keras.applications, entry.builder)), name
        assert (
            zoo.preprocessing(entry.module)
            is getattr(keras.applications, entry.module).preprocess_input
        )
    x = np.full((1, 2, 2, 3), 255.0, np.float32)
    assert np.allclose(zoo.preprocessing("mobilenet_v2")(x.copy()), 1.0)  # scaled to [-1, 1]
    assert np.allclose(zoo.preprocessing("unit")(x), 1.0)
    caffe = zoo.preprocessing("resnet50")(x.copy())
    assert np.allclose(caffe[0, 0, 0], [255 - 103.939, 255 - 116.779, 255 - 123.68])  # BGR, mean


@pytest.mark.parametrize("name", ["MobileNetV2", "MobileNetV3Small", "EfficientNetB0"])
def test_small_networks_build_at_their_input_size(name):
    model = zoo.build(name, weights=None)
    assert model.input_shape == (None, *zoo.ZOO[name].input_size, 3)
    assert model.output_shape == (None, 1000)


def test_a_zoo_classifier_returns_imagenet_names():
    clf = zoo.load_classifier("mobilenetv3small", weights=None, top_k=3, alpha=0.0)
    probabilities, labels = clf.classify(
        np.random.default_rng(0).integers(0, 255, (240, 320, 3), np.uint8)
    )
    assert probabilities.shape == (1000,) and probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert len(labels) == 3 and all(name in clf.class_names for name, _ in labels)


def test_weights_from_a_file(tmp_path):
    reference = zoo.build("MobileNetV3Small", weights=None)
    path = tmp_path / "mine.weights.h5"
    reference.save_weights(path)
    loaded = zoo.build("MobileNetV3Small", weights=str(path))
    x = np.random.default_rng(1).uniform(0, 255, (1, 224, 224, 3)).astype("float32")
    assert np.allclose(numpy(reference(x)), numpy(loaded(x)), atol=1e-5)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        zoo.build("MobileNetV3Small", weights=str(tmp_path / "missing.h5"))


def test_offline_weights_name_the_file_and_where_it_goes(monkeypatch):
    from keras.src.utils import file_utils

    reported = []

    def offline(url, filename, hook):
        hook(1, 8192, 24576)
        hook(2, 8192, 24576)
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    with pytest.raises(zoo.WeightsMissing) as caught:
        zoo.build("MobileNetV2", progress=lambda done, total: reported.append((done, total)))
    error = caught.value
    assert error.filename == "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"
    assert error.folder == Path(os.environ["KERAS_HOME"]) / "models"
    assert (
        error.filename in str(error)
        and str(error.folder) in str(error)
        and "--weights" in str(error)
    )
    assert str(error).endswith("or open a model of your own.")  # the window names its menu
    assert reported == [(8192, 24576), (16384, 24576)]  # the window's bar got Keras' progress
    assert not (error.folder / error.filename).exists()  # no half-written file left behind
    assert file_utils.urlretrieve is offline  # the progress hook was removed again


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown model 'AlexNet'"):
        zoo.load_classifier("AlexNet")
