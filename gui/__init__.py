"""The desktop window: PySide6 widgets over the engine, which never imports them.

Packages, lower ones never importing higher ones (import-linter checks it):

- ``app``: starts the window (initial source and model, logging to the workspace).
- ``main_window``: the window shell: it wires the stream to the Live tab, builds the other
  panels, hands each a LiveLink, and shuts them all down when it closes.
- ``panels``: one package per tab, independent of each other.
- ``widgets``: pieces the panels share (frame view, label bars, model picker, curves, results,
  draw pad).
- ``core``: the job layer, the LiveLink, numpy-to-QImage, the stream's signals.
"""
