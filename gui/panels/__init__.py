"""One package per tab, each independent of the others (import-linter checks it).

- ``live``: the video with its overlay, the live model and its controls, sources, status line.
- ``mnist_lab``: the course's MNIST networks trained and compared point-and-click.
- ``collect_train``: collect images into classes and fine-tune a network on them.
- ``inspect``: a model's layers, filters, activations, feature visualization, Grad-CAM.
- ``adversarial``: attacks on a picture, a robustness curve, an attack on every live frame.

A tab panel takes a LiveLink and has ``shutdown()``, which the window calls as it closes.
"""
