"""The core never imports Qt, so everything but screens/ runs and tests headless."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLESS = ["kiosk", "drivers", "offline_queue", "central", "common", "config"]
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node, node.module


def test_no_qt_outside_screens():
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
        for package in HEADLESS
        for path in (ROOT / package).rglob("*.py")
        for node, name in imported_modules(path)
        if name.split(".")[0] in QT
    ]
    assert offenders == []


def test_only_commands_reach_into_screens():
    """The bootstrap commands start the GUI; nothing else in the core knows it exists."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in HEADLESS
        for path in (ROOT / package).rglob("*.py")
        for node, name in imported_modules(path)
        if name.split(".")[0] == "screens" and "commands" not in path.parts
    ]
    assert offenders == []


def test_drivers_and_queue_do_not_import_the_core():
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
        for package in ("drivers", "offline_queue")
        for path in (ROOT / package).rglob("*.py")
        for node, name in imported_modules(path)
        if name.split(".")[0] in ("kiosk", "screens", "central")
    ]
    assert offenders == []


def test_common_imports_only_the_standard_library():
    """Everyone may import `common`; it imports nothing of ours and no third-party package."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
        for path in (ROOT / "common").rglob("*.py")
        for node, name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names | {"common", "__future__"}
    ]
    assert offenders == []


def test_test_modules_have_unique_names():
    """pytest imports test modules by basename (no packages here): two of one name cannot both be
    collected, and the whole run stops at collection."""
    from collections import Counter

    names = Counter(path.name for path in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
