"""The Collect & train tab: collect images into classes, fine-tune a base on them, use it live.

- ``panel``: ``FinetunePanel``, which wires the rest together and trains in a job.
- ``collect``: a project's classes, filled by recording, importing or dropping files;
  ``project``: which project (workspace, new, or a folder opened read-only); ``record``: hold to
  record, or a burst; ``hold``: the button held until let go, wherever the pointer is then;
  ``preview``: the live video with the count recorded; ``images``: a class's capture sessions
  and thumbnails; ``thumbs``: thumbnails decoded in a job.
- ``train``: the training form; ``picker``: the base network, built ahead of Train; ``base``:
  building a base from the zoo, a weights file or a workspace model.
- ``progress``: a run's progress bar with its ETA; ``results``: curves, per-class accuracy and
  the confusion matrix; ``message``: messages that wrap (in a place of fixed height where
  asked) and the list of skipped files.
"""

from gui.panels.collect_train.panel import FinetunePanel

__all__ = ["FinetunePanel"]
