"""The 'Collect & train' tab: collect images into classes, fine-tune a base on them, use it live.

Collecting (collect), the training form (train), the run (job) and the results (results) are
their own modules; this one wires them to each other and to the live view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from engine.data import split as splitting
from engine.models import zoo
from engine.transfer import pipeline
from gui.core.jobs import Job, shut_down
from gui.core.live_link import LiveLink
from gui.panels.collect_train.base import BaseProblem, missing_weights_text
from gui.panels.collect_train.collect import CollectView
from gui.panels.collect_train.message import Message
from gui.panels.collect_train.progress import Progress
from gui.panels.collect_train.results import Curves, FileResultsView
from gui.panels.collect_train.train import TrainForm, confirm_overwrite


class FinetunePanel(QWidget):
    """Project and classes on the left, options in the middle, curves and results on the right.

    Frames are recorded from the live view, which rests while a run trains; a saved model joins
    the live view's list at once and 'Use it live' runs it there.
    """

    def __init__(self, link: LiveLink, parent=None):
        super().__init__(parent)
        self.link, self.workspace = link, link.workspace
        workspace = link.workspace
        self.info = None
        self.job = Job(self, "Collect & train training")
        self.job.progress.connect(self._progress)
        self.job.result.connect(self._finished)
        self.job.failure.connect(self._failed)

        self.collect = CollectView(workspace, link.newest_frame)
        self.collect.scanned.connect(self._scanned)
        self.form = TrainForm(workspace)
        self.form.train_button.clicked.connect(self.train)
        self.form.validation.valueChanged.connect(
            lambda _: self.collect.dataset is not None and self._scanned(self.collect.dataset)
        )
        self.form.stop_button.clicked.connect(self.job.stop)
        self.form.use_button.clicked.connect(self.use_live)
        self.progress = Progress(self.form.bar)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.form.sizeHint().width() + 20)
        self.form_scroll = scroll

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.checks = Message("Open or make a project to start.", lines=5)
        self.curves = Curves()
        self.results = FileResultsView()
        self.views = QTabWidget()
        self.views.addTab(self.curves, "Curves")
        self.views.addTab(self.results, "Results")
        self.views.setTabToolTip(
            1, "Per-class accuracy, the confusion matrix and the misclassified validation images"
        )
        right_layout.addWidget(self.checks)
        right_layout.addWidget(self.views, 1)

        splitter = QSplitter()
        for widget, stretch in ((self.collect, 4), (scroll, 0), (right, 3)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        self.splitter = splitter
        outer = QScrollArea()  # on a narrow screen the three columns scroll instead of widening
        outer.setWidget(splitter)  # the window beyond the screen
        outer.setWidgetResizable(True)
        outer.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

    def showEvent(self, event) -> None:
        """On first show, the form gets what it needs and the images most of the rest."""
        super().showEvent(event)
        if not getattr(self, "_sized", False):
            self._sized = True
            total, form = self.splitter.width(), self.splitter.widget(1).minimumWidth()
            self.splitter.setSizes(
                [round(0.65 * (total - form)), form, round(0.35 * (total - form))]
            )

    def use_live(self) -> None:
        """Run the model saved last in the live view."""
        if self.info is not None:
            self.link.choose_model(self.info)

    def shutdown(self, until: float | None = None) -> None:
        """Stop recording, a training run (after its current step) and every worker, and wait
        for them until ``until`` (the window closes). Nothing is reported after."""
        self.form.picker.hold_warm_up()
        self.collect.stop_recording()
        shut_down(self.findChildren(Job), until)

    # -- checks before training --------------------------------------------------------------
    def _scanned(self, dataset) -> None:
        self.form.name.setPlaceholderText(self.collect.project.name if self.collect.project else "")
        problems = dataset.problems()
        lines = [
            f"{len(dataset.items)} usable images in {len(dataset.class_names)} classes"
            + (
                f", {len(dataset.skipped)} files skipped (listed on the left)."
                if dataset.skipped
                else "."
            )
        ]
        if problems:
            lines += ["Training cannot start: " + " ".join(problems)]
            self.collect.show_split(None)
        else:
            fraction = self.form.validation.value()
            split = splitting.split(dataset, fraction)
            lines[0] += f" Split: {len(split.train)} training, {len(split.validation)} validation."
            lines += split.warnings
            if split.warnings:  # where to look, in this window
                lines.append("The Session table under the classes shows each session's side.")
            self.collect.show_split(split)
        self.checks.set_tone("error" if problems else ("warning" if len(lines) > 1 else ""))
        self.checks.setText("\n".join(lines))

    # -- training ----------------------------------------------------------------------------
    def train(self) -> None:
        project = self.collect.project
        if project is None:
            self._say("Open or make a project first.", error=True)
            return
        dataset = self.collect.dataset
        if dataset is not None and dataset.problems():  # the scan is current (None while one runs)
            self._say("Training cannot start: " + " ".join(dataset.problems()), error=True)
            return
        self.form.name.setPlaceholderText(project.name)
        try:
            name = self.form.model_name()
            choice = self.form.choice()
        except ValueError as error:
            self._say(str(error), error=True)
            return
        replace = self.workspace.model_exists(name)  # only a model the person agreed to replace
        if not confirm_overwrite(self, self.workspace, name):
            self._say("Not started: choose another name under 'Save as'.")
            return
        self._name = name
        self.curves.clear()
        self._last_fine = None
        self.form.train_button.setEnabled(False)
        self.form.stop_button.setEnabled(True)
        self._say(f"Training '{name}'…")
        self.form.picker.hold_warm_up()
        self.link.hold_live("Collect & train", True)
        fraction, options = self.form.validation.value(), self.form.options()

        def work(run):
            try:
                return pipeline.run(
                    project,
                    choice.build,
                    options,
                    self.workspace,
                    name,
                    fraction=fraction,
                    replace=replace,
                    report=run.report,
                    cancel=run.cancel,
                )
            finally:
                if options.unfreeze:
                    choice.forget()  # stage 2 changed the kept base's weights

        self.job.start(work)

    @Slot(object)
    def _progress(self, report: tuple) -> None:
        """The run's report: (stage, done, total, logs)."""
        stage, done, total, logs = report
        self.progress.update(stage, done, total)
        if stage == "head" and logs:
            self.curves.add("head", logs)
        elif stage == "fine-tuning" and logs and ("val_loss" in logs or done == self._last_fine):
            self.curves.add("fine-tuning", logs)  # an epoch's end (its logs come twice)
        if stage == "fine-tuning":
            self._last_fine = done

    def _idle(self) -> None:
        self.form.train_button.setEnabled(True)
        self.form.stop_button.setEnabled(False)
        self.form.picker.resume_warm_up()
        self.link.hold_live("Collect & train", False)

    @Slot(object)
    def _finished(self, result: pipeline.Result) -> None:
        outcome = result.outcome
        self._idle()
        if outcome.stopped:
            self.form.bar.setFormat("stopped")
            self._say(
                f"Stopped after {outcome.seconds:.0f} s: nothing was saved; any earlier "
                f"model '{self._name}' is unchanged."
            )
            return
        self.results.show_outcome(outcome)
        self.form.bar.setRange(0, 1000)
        self.form.bar.setValue(1000)
        self.form.bar.setFormat(f"done in {outcome.seconds:.1f} s")
        cache = (
            f" Embeddings: {outcome.cache_misses} computed, {outcome.cache_hits} from the cache."
            + "".join(f" {line.rstrip('.')}." for line in outcome.notes)
        )
        if result.save_error is not None:
            self._say(
                f"Trained, but the model could not be saved: {result.save_problem} Any earlier "
                f"model '{self._name}' is unchanged.",
                error=True,
            )
            return
        self.info = result.info
        self.form.use_button.setEnabled(True)
        self.form.refresh_bases()
        self.link.refresh_models()
        self._say(
            f"Saved '{self.info.name}' to {self.info.path} (validation accuracy "
            f"{100 * outcome.accuracy:.1f}%). Pick it in the Live tab's model list, or "
            f"press 'Use it live'.{cache}"
        )

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        self._idle()
        self.form.bar.setRange(0, 1000)
        self.form.bar.setValue(0)
        self.form.bar.setFormat("")
        if isinstance(error, zoo.WeightsMissing):
            text = missing_weights_text(error)
        elif isinstance(error, BaseProblem):
            text = f"Training did not start: {message}"
        else:
            text = f"Training did not finish: {message}"
        self._say(text, error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.form.status.set_tone("error" if error else "")
        self.form.status.setText(text)
        if error:  # the status ends the form: on a small screen, scroll down to it
            bar = self.form_scroll.verticalScrollBar()
            QTimer.singleShot(50, bar, lambda: bar.setValue(bar.maximum()))  # dies with the bar
