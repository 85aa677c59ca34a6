"""Which catalog a location names (a path, ``postgresql://…`` or ``stac+http(s)://…``), and opening it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from dataset_atlas.catalog.base import Catalog, CatalogSource
from dataset_atlas.catalog.local import LocalCatalog
from dataset_atlas.errors import QueryError
from dataset_atlas.settings import Settings, seeds_dir

PGSTAC_SCHEMES = ("postgresql", "postgres")
STAC_API_SCHEMES = ("stac+http", "stac+https")


def default_index_path() -> Path | None:
    """The GeoParquet index the settings name (``$DATASET_ATLAS_INDEX`` or ``data/index.parquet``), if any."""
    location = Settings.from_env().catalog_location()
    return None if location is None or _scheme(location) else Path(location)


def _scheme(location: str) -> str:
    """The URL scheme of a catalog location, or "" for a path (Windows drive letters included)."""
    scheme = urlsplit(location).scheme.lower() if "://" in location else ""
    return scheme


def catalog_source(location: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> CatalogSource:
    """What :func:`open_catalog` would open for ``location`` (None: the settings' catalog)."""
    found = (settings or Settings.from_env()).catalog_location(location)
    if found is None:
        return CatalogSource("seeds", str(seeds_dir()))
    scheme = _scheme(found)
    if scheme in PGSTAC_SCHEMES:
        return CatalogSource("pgstac", found)
    if scheme in STAC_API_SCHEMES:
        return CatalogSource("stac-api", found)
    if scheme:
        raise QueryError(f"catalog {found!r}: unknown scheme {scheme!r}; expected a path, postgresql://… "
                         "or stac+http(s)://…")
    return CatalogSource("index", found)


def open_catalog(location: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> Catalog:
    """The catalog at ``location`` (a path or URL), else the settings' catalog, else the embedded seeds."""
    settings = settings or Settings.from_env()
    source = catalog_source(location, settings)
    if source.kind == "pgstac":
        from dataset_atlas.catalog.pgstac import RESULT_ROWS, PgstacCatalog

        return PgstacCatalog(source.location, result_rows=settings.result_rows or RESULT_ROWS)
    if source.kind == "stac-api":
        from dataset_atlas.catalog.stacapi import StacApiCatalog

        return StacApiCatalog(source.location)
    if source.kind == "index":
        return LocalCatalog.load(source.location)
    return LocalCatalog.seeds()
