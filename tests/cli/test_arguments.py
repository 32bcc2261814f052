"""Every argument of the headless commands is checked before any work (issue 15, item 2): names
stay single components inside the workspace, numbers in their ranges and finite, paths of the
right kind, backends installed, existing models kept without --force; refused with exit 2 and
nothing written."""

import errno
import importlib.util
import json
import subprocess
import sys
import tempfile

import pytest

import main
from tests.helpers.files import REPO, colour_project


def run(workspace, *argv) -> int:
    return main.main([*argv, "--workspace", str(workspace.root)])


def finetune_argv(workspace, *more):
    data = workspace.projects_dir / "colours"
    return ["finetune", "--data", str(data), "--base", "MobileNetV2", "--out", "mine", *more]


@pytest.mark.parametrize(
    "name", ["/../../../../elsewhere/x", "sub/name", "../../evil", "/tmp/absolute", "n" * 300]
)
def test_a_model_name_that_is_not_one_plain_name_is_refused_before_any_work(
    tmp_path, workspace, name, capsys
):
    data = tmp_path / "data"
    data.mkdir()
    status = main.main(
        ["finetune", "--data", str(data), "--out", name, "--workspace", str(workspace.root)]
    )
    err = capsys.readouterr().err
    assert status == 2 and "argument --out:" in err and "Traceback" not in err
    assert ("too long" in err) if len(name) == 300 else ("cannot be a model name" in err)
    assert not workspace.root.exists()  # nothing written, not even the workspace folder


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--epochs", "0"], "0 is out of range: give a number from 1 to 10000"),
        (["--epochs", "-3"], "-3 is out of range"),
        (["--batch-size", "0"], "0 is out of range: give a number from 1 to 65536"),
        (["--batch-size", "-1"], "-1 is out of range"),
        (["--epochs", "2.5"], "'2.5' is not a whole number"),
        (["--learning-rate", "nan"], "nan is out of range: give a finite number in (0, 10]"),
        (["--learning-rate", "inf"], "inf is out of range"),
        (["--learning-rate", "-0.1"], "-0.1 is out of range"),
        (["--learning-rate", "0"], "0 is out of range"),
        (["--variants", "-1"], "-1 is out of range: give a number from 0 to 100"),
        (["--fine-epochs", "0"], "0 is out of range"),
    ],
)
def test_finetune_numbers_out_of_range_or_not_finite_are_refused(workspace, argv, said, capsys):
    assert run(workspace, *finetune_argv(workspace), *argv) == 2
    err = capsys.readouterr().err
    assert f"argument {argv[0]}: {said}" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["mnist", "--epochs", "0"],  # once silently ran the course's 10
        ["mnist", "--batch-size", "0"],
        ["mnist", "--subset", "0"],
        ["mnist", "--minutes", "nan"],
        ["mnist", "--minutes", "0"],
        ["classify", "--demo", "--frames", "0"],
        ["classify", "--demo", "--frames", "5", "--top-k", "0"],
        ["classify", "--demo", "--frames", "5", "--smoothing", "nan"],
        ["classify", "--demo", "--frames", "5", "--smoothing", "1"],
        ["classify", "--demo", "--frames", "5", "--smoothing", "-0.1"],
        ["classify", "--camera", "-1", "--frames", "5"],
    ],
)
def test_mnist_and_classify_numbers_out_of_range_are_refused(workspace, argv, capsys):
    assert run(workspace, *argv) == 2
    err = capsys.readouterr().err
    assert "out of range" in err and "Traceback" not in err
    assert not workspace.root.exists()


def test_paths_of_the_wrong_kind_are_refused_in_a_sentence_before_any_work(tmp_path, workspace):
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    missing = tmp_path / "missing"
    cases = {
        ("finetune", "--data", str(missing), "--out", "m"): (
            f"error: The folder of class folders given to --data {missing} does not exist: "
            "check the path."
        ),
        ("finetune", "--data", str(a_file), "--out", "m"): f"--data {a_file} is a file",
        ("finetune", "--data", str(tmp_path), "--base", str(missing) + ".keras", "--out", "m"): (
            "The base model file"
        ),
        ("finetune", "--data", str(tmp_path), "--weights", str(missing), "--out", "m"): (
            f"The weights file {missing} does not exist"
        ),
        ("mnist", "--dataset", str(missing)): "The IDX folder given to --dataset",
        ("classify", "--video", str(missing)): f"The video file {missing} does not exist",
        ("classify", "--video", str(tmp_path)): f"The video file {tmp_path} is a folder",
        ("classify", "--images", str(a_file)): f"The image folder {a_file} is a file",
        ("classify", "--model", str(missing) + ".keras", "--demo", "--frames", "1"): (
            "The model file"
        ),
        ("classify", "--demo"): "error: A live source never ends: give --frames N",
    }
    for argv, said in cases.items():
        completed = _in_process(argv, workspace)
        assert completed["status"] == 2, argv
        assert said in completed["err"] and len(completed["err"].splitlines()) == 1, argv
    assert not workspace.root.exists()


def test_a_workspace_that_is_a_file_is_a_sentence(tmp_path, capsys):
    root = tmp_path / "ws"
    root.write_text("I am a file")
    for argv in (["mnist"], ["classify", "--demo", "--frames", "1"]):
        assert main.main([*argv, "--workspace", str(root)]) == 2
        assert capsys.readouterr().err == (
            f"error: The workspace {root} is a file, not a folder: give --workspace a folder.\n"
        )


def test_an_existing_model_is_replaced_only_with_force(workspace, colour_info, capsys):
    colour_project(workspace)
    before = colour_info.path.read_bytes()
    argv = finetune_argv(workspace)
    argv[argv.index("mine")] = "colours"
    assert run(workspace, *argv) == 2
    assert capsys.readouterr().err == (
        "error: A model named 'colours' is already in the workspace: choose another --out "
        "name, or add --force to replace it.\n"
    )
    assert colour_info.path.read_bytes() == before


@pytest.mark.parametrize("command", ["finetune", "mnist"])
def test_a_read_only_workspace_is_said_before_training(workspace, monkeypatch, command, capsys):
    colour_project(workspace)

    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(dir))

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    argv = finetune_argv(workspace) if command == "finetune" else ["mnist"]
    assert run(workspace, *argv) == 1
    assert capsys.readouterr().err == (
        f"error: {workspace.models_dir}: the folder is on a read-only disk: choose a folder "
        "you can write to (--workspace DIR on the command line).\n"
    )


@pytest.mark.skipif(importlib.util.find_spec("jax") is not None, reason="jax is installed")
def test_a_backend_that_is_not_installed_is_a_sentence_before_keras_loads(tmp_path):
    """In a fresh interpreter: the refusals come before anything imports Keras."""
    script = (
        "import json, sys, main\n"
        "codes = [main.main(a) for a in json.loads(sys.argv[1])]\n"
        "print(json.dumps([codes, 'keras' in sys.modules]))\n"
    )
    refused = [
        ["classify", "--backend", "jax", "--demo", "--frames", "1"],
        ["finetune", "--data", str(tmp_path), "--out", "../../evil"],
        ["mnist", "--epochs", "0"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(refused)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == [[2, 2, 2], False], done.stderr
    assert "error: The jax backend is not installed: install it (pip install jax)" in done.stderr
    assert "Traceback" not in done.stderr


def _in_process(argv, workspace) -> dict:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main.main([*argv, "--workspace", str(workspace.root)])
    return {"status": status, "err": err.getvalue()}
