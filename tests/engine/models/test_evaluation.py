"""The one confusion matrix, per-class accuracy and list of mistakes both labs show."""

import numpy as np

from engine.models import evaluation


def test_confusion_matrix_counts_each_true_and_predicted_pair():
    truth = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    counts = evaluation.confusion_matrix(truth, predicted, 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.dtype == np.int64 and counts.sum() == 6 and np.trace(counts) == 4
    # a class nobody predicted, and one with no examples, still get their row and column
    assert evaluation.confusion_matrix([0, 0], [0, 0], 3).tolist() == [
        [2, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
    ]


def test_per_class_accuracy_is_the_diagonal_over_each_row_and_nan_for_an_empty_class():
    counts = evaluation.confusion_matrix([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0], 3)
    accuracy = evaluation.per_class_accuracy(counts)
    assert accuracy[:2] == [0.75, 0.5] and np.isnan(accuracy[2]) and len(accuracy) == 3


def test_misclassified_gives_the_first_wrong_indices_in_order():
    truth = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    assert evaluation.misclassified(truth, predicted).tolist() == [1, 4]
    assert evaluation.misclassified(truth, predicted, limit=1).tolist() == [1]
    many = np.arange(100) % 2
    assert evaluation.misclassified(many, np.zeros(100, int)).tolist() == list(range(1, 100, 2))
    assert len(evaluation.misclassified(np.ones(100), np.zeros(100))) == 64  # the default limit
    assert len(evaluation.misclassified(np.ones(100), np.zeros(100), limit=None)) == 100
