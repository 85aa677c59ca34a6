"""The index file: the index frame saved as GeoParquet, and read back.

Geometry is written as WKB with GeoParquet metadata so GIS tools read the file, but loading
skips decoding it: queries run on the bbox columns. The ingest report is kept in the
footer's key-value metadata. Writing (atomic, locked) is :mod:`dataset_atlas.catalog.local.writer`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dataset_atlas.catalog.base import IngestReport
from dataset_atlas.catalog.local.frame import COLUMNS, normalize_frame_types
from dataset_atlas.errors import IndexFileError

INDEX_VERSION = 2  # 2: the search text in the words of catalog.terms (hyphens split, plurals folded)
META_KEY = b"dataset_atlas"
GEO_META = json.dumps({
    "version": "1.0.0",
    "primary_column": "geometry",
    "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point", "Polygon", "MultiPolygon"]}},
}).encode()


def load_index(path: str | os.PathLike[str], *, records: bool = True) -> tuple[pd.DataFrame, IngestReport]:
    """Read an index written by :func:`save_index` (geometry left undecoded).

    With ``records=False`` the big ``record`` column (the whole normalised records as JSON,
    most of the file) is not read: :class:`RecordStore` fetches single records on demand.
    """
    source = Path(path)
    if not source.is_file():
        raise IndexFileError(f"{source}: no index file here (build one with `dataset-atlas ingest`)")
    try:
        parquet = pq.ParquetFile(source)
        # The report is in the footer's key-value metadata (written last); older files have
        # it in the Arrow schema's metadata.
        meta = {**(parquet.schema_arrow.metadata or {}), **(parquet.metadata.metadata or {})}
        if META_KEY not in meta:
            raise IndexFileError(f"{source}: not a Dataset Atlas index (no {META_KEY.decode()} metadata)")
        info = json.loads(meta[META_KEY])
        if info.get("version") != INDEX_VERSION:
            raise IndexFileError(f"{source}: index version {info.get('version')} is not {INDEX_VERSION}; "
                                 "rebuild it with `dataset-atlas ingest`")
        table = parquet.read(columns=COLUMNS if records else [c for c in COLUMNS if c != "record"])
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, IndexFileError):
            raise
        raise IndexFileError(f"{source}: unreadable index ({exc})") from exc
    frame = normalize_frame_types(table.to_pandas())  # pandas metadata in the file restores Int64 etc.
    del table
    # Arrow's allocator keeps the decoded pages cached for reuse: at 100k records that is
    # ~200 MB the app would hold for nothing.
    pa.default_memory_pool().release_unused()
    return frame, IngestReport.from_dict(info.get("report", {}))


class RecordStore:
    """The ``record`` column of a saved index, read one row group at a time on demand.

    Keeps start-up fast and memory low: the column is most of the file. The id stored next
    to each record is checked, so a file replaced since loading is an error, not a wrong record.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        meta = pq.ParquetFile(self.path).metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._cached: tuple[int, list[str], list[str]] | None = None

    def get(self, position: int, record_id: str) -> str:
        """The record JSON at row ``position``, which must have id ``record_id``."""
        group = int(np.searchsorted(self._starts, position, side="right")) - 1
        if self._cached is None or self._cached[0] != group:
            try:
                table = pq.ParquetFile(self.path).read_row_group(group, columns=["id", "record"])
            except (pa.ArrowException, OSError, IndexError) as exc:
                raise IndexFileError(f"{self.path}: cannot read record {record_id} ({exc})") from exc
            self._cached = (group, table.column("id").to_pylist(), table.column("record").to_pylist())
        _, ids, texts = self._cached
        offset = position - int(self._starts[group])
        if offset >= len(ids) or ids[offset] != record_id:
            raise IndexFileError(f"{self.path}: the index file changed since it was loaded; reload it")
        return str(texts[offset])

    def column(self) -> pd.Series:
        """The whole column (to save the index elsewhere)."""
        try:
            table = pq.read_table(self.path, columns=["record"])
        except (pa.ArrowException, OSError) as exc:
            raise IndexFileError(f"{self.path}: cannot read records ({exc})") from exc
        return table.column("record").to_pandas()
