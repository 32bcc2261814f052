"""The window fits a student's laptop (1366x768, less the taskbar): no tab may demand more,
or the status bar and the bottom of every tab fall off the screen (the MNIST lab's reserved
sample grid once made the whole window 799 pixels tall)."""


def test_every_tab_fits_a_laptop_screen(make_window, qtbot):
    window = make_window()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        needed = window.minimumSizeHint()
        assert needed.width() <= 1280 and needed.height() <= 680, (
            window.tabs.tabText(index),
            needed,
        )
