"""The Adversarial tab: fool a network and show how.

- ``panel``: ``AdversarialPanel``: the model and the input, the attack and its settings (the
  newest setting wins, one attack at a time), Save PNG.
- ``views``: original | perturbation | adversarial with their top-5 and the measures.
- ``curve``: accuracy against epsilon over a test set, in a job, with CSV export.
- ``live_attack``: 'Attack every frame' beside the live video.
"""

from gui.panels.adversarial.panel import AdversarialPanel

__all__ = ["AdversarialPanel"]
