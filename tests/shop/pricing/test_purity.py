"""The pricing service is pure Python: no Django, nothing from the project, only the stdlib."""

import ast
import subprocess
import sys
from pathlib import Path

import shop.pricing

PACKAGE = Path(shop.pricing.__file__).parent
ROOT = PACKAGE.parent.parent


def test_importing_the_package_loads_no_django() -> None:
    check = (
        "import sys; import shop.pricing; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def imports_of(path: Path) -> list[tuple[str, int]]:
    """(module, line) for every import in a file; relative imports as ".name"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(("." * node.level + (node.module or ""), node.lineno))
    return found


def test_the_package_imports_only_the_standard_library_and_itself() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) >= 6
    outside = []
    for path in sources:
        for module, line in imports_of(path):
            top = module.split(".")[0]
            inside = module == "shop.pricing" or module.startswith("shop.pricing.")
            # A relative import stays inside the package only from its top level, one dot up.
            relative_ok = module.startswith(".") and not module.startswith("..")
            if not (inside or relative_ok or top in sys.stdlib_module_names):
                outside.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert outside == []


def test_the_scan_would_notice_a_django_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from django.conf import settings\nimport shop.models\nimport decimal\n")
    assert imports_of(sample) == [("django.conf", 1), ("shop.models", 2), ("decimal", 3)]
