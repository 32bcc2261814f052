"""Widgets more than one panel uses.

- ``frame_view``: ``FrameView``, the newest frame scaled to fit, with its paint rate.
- ``label_bars``: ``LabelBars``, top-k class names over probability bars.
- ``model_picker``: ``ModelPicker``, the zoo's networks then the workspace's models.
- ``curves``: ``TrainingCurves``, loss and accuracy per epoch as a run trains; ``Series``.
- ``results``: ``ResultsView``, a confusion matrix whose cells open their images; ``thumbnail``.
- ``draw_pad``: ``DrawPad``, a canvas to draw a digit on.
"""

from gui.widgets.curves import Series, TrainingCurves
from gui.widgets.draw_pad import DrawPad
from gui.widgets.frame_view import FrameView
from gui.widgets.label_bars import LabelBars
from gui.widgets.model_picker import ModelPicker
from gui.widgets.results import ResultsView, thumbnail

__all__ = [
    "DrawPad",
    "FrameView",
    "LabelBars",
    "ModelPicker",
    "ResultsView",
    "Series",
    "TrainingCurves",
    "thumbnail",
]
