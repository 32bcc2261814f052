"""How a classifier did on labelled examples: the confusion matrix, accuracy per class and the
examples it got wrong; shared by the MNIST lab and transfer learning."""

from __future__ import annotations

import numpy as np


def confusion_matrix(truth, predicted, classes: int) -> np.ndarray:
    """counts[t, p]: how many examples of class t were predicted as p."""
    counts = np.zeros((classes, classes), np.int64)
    np.add.at(counts, (np.asarray(truth, np.int64), np.asarray(predicted, np.int64)), 1)
    return counts


def per_class_accuracy(counts: np.ndarray) -> list[float]:
    """The share of each class's examples predicted right (NaN for a class with none)."""
    rows = counts.sum(axis=1)
    return [float(counts[i, i] / rows[i]) if rows[i] else float("nan") for i in range(len(rows))]


def misclassified(truth, predicted, limit: int | None = 64) -> np.ndarray:
    """Indices of the first ``limit`` wrongly classified examples (all of them for None)."""
    return np.flatnonzero(np.asarray(truth) != np.asarray(predicted))[:limit]
