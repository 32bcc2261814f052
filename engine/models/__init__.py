"""Networks that name what is in a picture, and how well they fit and do.

- ``zoo``: the pretrained ImageNet networks, their weights, input sizes and preprocessing.
- ``classifier``: frame -> preprocessed batch -> compiled forward -> smoothed top-k.
- ``labels``: the 1000 ImageNet class names (offline) and the top k of a score vector.
- ``model_fit``: whether a model fits what it is opened for, with what is needed if not.
- ``evaluation``: confusion matrix, accuracy per class, the examples a classifier got wrong.
- ``callbacks``: Keras callbacks for long runs (progress, Stop, time budget, schedules);
  imported as a module, since it imports Keras.
"""

from engine.models.classifier import Classifier, fit_to_input
from engine.models.evaluation import confusion_matrix, misclassified, per_class_accuracy
from engine.models.labels import imagenet_labels, top_k
from engine.models.model_fit import ModelMisfit
from engine.models.zoo import DEFAULT_MODEL, ZOO, WeightsMissing, preprocessing

__all__ = [
    "DEFAULT_MODEL",
    "ZOO",
    "Classifier",
    "ModelMisfit",
    "WeightsMissing",
    "confusion_matrix",
    "fit_to_input",
    "imagenet_labels",
    "misclassified",
    "per_class_accuracy",
    "preprocessing",
    "top_k",
]
