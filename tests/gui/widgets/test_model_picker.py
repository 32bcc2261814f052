"""gui/widgets/model_picker.py: zoo networks, then the workspace's models, re-read on opening."""

from PySide6.QtCore import Qt

from gui.widgets.model_picker import ModelPicker
from tests.helpers.frames import COLOURS
from tests.helpers.models import colour_model

ZOO = ["MobileNetV2", "ResNet50"]


def items(picker: ModelPicker) -> list[str]:
    return [picker.itemText(i) for i in range(picker.count())]


def test_workspace_models_follow_the_zoo_after_a_separator_and_only_when_there_are_some(
    qtbot, workspace
):
    picker = ModelPicker(ZOO, workspace.models)
    qtbot.addWidget(picker)
    assert items(picker) == ZOO  # no workspace model: no separator
    workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    picker.refresh()
    assert items(picker) == [*ZOO, "", "colours  (workspace: 3 classes)"]
    assert picker.model().item(2).flags() & Qt.ItemFlag.ItemIsSelectable == Qt.ItemFlag(0)
    assert picker.itemData(3).path == workspace.models_dir / "colours.keras"


def test_the_choice_survives_a_re_read_and_select_never_emits(qtbot, workspace):
    first = workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    picker = ModelPicker(ZOO, workspace.models)
    qtbot.addWidget(picker)
    emitted = []
    picker.currentIndexChanged.connect(emitted.append)
    picker.select(first)
    assert picker.currentIndex() == 3 and emitted == []  # shown, not loaded
    picker.select("not a model")  # unknown: the choice stays
    assert picker.currentIndex() == 3
    workspace.save_model(colour_model(), ["a", "b", "c"], (32, 32), "unit", "another")
    retrained = workspace.save_model(colour_model(), list("rgb"), (32, 32), "unit", "colours")
    assert retrained != first  # new metadata, same file
    picker.refresh()
    assert picker.currentData().path == first.path and picker.currentData() == retrained
    assert emitted == []  # a re-read is no choice of the person's
    picker.select("ResNet50")
    assert picker.currentText() == "ResNet50" and emitted == []


def test_opening_the_list_re_reads_the_workspace(qtbot, workspace):
    picker = ModelPicker(ZOO, workspace.models)
    qtbot.addWidget(picker)
    picker.show()
    workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "saved meanwhile")
    assert picker.count() == 2
    picker.showPopup()
    picker.hidePopup()
    assert items(picker)[-1] == "saved meanwhile  (workspace: 3 classes)"
    assert picker.currentText() == "MobileNetV2"


def test_a_long_workspace_model_name_does_not_widen_the_picker(qtbot, workspace):
    """The Live panel beside the video kept its width only until an MNIST run's dated model
    (lenet5-fashion-mnist-20261201-015305) appeared in the list."""
    short = ModelPicker(ZOO, workspace.models)
    qtbot.addWidget(short)
    workspace.save_model(
        colour_model(), COLOURS, (32, 32), "unit", "lenet5-fashion-mnist-20261201-015305"
    )
    long = ModelPicker(ZOO, workspace.models)
    qtbot.addWidget(long)
    short.show()
    long.show()
    assert long.sizeHint().width() == short.sizeHint().width()
