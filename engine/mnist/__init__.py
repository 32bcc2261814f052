"""The course's MNIST lab: its networks, optimizers and comparison runs, and digits to read.

- ``networks``: networks as lists of layer specs, one builder, and a short text form of them.
- ``lab``: the course's presets and optimizer settings, and training runs to compare them.
- ``digits``: a drawing or a camera frame turned into an MNIST-style 28x28 digit.
- ``records``: a run as the workspace keeps it (settings, curves, test predictions, its model).

``networks`` and ``lab`` import Keras, so they are imported as modules once the backend is
chosen; ``digits`` and ``records`` do not.
"""

from engine.mnist.digits import frame_to_mnist, to_mnist

__all__ = ["frame_to_mnist", "to_mnist"]
