"""The Live tab's controls beside the video.

- ``panel``: ``LivePanel``: the model picker, the top-k bars, k and smoothing, and the live
  tools other panels add (Grad-CAM overlay, attack every frame). The window acts on what it emits.
"""

from gui.panels.live.panel import LivePanel

__all__ = ["LivePanel"]
