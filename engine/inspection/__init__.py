"""Looking inside a network: layers, activations, filters, Grad-CAM, feature visualization.

- ``inspector``: a model rewired once so that any layer's output and gradients can be read.
- ``pictures``: filter tiles, activation grids and heatmap overlays as uint8 RGB pictures.
- ``features``: gradient ascent on an input picture to excite a channel or a class.
- ``live``: throttled Grad-CAM and activation probes on the live stream, and their paint.
"""

from engine.inspection.features import Target, visualize
from engine.inspection.inspector import Inspector
from engine.inspection.live import Throttled, grad_cam_probe, inspector_for, paint_heat
from engine.inspection.pictures import (
    activation_tiles,
    channel_order,
    filter_tiles,
    gray,
    overlay,
    tile_grid,
)

__all__ = [
    "Inspector",
    "Target",
    "Throttled",
    "activation_tiles",
    "channel_order",
    "filter_tiles",
    "grad_cam_probe",
    "gray",
    "inspector_for",
    "overlay",
    "paint_heat",
    "tile_grid",
    "visualize",
]
