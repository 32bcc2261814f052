"""Transfer learning: a head trained on a base network's cached embeddings, then optional
fine-tuning end to end, from a project of class folders to a saved model.

- ``embeddings``: bases (a zoo network, or a model cut at a layer) and their cached embeddings.
- ``finetune``: stage 1 (the head on embeddings), stage 2 (the base's top layers), saving.
- ``pipeline``: one whole run, project to saved model; the window and ``finetune`` command run it.

``finetune`` and ``pipeline`` import Keras, so they are imported as modules once the backend is
chosen; ``embeddings`` does not.
"""

from engine.transfer.embeddings import Base, model_base, named_base, zoo_base

__all__ = ["Base", "model_base", "named_base", "zoo_base"]
