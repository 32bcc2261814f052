"""Importing the engine's packages (their __init__ exports included) loads no Keras and no
backend, so that the window and the commands can still choose the backend afterwards."""

import subprocess
import sys

from tests.helpers.files import REPO

PACKAGES = [
    "engine",
    "engine.backend",
    "engine.workspace",
    "engine.data",
    "engine.models",
    "engine.live",
    "engine.inspection",
    "engine.transfer",
    "engine.mnist",
    "engine.adversarial",
    "cli",
]


def test_every_package_imports_without_keras_and_the_backend_is_still_free_to_choose():
    code = "\n".join(
        [
            "import sys",
            *(f"import {package}" for package in PACKAGES),
            "heavy = ('keras', 'tensorflow', 'torch', 'jax')",
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))",
            "engine.backend.select('jax')",
            "print(engine.backend.select(None))",
        ]
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["[]", "jax"]
