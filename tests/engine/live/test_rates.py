"""engine/live/frames.py's RateMeter and what the stream hands on: rates that drop to zero
when nothing comes, the display rate of a paced source, and results that carry the smoothed
numbers of the classifier that said them."""

import time

import numpy as np

from engine.live.frames import RateMeter
from engine.live.overlay import label_lines
from engine.live.sources import SyntheticSource
from engine.live.stream import LiveStream
from engine.models.classifier import Classifier
from engine.models.labels import top_k
from tests.helpers.frames import COLOURS
from tests.helpers.models import colour_model


def test_a_rate_is_zero_once_events_stop_not_the_rate_from_before():
    meter = RateMeter(window=2.0)
    for i in range(21):
        meter.tick(100.0 + i / 10)  # 10 a second for two seconds
    assert abs(meter.rate(now=102.0) - 10.0) < 1e-6
    assert meter.rate(now=103.0) == 10.0  # the last second's events still count
    assert meter.rate(now=104.5) == 0.0  # paused: nothing in the last two seconds


class SlowToOpen(SyntheticSource):
    """The demo stream, opening in 0.4 s as a video file or a camera may."""

    def open(self):
        time.sleep(0.4)
        super().open()


def display_rate(fps: float, seconds: float = 1.5) -> float:
    stream = LiveStream(SlowToOpen(32, 24, fps=fps)).start()
    try:
        time.sleep(seconds)
        return stream.display_rate.rate()
    finally:
        stream.stop()


def test_a_paced_source_is_displayed_at_its_own_rate_from_its_first_frame():
    for fps in (10.0, 20.0):  # not a burst of the frames 'due' while it opened (1.47 was)
        assert 0.5 < display_rate(fps) / fps < 1.15, fps  # wide below: a busy machine lags


def test_a_result_carries_its_classifier_and_the_smoothed_numbers_the_overlay_draws():
    classifier = Classifier(colour_model(), (32, 32), lambda x: x / 255.0, COLOURS, alpha=0.5)
    results = []
    stream = LiveStream(
        SyntheticSource(64, 48, fps=30.0), classifier, on_result=results.append, max_frames=12
    )
    stream.start().wait(20)
    stream.stop()
    assert len(results) >= 2
    for result in results:
        assert result.model is classifier
        assert result.labels == top_k(result.probabilities, COLOURS, classifier.top_k)
        assert label_lines(result.labels) == [
            f"{name}  {100 * p:.1f}%" for name, p in top_k(result.probabilities, COLOURS, 5)
        ]
    assert not np.allclose(results[0].probabilities, results[-1].probabilities)  # smoothed
