"""The MNIST lab form's augmentation: chosen by the data set unless the person wrote one, and the
layer editor's help naming every layer kind."""

import pytest

from engine.data import datasets
from engine.mnist import lab, networks
from gui.core.live_link import LiveLink
from gui.panels.mnist_lab.panel import MnistPanel
from tests.helpers.files import write_idx_folder
from tests.helpers.gui import show_alone


def named(data: datasets.ImageSet, name: str, classes) -> datasets.ImageSet:
    return datasets.ImageSet(
        name, data.x_train, data.y_train, data.x_test, data.y_test, list(classes)
    )


@pytest.fixture
def sets(tmp_path):
    tiny = datasets.load_idx_folder(write_idx_folder(tmp_path / "d", n_train=64, n_test=16))
    return {
        "fashion": named(tiny, "Fashion-MNIST", datasets.FASHION_CLASSES),
        "digits": named(tiny, "MNIST", datasets.DIGITS),
    }


@pytest.fixture
def panel(qtbot, workspace):
    return show_alone(qtbot, MnistPanel(LiveLink(workspace)))


def trained_layer_kinds(panel, qtbot) -> list[str]:
    """Train one epoch with the form as it stands; the kinds of the trained model's layers."""
    before = len(panel.runs)
    panel.epochs.setValue(1)
    panel.budget.setValue(0)
    panel.train()
    qtbot.waitUntil(lambda: len(panel.runs) == before + 1, timeout=60000)
    return [type(layer).__name__ for layer in panel.runs[-1].model.layers]


def test_the_default_augmentation_mirrors_clothes_and_not_digits(panel, qtbot, sets):
    panel.preset.setCurrentIndex(panel.preset.findData("challenge"))
    assert panel.layers.text().startswith("augment auto")  # the form's default: by data set
    panel.layers.setText("augment auto, conv 4x3 stride 2, gap")
    panel.set_data(sets["fashion"])
    assert "RandomFlip" in trained_layer_kinds(panel, qtbot)
    panel.set_data(sets["digits"])
    assert panel.layers.text() == "augment auto, conv 4x3 stride 2, gap"
    assert "RandomFlip" not in trained_layer_kinds(panel, qtbot)


@pytest.mark.parametrize("line, flips", [("augment flip", True), ("augment", False)])
def test_an_explicit_augment_line_survives_a_data_set_change(panel, qtbot, sets, line, flips):
    panel.set_data(sets["fashion" if not flips else "digits"])
    panel.layers.setText(f"{line}, dense 8 relu")
    panel.set_data(sets["digits" if flips else "fashion"])  # mirrors would suit it the other way
    assert panel.layers.text() == f"{line}, dense 8 relu"
    assert panel.network()[0][0] == {"type": "augment", "flip": flips, "shift": 0.0}
    assert ("RandomFlip" in trained_layer_kinds(panel, qtbot)) is flips


def test_the_layer_editor_explains_the_new_kinds(panel):
    tip = panel.layers.toolTip()
    assert networks.LAYER_HELP in tip
    assert all(word in tip for word in ("sepconv", "stride", "gap", "augment auto"))
    for key in lab.PRESETS:  # every preset's text is one the editor reads back
        panel.preset.setCurrentIndex(panel.preset.findData(key))
        text = panel.layers.text()
        assert networks.describe_layers(lab.parse_layers(text)) == text
        assert text == networks.describe_layers(lab.PRESETS[key].layers)


def test_a_challenge_preset_sets_its_budget_until_the_person_sets_another(panel):
    panel.preset.setCurrentIndex(panel.preset.findData(lab.challenge_preset(5)))
    assert panel.budget.value() == 5
    challenge = lab.PRESETS[lab.challenge_preset(5)]
    assert panel.form.options(challenge.title)["precision"] == challenge.precision
    # layers edited from the preset are the person's network: it trains in float32
    assert panel.form.options("conv 8x3, dense 10")["precision"] == "float32"
    panel.preset.setCurrentIndex(panel.preset.findData("lenet5"))
    assert panel.budget.value() == 0  # still the challenge's: a course preset has none
    panel.budget.setValue(3)
    panel.preset.setCurrentIndex(panel.preset.findData(lab.challenge_preset(1)))
    assert panel.budget.value() == 3  # the person's own budget stays
