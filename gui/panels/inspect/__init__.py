"""The Inspect tab: look inside the live model or any model the app knows.

- ``panel``: ``InspectPanel``: the model, the input (live frame or a picture), saving PNGs.
- ``views``: the layer table, filters and activations; ``gradients``: feature visualization
  and Grad-CAM with saliency, each in its job.
- ``live``: live activations and the Grad-CAM overlay toggle on the live view.
"""

from gui.panels.inspect.panel import InspectPanel

__all__ = ["InspectPanel"]
