"""Cached loaders: the only place the app reads the catalog or renders quicklooks.

Caching lives here, at the Streamlit boundary, around pure loaders from the core. The
catalog is keyed by the index file's identity, so a rebuilt index is picked up while a
filter change never re-reads it.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dataset_atlas.catalog import SEEDS_DIR, LocalCatalog, default_index_path
from dataset_atlas.model import DatasetRecord
from dataset_atlas.quicklook import DataFile, Quicklook, find_data_files, render_quicklook

DATA_ROOT_ENV = "DATASET_ATLAS_DATA_ROOT"
DEFAULT_DATA_ROOT = Path("data") / "demo"
QUICKLOOK_CACHE = Path(".cache") / "quicklooks"
MAX_OVERLAYS = 4  # quicklooks drawn on the map for one dataset (each is a PNG in the page)


def catalog_source() -> tuple[str, Path | None]:
    """Where the catalog comes from: ('index', path) or ('seeds', seeds dir)."""
    path = default_index_path()
    return ("index", path) if path is not None else ("seeds", SEEDS_DIR)


@st.cache_resource(show_spinner=False, max_entries=2)
def _load_catalog(kind: str, path: str, mtime_ns: int) -> LocalCatalog:
    catalog = LocalCatalog.load(path) if kind == "index" else LocalCatalog.from_paths([path])
    catalog.warm_text_index()  # seconds at 100k records: built while the user looks at the map
    return catalog


def get_catalog() -> LocalCatalog:
    """The catalog: ``$DATASET_ATLAS_INDEX`` (or ``data/index.parquet``), else the seeds."""
    kind, path = catalog_source()
    assert path is not None
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _load_catalog(kind, str(path), mtime)


@st.cache_data(show_spinner=False, max_entries=4)
def catalog_overview(kind: str, path: str, mtime_ns: int) -> tuple[dict[str, list[str]], tuple[int, int]]:
    """Facet vocabularies and the year span of the whole catalog (for the widgets)."""
    catalog = _load_catalog(kind, path, mtime_ns)
    values = {c: catalog.values(c) for c in ("category", "access", "formats", "time_resolution")}
    this_year = date.today().year
    years = [ts.year for col in ("start", "end") for ts in (catalog.frame[col].min(), catalog.frame[col].max())
             if not pd.isna(ts)]
    span = (min(years), max(*years, this_year)) if years else (1950, this_year)
    return values, span


def overview() -> tuple[dict[str, list[str]], tuple[int, int]]:
    """:func:`catalog_overview` for the current catalog."""
    kind, path = catalog_source()
    assert path is not None
    return catalog_overview(kind, str(path), path.stat().st_mtime_ns if path.exists() else 0)


def data_root() -> Path | None:
    """The folder holding data files (``$DATASET_ATLAS_DATA_ROOT``, else data/demo if present)."""
    env = os.environ.get(DATA_ROOT_ENV)
    if env:
        return Path(env)
    return DEFAULT_DATA_ROOT if DEFAULT_DATA_ROOT.is_dir() else None


def data_files(record: DatasetRecord) -> list[DataFile]:
    """The dataset's files on disk (package folder, folder named by id, STAC assets)."""
    root = data_root()
    assets = [lk.href for lk in record.links if lk.rel.startswith("asset:")]
    return find_data_files(record.id, source_path=record.source_path or None, asset_hrefs=assets, data_root=root)


@st.cache_resource(show_spinner=False, max_entries=64)
def quicklook(path: str, size: int, mtime_ns: int, max_size: int = 768, crs: str = "EPSG:3857") -> Quicklook:
    """A rendered quicklook in the map projection ``crs`` (memory cache on top of the disk cache)."""
    root = data_root()
    return render_quicklook(path, max_size=max_size, data_root=root, cache_dir=QUICKLOOK_CACHE, crs=crs)

