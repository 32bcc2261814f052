"""Plain helpers the tests share, one module per subject; fixtures live in conftest.py files.

frames: synthetic frames and sources; models: tiny real Keras models; files: what tests write to
disk and the real data sets; imports: what importing modules loads; gui: steps that drive the
widgets (Qt, so GUI tests only).
"""
