"""The import rules of DESIGN.md, checked on the tree."""

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

ENGINE_MODULES = sorted(p.stem for p in (REPO / "engine").glob("*.py") if p.stem != "__init__")
QT_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "qtpy", "shiboken6", "superqt", "pyqtgraph")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_importing_every_engine_module_loads_no_qt():
    code = (
        "import sys\n"
        + "".join(f"import engine.{m}\n" for m in ENGINE_MODULES)
        + f"print([m for m in sys.modules if m.split('.')[0] in {QT_PACKAGES!r}])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert len(ENGINE_MODULES) >= 8
    assert out.strip() == "[]"


def test_engine_never_imports_gui_or_qt():
    for path in (REPO / "engine").glob("*.py"):
        roots = imported_roots(path)
        assert not roots & {"gui", *QT_PACKAGES}, path


def test_only_backend_touches_tensorflow_jax_torch():
    for path in (REPO / "engine").glob("*.py"):
        if path.stem != "backend":
            assert not imported_roots(path) & {"tensorflow", "jax", "torch"}, path
    assert {"tensorflow", "jax", "torch"} <= imported_roots(REPO / "engine" / "backend.py")
