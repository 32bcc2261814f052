"""The layers of docs/architecture.md, checked on the tree: import-linter's contracts, and the
engine imported module by module without Qt."""

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import engine
from tests.helpers.files import REPO
from tests.helpers.imports import qt_loaded_by


def engine_modules() -> list[str]:
    """Every module of the engine package, at any depth."""
    return sorted(info.name for info in pkgutil.walk_packages(engine.__path__, "engine."))


def test_every_import_contract_is_kept():
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert linter, "import-linter is missing: install the test extras (make test does)"
    run = subprocess.run([linter], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout and "kept" in run.stdout


def test_importing_every_engine_module_loads_no_qt():
    modules = engine_modules()
    assert len(modules) >= 30  # the packages and their modules: a shallow walk would find few
    assert qt_loaded_by(modules) == []
