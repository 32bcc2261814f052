"""Model files a panel cannot use are refused there, in the window, and the panel keeps going."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine.workspace.store import ModelInfo
from gui.panels.adversarial.panel import AdversarialPanel
from gui.panels.inspect.live import LIVE
from gui.panels.inspect.panel import InspectPanel
from tests.helpers.frames import COLOURS, SolidSource
from tests.helpers.gui import (
    StandInLink,
    inspecting,
    live_classifier,
    painted_more,
    show_alone,
    wait_for_attack,
)
from tests.helpers.models import colour_model, flat_mlp, lambda_archive, score_map

NEEDS = "needs an image classifier: input (H, W, {}) and a class-probability output"


@pytest.fixture
def flat_info(workspace):
    """An MNIST multilayer perceptron that takes flat vectors, saved with its metadata."""
    return workspace.save_model(flat_mlp(), [str(i) for i in range(10)], (28, 28), "mnist", "flat")


def live_window(make_window, qtbot, colour_info):
    window = make_window(SolidSource("green"), model=colour_info)
    qtbot.waitUntil(lambda: window.panel.bars.texts()[:1] == ["green"], timeout=20000)
    return window


def pick(combo, name) -> None:
    """Choose the item whose data is the workspace model ``name``, as a person does."""
    index = next(i for i in range(combo.count()) if getattr(combo.itemData(i), "name", "") == name)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def still_running(window, qtbot, running) -> None:
    """The live view goes on with the model it had: frames painted, labels updated."""
    assert window.stream.classifier is running
    assert window.panel.picker.currentData().path == window.workspace.models_dir / "colours.keras"
    painted_more(window, qtbot)
    classified = window.stream.frames_classified
    qtbot.waitUntil(lambda: window.stream.frames_classified > classified + 2, timeout=10000)
    assert window.panel.bars.texts()[:1] == ["green"]


def refusal(window, qtbot) -> str:
    qtbot.waitUntil(
        lambda: window.panel.message.isVisible() and not window.panel.busy.isVisible(),
        timeout=20000,
    )
    return window.panel.message.toPlainText()


def test_the_live_picker_refuses_a_model_that_takes_flat_vectors(
    make_window, qtbot, colour_info, flat_info
):
    window = live_window(make_window, qtbot, colour_info)
    running = window.stream.classifier
    window.panel.picker.refresh()
    pick(window.panel.picker, "flat")
    text = refusal(window, qtbot)
    assert text == (
        f"Cannot load flat.\nThe live view {NEEDS.format(1)}; flat.keras takes "
        f"(784,).\n\nStill using colours."
    )
    still_running(window, qtbot, running)


def _with_metadata(path, classes=COLOURS, size=(32, 32)):
    path.with_suffix(".json").write_text(json.dumps({"class_names": classes, "input_size": size}))
    return path


def test_file_open_says_what_is_wrong_with_each_file_and_the_live_view_goes_on(
    make_window, qtbot, colour_info, tmp_path, monkeypatch
):
    window = live_window(make_window, qtbot, colour_info)
    running = window.stream.classifier
    folder = tmp_path / "from a friend"
    folder.mkdir()
    good = folder / "good.keras"
    colour_model().save(good)
    truncated = _with_metadata(folder / "truncated.keras")
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = _with_metadata(folder / "foreign.keras")
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n a picture renamed")
    gift, canary = lambda_archive(folder, classes=3)
    gift = _with_metadata(gift, size=(8, 8))
    flat = _with_metadata(folder / "flat.keras", [str(i) for i in range(10)], (28, 28))
    flat_mlp().save(flat)
    expected = {  # file -> what the person reads about it (and about no other file)
        truncated: "truncated.keras is damaged or incomplete (was the copy or download cut short?)",
        foreign: "Cannot open foreign.keras: foreign.keras is not a Keras model: a .keras file is "
        "a zip archive",
        folder / "missing.keras": f"Cannot open missing.keras: {folder / 'missing.keras'} does "
        f"not exist: was it moved or deleted?",
        gift: "gift.keras is refused: it contains 'Lambda', which can run code that comes with "
        "the file",
        flat: f"Cannot load flat.\nThe live view {NEEDS.format(3)}; flat.keras takes (784,).",
    }
    open_action = next(
        a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Open model…"
    )
    seen = []
    for path, message in expected.items():
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, p=path, **k: (str(p), ""))
        window.panel.show_message("")
        open_action.trigger()
        text = refusal(window, qtbot)
        assert message in text, text
        assert text.endswith("Still using colours.") and "Traceback" not in text
        seen.append(text)
        still_running(window, qtbot, running)
    assert [sum(message in text for text in seen) for message in expected.values()] == [1] * 5
    assert not canary.exists()


def test_inspect_refuses_a_model_that_gives_a_map_and_keeps_inspecting(qtbot, conv_info, workspace):
    workspace.save_model(score_map(), ["a", "b"], (32, 32), "unit", "maps")
    workspace.save_model(colour_model(), COLOURS, (32, 32), "unit", "colours")
    link = StandInLink(workspace, live_classifier(conv_info))  # the live view runs convs
    panel = inspecting(qtbot, show_alone(qtbot, InspectPanel(link)))
    subject, inspector = panel.subject, panel.inspector
    panel.picker.refresh()
    pick(panel.picker, "maps")
    qtbot.waitUntil(lambda: panel.status.text().startswith("Cannot load maps"), timeout=20000)
    assert panel.status.text() == (
        f"Cannot load maps: Inspect {NEEDS.format(3)}; maps.keras gives "
        f"(32, 32, 2), not one score per class. Still inspecting convs."
    )
    assert panel.picker.currentData() == LIVE  # back to what is inspected
    assert panel.subject is subject and panel.inspector is inspector
    assert panel.table.rowCount() == 4 and panel.layer == "conv"

    pick(panel.picker, "colours")  # still usable: another model loads
    qtbot.waitUntil(
        lambda: (
            panel.subject.name == "colours"
            and panel.inspector is not None
            and panel.inspector.model is panel.subject.model
        ),
        timeout=20000,
    )
    assert isinstance(panel.picker.currentData(), ModelInfo)
    assert panel.table.rowCount() == 2
    assert link.classifier.name == "convs" and link.chosen == []  # the live view keeps its own


def test_the_adversarial_lab_refuses_a_flat_model_and_attacks_with_the_one_it_had(
    qtbot, workspace, colour_info, flat_info
):
    link = StandInLink(workspace, live_classifier(colour_info))
    panel = show_alone(qtbot, AdversarialPanel(link))
    pick(panel.model, "colours")
    qtbot.waitUntil(lambda: panel.classifier is not None, timeout=20000)
    chosen = panel.classifier
    pick(panel.model, "flat")
    qtbot.waitUntil(lambda: panel.status.text().startswith("Cannot load flat"), timeout=20000)
    assert panel.status.text() == (
        f"Cannot load flat: The adversarial lab {NEEDS.format(1)}; "
        f"flat.keras takes (784,). Still attacking colours."
    )
    assert panel.classifier is chosen and panel.model.currentData().name == "colours"
    assert [panel.target_class.itemText(i) for i in range(1, 4)] == [
        "0: red",
        "1: green",
        "2: blue",
    ]

    picture = np.zeros((40, 60, 3), np.uint8)
    picture[...] = (120, 132, 110)
    panel.set_image(picture, "greenish")  # the panel still attacks with the model it kept
    wait_for_attack(panel, qtbot)
    assert panel.bars[0].texts()[0] == "green" and panel.save_button.isEnabled()
    qtbot.keyClick(panel.model, Qt.Key.Key_Home)  # the live view's model, by keyboard
    qtbot.waitUntil(lambda: panel.classifier is None, timeout=5000)
    assert panel.current_classifier() is link.classifier
