"""The catalog index: one row per record, saved as GeoParquet.

The frame keeps flat, typed columns for filtering (bbox as four floats, dates, resolution in
metres, ...) and the whole normalised record as JSON for the detail view, so a saved index
is self-contained. Geometry is written as WKB with GeoParquet metadata so GIS tools read
the file, but loading skips decoding it: queries run on the bbox columns.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from dataset_atlas.errors import IndexFileError
from dataset_atlas.model import DatasetRecord, Extent
from dataset_atlas.model import encode_record as record_json_bytes
from dataset_atlas.sources.discover import IngestReport

INDEX_VERSION = 1
META_KEY = b"dataset_atlas"
ROW_GROUP_SIZE = 2048
LIST_SEP = "\u001f"  # joins list values (keywords, formats) inside one string column

COLUMNS = [
    "id", "source_kind", "source_path", "title_zh", "title_en", "category", "keywords", "formats",
    "place_zh", "place_en", "west", "south", "east", "north", "extent_quality", "start", "end",
    "ongoing", "resolution_m", "resolution_text", "time_resolution", "access", "licence",
    "size_bytes", "file_count", "search_text", "record",
]  # fmt: skip


def search_text(record: DatasetRecord) -> str:
    """Lower-cased text that free-text search runs over (both languages)."""
    parts = [record.id, record.title.zh, record.title.en, record.abstract_text.zh, record.abstract_text.en,
             record.place.zh, record.place.en, record.category, *record.keywords]
    return "\n".join(p for p in parts if p).lower()


def record_json(record: DatasetRecord) -> str:
    """``json.dumps(record.to_dict())``, compact, about ten times faster than ``to_dict``."""
    return record_json_bytes(record).decode("utf-8")


def records_to_frame(records: Sequence[DatasetRecord], encoded: Sequence[bytes] | None = None) -> pd.DataFrame:
    """Flatten records into the index frame; ``encoded`` is their stored JSON when known."""
    rows: list[dict[str, Any]] = []
    for r in records:
        bbox = r.extent.bbox or (np.nan, np.nan, np.nan, np.nan)
        rows.append({
            "id": r.id, "source_kind": r.source_kind, "source_path": r.source_path,
            "title_zh": r.title.get("zh"), "title_en": r.title.get("en"), "category": r.category,
            "keywords": LIST_SEP.join(r.keywords), "formats": LIST_SEP.join(r.formats),
            "place_zh": r.place.get("zh"), "place_en": r.place.get("en"),
            "west": bbox[0], "south": bbox[1], "east": bbox[2], "north": bbox[3],
            "extent_quality": str(r.extent.quality),
            "start": r.time.start, "end": r.time.end, "ongoing": r.time.ongoing,
            "resolution_m": r.resolution.metres if r.resolution.metres is not None else np.nan,
            "resolution_text": r.resolution.text, "time_resolution": str(r.time_resolution),
            "access": r.access, "licence": r.licence,
            "size_bytes": r.size_bytes, "file_count": r.file_count,
        })
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("search_text", "record")])
    # The two large text columns go straight into Arrow: building them through Python str
    # objects was most of the frame's cost (the record JSON is already UTF-8 from orjson).
    frame["search_text"] = pa.array([search_text(r) for r in records], type=pa.large_string()).to_pandas()
    if encoded is None:
        encoded = [record_json_bytes(r) for r in records]
    frame["record"] = pa.array(encoded, type=pa.large_binary()).cast(
        pa.large_string()).to_pandas()
    return normalize_frame_types(frame[COLUMNS])


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_DTYPES: dict[str, Any] = {
    **dict.fromkeys(("west", "south", "east", "north", "resolution_m"), "float64"),
    "start": "datetime64[s]", "end": "datetime64[s]", "size_bytes": "Int64", "file_count": "Int64",
    "ongoing": "bool",
}


def normalize_frame_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the index columns their dtypes (after building or loading).

    Columns already in their final dtype are left alone, so a saved index (written typed)
    loads without conversions.
    """
    for col, dtype in _DTYPES.items():
        if col not in frame or frame[col].dtype == dtype:
            continue
        if dtype.startswith("datetime"):
            frame[col] = pd.to_datetime(frame[col], errors="coerce").astype(dtype)
        elif dtype == "bool":
            frame[col] = frame[col].astype(bool)
        elif dtype == "Int64" and getattr(frame[col].dtype, "kind", "") in ("O", "u"):
            # Ints straight from records: exact, and beyond int64 (bad input) is missing.
            frame[col] = pd.array([int(v) if isinstance(v, int | np.integer) and _INT64_MIN <= v <= _INT64_MAX
                                   else None for v in frame[col].tolist()], dtype="Int64")
        else:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(dtype)
    for col in COLUMNS:
        if col in frame and frame[col].dtype == object:
            frame[col] = frame[col].fillna("").astype(str)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return frame


def extent_geometry(extent: Extent) -> shapely.Geometry | None:
    """WGS84 geometry of an extent: a point, a box, or two boxes split at 180°."""
    if extent.bbox is None:
        return None
    w, s, e, n = extent.bbox
    if extent.is_point:
        return shapely.Point(w, s)
    if w > e:
        return shapely.MultiPolygon([shapely.box(w, s, 180.0, n), shapely.box(-180.0, s, e, n)])
    return shapely.box(w, s, e, n)


def frame_geometries(frame: pd.DataFrame) -> np.ndarray:
    """Vectorised :func:`extent_geometry` for the bbox columns of a frame."""
    w, s, e, n = (frame[c].to_numpy(dtype="float64") for c in ("west", "south", "east", "north"))
    out = np.full(len(frame), None, dtype=object)
    has = ~np.isnan(w)
    point = has & (w == e) & (s == n)
    cross = has & (w > e) & ~point
    plain = has & ~point & ~cross
    out[point] = shapely.points(w[point], s[point])
    out[plain] = shapely.box(w[plain], s[plain], e[plain], n[plain])
    for i in np.flatnonzero(cross):
        out[i] = shapely.MultiPolygon([shapely.box(w[i], s[i], 180.0, n[i]), shapely.box(-180.0, s[i], e[i], n[i])])
    return out


def save_index(frame: pd.DataFrame, report: IngestReport, path: str | os.PathLike[str]) -> Path:
    """Write the index as GeoParquet, atomically: a crash mid-write keeps the old file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame[COLUMNS], preserve_index=False)
    wkb = shapely.to_wkb(frame_geometries(frame))
    table = table.append_column("geometry", pa.array(list(wkb), type=pa.binary()))
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point", "Polygon", "MultiPolygon"]}},
    }
    meta = dict(table.schema.metadata or {})
    meta[b"geo"] = json.dumps(geo).encode()
    meta[META_KEY] = json.dumps({"version": INDEX_VERSION, "report": report.to_dict()}).encode()
    table = table.replace_schema_metadata(meta)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # Small row groups: one record is read back by decoding its group only (RecordStore).
            pq.write_table(table, fh, compression="zstd", row_group_size=ROW_GROUP_SIZE)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


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
        meta = parquet.schema_arrow.metadata or {}
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
