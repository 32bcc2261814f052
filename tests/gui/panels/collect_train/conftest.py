"""Collect & train fixtures: the panel alone, on a live view that serves the demo stream's
frames (160x120, each one new) and has no model."""

import pytest

from engine.live import sources
from gui.panels.collect_train.panel import FinetunePanel
from tests.helpers.gui import StandInLink, show_alone


@pytest.fixture
def link(workspace):
    return StandInLink(workspace, frames=sources.SyntheticSource(160, 120))


@pytest.fixture
def panel(qtbot, link):
    return show_alone(qtbot, FinetunePanel(link))
