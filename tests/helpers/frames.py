"""Synthetic frames and sources: solid colours that the tiny colour models can name."""

import numpy as np

from engine.live import sources

COLOURS = ["red", "green", "blue"]


def solid(colour: str, shape=(48, 64)) -> np.ndarray:
    """A uint8 RGB frame whose channel ``colour`` (one of COLOURS) is 230 and the others 0."""
    frame = np.zeros((*shape, 3), np.uint8)
    frame[..., COLOURS.index(colour)] = 230
    return frame


class SolidSource(sources.Source):
    """A paced stream of one solid colour, for a model that names colours."""

    def __init__(self, colour, fps=30.0):
        self.name, self.fps, self.colour = f"solid {colour}", fps, colour

    def read(self):
        return solid(self.colour, (120, 160))
