"""The catalog: records behind a small interface the pages and the CLI talk to.

:class:`Catalog` is the protocol (:mod:`~.base`), with three backends: :class:`LocalCatalog`
holds an in-memory index frame built from files or loaded from GeoParquet (:mod:`~.local`),
:mod:`~.pgstac` keeps the records in PostgreSQL + pgstac, and :mod:`~.stacapi` reads any STAC
API. :func:`open_catalog` picks one from a location (a path or a URL), and the pages never know which.
"""

from dataset_atlas.catalog.base import Catalog, CatalogSource, IngestReport, Query, Rejected, SearchResult
from dataset_atlas.catalog.local import LocalCatalog
from dataset_atlas.catalog.location import catalog_source, default_index_path, open_catalog

__all__ = ["Catalog", "CatalogSource", "IngestReport", "LocalCatalog", "Query", "Rejected", "SearchResult",
           "catalog_source", "default_index_path", "open_catalog"]
