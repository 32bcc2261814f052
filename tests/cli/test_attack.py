"""`python main.py attack`: one image attacked with a real model, one JSON line and the
adversarial PNG within its budget; every refusal one sentence with its exit code, nothing
written."""

import json
import math

import keras
import numpy as np
import pytest
from PIL import Image

import main
from engine.data import photos
from tests.helpers.models import colour_model


def picture(folder, red=0, green=0, blue=0, name="in.png"):
    """A solid 32x32 PNG (the colour model's input size, so nothing is resized)."""
    image = np.zeros((32, 32, 3), np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = red, green, blue
    Image.fromarray(image).save(folder / name)
    return folder / name, image


def attack(workspace, model, image, *more) -> int:
    """Run the command as a person types it, with the workspace the tests made."""
    argv = ["attack", "--model", str(model), "--image", str(image), "--workspace"]
    return main.main([*argv, str(workspace.root), *more])


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("method", ["fgsm", "pgd"])
def test_an_attack_fools_the_model_within_eps_and_writes_the_png(
    tmp_path, workspace, colour_info, out, method, capsys
):
    # The colour model's logits are 20 x the mean of each channel / 255: red leads green by
    # 20 x 20/255, and 16 pixel units against red and for green turn the answer to green.
    path, clean = picture(tmp_path, red=120, green=100)
    status = attack(
        workspace, "colours", path, "--method", method, "--eps", "16", "--out", str(out / "a.png")
    )
    printed = capsys.readouterr()
    assert status == 0, printed.err
    line = json.loads(printed.out)
    assert (line["model"], line["method"], line["eps"]) == ("colours", method, 16.0)
    assert line["steps"] == (1 if method == "fgsm" else 10) and line["target"] is None
    assert [name for name, _ in line["clean"]] == ["red", "green", "blue"]
    assert line["adversarial"][0][0] == "green" and line["changed"] is True
    assert math.isclose(sum(p for _, p in line["adversarial"]), 1.0, abs_tol=1e-4)
    assert line["reached"] is None and line["ms"] > 0 and line["warmup_ms"] > 0
    written = photos.decode(out / "a.png")
    assert written.shape == (32, 32, 3) and written.dtype == np.uint8
    delta = written.astype(int) - clean.astype(int)
    assert 0 < np.abs(delta).max() <= 16 + 1
    assert delta[..., 0].mean() < 0 < delta[..., 1].mean()  # less red, more green
    assert line["linf"] == np.abs(delta).max()
    assert math.isclose(line["l2"], float(np.sqrt((delta**2).sum())), rel_tol=1e-4)
    assert math.isclose(line["psnr"], 10 * math.log10(255**2 / (delta**2).mean()), rel_tol=1e-4)
    assert line["out"] == str(out / "a.png")


@pytest.mark.parametrize(
    ("colours", "wanted", "eps", "reached"),
    [
        ({"red": 120, "blue": 110}, "blue", "16", True),  # by name, close: reached
        ({"red": 200}, "2", "2", False),  # by index, far: said not reached
    ],
)
def test_a_targeted_attack_says_whether_it_reached_the_class(
    tmp_path, workspace, colour_info, colours, wanted, eps, reached, capsys
):
    path, _ = picture(tmp_path, **colours)
    status = attack(
        workspace, colour_info.path, path, "--method", "bim", "--eps", eps, "--target", wanted
    )
    printed = capsys.readouterr()
    assert status == 0, printed.err
    line = json.loads(printed.out)
    assert line["target"] == {"index": 2, "name": "blue"} and line["reached"] is reached
    assert (line["adversarial"][0][0] == "blue") is reached
    assert line["clean"][0][0] == "red" and line["out"] is None


def test_deepfool_takes_no_eps_and_reports_none(tmp_path, workspace, colour_info, out, capsys):
    path, clean = picture(tmp_path, red=120, green=90)
    status = attack(workspace, "colours", path, "--method", "deepfool", "--out", str(out / "d.png"))
    line = json.loads(capsys.readouterr().out)
    assert status == 0 and line["eps"] is None and line["target"] is None
    moved = photos.decode(out / "d.png").astype(int) - clean
    assert line["linf"] == np.abs(moved).max() > 0  # it moved towards green, the nearest class


def junk(folder, name):
    (folder / name).write_bytes(b"this is not what the name says" * 10)
    return folder / name


REFUSALS = [
    # (what is changed in the command, exit status, what stderr says)
    ({"--model": "{tmp}/missing.keras"}, 2, "does not exist"),
    ({"--model": "nothing-like-it"}, 2, "no model named 'nothing-like-it'"),
    ({"--model": "../colours"}, 2, "no model named"),
    ({"--model": "{junk.keras}"}, 3, "junk"),
    ({"--image": "{junk.png}"}, 3, "not an image file"),
    ({"--image": "{tmp}/missing.png"}, 2, "does not exist"),
    ({"--image": "{tmp}"}, 2, "is a folder"),
    ({"--eps": "300"}, 2, "out of range"),
    ({"--eps": "0"}, 2, "out of range"),
    ({"--eps": "nan"}, 2, "finite number"),
    ({"--eps": "inf"}, 2, "finite number"),
    ({"--steps": "0"}, 2, "out of range"),
    ({"--steps": "many"}, 2, "not a whole number"),
    ({"--method": "carlini"}, 2, "invalid choice"),
    ({"--target": "purple"}, 2, "'purple' is not a class of colours"),
    ({"--target": "3"}, 2, "from 0 to 2"),
    ({"--out": "{tmp}/nowhere/a.png"}, 2, "does not exist"),
    ({"--out": "{tmp}/out/a.jpg"}, 2, "not a .png"),
    ({"--method": "fgsm", "--steps": "5"}, 2, "fgsm takes one step"),
    ({"--method": "deepfool", "--eps": "4"}, 2, "deepfool takes no --eps"),
    ({"--method": "deepfool", "--target": "blue"}, 2, "deepfool takes no --target"),
]


@pytest.mark.parametrize(("change", "code", "said"), REFUSALS)
def test_each_refusal_is_one_sentence_and_writes_nothing(
    tmp_path, workspace, colour_info, out, change, code, said, capsys
):
    path, _ = picture(tmp_path, red=120, green=100)
    options = {"--model": "colours", "--image": str(path), "--method": "pgd"}
    options["--out"] = str(out / "a.png")
    for option, value in change.items():
        if value.startswith("{junk"):
            value = str(junk(tmp_path, value.strip("{}")))
        options[option] = value.replace("{tmp}", str(tmp_path))
    argv = [text for pair in options.items() for text in pair]
    status = main.main(["attack", *argv, "--workspace", str(workspace.root)])
    err = capsys.readouterr().err
    assert status == code, err
    assert said in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "error:" in line]) == 1
    assert list(out.iterdir()) == []


