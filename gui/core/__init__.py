"""What every part of the GUI stands on; nothing here knows a panel.

- ``jobs``: the one job layer: ``Job`` and ``LatestJob`` run work on worker threads and speak
  in progress, result, failure and finished; ``shut_down`` for closing.
- ``live_link``: ``LiveLink``, what a panel may use of the live view.
- ``images``: ``to_qimage``, the only numpy-to-QImage conversion.
- ``workers``: ``StreamBridge`` (the live stream's callbacks as signals) and ``GarbagePolicy``.
"""

from gui.core.images import to_qimage
from gui.core.jobs import Job, LatestJob, Run, describe, shut_down
from gui.core.live_link import LiveLink
from gui.core.workers import GarbagePolicy, StreamBridge

__all__ = [
    "GarbagePolicy",
    "Job",
    "LatestJob",
    "LiveLink",
    "Run",
    "StreamBridge",
    "describe",
    "shut_down",
    "to_qimage",
]
