"""The MNIST lab tab: the course's networks trained and compared point-and-click.

- ``panel``: ``MnistPanel``, which wires the rest together and trains in a job.
- ``form``: the data choice with its sample grid, and the network form (presets or your own).
- ``runs``: the live loss and accuracy curves and the comparison table (CSV, Markdown).
- ``run_results``: the selected run's confusion matrix, named and with titled axes.
- ``try_digit``: draw a digit, or show one to the camera, and watch a trained model read it.
- ``saving``: a run's model saved to the workspace (a stopped run's marked as stopped).
- ``restoring``: runs recorded in the workspace shown again after a restart; saved models opened.
"""

from gui.panels.mnist_lab.panel import MnistPanel

__all__ = ["MnistPanel"]
