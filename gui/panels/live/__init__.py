"""The Live tab: the video and everything about what it shows.

- ``view``: ``LiveView``, the video: the newest frame with the probes' overlays, the labels and a
  banner (pause, source trouble, a notice, panels training), and the frame as drawn.
- ``panel``: ``LivePanel``: the model picker, the top-k bars, k and smoothing, and the live
  tools other panels add (Grad-CAM overlay, attack every frame). The window acts on what it emits.
- ``model``: ``LiveModel``, the network the stream runs, loaded in the background (newest wins).
- ``source_menu``: ``SourceMenu``, the cameras that open, the demo, a video file, an image folder.
- ``status``: ``LiveStatus``, the status bar's rates, model, Keras backend and device.
"""

from gui.panels.live.model import LiveModel
from gui.panels.live.panel import LivePanel
from gui.panels.live.source_menu import SourceMenu
from gui.panels.live.status import LiveStatus
from gui.panels.live.view import LiveView

__all__ = ["LiveModel", "LivePanel", "LiveStatus", "LiveView", "SourceMenu"]
