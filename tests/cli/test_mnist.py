"""`python main.py mnist`: a course preset trained headless, its table row, a model the live
classifier runs."""

import json

import numpy as np

import main
from engine.models import zoo
from engine.workspace.store import ModelInfo
from tests.helpers.files import write_idx_folder


def test_headless_mnist_prints_the_course_row_and_saves_a_live_model(tmp_path, capsys):
    folder = write_idx_folder(tmp_path / "idx", n_train=300, n_test=100)
    status = main.main(
        [
            "mnist",
            "--preset",
            "lenet5",
            "--dataset",
            str(folder),
            "--epochs",
            "1",
            "--workspace",
            str(tmp_path / "ws"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    row = out.splitlines()[-1]
    assert row.startswith("| LeNet-5") and "| 44,426 | adadelta | 1 |" in row
    saved = list((tmp_path / "ws" / "models").glob("lenet5-*.keras"))
    assert len(saved) == 1
    meta = json.loads(saved[0].with_suffix(".json").read_text())
    assert meta["preprocessing"] == "mnist" and meta["input_size"] == [28, 28]
    clf = zoo.workspace_classifier(ModelInfo.read(saved[0]), alpha=0.0)
    frame = np.full((120, 160, 3), 255, np.uint8)  # white paper
    _, labels = clf.classify(frame)
    assert labels[0][0] in [str(i) for i in range(10)]
    assert clf.prepare(frame).shape == (1, 28, 28, 1) and clf.prepare(frame).max() == 0.0


def test_headless_mnist_refuses_an_unknown_preset(capsys):
    assert main.main(["mnist", "--preset", "resnet"]) == 2
    assert "Unknown preset 'resnet'" in capsys.readouterr().err


def test_a_challenge_preset_keeps_its_own_time_budget_unless_minutes_say_otherwise(
    tmp_path, monkeypatch
):
    from engine.mnist import lab

    asked = []

    def stop_here(key, data, **options):
        asked.append((key, options.get("time_limit")))
        raise KeyboardInterrupt  # the budget is all this test reads: train nothing

    monkeypatch.setattr(lab, "train_preset", stop_here)
    folder = write_idx_folder(tmp_path / "idx", n_train=30, n_test=10)
    common = ["--dataset", str(folder), "--workspace", str(tmp_path / "ws")]
    main.main(["mnist", "--preset", "challenge-5", *common])
    main.main(["mnist", "--preset", "challenge-5", "--minutes", "2", *common])
    main.main(["mnist", "--preset", "lenet5", *common])
    assert asked == [("challenge-5", 300), ("challenge-5", 120), ("lenet5", None)]
