"""The progress bar of a 'Collect & train' run: the stage it is in, how far, and its ETA."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QProgressBar


class Progress:
    """Turns the engine's (stage, done, total) reports into a bar with the stage and its ETA."""

    NAMES = {
        "base": "Building the base",
        "download": "Downloading ImageNet weights",
        "embedding": "Embedding images",
        "head": "Training the head",
        "fine-tuning": "Fine-tuning",
    }

    def __init__(self, bar: QProgressBar):
        self.bar, self.stage, self.started = bar, None, 0.0

    def update(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != self.stage:
            self.stage, self.started = stage, now
        name = self.NAMES.get(stage, stage)
        if total <= 0:
            self.bar.setRange(0, 0)
            self.bar.setFormat(f"{name}…")
            return
        self.bar.setRange(0, 1000)
        fraction = min(done / total, 1.0)
        self.bar.setValue(round(1000 * fraction))
        elapsed = now - self.started
        eta = f" · ETA {elapsed / fraction - elapsed:.0f} s" if 0 < fraction < 1 else ""
        amount = (
            f"{done / 1e6:.1f} / {total / 1e6:.1f} MB" if stage == "download" else f"{done}/{total}"
        )
        self.bar.setFormat(f"{name} {amount}{eta}")
