"""gui/widgets/results.py: a classifier's test results, alone: short class names, what each cell
and each thumbnail says, and the gallery's limit of 96."""

import numpy as np
from PySide6.QtCore import QSize

from gui.widgets.results import ResultsView, thumbnail

NAMES = ["T-shirt/top", "Trouser", "Ankle boot, left"]


def test_the_matrix_names_its_classes_shortly_and_says_each_cell_in_full(qtbot):
    view = ResultsView()
    qtbot.addWidget(view)
    view.show_cell(0, 1)  # before any results: nothing to show
    assert view.gallery.count() == 0 and view.caption.text().startswith("Train a network")

    truth = np.array([0] * 130 + [1] * 20 + [2] * 10)
    predicted = np.array([1] * 120 + [0] * 10 + [1] * 20 + [0] * 4 + [2] * 6)
    images = np.arange(160, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    view.show_results(images, truth, predicted, NAMES)
    headers = [view.matrix.horizontalHeaderItem(i).text() for i in range(3)]
    assert headers == ["T-shirt", "Trouser", "Ankle boo"]  # before a '/', 9 characters at most
    assert [view.matrix.verticalHeaderItem(i).text() for i in range(3)] == headers
    assert view.matrix.item(0, 1).text() == "120"
    assert view.matrix.item(0, 1).toolTip() == "true T-shirt/top, predicted Trouser: 120"
    assert view.caption.text() == "Misclassified test images: 124 of 160 (first 96)"
    assert view.gallery.count() == 96 and view.shown_indices() == list(range(96))
    assert view.gallery.item(5).toolTip() == "test image 5: true T-shirt/top, predicted Trouser"

    view.show_cell(0, 1)  # 120 images behind the cell: the count says all, the gallery 96
    assert view.caption.text() == "True T-shirt/top, predicted Trouser: 120 images"
    assert view.gallery.count() == 96
    view.show_cell(2, 0)
    assert view.shown_indices() == [150, 151, 152, 153]
    assert (
        view.gallery.item(0).toolTip()
        == "test image 150: true Ankle boot, left, predicted T-shirt/top"
    )


def test_a_thumbnail_is_the_image_enlarged():
    image = np.zeros((28, 28), np.uint8)
    image[:14] = 200
    pixmap = thumbnail(image)
    assert pixmap.size() == QSize(56, 56)
    picture = pixmap.toImage()
    assert picture.pixelColor(10, 5).value() == 200 and picture.pixelColor(10, 50).value() == 0
    assert thumbnail(image, 3).size() == QSize(84, 84)
