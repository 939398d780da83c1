"""The layout's rules that import-linter (`make lint`, .importlinter) cannot see.

import-linter checks that packages depend one way and that no modules import each other in a
cycle. A cycle can still be hidden by importing inside a function; this test finds every
project import that is not at module level (outside migrations, which Django loads on its own).
The one place Django asks for a function-level import is `AppConfig.ready()` (signal receivers
need the app registry), so `ready` methods of apps.py are allowed theirs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shop", "kits", "promotions", "config")
LIMIT = 400


def _modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _project_import(node: ast.AST) -> str | None:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return "." * node.level + (node.module or "")
        name = node.module or ""
    elif isinstance(node, ast.Import):
        name = node.names[0].name
    else:
        return None
    return name if name.split(".")[0] in PACKAGES else None


def _imports_inside_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if path.name == "apps.py" and getattr(node, "name", "") == "ready":
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                name = _project_import(inner)
                if name is not None:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} imports {name}")
    return found


def test_the_project_imports_its_own_modules_at_module_level_only() -> None:
    found = [line for path in _modules() for line in _imports_inside_functions(path)]
    assert found == []


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= LIMIT, f"{path.relative_to(ROOT)} has {lines} lines; split it by concern"
