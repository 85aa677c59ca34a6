"""Settings from the environment, catalog locations, the protocol boundary and the seeds as package data."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dataset_atlas.catalog import LocalCatalog, catalog_source, open_catalog
from dataset_atlas.errors import AtlasError, QueryError
from dataset_atlas.settings import Settings, seeds_dir

from .conftest import ROOT, SEEDS


def test_settings_read_each_variable_once_and_ignore_empty_ones() -> None:
    s = Settings.from_env({"DATASET_ATLAS_CATALOG": "postgresql://db/atlas", "DATASET_ATLAS_INDEX": "x.parquet",
                           "DATASET_ATLAS_DATA_ROOT": ""})
    assert s.catalog == "postgresql://db/atlas" and s.index == Path("x.parquet") and s.data_root is None
    assert s.catalog_location() == "postgresql://db/atlas"  # CATALOG wins over INDEX
    assert s.catalog_location("given.parquet") == "given.parquet"  # a CLI option wins over both
    assert Settings.from_env({"DATASET_ATLAS_INDEX": "x.parquet"}).catalog_location() == "x.parquet"
    assert Settings.from_env({"DATASET_ATLAS_DATA_ROOT": "/d"}).data_folder() == Path("/d")


@pytest.mark.parametrize("value", ["0", "-5", "many", "1e4", "2.5"])
def test_a_bad_result_row_cap_is_a_clear_error(value: str) -> None:
    with pytest.raises(AtlasError, match=rf"DATASET_ATLAS_RESULT_ROWS='{re.escape(value)}': expected a whole number"):
        Settings.from_env({"DATASET_ATLAS_RESULT_ROWS": value})
    assert Settings.from_env({"DATASET_ATLAS_RESULT_ROWS": " 500 "}).result_rows == 500
    assert Settings.from_env({"DATASET_ATLAS_RESULT_ROWS": ""}).result_rows is None


def test_no_catalog_configured_means_the_seeds_and_ingest_writes_the_default_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no data/index.parquet here
    assert Settings().catalog_location() is None
    assert catalog_source(settings=Settings()).kind == "seeds"
    assert Settings().index_to_write() == os.path.join("data", "index.parquet")
    (tmp_path / "data").mkdir()
    LocalCatalog.seeds().save(tmp_path / "data" / "index.parquet")
    assert catalog_source(settings=Settings()).kind == "index"  # ./data/index.parquet once it exists


@pytest.mark.parametrize(("location", "kind"), [
    ("postgresql://u:secret@127.0.0.1:5432/atlas", "pgstac"), ("postgres:///atlas?host=/tmp", "pgstac"),
    ("stac+https://example.org/api", "stac-api"), ("stac+http://127.0.0.1:8081", "stac-api"),
    ("some/index.parquet", "index"), ("C:\\data\\index.parquet", "index"),
])
def test_catalog_locations_choose_a_backend(location: str, kind: str) -> None:
    source = catalog_source(location, Settings())
    assert source.kind == kind and source.location == location
    assert "secret" not in source.display


def test_an_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(QueryError, match=r"unknown scheme 'mysql'.*postgresql://"):
        open_catalog("mysql://db/atlas", Settings())


def test_seeds_come_from_the_package() -> None:
    packaged = seeds_dir()
    assert sorted(p.name for p in packaged.iterdir()) == sorted(p.name for p in SEEDS.iterdir())
    catalog = open_catalog(None, Settings())
    assert catalog.source.kind == "seeds" and len(catalog) == 3


UI_DIR = ROOT / "src" / "dataset_atlas" / "ui"
UI_FILES = sorted(UI_DIR.glob("*.py")) + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
# Attributes only the in-memory backend has. `.frame` is also a SearchResult's rows (every
# backend's), so it is allowed where the object is known to be a SearchResult, and nowhere else.
LOCAL_ONLY = {"frame", "codes", "text_index", "save"}


def _names_result(annotation: ast.expr | None) -> bool:
    """Whether a type annotation names SearchResult (``SearchResult``, ``"SearchResult | None"``, …)."""
    if annotation is None:
        return False
    text = annotation.value if isinstance(annotation, ast.Constant) else ast.unparse(annotation)
    return isinstance(text, str) and re.search(r"\bSearchResult\b", text) is not None


def _result_producers(trees: list[ast.Module]) -> tuple[set[str], set[str]]:
    """Functions returning a SearchResult, and class fields holding one, across the UI."""
    functions, fields = set(), set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and _names_result(node.returns) and \
                    not isinstance(node.returns, ast.Subscript):
                functions.add(node.name)
            if isinstance(node, ast.ClassDef):
                fields.update(item.target.id for item in node.body if isinstance(item, ast.AnnAssign)
                              and isinstance(item.target, ast.Name) and _names_result(item.annotation))
    return functions, fields


def local_only_uses(tree: ast.Module, functions: set[str], fields: set[str]) -> list[str]:
    """Uses of a local-only attribute in ``tree``: ``.codes``, ``.text_index`` or ``.save`` on
    anything, ``.frame`` on anything not known to be a SearchResult (an argument or variable
    annotated so, a ``….search(…)``, a call of a function returning one, a field holding one, or
    a variable assigned from those)."""

    def is_result(expr: ast.expr, bound: set[str]) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id in bound
        if isinstance(expr, ast.Attribute):
            return expr.attr in fields
        if isinstance(expr, ast.Call):
            func = expr.func
            return (isinstance(func, ast.Attribute) and func.attr == "search") or \
                (isinstance(func, ast.Name) and func.id in functions)
        return False

    def bind(target: ast.expr, value: ast.expr, bound: set[str]) -> None:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts, strict=True):
                bind(t, v, bound)
        elif isinstance(target, ast.Name):
            if is_result(value, bound):
                bound.add(target.id)
            else:
                bound.discard(target.id)

    found: list[tuple[int, str]] = []
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))]
    for scope in scopes:
        bound: set[str] = set()
        if not isinstance(scope, ast.Module):
            args = scope.args
            bound = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if _names_result(a.annotation)}
        nodes, stack = [], list(ast.iter_child_nodes(scope))
        while stack:  # this scope's own nodes: a nested function is a scope of its own
            node = stack.pop()
            nodes.append(node)
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.extend(ast.iter_child_nodes(node))
        for node in sorted((n for n in nodes if hasattr(n, "lineno")), key=lambda n: (n.lineno, n.col_offset)):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value, bound)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                    _names_result(node.annotation):
                bound.add(node.target.id)
            elif isinstance(node, ast.Attribute) and node.attr in LOCAL_ONLY:
                if node.attr != "frame" or not is_result(node.value, bound):
                    found.append((node.lineno, ast.unparse(node)))
    return [f"{line}: {text}" for line, text in sorted(set(found))]


def test_the_ui_guard_tells_a_search_result_from_a_catalog() -> None:
    code = """
