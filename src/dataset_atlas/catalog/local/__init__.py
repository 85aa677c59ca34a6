"""The in-memory backend: the index frame and the GeoParquet file it is saved as.

* :mod:`~.frame`: the frame's columns and how records become rows;
* :mod:`~.geoparquet`: the index file's format, read back (the record column on demand);
* :mod:`~.writer`: writing that file atomically under a lock;
* :mod:`~.ingest`: record files read into frames (in worker processes) and streamed into the file;
* :mod:`~.masks` and :mod:`~.ranking`: filters, facet counts, sorting and relevance over the frame;
* :mod:`~.textindex`: free text without scanning every row;
* :mod:`~.catalog`: :class:`LocalCatalog`, the :class:`~dataset_atlas.catalog.base.Catalog` over all that.
"""

from dataset_atlas.catalog.local.catalog import LocalCatalog

__all__ = ["LocalCatalog"]
