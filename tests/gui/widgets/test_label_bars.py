"""gui/widgets/label_bars.py: the top-k labels as bars, alone."""

from PySide6.QtWidgets import QProgressBar

from gui.widgets.label_bars import LabelBars


def shown_bars(bars: LabelBars) -> list[tuple[int, str]]:
    """(value, text) of each bar that shows, top to bottom."""
    return [
        (bar.value(), bar.format()) for bar in bars.findChildren(QProgressBar) if bar.isVisible()
    ]


def test_each_label_shows_its_probability_and_fewer_labels_hide_the_rows_left_over(qtbot):
    bars = LabelBars()
    qtbot.addWidget(bars)
    bars.show()
    bars.show_labels([("cat", 0.9), ("dog", 0.075), ("fox", 0.025)])
    assert bars.texts() == ["cat", "dog", "fox"]
    assert shown_bars(bars) == [(900, "90.0%"), (75, "7.5%"), (25, "2.5%")]  # in thousandths

    bars.show_labels([("dog", 0.6)])
    assert bars.texts() == ["dog"] and shown_bars(bars) == [(600, "60.0%")]
    bars.show_labels([])  # the live model rests: no labels
    assert bars.texts() == [] and shown_bars(bars) == []
    bars.show_labels([("owl", 0.5), ("cat", 0.25), ("dog", 0.125), ("fox", 0.125)])
    assert bars.texts() == ["owl", "cat", "dog", "fox"]
    assert len(bars.findChildren(QProgressBar)) == 4  # rows are reused, one added
    assert shown_bars(bars)[0] == (500, "50.0%")
