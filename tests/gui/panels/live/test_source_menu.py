"""gui/panels/live/source_menu.py: the Source menu alone, with the cameras it is told of."""

from PySide6.QtWidgets import QWidget

from engine.live import sources
from gui.panels.live.source_menu import SourceMenu


def test_the_menu_lists_the_cameras_and_emits_the_source_the_person_picks(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    menu = SourceMenu(parent, cameras=[0, 2])
    chosen = []
    menu.chosen.connect(chosen.append)
    texts = [action.text() for action in menu.actions() if action.text()]
    files = ["&Video file…", "&Image folder…", "&Rescan cameras"]
    assert texts == ["Camera 0", "Camera 2", "&Demo stream", *files]
    menu.actions()[1].trigger()
    assert isinstance(chosen[-1], sources.CameraSource) and chosen[-1].index == 2
    next(a for a in menu.actions() if a.text() == "&Demo stream").trigger()
    assert isinstance(chosen[-1], sources.SyntheticSource)
    menu.list_cameras([])  # a rescan found none: the old entries go
    first = menu.actions()[0]
    assert first.text() == "No camera found" and not first.isEnabled()
    assert [a.text() for a in menu.actions()].count("No camera found") == 1
    assert not any(a.text().startswith("Camera") for a in menu.actions())
    menu.shutdown()
