"""The MNIST lab panel: pick data and a course preset, train with live curves, compare runs.

The data choice and network form (form), saving a run (saving), the curves and comparison table
(runs), a run's confusion matrix (run_results), trying a model (try_digit) and the runs kept
across restarts (restoring) are their own modules; this one wires them together.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.data import datasets
from engine.live.frames import Frame
from engine.mnist import lab, records
from engine.workspace.store import load_keras_model
from gui.core.jobs import Job, LatestJob, shut_down
from gui.core.live_link import LiveLink
from gui.panels.mnist_lab import restoring
from gui.panels.mnist_lab.form import DataBox, NetworkForm, sample_grid  # noqa: F401 (the panel's API)
from gui.panels.mnist_lab.run_results import RunResults
from gui.panels.mnist_lab.runs import Curves, RunTable
from gui.panels.mnist_lab.saving import save_run
from gui.panels.mnist_lab.try_digit import TryDigit

NO_PREDICTIONS = "no test predictions recorded for it"
REDRAW_S = 0.25  # the curves follow the batches at most this often

log = logging.getLogger(__name__)


class MnistPanel(QWidget):
    """Data, preset, Train / Stop, progress with ETA, live curves and the comparison table.

    The live view rests while a run trains; with 'Read the camera' ticked, Try it reads the
    live frames while the tab shows. Every run is recorded in the workspace and shown again
    when the lab starts; a recorded run's model, or a saved one opened, is read when Try it
    needs it.
    """

    def __init__(self, link: LiveLink, parent=None):
        super().__init__(parent)
        self.link, self.workspace = link, link.workspace
        self.data: datasets.ImageSet | None = None
        self.runs: list[lab.RunResult] = []
        self.run_data: list[datasets.ImageSet | None] = []  # its test images, once loaded
        self.records: list[records.RunRecord] = []  # each run's names, labels and predictions
        self.opener = LatestJob(self, "MNIST lab model")
        self.opener.result.connect(self._model_opened)
        self.opener.failure.connect(self._model_not_opened)
        self._opening: object = None  # the run index, or the file, being opened
        self._unopened: dict[int, str] = {}  # runs whose model could not be opened, and why
        self.job = Job(self, "MNIST lab training")
        self.job.progress.connect(self._progress)
        self.job.result.connect(self._finished)
        self.job.failure.connect(self._failed)
        link.frame.connect(self._camera_frame)

        layout = QHBoxLayout(self)
        column = QWidget()  # the data and the form scroll on a screen shorter than they are
        left = QVBoxLayout(column)
        left.setContentsMargins(0, 0, 0, 0)
        self.data_box = DataBox()
        self.data_box.dataset.activated.connect(self._dataset_chosen)
        self.dataset, self.samples = self.data_box.dataset, self.data_box.samples
        left.addWidget(self.data_box)
        self.form = form = NetworkForm()
        form.train_button.clicked.connect(self.train)
        form.stop_button.clicked.connect(self.job.stop)
        self.preset, self.layers, self.optimizer = form.preset, form.layers, form.optimizer
        self.learning_rate, self.loss, self.seed = form.learning_rate, form.loss, form.seed
        self.epochs, self.batch, self.schedule, self.budget = (
            form.epochs,
            form.batch,
            form.schedule,
            form.budget,
        )
        self.train_button, self.stop_button = form.train_button, form.stop_button
        self.bar, self.status = form.bar, form.status
        left.addWidget(form)
        left.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(
            column.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
        )
        layout.addWidget(scroll, 0)

        right = QVBoxLayout()
        layout.addLayout(right, 1)
        self.curves = Curves()
        self.loss_plot, self.accuracy_plot = self.curves.loss_plot, self.curves.accuracy_plot
        self.results = RunResults()
        self.views = QTabWidget()
        self.views.addTab(self.curves, "Curves")
        self.views.addTab(self.results, "Confusion matrix and mistakes")
        self.try_digit = TryDigit(self._model_and_names)
        self.views.addTab(self.try_digit, "Try it")
        self.views.currentChanged.connect(lambda *_: self.try_digit.refresh_model())
        right.addWidget(self.views, 2)
        self.table = RunTable()
        self.table.itemChanged.connect(lambda *_: self._redraw_curves())
        self.table.itemSelectionChanged.connect(self._show_results)
        right.addWidget(self.table, 1)
        export = QHBoxLayout()
        for text, kind in (("Export CSV…", "csv"), ("Export Markdown…", "md")):
            button = QPushButton(text)
            button.clicked.connect(
                lambda _=False, k=kind: self.table.export_dialog(k, self.workspace.root)
            )
            export.addWidget(button)
        export.addStretch(1)
        self.open_button = QPushButton("Open model…")
        self.open_button.setToolTip("Open a saved MNIST lab model to try it")
        self.open_button.clicked.connect(self.open_model_dialog)
        export.addWidget(self.open_button)
        right.addLayout(export)
        self._live: dict[str, list[float]] = {}
        self._steps: lab.StepCurve | None = None  # the training run's curve within epochs
        self._drawn = 0.0  # when the curves were last redrawn for a batch
        self._restore()

    @property
    def run_saved(self) -> list[str | None]:
        """The workspace model each run was saved as (None: not saved), from its record."""
        return [record.model or None for record in self.records]

    def chosen_run(self) -> int | None:
        """The index of the run selected in the table, else of the newest run."""
        if not self.runs:
            return None
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.runs):
            return rows[0].row()
        return len(self.runs) - 1 if self.runs else None

    def run_name(self, i: int) -> str:
        """Run ``i`` as a person reads it: its number, network, data and how it ended."""
        run, record = self.runs[i], self.records[i]
        ended = f", stopped at epoch {run.epochs_done}" if run.cut_short else ""
        error = run.test_error == run.test_error and f", test error {100 * run.test_error:.2f}%"
        return (
            f"run #{i + 1}: {run.title} on {record.dataset} ({run.training_images:,} training "
            f"images{ended}){error or ''}"
        )

    def run_title(self, i: int) -> str:
        """``run_name(i)`` to begin a sentence."""
        name = self.run_name(i)
        return name[0].upper() + name[1:]

    def _model_and_names(self):
        """(model or None, class names, which model answers or why none does) for Try it."""
        i = self.chosen_run()
        if i is None:
            return None
        saved, names = self.run_saved[i], self.records[i].class_names
        if self.runs[i].model is not None:
            return (
                self.runs[i].model,
                names,
                self.run_name(i) + (f", saved as {saved}" if saved else ", not saved"),
            )
        path = restoring.model_file(self.workspace, saved or "")
        if path is None:
            why = f"its model {saved} was deleted from the workspace" if saved else "not saved"
            return None, names, f"{self.run_title(i)}: {why}. {restoring.TRY_ANOTHER}"
        if i in self._unopened:
            return None, names, f"{self.run_title(i)}: {self._unopened[i]} {restoring.TRY_ANOTHER}"
        if self.views.currentWidget() is not self.try_digit:
            return None, names, f"{self.run_title(i)}: its model {saved} opens when you try it."
        if self._opening != i:
            self._opening = i
            self.opener.start(lambda run: (i, load_keras_model(path)))
        return None, names, f"Opening {saved}, the model of {self.run_name(i)}…"

    def _show_results(self) -> None:
        i = self.chosen_run()
        if i is not None:
            record, data = self.records[i], self.run_data[i]
            title = self.run_title(i)
            if not len(record.predicted):
                self.results.show_nothing(f"{title}: opened from the workspace, {NO_PREDICTIONS}")
            else:
                self.results.show_run(
                    title,
                    None if data is None else data.x_test,
                    record.truth,
                    record.predicted,
                    record.class_names,
                    f"The images are in {record.dataset}, which is not loaded: choose it under "
                    f"Data to see them.",
                )
        self.try_digit.refresh_model()

    # -- runs kept across restarts, and saved models opened -----------------------------------
    def _restore(self) -> None:
        """Show the runs recorded in the workspace, oldest first (a damaged record is skipped;
        the log says why)."""
        for record in records.load_all(self.workspace):
            self._add_run(restoring.result_of(record), None, record)
        if self.runs:
            self.status.setText(f"{len(self.runs)} earlier runs shown again from the workspace.")
            self._redraw_curves()
            self._show_results()

    def _add_run(self, result, data, record) -> None:
        self.runs.append(result)
        self.run_data.append(data)
        self.records.append(record)
        self.table.add_run(result, restoring.model_state(self.workspace, record.model))

    def open_model_dialog(self) -> None:
        """Ask for a saved MNIST lab model and open it (in the background) as a row to try."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a saved MNIST model", str(self.workspace.models_dir), "Keras (*.keras)"
        )
        if path:
            self.open_model(path)

    def open_model(self, path) -> None:
        """Select the run that saved the model at ``path``, or open it as a row of its own."""
        try:
            info = restoring.mnist_model_info(path)
        except ValueError as error:
            self.status.setText(f"Not opened: {error}")
            return
        for i, saved in enumerate(self.run_saved):
            if saved == info.name and info.path.parent == self.workspace.models_dir:
                self.table.selectRow(i)
                return
        self.status.setText(f"Opening {info.name}…")
        self._opening = info
        self.opener.start(lambda run: (info, load_keras_model(info.path)))

    @Slot(object)
    def _model_opened(self, opened: tuple) -> None:
        target, model = opened
        self._opening = None
        if isinstance(target, int):
            self.runs[target].model = model
        else:
            record = restoring.record_of_model(target, model)
            self._add_run(restoring.result_of(record, model), None, record)
            self.status.setText(f"Opened {target.name}: Try it answers with it.")
            self.table.selectRow(len(self.runs) - 1)
        self.try_digit.answer_again()

    @Slot(str, object)
    def _model_not_opened(self, message: str, error: Exception) -> None:
        target, self._opening = self._opening, None
        if isinstance(target, int):
            self._unopened[target] = f"its model could not be opened: {message}."
        self.status.setText(f"The model could not be opened: {message}")
        self.try_digit.refresh_model()

    # -- data --------------------------------------------------------------------------------
    def _dataset_chosen(self, index: int) -> None:
        try:
            data = self.data_box.load(index)
            if data is not None:
                self.set_data(data)
        except (datasets.DatasetUnavailable, ValueError) as error:
            self.status.setText(str(error))

    def set_data(self, data: datasets.ImageSet) -> None:
        self.data = data
        self.data_box.show_samples(data)
        if any(
            d is None for d in self.run_data
        ):  # recorded runs tested on these very images can show them
            mark = records.fingerprint(data.x_test, data.y_test)
            for i, record in enumerate(self.records):
                if self.run_data[i] is None and record.fingerprint == mark:
                    self.run_data[i] = data
            self._show_results()
        self.status.setText(
            f"{data.name}: {len(data.x_train):,} training and "
            f"{len(data.x_test):,} test images, {len(data.class_names)} classes"
        )

    def network(self) -> tuple[list, dict, str]:
        """The layers, optimizer and title the form describes (see NetworkForm.network)."""
        return self.form.network()

    # -- training ----------------------------------------------------------------------------
    def train(self) -> None:
        if self.data is None:
            self._dataset_chosen(self.dataset.currentIndex())
            if self.data is None:
                return
        try:
            layers, optimizer, title = self.network()
        except ValueError as error:
            self.status.setText(str(error))
            return
        data = self.data_box.training_data(self.data)
        self._training_data, self._training_epochs = data, self.epochs.value()
        self._budget = 60 * self.budget.value()
        self._live = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
        self._steps, self._drawn = lab.StepCurve(), 0.0
        self._started = time.perf_counter()
        self._training_name = (
            f"Run #{len(self.runs) + 1}: {title} on {data.name} "
            f"({len(data.x_train):,} training images), {self._training_epochs} epochs"
        )
        self.status.setText(self._training_name + ": starting…")
        self.train_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self._set_training(True)
        options = self.form.options(title)
        self.job.start(
            lambda run: lab.train(
                layers, optimizer, data, **options, report=run.report, cancel=run.cancel
            )
        )

    def _set_training(self, on: bool) -> None:
        self.link.hold_live("MNIST lab", on)

    @Slot(object)
    def _progress(self, report: tuple) -> None:
        """lab.train's report: (kind, epoch, batch, batches, logs)."""
        kind, epoch, batch, batches, logs = report
        epochs = self._training_epochs
        done = (epoch + batch / max(batches or 1, 1)) / epochs
        elapsed = time.perf_counter() - self._started
        if self._budget:  # a time budget ends the run first when it is shorter
            done = min(max(done, elapsed / self._budget), 1.0)
        self.bar.setValue(round(1000 * done))
        eta = elapsed / done - elapsed if done > 0 else 0
        self.bar.setFormat(f"epoch {epoch + 1}/{epochs} · {100 * done:.0f}% · ETA {eta:.0f} s")
        added = kind == "batch" and self._steps.add(epoch, batch, batches, logs)
        if added and time.perf_counter() - self._drawn >= REDRAW_S:
            self._redraw_curves()
        if kind == "epoch":
            for key in self._live:
                if key in logs:
                    self._live[key].append(float(logs[key]))
            accuracy = logs.get("val_accuracy")
            tested = "" if accuracy is None else f", test accuracy {100 * float(accuracy):.1f}%"
            self.status.setText(f"{self._training_name}: epoch {epoch + 1} done{tested}.")
            self._redraw_curves()

    @Slot(object)
    def _finished(self, result: lab.RunResult) -> None:
        self.train_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self._set_training(False)
        self._live, self._steps = {}, None
        if result.cut_short:
            ended = f"Stopped at epoch {result.epochs_done} of {result.epochs_planned}"
            note, kept = " (stopped)", " as a stopped run (its name says so)"
        elif result.out_of_time:
            ended, note, kept = "Time budget spent", " (time budget spent)", ""
        else:
            ended, note, kept = "Done", "", ""
        name = f"Run #{len(self.runs) + 1}: {ended}: test error {100 * result.test_error:.2f}%."
        saved = None
        try:
            saved = save_run(self.workspace, result, self._training_data, self.preset.currentData())
            said = f"{name} Saved {saved.name} to the workspace{kept}."
        except (OSError, ValueError) as error:  # a full disk; a name or file refused
            said = f"{name} The model could not be saved: {error}"
        record = restoring.record_of(result, self._training_data, saved and saved.name)
        self._add_run(result, self._training_data, record)
        try:
            records.save(self.workspace, record)
        except OSError as error:
            log.warning("could not record an MNIST lab run: %s", error)
            said += f" The run could not be recorded, so it will not show after a restart: {error}"
        self.status.setText(said)
        self.bar.setFormat("done" + note)
        self._redraw_curves()
        self._show_results()

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        self.train_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self._set_training(False)
        self._live, self._steps = {}, None
        self._redraw_curves()
        self.status.setText(f"Training failed: {message}")

    @Slot(object)
    def _camera_frame(self, frame: Frame) -> None:
        if self.isVisible() and frame.index % 6 == 0:  # a few times a second is plenty
            self.try_digit.show_camera_frame(frame.image)

    def shutdown(self, until: float | None = None) -> None:
        """Stop a training run after its current batch and wait for it until ``until`` (the window
        closes); nothing is reported after."""
        shut_down(self.findChildren(Job), until)

    def _redraw_curves(self) -> None:
        self._drawn = time.perf_counter()
        curves = [
            (i, f"#{i + 1} {run.title.split(' (')[0]}", run.history, run.steps)
            for i, run in enumerate(self.runs)
            if self.table.ticked(i)
        ]
        if self._live:
            steps = self._steps.points if self._steps else None
            curves.append((len(self.runs), f"#{len(self.runs) + 1} training…", self._live, steps))
        self.curves.draw_runs(curves)

    # -- export ------------------------------------------------------------------------------
    def table_rows(self) -> list[list[str]]:
        return self.table.rows()

    def as_csv(self) -> str:
        return self.table.as_csv()

    def as_markdown(self) -> str:
        return self.table.as_markdown()
