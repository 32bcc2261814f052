"""Steps that drive the real widgets as a person does, and a live view for a panel built alone;
Qt, so for GUI tests only."""

from PySide6.QtWidgets import QInputDialog

from engine.models import zoo
from gui.core.live_link import LiveLink


def painted_more(window, qtbot, frames=5, timeout=5000):
    """Wait until the window's video view has painted ``frames`` more frames."""
    start = window.view.frames_painted
    qtbot.waitUntil(lambda: window.view.frames_painted >= start + frames, timeout=timeout)


def answer(monkeypatch, *names):
    """Make the next QInputDialog.getText calls return ``names`` in turn."""
    queue = list(names)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (queue.pop(0), True))


def choose(combo, text: str) -> None:
    """Pick the item called ``text`` as a person does (activated follows a click)."""
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def make_class(collect, monkeypatch, *names):
    """Add the classes ``names`` to Collect & train's open project with its Add button."""
    for name in names:
        answer(monkeypatch, name)
        collect.add_button.click()


def set_up_training(panel, qtbot, workspace, epochs):
    """Collect & train on the 'colours' project with the workspace's 'tiny' base cut at 'conv'
    (see files.colour_project and models.tiny_base), ``epochs`` epochs in batches of 4."""
    form = panel.form
    panel.collect.bar.refresh()
    panel.collect.bar.open_folder(workspace.projects_dir / "colours")
    form.refresh_bases()
    form.base.setCurrentIndex(form.base.findText("tiny (workspace)"))
    form._base_chosen()
    qtbot.waitUntil(lambda: form.layer.isEnabled(), timeout=10000)
    assert [form.layer.itemText(i) for i in range(form.layer.count())] == ["pool", "conv"]
    form.layer.setCurrentText("conv")
    form.epochs.setValue(epochs)
    form.batch.setValue(4)


def open_inspect(window, qtbot):
    """Show the window's Inspect tab and wait until it inspects a model; returns the panel."""
    panel = window.inspect
    window.tabs.setCurrentWidget(panel)
    return inspecting(qtbot, panel)


def wait_for_attack(panel, qtbot, eps=None):
    """Wait for the adversarial panel's newest attack (at ``eps`` when given); returns it."""
    qtbot.waitUntil(
        lambda: (
            panel.crafted is not None
            and not panel.job.running
            and (eps is None or panel.crafted.spec.eps == eps)
        ),
        timeout=20000,
    )
    return panel.crafted


class StandInLink(LiveLink):
    """The live view for a panel built alone: a fixed live ``classifier`` (None: no model),
    frames read from ``frames`` (a Source; None: no frame), and a record of what the panel
    asked of it: ``holds`` (holder, held), ``refreshes`` (a count) and ``chosen`` (models to
    run live). Probes, tools and status lines go nowhere, as LiveLink's do."""

    def __init__(self, workspace, classifier=None, frames=None):
        super().__init__(workspace)
        self._classifier, self.frames = classifier, frames
        self.holds, self.chosen, self.refreshes = [], [], 0

    @property
    def classifier(self):
        return self._classifier

    def newest_frame(self):
        return None if self.frames is None else self.frames.read()

    def hold_live(self, holder, held):
        self.holds.append((holder, held))

    def refresh_models(self):
        self.refreshes += 1

    def choose_model(self, choice):
        self.chosen.append(choice)


def live_classifier(info):
    """The Classifier the live view would run for the workspace model ``info``."""
    return zoo.workspace_classifier(info, "The live view")


def show_alone(qtbot, panel, size=(1150, 680)):
    """Show ``panel`` on its own, at the window's size; after the test pytest-qt calls its
    ``shutdown()`` and closes it (so it leaves no thread running). Returns the panel."""
    qtbot.addWidget(panel, before_close_func=lambda widget: widget.shutdown())
    panel.resize(*size)
    panel.show()
    return panel


def inspecting(qtbot, panel):
    """Wait until the Inspect panel ``panel`` has read its model's layers; returns it."""
    qtbot.waitUntil(lambda: panel.inspector is not None, timeout=20000)
    return panel
