"""The catalog in PostgreSQL + pgstac: records as STAC collections, queried in SQL.

Layout (how to set one up and share it: docs/sharing.md):

* ``pgstac.collections`` holds one STAC collection per record, so stac-fastapi-pgstac
  (``dataset-atlas serve-stac``) and any STAC client read the catalog. Each collection carries
  the fields the app queries on as properties prefixed ``atlas:``, and the whole normalised
  record as ``atlas:record`` (:mod:`dataset_atlas.catalog.stacmap`), so :meth:`PgstacCatalog.get`
  gives back exactly what was ingested. A record that came from a STAC collection is stored as that collection,
  with the ``atlas:`` properties added.
* ``dataset_atlas.records`` is a flat, typed row per collection (the same columns as the
  GeoParquet index, computed by the same Python code at ingest, so queries agree with the
  local index), with the indexes the filters use: GiST on the extent, B-trees on dates,
  resolution and the facet columns, GIN (array) on formats and GIN trigram on the search text
  (so Chinese substrings such as 冻土 are found). A foreign key removes a row when its
  collection is deleted by any writer.
* ``dataset_atlas.combos`` / ``facts`` / ``cube`` serve the facet counts: one row per distinct
  combination of facet values, a narrow row per record naming its combination, and the
  records per combination for the whole catalog (kept by triggers). See :meth:`~.reader.PgstacCatalog._search`.

Every filter, the sort, the limit and the facet counts (each facet counted over the rows
matching every *other* filter, as :func:`dataset_atlas.catalog.local.masks.facet_counts` does)
run in the database; only the page of rows asked for comes back.

The package: :mod:`~.schema` (the layout, with the DDL in ``sql/*.sql``), :mod:`~.migrate`,
:mod:`~.write` (ingest), :mod:`~.rows` (what ingest derives per record), :mod:`~.query` (the
SQL builder) and :mod:`~.reader` (:class:`PgstacCatalog`).
"""

from dataset_atlas.catalog.pgstac.migrate import install_schema
from dataset_atlas.catalog.pgstac.reader import RESULT_ROWS, PgstacCatalog
from dataset_atlas.catalog.pgstac.write import ingest_to_pgstac

__all__ = ["RESULT_ROWS", "PgstacCatalog", "ingest_to_pgstac", "install_schema"]
