"""The live model: the network the live view runs, loaded in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from engine.live.stream import LiveStream
from engine.models import zoo
from engine.workspace import model_files
from engine.workspace.store import ModelInfo
from gui.core.jobs import LatestJob, describe, shut_down
from gui.panels.live.panel import LivePanel


class LiveModel(QObject):
    """Puts the network the person chooses to work in ``stream``, the video playing on.

    A zoo network (its name, with ``weights``: 'imagenet', None for random, or a file) or a
    workspace model (its ModelInfo) is built and warmed up on a worker; only the newest choice
    counts. ``panel`` shows the loading, a download's progress and a refusal with what runs on,
    and its k and smoothing reach the running classifier. ``loading(name)`` says which model
    loads now, ``loading(None)`` that the loading is over (loaded or refused);
    ``ready(classifier)`` follows each model put to work.
    """

    loading = Signal(object)
    ready = Signal(object)

    def __init__(self, stream: LiveStream, panel: LivePanel, weights: str | None, parent=None):
        super().__init__(parent)
        self.stream, self.panel, self.weights = stream, panel, weights
        self.current = None  # the choice that runs now
        self._loading = None  # the choice the loader loads now
        self.loader = LatestJob(self, "loading the live model")
        self.loader.progress.connect(self._download)
        self.loader.result.connect(self._loaded)
        self.loader.failure.connect(self._failed)
        panel.model_chosen.connect(self.choose)
        panel.top_k_changed.connect(self._set_top_k)
        panel.smoothing_changed.connect(self._set_alpha)

    def choose(self, choice) -> None:
        """Load a zoo name or a workspace ModelInfo in the background; the video keeps playing."""
        if choice is None:
            return
        top_k, alpha, weights = self.panel.k_spin.value(), self.panel.alpha, self.weights

        def build(run):
            if isinstance(choice, ModelInfo):
                classifier = zoo.workspace_classifier(
                    choice, "The live view", top_k=top_k, alpha=alpha
                )
            else:
                classifier = zoo.zoo_classifier(
                    choice, weights, progress=run.report, top_k=top_k, alpha=alpha
                )
            classifier.warm_up()
            return classifier

        self.panel.set_loading(_choice_label(choice))
        self.loading.emit(_choice_label(choice))
        self._loading = choice
        self.loader.start(build)

    def open_file(self, path: str | Path) -> None:
        """Run a .keras file (its .json beside it) live; a refusal is said in the panel."""
        path = Path(path)
        try:
            model_files.check_file(path)  # missing or foreign: said before its .json is looked for
            info = ModelInfo.read(path)
        except ValueError as error:
            self.panel.show_message(f"Cannot open {path.name}: {describe(error)}{self._kept()}")
            return
        self.choose(info)

    @property
    def spec(self) -> str | None:
        """The running model as --model names it (a zoo name or a .keras path); None if none."""
        if self.current is None:
            return None
        if isinstance(self.current, ModelInfo):
            return str(Path(self.current.path).absolute())
        return self.current

    def shutdown(self, until: float | None = None) -> None:
        """Forget the model loading now and wait for its worker until ``until``."""
        shut_down([self.loader], until)

    @Slot(object)
    def _download(self, report: tuple) -> None:
        """A weights download's (bytes done, bytes in all)."""
        self.panel.set_download(*report)

    @Slot(object)
    def _loaded(self, classifier) -> None:
        self.panel.set_loading(None)
        self.stream.set_classifier(classifier)
        self.loading.emit(None)
        self.current = self._loading
        self.panel.picker.refresh()
        self.panel.picker.select(self.current)
        self.ready.emit(classifier)

    @Slot(str, object)
    def _failed(self, message: str, error: Exception) -> None:
        if isinstance(error, zoo.WeightsMissing):  # the engine's advice, with where it is here
            message = message.removesuffix(".") + " (File > Open model…)."
        self.panel.set_loading(None)
        self.loading.emit(None)
        self.panel.show_message(
            f"Cannot load {_choice_label(self._loading)}.\n{message}{self._kept()}"
        )
        self.panel.picker.select(self.current)

    def _kept(self) -> str:
        """What runs on after a refusal, said after the reason."""
        return (
            f"\n\nStill using {self.stream.classifier.name}."
            if self.stream.classifier
            else "\n\nNo model is running; the video goes on."
        )

    @Slot(int)
    def _set_top_k(self, k: int) -> None:
        if self.stream.classifier is not None:
            self.stream.classifier.top_k = k

    @Slot(float)
    def _set_alpha(self, alpha: float) -> None:
        if self.stream.classifier is not None:
            self.stream.classifier.smoother.alpha = alpha


def _choice_label(choice) -> str:
    """How a picker choice (a zoo name or a workspace ModelInfo) is named to the person."""
    return choice.name if isinstance(choice, ModelInfo) else str(choice)
