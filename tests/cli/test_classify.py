"""`python main.py classify` prints one JSON line per frame, every frame of a video and each image
of a folder once, in order, and ends; a frame the model cannot run on is said on stderr."""

import io
import json
import time

import cv2
import numpy as np
from PIL import Image

import cli.classify
import main
from engine.live import sources
from engine.models import zoo
from tests.helpers.files import damaged_tiff
from tests.helpers.frames import COLOURS, solid


def test_classify_prints_every_frame_of_a_video(tmp_path, colour_info, capsys):
    path = tmp_path / "colours.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    truth = [COLOURS[i % 3] for i in range(9)]
    for colour in truth:
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[..., 2 - COLOURS.index(colour)] = 230  # written as BGR
        writer.write(frame)
    writer.release()
    status = main.main(
        ["classify", "--video", str(path), "--model", str(colour_info.path), "--top-k", "2"]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 0
    assert [line["frame"] for line in lines] == list(range(9))
    assert [line["top"][0][0] for line in lines] == truth
    assert all(len(line["top"]) == 2 and line["latency_ms"] > 0 for line in lines)


def test_classify_stops_after_n_frames_of_a_live_source(colour_info, capsys):
    status = main.main(["classify", "--demo", "--frames", "5", "--model", str(colour_info.path)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0 and len(lines) == 5


def test_classify_reports_a_missing_video_without_a_traceback(tmp_path, colour_info, capsys):
    status = main.main(
        ["classify", "--video", str(tmp_path / "nope.mp4"), "--model", str(colour_info.path)]
    )
    err = capsys.readouterr().err
    assert status == 2 and "does not exist" in err and "Traceback" not in err


def write_video(path, colours):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    for colour in colours:
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[..., 2 - COLOURS.index(colour)] = 230  # written as BGR
        writer.write(frame)
    writer.release()
    return path


class Slow:
    """A classifier slower than the video's frames (it once lost the last frame, exit 0)."""

    def __init__(self, classifier, seconds=0.45, fail_on=()):
        self.classifier, self.seconds, self.fail_on, self.calls = classifier, seconds, fail_on, 0

    def classify(self, image):
        self.calls += 1
        time.sleep(self.seconds)
        if self.calls - 1 in self.fail_on:
            raise RuntimeError("shapes do not match")
        return self.classifier.classify(image)


def test_a_slow_model_still_prints_every_frame_of_a_video_in_order(
    tmp_path, colour_info, monkeypatch, capsys
):
    real = zoo.load_classifier
    monkeypatch.setattr(zoo, "load_classifier", lambda *a, **k: Slow(real(*a, **k)))
    video = write_video(tmp_path / "v.avi", ["red", "green", "blue", "red"])
    assert main.main(["classify", "--video", str(video), "--model", str(colour_info.path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["frame"], line["top"][0][0]) for line in lines] == [
        (0, "red"),
        (1, "green"),
        (2, "blue"),
        (3, "red"),
    ]


def test_a_folder_of_images_is_one_line_per_image_by_name_and_ends(tmp_path, colour_info, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    for name, colour in (("a", "blue"), ("c", "red"), ("d", "green")):
        Image.fromarray(solid(colour)).save(folder / f"{name}.png")
    (folder / "b.png").write_bytes(b"not a picture")
    damaged_tiff(folder / "bb.tif")  # Pillow raises TypeError on it: one more line on stderr
    (folder / "notes.txt").write_text("not an image at all")
    status = main.main(["classify", "--images", str(folder), "--model", str(colour_info.path)])
    printed = capsys.readouterr()
    lines = [json.loads(line) for line in printed.out.splitlines()]
    assert [(line["frame"], line["image"], line["top"][0][0]) for line in lines] == [
        (0, "a.png", "blue"),
        (3, "c.png", "red"),
        (4, "d.png", "green"),
    ]
    said = printed.err.splitlines()
    assert said[0].startswith("error: frame 1 (b.png): ") and "b.png" in said[0][24:]
    assert said[1].startswith("error: frame 2 (bb.tif): ") and "damaged" in said[1]
    assert len(said) == 2 and status == 3  # files refused, the others classified


def test_a_frame_the_model_cannot_run_on_is_said_and_the_others_printed(
    tmp_path, colour_info, monkeypatch, capsys
):
    real = zoo.load_classifier
    monkeypatch.setattr(
        zoo, "load_classifier", lambda *a, **k: Slow(real(*a, **k), 0.0, fail_on=(1,))
    )
    video = write_video(tmp_path / "v.avi", ["red", "green", "blue"])
    status = main.main(["classify", "--video", str(video), "--model", str(colour_info.path)])
    printed = capsys.readouterr()
    assert [json.loads(line)["frame"] for line in printed.out.splitlines()] == [0, 2]
    assert printed.err == ("error: frame 1: the model could not run on it (shapes do not match).\n")
    assert status == 1


def test_scores_that_are_not_numbers_are_refused_not_printed(
    tmp_path, colour_info, monkeypatch, capsys
):
    class NaNs:
        def classify(self, image):
            return np.full(3, np.nan, np.float32), [("red", float("nan"))]

    monkeypatch.setattr(zoo, "load_classifier", lambda *a, **k: NaNs())
    video = write_video(tmp_path / "v.avi", ["red", "green"])
    status = main.main(["classify", "--video", str(video), "--model", str(colour_info.path)])
    printed = capsys.readouterr()
    assert printed.out == "" and "NaN" not in printed.out and status == 1
    assert printed.err.splitlines() == [
        f"error: frame {i}: the model's scores are not numbers (NaN or infinite): the model "
        "is damaged, train it again."
        for i in (0, 1)
    ]


def test_a_realtime_image_folder_ends_after_its_last_image(tmp_path, colour_info):
    """The live loop's slideshow of a folder once never ended (it looped the folder)."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    for name, colour in (("a", "blue"), ("b", "red")):
        Image.fromarray(solid(colour)).save(folder / f"{name}.png")
    assert sources.from_options(images=folder, loop=False).loop is False
    source = sources.ImageFolderSource(folder, seconds=0.2, fps=10, loop=False)
    out = io.StringIO()
    classifier = zoo.load_classifier(str(colour_info.path), alpha=0.0)
    started = time.perf_counter()
    assert cli.classify.classify(source, classifier, realtime=True, out=out) == 0
    assert time.perf_counter() - started < 10
    names = [json.loads(line)["top"][0][0] for line in out.getvalue().splitlines()]
    assert names and set(names) <= {"blue", "red"} and names[-1] == "red"
