"""On a bare Linux the window says which xcb libraries are missing and the one line that
installs them all, instead of Qt's abort that names one library of several."""

from pathlib import Path

from gui import app, qt_platform


def _loader(missing):
    def load(name):
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file")

    return load


def test_missing_xcb_libraries_are_named_with_one_apt_line_for_all():
    load = _loader({"libxcb-icccm.so.4", "libxcb-keysyms.so.1"})
    problem = qt_platform.xcb_problem({"DISPLAY": ":0"}, "linux", load)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    line = problem.splitlines()[1].strip()
    assert line.startswith("sudo apt-get install ")
    packages = set(line.split()[3:])
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"} <= packages
    assert packages == set(qt_platform.XCB_LIBRARIES.values())


def test_nothing_is_said_when_the_libraries_load_or_xcb_is_not_used():
    everything_missing = _loader(set(qt_platform.XCB_LIBRARIES))
    assert qt_platform.xcb_problem({"DISPLAY": ":0"}, "linux", _loader(set())) == ""
    for environ, platform in (
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "win32"),
        ({}, "darwin"),
    ):
        assert qt_platform.xcb_problem(environ, platform, everything_missing) == ""


def test_the_window_does_not_start_and_says_so(monkeypatch, capsys):
    monkeypatch.setattr(app.QApplication, "instance", staticmethod(lambda: None))
    monkeypatch.setattr(qt_platform, "xcb_problem", lambda: "The window cannot open: x missing.")
    assert app.run_gui(None) == 1
    assert "The window cannot open: x missing." in capsys.readouterr().err


def test_the_readme_gives_the_same_line():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert qt_platform.APT_LINE in readme
