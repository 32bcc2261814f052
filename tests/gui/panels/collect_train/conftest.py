"""Collect & train fixtures: the tab shown in a real window."""

import pytest


@pytest.fixture
def panel(make_window):
    window = make_window()
    window.tabs.setCurrentWidget(window.finetune)
    return window.finetune
