"""Declared dependencies match what the package imports, in both directions.

Every third-party module imported anywhere in ``forecasting/`` (at module level or inside a
function) must come from a distribution declared in ``pyproject.toml`` (the core
dependencies or the ``distributed`` extra, the package's one optional feature); every
declared distribution must be imported somewhere, unless it is in :data:`RUNTIME_ONLY`:
packages other libraries load by name, which an import scan cannot see.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "forecasting"
#: Extras that belong to the package itself (``dev`` and ``bench`` serve tests and benchmarks).
PACKAGE_EXTRAS = ("distributed",)
#: Declared but never imported by name: why each is needed at run time.
RUNTIME_ONLY = {
    "openpyxl": "pandas' engine for the report's Excel tables (pd.ExcelWriter(engine='openpyxl'))",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in PACKAGE_EXTRAS:
        specs += project["optional-dependencies"][extra]
    return {normalise(r.name): r for r in map(Requirement, specs)}


def imported_modules() -> dict[str, set[str]]:
    """Top-level names of absolute imports in the package -> the files importing them."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO)))
    return {m: files for m, files in found.items() if m not in sys.stdlib_module_names and m != "forecasting"}


@functools.cache
def _providers() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def distributions_of(module: str) -> set[str]:
    return {normalise(d) for d in _providers().get(module, [module])}


def test_the_scan_sees_both_kinds_of_import():
    modules = imported_modules()
    # pyfixest is imported at module level, statsforecast only inside functions
    assert "gravity/_pyfixest.py" in " ".join(modules["pyfixest"])
    assert "statsforecast" in modules and "numpy" in modules and "os" not in modules


def test_every_imported_package_is_declared():
    wanted = declared()
    undeclared = {
        module: sorted(files)
        for module, files in imported_modules().items()
        if not distributions_of(module) & set(wanted)
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_every_declared_package_is_imported_or_needed_at_run_time():
    used = set().union(*(distributions_of(m) for m in imported_modules()))
    unused = sorted(set(declared()) - used - set(RUNTIME_ONLY))
    assert not unused, f"declared in pyproject.toml but never imported: {unused}"


def test_runtime_only_packages_are_declared_and_really_not_imported():
    assert set(RUNTIME_ONLY) <= set(declared())
    used = set().union(*(distributions_of(m) for m in imported_modules()))
    assert not set(RUNTIME_ONLY) & used, "an allow-listed package is imported: drop it from RUNTIME_ONLY"
