"""Adversarial examples: attacks in pixel space and what they cost a model.

- ``attacks``: FGSM, BIM, PGD (L-infinity and L2), targeted attacks and DeepFool.
- ``robustness``: perturbation norms and PSNR, robustness curves over a dataset, and the live
  probe that attacks every frame.

Both import Keras, so they are imported as modules once the backend is chosen.
"""
