"""The test suite's own layout: every folder is a package, tests share plain helpers through
tests/helpers/ and fixtures through conftest.py files (never by importing another test module),
and the engine and command-line tests load no Qt."""

import ast

from tests.helpers.files import REPO
from tests.helpers.imports import qt_loaded_by

TESTS = REPO / "tests"


def module_name(path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


def imported_modules(path) -> set[str]:
    """Every module a Python file imports, anywhere in its code, as absolute dotted names."""
    package = module_name(path).rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # a module's modules
    return names


def test_no_test_module_imports_a_test_module_or_a_conftest():
    shared_wrongly = sorted(
        f"{path.relative_to(REPO)} imports {name}"
        for path in TESTS.rglob("*.py")
        for name in imported_modules(path)
        if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith(("test_", "conftest"))
    )
    assert shared_wrongly == [], "move what they share to tests/helpers/ or a conftest.py"


def test_every_test_folder_is_a_package():
    # pytest imports the suite as the package 'tests': a folder without __init__.py would make
    # its test_panel.py collide with every other folder's test_panel.py.
    folders = {path.parent for path in TESTS.rglob("*.py")}
    missing = sorted(str(f.relative_to(REPO)) for f in folders if not (f / "__init__.py").exists())
    assert missing == []


def test_the_engine_and_command_line_tests_load_no_qt():
    modules = sorted(
        module_name(path)
        for folder in ("engine", "cli")
        for path in (TESTS / folder).rglob("*.py")
        if path.name != "__init__.py"
    )
    assert len(modules) >= 15 and "tests.engine.models.test_zoo" in modules  # the whole depth
    assert qt_loaded_by(["tests.conftest", *modules]) == []
