"""The rooms of the house keep to their rules (docs/architecture.md): the ground floor imports no stage
and not the launcher, the stages import neither each other nor the launcher, and no product module but
the settings reads the environment. Every import is found, top-level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from policyradar.settings import PROJECT_ROOT

STAGES = ("crawlers", "processors", "indexer")
FORBIDDEN = {
    "policyradar": {"launcher", *STAGES},
    "crawlers": {"launcher", "processors", "indexer"},
    "processors": {"launcher", "crawlers", "indexer"},
    "indexer": {"launcher", "crawlers", "processors"},
}


def modules_of(room: str) -> list[Path]:
    return sorted((PROJECT_ROOT / room).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every module ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def reads_environment(path: Path) -> bool:
    """True when the module touches ``os.environ`` or calls ``os.getenv``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = {"environ", "getenv"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names and _is_os(node.value):
            return True
        imported = {alias.name for alias in node.names} if isinstance(node, ast.ImportFrom) else set()
        if getattr(node, "module", None) == "os" and imported & names:
            return True
    return False


def _is_os(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "os"


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_only_what_it_may(room: str):
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(imported_packages(path) & FORBIDDEN[room])
        for path in modules_of(room)
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_only_the_settings_module_reads_the_environment():
    rooms = ("policyradar", "launcher", *STAGES)
    readers = {
        str(path.relative_to(PROJECT_ROOT))
        for room in rooms
        for path in modules_of(room)
        if reads_environment(path)
    }
    assert readers == {"policyradar/settings.py"}


def test_the_checks_see_a_forbidden_import(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def late():\n    from launcher.cli import main\n    import os\n    return os.getenv('X')\n"
    )
    assert "launcher" in imported_packages(sample)
    assert reads_environment(sample)
