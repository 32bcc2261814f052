"""Everything that computes: sources, the live stream, networks. Never imports Qt.

Packages, lower ones never importing higher ones (import-linter checks it):

- ``adversarial``, ``inspection``, ``transfer``, ``mnist``: what the app does with networks.
- ``live``: frame sources and the live loop that classifies them.
- ``models``: the network zoo, classifiers, and checks and scores for models.
- ``data``: a person's photos, projects of class folders, their split, the MNIST-style sets.
- ``workspace``: everything a person makes, on disk: models, projects, the trash.
- ``backend``: the only package that touches tensorflow, jax or torch.

Importing this package, or ``engine.backend``, imports no Keras: ``backend.select`` can still
choose the backend.
"""
