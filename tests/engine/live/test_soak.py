"""Soak: the stream keeps going through a failing source and model switches, without growing.

CI runs a 60-second version with the faults ten times as often; the full version runs
10 minutes with a fault every 30 s and a model switch every minute:

    SOAK_SECONDS=600 .venv/bin/python -m pytest -q tests/engine/live/test_soak.py
"""

import gc
import os
import threading
import time

import numpy as np
import psutil
import pytest

from engine.live.sources import SourceError, SyntheticSource
from engine.live.stream import LiveStream
from engine.models.classifier import Classifier
from engine.models.zoo import preprocessing
from tests.helpers.frames import COLOURS
from tests.helpers.models import colour_model

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
SCALE = SECONDS / 600  # 1.0 for the full 10-minute run


class FailingSource(SyntheticSource):
    """The demo stream, with a read that fails every ``period`` seconds."""

    def __init__(self, period):
        super().__init__(160, 120, fps=30.0)
        self.period, self.next_failure, self.failures = period, time.perf_counter() + period, 0

    def read(self):
        if time.perf_counter() >= self.next_failure:
            self.next_failure += self.period
            self.failures += 1
            raise SourceError("unplugged (simulated)")
        return super().read()


@pytest.mark.slow
def test_the_stream_survives_faults_and_model_switches_with_flat_memory():
    classifiers = [
        Classifier(colour_model(), (32, 32), preprocessing("unit"), COLOURS, name=f"m{i}")
        for i in range(2)
    ]
    for classifier in classifiers:
        classifier.warm_up()
    threads_before = set(threading.enumerate())
    source = FailingSource(30 * SCALE)
    statuses = []
    stream = LiveStream(source, classifiers[0], on_status=lambda kind, msg: statuses.append(kind))
    stream.RETRY_DELAYS = (0.1,)
    process = psutil.Process()
    stream.start()
    time.sleep(min(10.0, SECONDS / 6))  # warm-up: caches, first tracing
    gc.collect()
    rss_start = process.memory_info().rss
    classified_start = stream.frames_classified
    started = time.perf_counter()
    switches = 0
    while time.perf_counter() - started < SECONDS:
        time.sleep(60 * SCALE)
        switches += 1
        stream.set_classifier(classifiers[switches % 2])
    gc.collect()
    rss_end = process.memory_info().rss
    stream.stop()
    time.sleep(0.2)
    assert not stream.running
    leftover = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert leftover == []
    assert source.failures >= 9 and statuses.count("lost") == source.failures
    assert switches >= 9
    assert stream.frames_classified - classified_start > SECONDS * 5
    growth_mb = (rss_end - rss_start) / 2**20
    print(
        f"soak {SECONDS:.0f} s: RSS {rss_start / 2**20:.1f} -> {rss_end / 2**20:.1f} MB, "
        f"{source.failures} faults, {switches} model switches"
    )
    # measured here: RSS 824.3 -> 824.8 MB over the 60 s version (24 faults, 10 switches)
    assert growth_mb < 25, f"RSS grew {growth_mb:.1f} MB"
    assert np.isfinite(growth_mb)
