"""Starting the app: the initial source and model from the command line."""

import pytest

import cli
from engine.live import sources
from engine.models import zoo
from engine.workspace.store import Workspace
from gui.app import initial_model, initial_source, workspace_problem
from tests.helpers.models import colour_model


def test_without_a_camera_the_demo_stream_opens_with_a_notice():
    source, notice = initial_source(cli.parse_args(["--camera", "97"]))
    assert isinstance(source, sources.SyntheticSource)
    assert "No camera 97" in notice and "demo stream" in notice


def test_named_sources_open_without_a_notice(tmp_path):
    source, notice = initial_source(cli.parse_args(["--images", str(tmp_path)]))
    assert isinstance(source, sources.ImageFolderSource) and notice == ""
    source, notice = initial_source(cli.parse_args(["--demo"]))
    assert isinstance(source, sources.SyntheticSource) and notice == ""


def test_initial_model_from_options(colour_info):
    assert initial_model(None) == zoo.DEFAULT_MODEL
    assert initial_model("ResNet50") == "ResNet50"
    assert initial_model(str(colour_info.path)).class_names == ["red", "green", "blue"]
    with pytest.raises(ValueError, match="other.keras does not exist"):
        initial_model(str(colour_info.path.with_name("other.keras")))
    colour_info.path.with_suffix(".json").unlink()  # the app's own model carries its metadata
    assert initial_model(str(colour_info.path)).class_names == ["red", "green", "blue"]
    foreign = colour_info.path.with_name("plain.keras")
    colour_model().save(foreign)  # saved by Keras alone: its class names are nowhere
    with pytest.raises(ValueError, match="plain.json is missing"):
        initial_model(str(foreign))


def test_a_workspace_that_cannot_be_written_is_said_at_start(tmp_path):
    blocked = tmp_path / "workspace"
    blocked.write_text("a file where the folder should be")
    problem = workspace_problem(Workspace(blocked))
    assert problem.startswith(f"The workspace {blocked} cannot be written:")
    assert "a file stands where a folder should be" in problem and "--workspace DIR" in problem
    assert workspace_problem(Workspace(tmp_path / "fresh")) == ""
    assert (tmp_path / "fresh").is_dir() and list((tmp_path / "fresh").iterdir()) == []
