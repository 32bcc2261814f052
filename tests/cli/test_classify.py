"""`python main.py classify` prints one JSON line per frame, every frame of a video."""

import json

import cv2
import numpy as np

import main
from tests.helpers.frames import COLOURS


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
