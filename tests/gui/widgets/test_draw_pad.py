"""gui/widgets/draw_pad.py: a canvas to draw a digit with the mouse."""

from PySide6.QtCore import QPoint, Qt

from gui.widgets.draw_pad import DrawPad


def test_a_stroke_is_thick_and_white_only_while_pressed_and_each_change_is_signalled(qtbot):
    pad = DrawPad()
    qtbot.addWidget(pad)
    pad.show()
    changes = []
    pad.changed.connect(lambda: changes.append(1))
    assert pad.pixels().shape == (DrawPad.SIZE, DrawPad.SIZE) and pad.pixels().max() == 0

    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(40, 100))
    assert len(changes) == 1
    qtbot.mouseMove(pad, QPoint(150, 100))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(150, 100))
    assert len(changes) == 2
    stroke = pad.pixels()
    assert stroke[100, 40:151].min() == 255  # white on black, as MNIST digits are
    assert stroke[92:108, 95].min() == 255 and stroke[[90, 110], 95].max() == 0  # 16 wide
    assert stroke[100, 34] == 255 and stroke[100, 30] == 0  # a round cap

    qtbot.mouseMove(pad, QPoint(100, 20))  # released: moving draws nothing
    assert len(changes) == 2 and pad.pixels()[20].max() == 0
    stroke[...] = 0  # pixels() is a copy: the canvas is untouched
    assert pad.pixels()[100, 100] == 255
    pad.clear()
    assert len(changes) == 3 and pad.pixels().max() == 0
