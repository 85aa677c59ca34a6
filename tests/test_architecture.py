"""The shape of the package: no import circle, no module too big to read, DDL shipped.

The import graph is read from the source (every ``import`` in a module, at module level, in
a function or under ``TYPE_CHECKING``: a circle hidden by a late import is still a circle).
Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first, so it depends on those
packages too, except on the importing module's own packages, which Python has already
started importing before the module itself runs.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "dataset_atlas"
MAX_LINES = 500


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    out = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``module`` names in its imports (before adding the packages they run).

    ``from a import b`` names the submodule ``a.b`` when there is one, else ``a`` itself (b is
    then a name ``a/__init__`` must have defined: a dependency on the package, even from inside it).
    """
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's package, up level - 1 more
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names)
    return {name for name in found if name in known or any(a in known for a in _ancestors(name))}


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules importing it runs (the named ones and their packages)."""
    files = module_files()
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        own = {*_ancestors(module), module}  # already being imported when this module runs
        edges: set[str] = set()
        for name in _imported(module, path, known):
            edges.update(n for n in _ancestors(name) if n in known and n not in own)
            if name in known and name != module:
                edges.add(name)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_has_no_circle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_graph_sees_late_imports_and_the_packages_an_import_runs(tmp_path: Path) -> None:
    """The graph itself: a function-level import counts, and so does the package it runs."""
    graph = import_graph()
    # open_catalog imports the database backend inside the function
    assert "dataset_atlas.catalog.pgstac" in graph["dataset_atlas.catalog.location"]
    # importing dataset_atlas.catalog.local.ingest from outside the catalog runs both packages
    assert {"dataset_atlas.catalog", "dataset_atlas.catalog.local"} <= graph["dataset_atlas.cli"]
    # but a module does not depend on its own packages (they are imported before it)...
    assert "dataset_atlas.catalog" not in graph["dataset_atlas.catalog.base"]
    # ...unless it imports a name its package defines (a circle when the package imports it)
    module = tmp_path / "m.py"
    module.write_text("from dataset_atlas.catalog import Query\nfrom dataset_atlas.catalog import base\n")
    assert _imported("dataset_atlas.catalog.m", module, set(module_files())) == {
        "dataset_atlas.catalog", "dataset_atlas.catalog.base"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(module_files()))
def test_no_module_is_too_long_to_read(module: str) -> None:
    path = module_files()[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines (at most {MAX_LINES}); split it"


def test_every_sql_file_ships_with_the_package() -> None:
    """The DDL is package data: each ``.sql`` file under the package matches a package-data glob."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"][PACKAGE]
    files = sorted((SRC / PACKAGE).rglob("*.sql"))
    assert files
    for path in files:
        relative = path.relative_to(SRC / PACKAGE).as_posix()
        assert any(fnmatch.fnmatch(relative, glob) for glob in globs), f"{relative} is not in package-data"
