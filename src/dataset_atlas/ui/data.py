"""Cached loaders: the only place the app reads the catalog or renders quicklooks.

Caching lives here, at the Streamlit boundary, around pure loaders from the core. Which
catalog and data folder are in use comes from :class:`~dataset_atlas.settings.Settings`
(the environment); the catalog is keyed by its location and, for an index file, the file's
identity, so a rebuilt index is picked up while a filter change never re-reads it. A
database or STAC API catalog is opened once per process and queried live.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from dataset_atlas.catalog import Catalog, CatalogSource, catalog_source, open_catalog
from dataset_atlas.model import DatasetRecord
from dataset_atlas.quicklook import DataFile, Quicklook, find_data_files, render_quicklook
from dataset_atlas.settings import Settings

QUICKLOOK_CACHE = Path(".cache") / "quicklooks"
MAX_OVERLAYS = 4  # quicklooks drawn on the map for one dataset (each is a PNG in the page)
OVERVIEW_TTL_S = 60  # a shared database changes under the app: facet vocabularies refresh this often
OVERVIEW_FACETS = ("category", "access", "formats", "time_resolution")


def current_source() -> CatalogSource:
    """Where the catalog comes from (``$DATASET_ATLAS_CATALOG``, ``$DATASET_ATLAS_INDEX``, … else the seeds)."""
    return catalog_source(settings=Settings.from_env())


def _stamp(source: CatalogSource) -> int:
    """The index file's modification time (0 for seeds and servers), so a rebuilt index is reloaded."""
    if source.kind != "index":
        return 0
    path = Path(source.location)
    return path.stat().st_mtime_ns if path.exists() else 0


@st.cache_resource(show_spinner=False, max_entries=2)
def _load_catalog(kind: str, location: str, mtime_ns: int) -> Catalog:
    catalog = open_catalog(None if kind == "seeds" else location)
    warm = getattr(catalog, "warm_text_index", None)
    if warm is not None:
        warm()  # seconds at 100k records in memory: built while the user looks at the map
    return catalog


def get_catalog() -> Catalog:
    """The catalog the settings name (see :func:`current_source`)."""
    source = current_source()
    return _load_catalog(source.kind, source.location, _stamp(source))


@st.cache_data(show_spinner=False, max_entries=4, ttl=OVERVIEW_TTL_S)
def catalog_overview(kind: str, location: str, mtime_ns: int) -> tuple[dict[str, list[str]], tuple[int, int]]:
    """Facet vocabularies and the year span of the whole catalog (for the widgets)."""
    catalog = _load_catalog(kind, location, mtime_ns)
    values = {c: catalog.values(c) for c in OVERVIEW_FACETS}
    this_year = date.today().year
    first, last = catalog.time_span()
    span = (first.year, max(last.year if last else first.year, this_year)) if first else (1950, this_year)
    return values, span


def overview() -> tuple[dict[str, list[str]], tuple[int, int]]:
    """:func:`catalog_overview` for the current catalog."""
    source = current_source()
    return catalog_overview(source.kind, source.location, _stamp(source))


def data_root() -> Path | None:
    """The folder holding data files (``$DATASET_ATLAS_DATA_ROOT``, else data/demo if present)."""
    return Settings.from_env().data_folder()


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

