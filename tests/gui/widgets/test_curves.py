"""Training curves: one loss and one accuracy curve pair per series, numbered by epoch."""

import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.widgets.curves import Series, TrainingCurves


def hints(plot) -> list[str]:
    return [item.toPlainText() for item in plot.items() if isinstance(item, pg.TextItem)]


def test_a_second_stage_follows_the_first_and_validation_is_dashed(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    assert hints(curves.loss_plot) == ["loss: drawn while training"] and curves.points() == 0
    first = {"loss": [1.0, 0.8, 0.6], "val_loss": [1.1, 0.9, 0.7], "accuracy": [0.5, 0.6, 0.7]}
    second = {"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}
    curves.draw([Series("head", "#1f77b4", first), Series("fine-tuning", "#d62728", second, 4)])
    lines = {
        (tuple(item.xData), item.opts["pen"].style()): list(item.yData)
        for item in curves.loss_plot.listDataItems()
    }
    assert lines == {
        ((1, 2, 3), Qt.PenStyle.SolidLine): [1.0, 0.8, 0.6],
        ((1, 2, 3), Qt.PenStyle.DashLine): [1.1, 0.9, 0.7],
        ((4, 5), Qt.PenStyle.SolidLine): [0.5, 0.4],
        ((4, 5), Qt.PenStyle.DashLine): [0.6, 0.5],
    }
    assert [list(item.xData) for item in curves.accuracy_plot.listDataItems()] == [[1, 2, 3]]
    assert curves.points() == 10 and hints(curves.loss_plot) == []  # 3 + 3 + 2 + 2
    legend = curves.loss_plot.getPlotItem().legend
    assert [label.text for _, label in legend.items] == ["head", "fine-tuning"]
    curves.draw([])
    assert curves.points() == 0 and hints(curves.accuracy_plot) == [
        "accuracy: drawn while training"
    ]
