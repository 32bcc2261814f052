"""Keras callbacks for long runs: the quick validation that stands in for Keras' own."""

import numpy as np
import pytest

from engine.models.callbacks import QuickValidation
from engine.transfer import finetune


def test_quick_validation_reports_what_keras_evaluate_would():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 6)).astype("float32"), rng.integers(0, 3, 40)
    x_val, y_val = rng.normal(size=(15, 6)).astype("float32"), rng.integers(0, 3, 15)
    head = finetune.build_head(6, 3, 0.5, x)
    head.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    quick = QuickValidation(x_val, y_val)
    history = head.fit(x, y, epochs=3, verbose=0, callbacks=[quick])
    loss, accuracy = head.evaluate(x_val, y_val, verbose=0)
    assert len(history.history["val_loss"]) == 3
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-4)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)
