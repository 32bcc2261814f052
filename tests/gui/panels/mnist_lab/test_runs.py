"""The MNIST lab's curves: each plot fits its half of the panel, titles and legends included."""

from gui.panels.mnist_lab.runs import Curves


def test_each_plot_fits_its_half_at_the_windows_size(qtbot):
    curves = Curves()
    qtbot.addWidget(curves)
    curves.resize(560, 400)  # the Curves tab of a 1150-pixel window
    curves.show()
    qtbot.waitExposed(curves)
    curves.draw_runs(
        [(0, "#1 LeNet-5", {"loss": [1.6, 0.9, 0.7], "val_loss": [1.2, 0.8, 0.7]}, None)]
    )
    for view in (curves.loss_plot, curves.accuracy_plot):
        drawn = view.getPlotItem().sceneBoundingRect().width()
        assert drawn <= view.viewport().width()  # a long title once widened the plot past it
