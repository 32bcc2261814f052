"""The live stream: frames from a source, classified as fast as the model allows.

- ``sources``: camera, video file, image-folder slideshow and the synthetic demo pattern.
- ``reader``: a source's calls on a thread of their own, each with a time limit.
- ``frames``: what travels between the loop's threads: frames, results, mailbox, rates.
- ``stream``: the live loop, a capture thread and an inference thread.
- ``overlay``: the top-k labels drawn onto a copy of a frame.
"""

from engine.live.frames import Frame, RateMeter, Result
from engine.live.overlay import draw_labels
from engine.live.sources import Source, SourceError
from engine.live.stream import LiveStream

__all__ = ["Frame", "LiveStream", "RateMeter", "Result", "Source", "SourceError", "draw_labels"]
