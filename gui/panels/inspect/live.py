"""The Inspect tab's link to the live stream: the newest frame, live activations and the
Grad-CAM overlay toggle in the live view."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QCheckBox

from engine.inspection.live import Throttled, grad_cam_probe, paint_heat
from engine.models.classifier import fit_to_input
from gui.core.live_link import LiveLink

log = logging.getLogger(__name__)

LIVE = "Live model"


class LiveFollower(QObject):
    """Runs the panel's probe on the live view's inference thread and shows what it returns.

    Activation maps are computed only while someone watches them (``panel.watched()``), at
    most every 0.3 s, so the labels keep their rate and the video never waits.
    """

    def __init__(self, panel, link: LiveLink):
        super().__init__(panel)
        self.panel, self.link = panel, link
        self.target = None  # (subject, inspector, layer) while live maps are wanted
        self._maps = Throttled(self._compute_maps, interval=0.3)
        self._shown = None
        self.toggle = QCheckBox("Grad-CAM overlay (top class)")
        self.toggle.setToolTip(
            "Colour the video where the evidence for the top class lies; "
            "recomputed about twice a second"
        )
        self.toggle.toggled.connect(self._toggle_gradcam)
        link.add_tool(self.toggle)
        link.result.connect(self._result)
        link.set_probe("inspect", self._probe)

    @Slot(bool)
    def _toggle_gradcam(self, on: bool) -> None:
        self.link.set_probe("gradcam", grad_cam_probe() if on else None, paint_heat)

    def follow_model(self) -> None:
        """With 'Live model' picked, inspect whatever model the live view now runs."""
        classifier = self.link.classifier
        if (
            self.panel.picker.currentData() == LIVE
            and classifier is not None
            and classifier is not self.panel.subject
        ):
            self.panel.set_subject(classifier)

    def update_target(self, reset: bool = False) -> None:
        panel = self.panel
        info = panel.layer_info()
        wanted = panel.watched() and info is not None and info.spatial
        self.target = (panel.subject, panel.inspector, info.path) if wanted else None
        if reset:
            self._maps.reset()

    def _probe(self, image, classifier) -> dict:
        """On the inference thread: keep the newest frame; maps (throttled) while watched."""
        target = self.target
        if target is None:
            return {"frame": image}
        try:
            return {"frame": image, "maps": self._maps(image, target)}
        except Exception as error:  # say it once in the panel, not on every frame
            log.exception("live activations failed")
            self.target = None
            return {"frame": image, "error": f"Live activations stopped: {error}"}

    @staticmethod
    def _compute_maps(image, target):
        subject, inspector, layer = target
        maps = inspector.activations(subject.prepare(image), layer)
        return fit_to_input(image, subject.input_size), maps, layer, subject

    @Slot(object)
    def _result(self, result) -> None:
        self.follow_model()
        panel = self.panel
        extras = result.extras.get("inspect")
        if not extras:
            return
        panel.frame = extras["frame"]
        if "error" in extras:
            panel.show_status(extras["error"], error=True)
        if self.toggle.isChecked() and result.extras.get("gradcam", 0) is None:
            self.link.say(
                "Grad-CAM needs 2-D feature maps; this model has none (pick a convolutional one).",
                4000,
            )
        shown = extras.get("maps")
        if shown is None or shown is self._shown or self.target is None:
            return
        image, maps, layer, subject = shown
        if layer == panel.layer and subject is panel.subject:
            self._shown = shown
            panel.activations.show_maps(image, maps, layer)
