"""The live loop: newest frame wins, faults recover, lossless mode classifies every frame."""

import threading
import time

import numpy as np

from engine.live.frames import Mailbox
from engine.live.sources import EndOfStream, Source, SourceError, SyntheticSource
from engine.live.stream import LiveStream


class CountingSource(Source):
    """Frames whose first pixel holds their index; fails on chosen reads; may end."""

    def __init__(self, fps=None, fail_at=(), end_at=None):
        self.name, self.fps = "counting", fps
        self.fail_at, self.end_at = set(fail_at), end_at
        self.reads, self.opens, self.closed = 0, 0, 0

    def open(self):
        self.opens += 1

    def read(self):
        self.reads += 1
        if self.reads in self.fail_at:
            raise SourceError("unplugged")
        if self.end_at is not None and self.reads > self.end_at:
            raise EndOfStream
        frame = np.full((4, 4, 3), 128, np.uint8)  # not black: black frames are not classified
        frame.flat[0:4] = np.frombuffer(np.uint32(self.reads).tobytes(), np.uint8)
        return frame

    def close(self):
        self.closed += 1


def frame_number(image):
    return int(np.frombuffer(image.flat[0:4].tobytes(), np.uint32)[0])


class SlowClassifier:
    """Takes ``delay`` seconds per frame and records which frame numbers it saw."""

    name = "slow"

    def __init__(self, delay):
        self.delay, self.seen = delay, []

    def classify(self, image):
        self.seen.append(frame_number(image))
        time.sleep(self.delay)
        return np.array([1.0]), [(f"frame {self.seen[-1]}", 1.0)]


def test_mailbox_keeps_only_the_newest():
    box, stop = Mailbox(), threading.Event()
    for i in range(5):
        box.put(i, stop)
    assert box.take(0.01) == 4 and box.take(0.01) is None and box.replaced == 4


def test_slow_model_gets_the_newest_frame_and_never_slows_the_video():
    captured = []
    clf = SlowClassifier(0.05)
    stream = LiveStream(
        CountingSource(fps=200), clf, on_frame=lambda f: captured.append(f.index), max_fps=None
    )
    stream.start()
    time.sleep(1.0)
    stream.stop()
    assert len(captured) > 120  # the video kept its 200 fps pace (about 200 frames)
    assert 8 <= len(clf.seen) <= 25  # the model ran at its own pace (about 20 a second)
    gaps = np.diff(clf.seen)
    assert np.median(gaps) >= 5  # frames in between were skipped, not queued
    assert stream.mailbox.replaced > 100


def test_an_unpaced_live_source_is_capped_but_a_lossless_run_is_not():
    source = CountingSource(fps=None)  # would deliver thousands of frames a second
    stream = LiveStream(source, None, paced=False).start()
    time.sleep(0.5)
    stream.stop()
    assert 15 <= stream.frames_captured <= 40  # about 60 a second: what a screen can show
    lossless = LiveStream(
        CountingSource(end_at=500), SlowClassifier(0), paced=False, lossless=True
    ).start()
    assert lossless.wait(5) and lossless.frames_classified == 500


def test_results_are_for_frames_captured_just_before():
    results = []
    stream = LiveStream(CountingSource(fps=100), SlowClassifier(0.03), on_result=results.append)
    stream.start()
    time.sleep(0.8)
    stream.stop()
    ages = [r.finished - r.captured for r in results]
    assert len(results) > 10
    assert np.median(ages) < 0.03 + 0.02  # at most one model latency plus one frame of waiting


def test_lossless_mode_classifies_every_frame_in_order():
    clf = SlowClassifier(0.002)
    ended = threading.Event()
    stream = LiveStream(
        CountingSource(end_at=40),
        clf,
        paced=False,
        lossless=True,
        on_status=lambda kind, msg: kind == "ended" and ended.set(),
    )
    stream.start()
    assert stream.wait(10)
    assert ended.is_set()
    assert clf.seen == list(range(1, 41))


def test_failing_reads_are_reported_and_the_source_recovers():
    statuses = []
    source = CountingSource(fps=100, fail_at={5, 6})
    stream = LiveStream(source, None, on_status=lambda kind, msg: statuses.append((kind, msg)))
    stream.RETRY_DELAYS = (0.05, 0.05)
    stream.start()
    time.sleep(0.6)
    stream.stop()
    kinds = [k for k, _ in statuses]
    assert kinds[:3] == ["ok", "lost", "ok"] and kinds.count("lost") == 2
    assert "unplugged" in statuses[1][1]
    assert source.opens == 3 and stream.frames_captured > 20  # reopened twice, kept going


def test_a_source_that_never_opens_keeps_retrying_without_raising():
    class Absent(Source):
        name = "absent"
        tries = 0

        def open(self):
            Absent.tries += 1
            raise SourceError("camera 0 is absent or busy")

    statuses = []
    stream = LiveStream(Absent(), None, on_status=lambda k, m: statuses.append(k))
    stream.RETRY_DELAYS = (0.02,)
    stream.start()
    time.sleep(0.3)
    assert stream.running
    stream.set_source(CountingSource(fps=100))  # the person switches source
    time.sleep(0.2)
    stream.stop()
    assert Absent.tries >= 3 and set(statuses) == {"lost", "ok"} and statuses[-1] == "ok"
    assert stream.frames_captured > 5