def test_a_target_name_that_several_classes_share_asks_for_the_index(tmp_path, workspace, capsys):
    workspace.save_model(colour_model(), ["red", "green", "RED"], (32, 32), "unit", "shouty")
    path, _ = picture(tmp_path, red=120, blue=110)
    assert attack(workspace, "shouty", path, "--method", "fgsm", "--target", "Red") == 2
    assert "'Red' names 2 classes of shouty (0, 2): give the index" in capsys.readouterr().err
    assert attack(workspace, "shouty", path, "--method", "fgsm", "--target", "RED") == 0
    assert json.loads(capsys.readouterr().out)["target"] == {"index": 2, "name": "RED"}


def test_an_existing_png_is_replaced_only_with_force(tmp_path, workspace, colour_info, capsys):
    path, clean = picture(tmp_path, red=120, green=100)
    there = tmp_path / "there.png"
    there.write_bytes(b"keep me")
    command = ["--method", "fgsm", "--eps", "4", "--out", str(there)]
    assert attack(workspace, "colours", path, *command) == 2
    assert "already exists" in capsys.readouterr().err and there.read_bytes() == b"keep me"
    assert attack(workspace, "colours", path, *command, "--force") == 0
    assert np.abs(photos.decode(there).astype(int) - clean).max() == 4
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no scratch


def test_a_gray_network_gets_a_gray_png_that_it_reads_as_attacked(tmp_path, workspace, capsys):
    # An MNIST-lab-style network: 'mnist' preprocessing, (255 - gray) / 255, one channel. It
    # says "ink" when the mean it reads is over one half, so a gray 100 photo is ink (0.61).
    inputs = keras.Input((8, 8, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="out")(pooled))
    model.get_layer("out").set_weights(
        [np.array([[20.0, -20.0]], "float32"), np.array([-10.0, 10.0], "float32")]
    )
    info = workspace.save_model(model, ["ink", "paper"], (8, 8), "mnist", "gray")
    path = tmp_path / "in.png"
    Image.fromarray(np.full((8, 8), 100, np.uint8)).save(path)
    (tmp_path / "out").mkdir()
    written = tmp_path / "out" / "a.png"
    command = ["--method", "fgsm", "--eps", "40", "--out", str(written)]
    assert attack(workspace, "gray", path, *command) == 0
    line = json.loads(capsys.readouterr().out)
    assert [line["clean"][0][0], line["adversarial"][0][0]] == ["ink", "paper"]
    with Image.open(written) as png:
        assert png.mode == "L" and png.size == (8, 8)
        np.testing.assert_array_equal(np.asarray(png), 140)  # lighter: less ink, as a photo
    assert line["linf"] == 40
    status = main.main(["classify", "--images", str(written.parent), "--model", str(info.path)])
    assert status == 0 and json.loads(capsys.readouterr().out)["top"][0][0] == "paper"