def show(result: SearchResult, catalog: Catalog, run: PageRun) -> None:
    result.frame, run.result.frame, catalog.search(q).frame, make().frame
    rows = result
    rows.frame
    c = catalog
    c.frame, catalog.frame, run.catalog.frame, self.store.frame, catalog.codes, result.text_index
    def inner(cat):
        cat.frame, (lambda r: r.frame)
    rows = catalog
    rows.frame
"""
    functions, fields = {"make"}, {"result"}
    assert local_only_uses(ast.parse(code), functions, fields) == [
        "7: c.frame", "7: catalog.codes", "7: catalog.frame", "7: result.text_index", "7: run.catalog.frame",
        "7: self.store.frame", "9: cat.frame", "9: r.frame", "11: rows.frame"]


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_reach_the_catalog_only_through_the_protocol(path: Path) -> None:
    """No local index frame (`.frame` of anything but a SearchResult), `.codes`, `.text_index` or
    `.save` in the UI: those exist on the in-memory backend only; nor LocalCatalog itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions, fields = _result_producers([ast.parse(p.read_text(encoding="utf-8")) for p in UI_FILES])
    uses = local_only_uses(tree, functions, fields)
    assert not uses, f"{path.name} uses attributes of the in-memory backend: {uses}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dataset_atlas.catalog"):
            assert "LocalCatalog" not in {a.name for a in node.names}, f"{path.name} imports LocalCatalog"
            assert not (node.module or "").startswith("dataset_atlas.catalog.local"), f"{path.name}: {node.module}"
        if isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name):
            assert node.value.id != "os", f"{path.name}:{node.lineno} reads os.environ (use Settings)"


def test_an_installed_wheel_finds_its_seeds_outside_the_repository(tmp_path: Path) -> None:
    """Build the wheel, install it into a folder, run the CLI from elsewhere: the seeds come with it."""
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("dataset_atlas-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"dataset_atlas/seeds/{p.name}" for p in SEEDS.iterdir()} <= set(names)
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATASET_ATLAS_")}
    env["PYTHONPATH"] = str(target)  # ahead of the editable install of the repository
    code = ("import dataset_atlas, sys; from dataset_atlas.cli import main; "
            "print(dataset_atlas.__file__, file=sys.stderr); sys.exit(main(['search', '--json']))")
    run = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr.strip().startswith(str(target))  # the installed copy ran, not the repository's
    assert len(json.loads(run.stdout)) == 3