def test_pause_stops_frames_and_stop_joins_threads_and_closes_the_source():
    source = SyntheticSource(32, 24, fps=100)
    stream = LiveStream(source, None).start()
    time.sleep(0.2)
    stream.pause()
    time.sleep(0.05)
    held = stream.frames_captured
    time.sleep(0.2)
    assert stream.frames_captured == held > 5
    stream.pause(False)
    time.sleep(0.2)
    assert stream.frames_captured > held
    stream.stop()
    assert not stream.running
    assert not [t for t in threading.enumerate() if t.name in ("capture", "inference")]


def test_held_inference_lets_frames_flow_but_classifies_none_until_released():
    frames, results = [], []
    stream = LiveStream(
        SyntheticSource(32, 24, fps=100),
        SlowClassifier(0.0),
        on_frame=frames.append,
        on_result=results.append,
    ).start()
    time.sleep(0.2)
    stream.hold_inference()
    time.sleep(0.05)  # the frame in progress finishes
    seen, classified = len(frames), len(results)
    time.sleep(0.3)
    assert classified > 5 and len(results) == classified and stream.inference_held
    assert len(frames) > seen + 10  # the video goes on
    stream.hold_inference(False)
    time.sleep(0.2)
    assert len(results) > classified
    stream.stop()


def test_probes_see_the_classified_frame_and_a_broken_probe_does_not_stop_the_labels():
    results, statuses = [], []
    stream = LiveStream(
        CountingSource(end_at=10),
        SlowClassifier(0.0),
        paced=False,
        lossless=True,
        on_result=results.append,
        on_status=lambda k, m: statuses.append((k, m)),
    )
    stream.set_probe("number", lambda image, clf: (frame_number(image), clf.name))
    stream.set_probe("broken", lambda image, clf: 1 / 0)
    stream.start()
    assert stream.wait(10)
    assert [r.extras["number"] for r in results] == [(i, "slow") for i in range(1, 11)]
    assert all("broken" not in r.extras for r in results)
    assert sum(1 for kind, msg in statuses if msg.startswith("broken failed")) == 10
    stream.set_probe("number", None)
    assert list(stream._probes) == ["broken"]


class BlockingSource(Source):
    """Its first read blocks until ``release`` is set, as a webcam's read can after an unplug;
    its fresh copy delivers frames normally."""

    def __init__(self, stuck=True):
        self.name, self.fps, self.stuck = "blocking", 30.0, stuck
        self.release, self.closed = threading.Event(), threading.Event()
        self.copies = []

    def read(self):
        if self.stuck:
            self.release.wait()
            raise SourceError("gone")
        return np.full((8, 8, 3), 100, np.uint8)

    def close(self):
        self.closed.set()

    def fresh(self):
        self.copies.append(BlockingSource(stuck=False))
        return self.copies[-1]


def test_a_read_that_blocks_is_reported_as_stalled_and_the_stream_reconnects():
    statuses, frames = [], []
    source = BlockingSource()
    stream = LiveStream(
        source,
        on_frame=frames.append,
        stall_after=0.3,
        on_status=lambda kind, msg: statuses.append((kind, msg)),
    )
    stream.start()
    deadline = time.time() + 5
    while len(frames) < 5 and time.time() < deadline:
        time.sleep(0.02)
    assert ("lost", "blocking stalled: no frame for 0.3 s. Reconnecting…") in statuses
    assert len(frames) >= 5 and source.copies  # frames come from the fresh copy
    started = time.perf_counter()
    stream.stop()
    assert time.perf_counter() - started < 2 and not stream.running
    assert not source.closed.is_set()  # still stuck in its read: nobody touched it
    source.release.set()
    assert source.closed.wait(2)  # closed by its own reader once the read returned


def test_stop_works_while_a_read_is_blocked():
    source = BlockingSource()
    stream = LiveStream(source, stall_after=60)
    stream.start()
    time.sleep(0.2)
    started = time.perf_counter()
    stream.stop()
    assert time.perf_counter() - started < 1.5 and not stream.running
    source.release.set()


class OddFrames(Source):
    """Cycles through frames a broken driver might give."""

    def __init__(self):
        self.name, self.fps, self.n = "odd", None, 0
        self.frames = [
            np.zeros((0, 0, 3), np.uint8),
            np.zeros((6, 6), np.uint8),
            np.zeros((6, 6, 3), np.uint16),
            np.zeros((6, 6, 4), np.uint8),
            np.zeros((6, 7, 3), np.uint8),  # black: shown, not classified
            np.full((6, 7, 3), 200, np.uint8),
        ]  # odd width, fine

    def read(self):
        self.n += 1
        return self.frames[(self.n - 1) % len(self.frames)]


def test_bad_frames_never_reach_the_view_or_the_model_and_black_ones_skip_the_model():
    shown, seen = [], []

    class Recorder:
        name = "recorder"

        def classify(self, image):
            seen.append(image)
            return np.array([1.0]), [("x", 1.0)]

    stream = LiveStream(
        OddFrames(),
        Recorder(),
        on_frame=lambda f: shown.append(f.image),
        paced=False,
        lossless=True,
        max_frames=20,
    )
    stream.start()
    assert stream.wait(10)
    assert len(shown) == 20 and stream.frames_rejected == 40
    assert all(i.dtype == np.uint8 and i.ndim == 3 and i.shape[2] == 3 for i in shown)
    assert seen and all(i.max() == 200 and i.shape == (6, 7, 3) for i in seen)
    assert len(seen) == 10  # the black half of the good frames was not classified
