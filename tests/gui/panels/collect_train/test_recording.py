"""Recording in 'Collect & train' as a person does it, with the mouse: the hold ends when the
button is let go even where it moved, nothing moves under the pointer, the class's count and
thumbnails follow each frame, and the live video shows beside them with the count on it."""

import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.panels.collect_train import hold, record
from tests.helpers.files import images_of
from tests.helpers.gui import answer, make_class

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
RATE = 10  # frames/s; the stand-in live view has a new frame at every read


def wave_class(panel, monkeypatch):
    """A new project 'gestures' with the class 'wave' selected, recording at RATE frames/s."""
    collect = panel.collect
    answer(monkeypatch, "gestures")
    collect.bar.new_button.click()
    make_class(collect, monkeypatch, "wave")
    collect.rate.setValue(RATE)
    return collect


def where(widget, panel) -> tuple:
    return widget.mapTo(panel, QPoint(0, 0)), widget.size()


def test_a_hold_ends_on_release_even_away_from_the_button_and_nothing_moves(
    panel, qtbot, workspace, monkeypatch
):
    collect = wave_class(panel, monkeypatch)
    button = collect.record_button
    buttons = [button, collect.burst_button, collect.import_files_button, collect.add_button]
    before = [where(b, panel) for b in buttons]
    centre = button.rect().center()

    QTest.mousePress(button, LEFT, NONE, centre)
    pressed = time.monotonic()
    assert collect.session is not None
    qtbot.wait(1000)
    # the line saying it records is there, and every button is where the press found it
    assert "Recording into 'wave'" in collect.message.text()
    assert [where(b, panel) for b in buttons] == before
    # let go a button's height above: where the pointer is when the layout shifts under it
    QTest.mouseRelease(button, LEFT, NONE, centre - QPoint(0, button.height()))
    held = time.monotonic() - pressed
    assert collect.session is None and not button.isDown()
    count = len(images_of(workspace, "gestures", "wave"))
    assert 2 <= count <= 1 + held * RATE + 1, (count, held)
    qtbot.wait(400)  # no frame after the release
    assert len(images_of(workspace, "gestures", "wave")) == count
    assert f"Recorded {count} frames into 'wave'" in collect.message.text()
    assert [where(b, panel) for b in buttons] == before


def test_status_lines_keep_their_place_whatever_they_say(panel, qtbot, workspace, monkeypatch):
    collect = wave_class(panel, monkeypatch)
    collect.say("")
    before = where(collect.record_button, panel)
    for text in ("One line.", "A long message that wraps. " * 12):
        collect.say(text, error=True)
        qtbot.wait(20)
        assert where(collect.record_button, panel) == before, text
    collect.skipped_files.show_skipped([(workspace.root / "x.jpg", "x.jpg: empty")], workspace.root)
    qtbot.wait(20)
    assert collect.skipped_toggle.isVisible() and where(collect.record_button, panel) == before
    checks, status = panel.checks.height(), panel.form.status.height()
    panel.checks.setText("\n".join(["A warning about the split."] * 3))
    panel.form.status.setText("")
    assert (panel.checks.height(), panel.form.status.height()) == (checks, status)
    assert panel.form.status.isVisible()


def test_count_thumbnails_and_preview_follow_the_frames_while_recording(
    panel, qtbot, workspace, monkeypatch
):
    collect = wave_class(panel, monkeypatch)
    preview = collect.preview
    assert preview.running  # the tab is shown: the preview reads frames
    qtbot.waitUntil(lambda: preview.frames_shown >= 2, timeout=3000)
    first = preview.image.copy()
    qtbot.waitUntil(lambda: preview.image != first, timeout=3000)  # the video moves
    assert preview.image.width() <= preview.width() and preview.text == "'wave': 0 images"

    QTest.mousePress(collect.record_button, LEFT, NONE, collect.record_button.rect().center())
    qtbot.waitUntil(
        lambda: collect.session is not None and collect.session.count >= 4, timeout=5000
    )
    recorded = collect.session.count
    assert collect.classes.currentItem().text() == f"wave  ({recorded})"  # while recording
    assert collect.grid.count() == recorded and collect.sessions.row_texts()[0][1] == str(recorded)
    assert preview.recording and preview.text == f"{recorded} frames into 'wave'"
    picture = preview.grab().toImage()  # the red dot on the line at the preview's foot
    dot = picture.pixelColor(6 + 5, preview.height() - preview.fontMetrics().height() // 2 - 3)
    assert dot.red() > 150 and dot.green() < 90, dot.name()
    QTest.mouseRelease(collect.record_button, LEFT, NONE, collect.record_button.rect().center())
    files = images_of(workspace, "gestures", "wave")
    assert collect.classes.currentItem().text() == f"wave  ({len(files)})"
    assert not preview.recording and preview.text == f"'wave': {len(files)} images"

    panel.hide()  # another tab: the preview stops reading frames
    assert not preview.running
    shown = preview.frames_shown
    qtbot.wait(200)
    assert preview.frames_shown == shown


def test_a_release_that_never_arrives_still_ends_the_hold(panel, qtbot, workspace, monkeypatch):
    collect = wave_class(panel, monkeypatch)
    button = collect.record_button
    QTest.mousePress(button, LEFT, NONE, button.rect().center())
    qtbot.waitUntil(lambda: collect.session.count >= 2, timeout=5000)

    class ButtonUp:  # the mouse went up outside the window: no event, only the state
        @staticmethod
        def mouseButtons():
            return Qt.MouseButton.NoButton

    monkeypatch.setattr(hold, "QGuiApplication", ButtonUp)
    qtbot.waitUntil(lambda: collect.session is None, timeout=1000)
    assert not button.holding and "Recorded" in collect.message.text()


def test_a_hold_has_a_time_limit_and_the_space_bar_holds_too(panel, qtbot, workspace, monkeypatch):
    collect = wave_class(panel, monkeypatch)
    button = collect.record_button
    monkeypatch.setattr(record, "MAX_HOLD_SECONDS", 0.5)
    QTest.mousePress(button, LEFT, NONE, button.rect().center())
    qtbot.waitUntil(lambda: collect.session is None, timeout=3000)
    assert "one hold records at most 0.5 s" in collect.message.text()
    QTest.mouseRelease(button, LEFT, NONE, button.rect().center())

    monkeypatch.setattr(record, "MAX_HOLD_SECONDS", 60)
    button.setFocus()
    QTest.keyPress(button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: collect.session is not None and collect.session.count >= 2, timeout=5000
    )
    QTest.keyRelease(button, Qt.Key.Key_Space)
    assert collect.session is None and "Recorded" in collect.message.text()
