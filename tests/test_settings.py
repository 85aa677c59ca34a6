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


@pytest.mark.parametrize("path", sorted(UI_DIR.glob("*.py")) + sorted((ROOT / "pages").glob("*.py")),
                         ids=lambda p: p.name)
def test_pages_reach_the_catalog_only_through_the_protocol(path: Path) -> None:
    """No `catalog.frame`, `.codes` or `.text_index` in the UI: those exist on the in-memory backend only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local_only = {"frame", "codes", "text_index", "save"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in local_only and isinstance(node.value, ast.Name):
            assert node.value.id != "catalog", f"{path.name}:{node.lineno} uses catalog.{node.attr}"
        if isinstance(node, ast.ImportFrom) and node.module == "dataset_atlas.catalog":
            assert "LocalCatalog" not in {a.name for a in node.names}, f"{path.name} imports LocalCatalog"
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
