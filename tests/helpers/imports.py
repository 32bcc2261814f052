"""What importing modules loads, seen from a fresh interpreter at the repository's root."""

import ast
import subprocess
import sys

from tests.helpers.files import REPO

QT_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "qtpy", "shiboken6", "superqt", "pyqtgraph")


def qt_loaded_by(modules: list[str]) -> list[str]:
    """The Qt modules that importing ``modules`` (dotted names) loads, in import order."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print([m for m in sys.modules if m.split('.')[0] in {QT_PACKAGES!r}])"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return ast.literal_eval(run.stdout.strip().splitlines()[-1])
