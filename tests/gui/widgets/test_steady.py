"""A steady combo keeps its width whatever names it is given: the column beside it stays put,
however long the workspace's model names are when the tab is first shown."""

from gui.widgets.steady import steady_combo

LONG = "ants-and-bees-fine-tuned-on-mobilenet-v2-at-block-16-with-augmentation (workspace)"


def test_a_long_name_does_not_widen_the_box(qtbot):
    short, long = steady_combo(24), steady_combo(24)
    for combo, names in ((short, ["MobileNetV2"]), (long, ["MobileNetV2", LONG])):
        qtbot.addWidget(combo)
        combo.addItems(names)
        combo.setCurrentIndex(len(names) - 1)
        combo.show()
    assert long.sizeHint().width() == short.sizeHint().width()
    long.addItem(LONG + LONG)
    assert long.sizeHint().width() == short.sizeHint().width()
