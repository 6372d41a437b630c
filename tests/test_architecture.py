"""The import rules of docs/architecture.md, read from every module's source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

OURS = ("flows", "transforms", "schemas", "warehouse", "synthetic", "report", "tests")

#: What each package may import of ours (itself always). docs/architecture.md says why.
ALLOWED = {
    "schemas": set(),
    "transforms": {"schemas"},
    "warehouse": {"schemas"},
    "synthetic": {"schemas", "transforms"},
    "report": {"schemas"},
    "flows": {"schemas", "transforms", "warehouse", "synthetic", "report"},
}
#: Libraries a pure layer never imports (schemas may build Great Expectations
#: expectation objects: they are contracts; running them is warehouse/'s job).
FORBIDDEN_LIBRARIES = {
    "schemas": {"duckdb", "prefect"},
    "transforms": {"duckdb", "prefect", "great_expectations"},
    "report": {"duckdb", "prefect", "great_expectations"},
}


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, nested ones included; relative
    imports are resolved against the file's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(REPO).parent.parts
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join((*base, node.module or ""))
            else:
                name = node.module or ""
            out.append((node.lineno, name.strip(".")))
    return out


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_what_the_map_allows(package: str) -> None:
    wrong = []
    for path in modules(package):
        for line, name in imported(path):
            top = name.split(".")[0]
            if top in OURS and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
            if top in FORBIDDEN_LIBRARIES.get(package, set()):
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not wrong, "imports docs/architecture.md does not allow:\n" + "\n".join(wrong)


def test_test_modules_share_code_through_helpers_only() -> None:
    wrong = []
    for path in modules("tests"):
        for line, name in imported(path):
            parts = name.split(".")
            if parts[0] == "tests" and any(p.startswith("test_") for p in parts[1:]):
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not wrong, "test modules importing other test modules:\n" + "\n".join(wrong)
